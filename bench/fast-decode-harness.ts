/**
 * Harness of bench/fast-decode.bench.ts (bundled twice and run in fresh processes by it: once as
 * the code ships, once with kernel/fast-decode.ts replaced by a stub that never answers, so every
 * payload takes Effect's Schema decoder). End to end, as a delivery goes: a signed
 * `orders/updated` (10 line items) through the Shopify HTTPS door (HMAC check, raw write,
 * platform-bus publish), then the orders processor on the published event (idempotency claim,
 * decode, enrichment, guarded upsert, checkout and cart recovery, completion), on the in-memory
 * layers. Prints one JSON line: CPU microseconds per event, and the same for decoding alone.
 */
import * as path from "node:path";
import { createHmac } from "node:crypto";
import { ManagedRuntime } from "effect";
import { PLATFORM_DETAIL_TYPE } from "../contracts/events";
import type { BusEnvelope, HttpRequest } from "../functions/kernel/function-shape";
import { makeTestPlatform } from "../functions/kernel/memory";
import { decodePayload } from "../functions/kernel/processor-frame";
import { program as ingress } from "../functions/shopify/ingress";
import { familyProcessor } from "../functions/shopify/family-processor";
import { orderHandlers } from "../functions/shopify/orders";
import { Order } from "../functions/shopify/schemas";
import { benchOrders } from "./bench-orders";

const ordersProcessor = familyProcessor("shopify-orders", orderHandlers).program;

const root = process.argv[2] ?? path.resolve(__dirname, "..", "..");
const SECRET = "bench-webhook-secret";
const RECEIVED_AT = "2026-03-01T15:20:01.000Z";
const orderOf = benchOrders(root, 500);

const requestOf = (index: number): HttpRequest => {
  const rawBody = Buffer.from(JSON.stringify(orderOf(index)));
  return {
    method: "POST",
    path: "/webhooks/shopify",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/updated",
      "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(rawBody).digest("base64"),
      "x-shopify-shop-domain": "acme-coffee.myshopify.com",
      "x-shopify-webhook-id": `wh-bench-${index}`,
      "x-shopify-api-version": "2026-10",
    },
    rawBody,
    requestId: `req-${index}`,
    receivedAt: RECEIVED_AT,
  };
};

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

const main = async () => {
  const perRound = 1000;
  const warmupRounds = 1;
  const rounds = 3;
  let endToEnd = 0;
  let processed = 0;
  for (let round = 0; round < warmupRounds + rounds; round++) {
    // A fresh platform per round: the lake and tables live outside Lambda, so memory should not grow here.
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const runtime = ManagedRuntime.make(platform.layer);
    const requests = Array.from({ length: perRound }, (_, index) => requestOf(round * perRound + index));
    const started = process.cpuUsage();
    for (const request of requests) {
      const answer = await runtime.runPromise(ingress(request));
      if (answer.statusCode !== 200) throw new Error(`the door answered ${answer.statusCode}: ${answer.body}`);
      const published = platform.state.events.at(-1)!;
      const envelope: BusEnvelope = {
        id: `bus-${request.requestId}`,
        source: published.source,
        "detail-type": PLATFORM_DETAIL_TYPE,
        time: request.receivedAt,
        detail: published.detail,
      };
      await runtime.runPromise(ordersProcessor(envelope));
    }
    const used = cpuMicros(started);
    if (round >= warmupRounds) {
      endToEnd += used;
      processed += perRound;
    }
    if (platform.metricTotal("EventProcessed") !== perRound) throw new Error(`round ${round}: ${platform.metricTotal("EventProcessed")} of ${perRound} processed`);
    if (platform.items("orders").length !== 500) throw new Error(`round ${round}: expected 500 orders, found ${platform.items("orders").length}`);
    await runtime.dispose();
  }

  // Decoding alone, on the same payloads (parsed as the processor sees them).
  const decode = decodePayload(Order, "order");
  const payloads = Array.from({ length: perRound }, (_, index) => JSON.parse(requestOf(index).rawBody.toString("utf8")) as unknown);
  for (const payload of payloads) decode(payload);
  const started = process.cpuUsage();
  const repeats = 10;
  for (let repeat = 0; repeat < repeats; repeat++) for (const payload of payloads) if (decode(payload)._tag !== "Right") throw new Error("a bench payload does not decode");
  const decodeOnly = cpuMicros(started) / (repeats * payloads.length);

  console.log(JSON.stringify({ microsPerEvent: endToEnd / processed, decodeMicrosPerEvent: decodeOnly, processed }));
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
