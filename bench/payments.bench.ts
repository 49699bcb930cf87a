/**
 * Payments bench: events per second per core (CPU time of this process) for the Recharge and
 * Stripe processors on in-memory layers. Goal as for Shopify: >= 5,000 events/s. Bundle sizes and
 * cold module loads of every function, these included, are measured by bench/ingest.bench.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Effect, Either } from "effect";
import { PLATFORM_DETAIL_TYPE, platformSources } from "../contracts/events";
import { rawEventKey } from "../contracts/lake-layout";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import { describeRechargeDelivery } from "../functions/recharge/describe";
import { program as rechargeProgram } from "../functions/recharge/processor";
import { describeStripeBody } from "../functions/stripe/describe";
import { program as stripeProgram } from "../functions/stripe/processor";
import { makeTestPlatform } from "../functions/kernel/memory";

const root = path.resolve(__dirname, "..");
const fixture = (source: string, file: string) => fs.readFileSync(path.join(root, "__tests__", "fixtures", source, file), "utf8");
const RECEIVED_AT = "2026-11-27T06:00:00.000Z";
const EVENTS = Number(process.env.PAYMENTS_BENCH_EVENTS ?? 20_000);
const GOALS = { eventsPerSecond: 5_000 };

const envelope = (source: "recharge" | "stripe", described: { eventId: string; topic: string; entity: string; payload: unknown }): BusEnvelope => ({
  id: `bus-${described.eventId}`,
  source: platformSources[source],
  "detail-type": PLATFORM_DETAIL_TYPE,
  time: RECEIVED_AT,
  detail: {
    source,
    topic: described.topic,
    eventId: described.eventId,
    receivedAt: RECEIVED_AT,
    rawKey: rawEventKey(source, described.entity, RECEIVED_AT, described.eventId),
    payload: described.payload,
  },
});

/** Distinct deliveries: 500 subscriptions / charges updated again and again, in a shuffled order. */
const rechargeEnvelopes = (count: number): BusEnvelope[] => {
  const subscription = JSON.parse(fixture("recharge", "subscription-updated.json"));
  const charge = JSON.parse(fixture("recharge", "charge-failed-1.json"));
  return Array.from({ length: count }, (_, index) => {
    const isCharge = index % 2 === 1;
    const body = structuredClone(isCharge ? charge : subscription);
    const object = isCharge ? body.charge : body.subscription;
    object.id = 10_000_000 + (index % 500);
    object.updated_at = new Date(Date.UTC(2026, 10, 1) + ((index * 7919) % count) * 1000).toISOString();
    const topic = isCharge ? "charge/updated" : "subscription/updated";
    return envelope("recharge", Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": topic }, Buffer.from(JSON.stringify(body)))));
  });
};

const stripeEnvelopes = (count: number): BusEnvelope[] => {
  const templates = ["charge-succeeded.json", "payment_intent-succeeded.json", "invoice-paid.json", "charge-dispute-closed.json"].map((file) =>
    JSON.parse(fixture("stripe", file)),
  );
  return Array.from({ length: count }, (_, index) => {
    const event = structuredClone(templates[index % templates.length]);
    event.id = `evt_bench_${index}`;
    event.created = 1_795_000_000 + ((index * 7919) % count);
    event.data.object.id = `${event.data.object.id}_${index % 500}`;
    return envelope("stripe", Either.getOrThrow(describeStripeBody(Buffer.from(JSON.stringify(event)))));
  });
};

const throughput = async (name: string, envelopes: BusEnvelope[], program: (envelope: BusEnvelope) => Effect.Effect<void, unknown, any>, logLevel: "info" | "warn") => {
  // The kernel's test platform writes redacted JSON log lines at this level (one info line per event, as in Lambda).
  process.env.SDP_LOG_LEVEL = logLevel;
  const platform = makeTestPlatform();
  const runAll = (batch: BusEnvelope[]) =>
    Effect.runPromise(Effect.forEach(batch, (one) => program(one), { discard: true }).pipe(Effect.provide(platform.layer)) as Effect.Effect<void>);
  await runAll(envelopes.slice(0, 500)); // warm-up (JIT), its ids are processed again below as duplicates
  const started = process.cpuUsage();
  await runAll(envelopes);
  const used = process.cpuUsage(started);
  const seconds = (used.user + used.system) / 1e6;
  const perSecond = Math.round(envelopes.length / seconds);
  console.log(
    `${name} (${logLevel === "info" ? "info logs on" : "logs off"}): ${perSecond.toLocaleString("en")} events/s per core (${envelopes.length} events in ${seconds.toFixed(2)} CPU s; goal >= ${GOALS.eventsPerSecond.toLocaleString("en")})  ${perSecond >= GOALS.eventsPerSecond ? "OK" : "BELOW GOAL"}`,
  );
};

const main = async () => {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; ${EVENTS} events per processor`);
  const recharge = rechargeEnvelopes(EVENTS);
  const stripe = stripeEnvelopes(EVENTS);
  for (const logLevel of ["info", "warn"] as const) {
    await throughput("recharge-processor", recharge, rechargeProgram, logLevel);
    await throughput("stripe-processor", stripe, stripeProgram, logLevel);
  }
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
