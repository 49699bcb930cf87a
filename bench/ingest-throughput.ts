/**
 * Throughput harness of bench/ingest.bench.ts (bundled and run in a fresh process by it):
 * `orders/updated` with 10 line items through the orders processor on the in-memory layers.
 * Prints one JSON line: events per second per core (CPU time) and per wall-clock second.
 */
import * as path from "node:path";
import { ManagedRuntime } from "effect";
import { SHOPIFY_DETAIL_TYPE } from "../contracts/events";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import { makeTestPlatform } from "../functions/kernel/memory";
import { familyProcessor } from "../functions/shopify/family-processor";
import { orderHandlers } from "../functions/shopify/orders";
import { benchOrders } from "./bench-orders";

const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;

const root = process.argv[2] ?? path.resolve(__dirname, "..", "..");
const orderOf = benchOrders(root, 1000);

const envelopeFor = (index: number): BusEnvelope => ({
  id: `bench-${index}`,
  source: "aws.partner/shopify.com/123456/acme-coffee",
  "detail-type": SHOPIFY_DETAIL_TYPE,
  time: "2026-03-01T15:20:01Z",
  detail: {
    metadata: { "X-Shopify-Topic": "orders/updated", "X-Shopify-Webhook-Id": `wh-bench-${index}`, "X-Shopify-Shop-Domain": "acme-coffee.myshopify.com" },
    payload: orderOf(index),
  },
});

const main = async () => {
  const perRound = 2000;
  const warmupRounds = 2;
  const rounds = 6;
  let cpuMicros = 0;
  let wallMs = 0;
  let processed = 0;
  for (let round = 0; round < warmupRounds + rounds; round++) {
    // A fresh store per round: the lake and tables live outside Lambda, so memory should not grow here.
    const platform = makeTestPlatform();
    const runtime = ManagedRuntime.make(platform.layer);
    const batch = Array.from({ length: perRound }, (_, index) => envelopeFor(round * perRound + index));
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    for (const envelope of batch) await runtime.runPromise(ordersProgram(envelope));
    const cpu = process.cpuUsage(cpuStart);
    if (round >= warmupRounds) {
      cpuMicros += cpu.user + cpu.system;
      wallMs += performance.now() - wallStart;
      processed += batch.length;
    }
    if (platform.metricTotal("EventProcessed") !== batch.length) throw new Error(`round ${round}: ${platform.metricTotal("EventProcessed")} of ${batch.length} processed`);
    if (platform.items("orders").length !== 1000) throw new Error(`round ${round}: expected 1000 orders, found ${platform.items("orders").length}`);
    await runtime.dispose();
  }
  console.log(JSON.stringify({ perCore: processed / (cpuMicros / 1e6), wall: processed / (wallMs / 1000), processed }));
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
