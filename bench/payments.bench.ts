/**
 * Payments bench: events per second per core for the Recharge and Stripe processors on in-memory
 * layers (one process = one core), and the bundle size and cold module-load time of the four
 * payment entries (esbuild with the shared Lambda options, @aws-sdk/* external, loaded by a fresh
 * node process). Goals as for Shopify: >= 5,000 events/s, < 1 MB, < 200 ms.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { Effect, Either } from "effect";
import { PLATFORM_DETAIL_TYPE, platformSources } from "../contracts/events";
import { rawEventKey } from "../contracts/lake-layout";
import { functionSpec } from "../contracts/functions";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import { describeRechargeDelivery } from "../functions/recharge/describe";
import { program as rechargeProgram } from "../functions/recharge/processor";
import { describeStripeBody } from "../functions/stripe/describe";
import { program as stripeProgram } from "../functions/stripe/processor";
import { makeTestPlatform } from "../functions/kernel/memory";
import { sharedBuildOptions } from "../modules/bundle";

const root = path.resolve(__dirname, "..");
const fixture = (source: string, file: string) => fs.readFileSync(path.join(root, "__tests__", "fixtures", source, file), "utf8");
const RECEIVED_AT = "2026-11-27T06:00:00.000Z";
const EVENTS = Number(process.env.PAYMENTS_BENCH_EVENTS ?? 20_000);
const GOALS = { eventsPerSecond: 5_000, bundleBytes: 1_000_000, coldLoadMs: 200 };

const envelope = (source: "recharge" | "stripe", described: { eventId: string; topic: string; entity: string; payload: unknown }): BusEnvelope => ({
  id: `bus-${described.eventId}`,
  source: platformSources[source],
  "detail-type": PLATFORM_DETAIL_TYPE,
  time: RECEIVED_AT,
  detail: { source, topic: described.topic, eventId: described.eventId, receivedAt: RECEIVED_AT, rawKey: rawEventKey(source, described.entity, RECEIVED_AT, described.eventId), payload: described.payload },
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
  const templates = ["charge-succeeded.json", "payment_intent-succeeded.json", "invoice-paid.json", "charge-dispute-closed.json"].map((file) => JSON.parse(fixture("stripe", file)));
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
    Effect.runPromise(
      Effect.forEach(batch, (one) => program(one), { discard: true }).pipe(
        Effect.provide(platform.layer),
      ) as Effect.Effect<void>,
    );
  await runAll(envelopes.slice(0, 500)); // warm-up (JIT), its ids are processed again below as duplicates
  const started = process.hrtime.bigint();
  await runAll(envelopes);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(envelopes.length / seconds);
  console.log(`${name} (${logLevel === "info" ? "info logs on" : "logs off"}): ${perSecond.toLocaleString("en")} events/s per core (${envelopes.length} events in ${seconds.toFixed(2)} s; goal >= ${GOALS.eventsPerSecond.toLocaleString("en")})  ${perSecond >= GOALS.eventsPerSecond ? "OK" : "BELOW GOAL"}`);
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const bundles = async () => {
  // Inside the repository so the bundles resolve the external @aws-sdk/* from node_modules, as
  // the Lambda runtime resolves its own copy.
  fs.mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
  const outDir = fs.mkdtempSync(path.join(root, "node_modules", ".cache", "sdp-payments-bench-"));
  try {
    for (const name of ["recharge-ingress", "recharge-processor", "stripe-ingress", "stripe-processor"]) {
      const spec = functionSpec(name);
      const outfile = path.join(outDir, `${name}.js`);
      const result = await esbuild.build({ ...sharedBuildOptions, entryPoints: [path.join(root, spec.entry)], outfile, logLevel: "silent", metafile: true });
      const bytes = fs.statSync(outfile).size;
      // The external AWS SDK packages the bundle requires: loaded first and timed apart, so the
      // figure for our own code does not depend on how fast this machine loads the SDK.
      const sdkPackages = [...new Set(Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path)))].filter((name) => name.startsWith("@aws-sdk/"));
      const script = `const h=()=>Number(process.hrtime.bigint())/1e6;const a=h();for(const p of ${JSON.stringify(sdkPackages)})require(p);const b=h();require(${JSON.stringify(outfile)});const c=h();process.stdout.write(JSON.stringify([c-a,c-b]))`;
      const totals: number[] = [];
      const ownCode: number[] = [];
      for (let run = 0; run < 5; run++) {
        const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: root });
        if (child.status !== 0) throw new Error(`${name} bundle failed to load: ${child.stderr.slice(0, 500)}`);
        const [total, own] = JSON.parse(child.stdout) as [number, number];
        totals.push(total);
        ownCode.push(own);
      }
      const loadMs = median(totals);
      console.log(
        `${name}: bundle ${(bytes / 1024).toFixed(0)} KiB (goal < ${GOALS.bundleBytes / 1000} kB) ${bytes < GOALS.bundleBytes ? "OK" : "OVER"}; cold module load ${loadMs.toFixed(1)} ms median of 5, of which our bundle ${median(ownCode).toFixed(1)} ms and ${sdkPackages.length} AWS SDK packages the rest (goal < ${GOALS.coldLoadMs} ms) ${loadMs < GOALS.coldLoadMs ? "OK" : "OVER"}`,
      );
    }
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
};

const main = async () => {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"}, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; ${EVENTS} events per processor`);
  const recharge = rechargeEnvelopes(EVENTS);
  const stripe = stripeEnvelopes(EVENTS);
  for (const logLevel of ["info", "warn"] as const) {
    await throughput("recharge-processor", recharge, rechargeProgram, logLevel);
    await throughput("stripe-processor", stripe, stripeProgram, logLevel);
  }
  await bundles();
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
