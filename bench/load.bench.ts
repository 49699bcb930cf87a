/**
 * Load figures of the embedded platform, measured in one run on this machine:
 *   1. the S3 emulator's own raw PUT rate: s3rver alone (the same patched s3rver the platform
 *      starts), small JSON objects put with the platform's S3 client settings at concurrency 32,
 *      and the process CPU of one S3 PUT, DynamoDB PutItem and GetItem (bench/emulator-calls.ts);
 *   2. `sdp load` at concurrency 32 (closed loop: as fast as 32 requests in flight allow) with
 *      3,000 signed deliveries of the demo's traffic (all sources): accepted/s, answer p99,
 *      end-to-end/s (delivery to hot row), lost, CPU ms per event, without the CPU profiler (its
 *      sampling costs the platform about 7% of its rate);
 *   3. the same traffic again (LOAD_BENCH_PROFILED_EVENTS, default 1,000) with the profiler on,
 *      for the CPU per event by component.
 * Goals: end-to-end rate >= half the raw PUT rate, p99 answer latency < 250 ms, zero lost.
 * The last line prices the emulator calls an event makes at (1)'s costs: the CPU an event takes in
 * round trips alone, and the rate ceiling that leaves the machine's cores.
 *
 * `npm run bench -- load`   (LOAD_BENCH_EVENTS=1000 for a shorter run)
 */
import * as os from "node:os";
import { emulatorFloorMsPerEvent, measureEmulatorCalls } from "./emulator-calls";
import { runTraffic } from "../cli/load/run";
import { deliveryIds, loadDeliveries } from "../cli/load/traffic";
import { webhookSecretsFrom } from "../demo/signing";

const EVENTS = Number(process.env.LOAD_BENCH_EVENTS ?? 3000);
const CONCURRENCY = 32;
const PUTS = Number(process.env.LOAD_BENCH_PUTS ?? 3000);
const PROFILED_EVENTS = Number(process.env.LOAD_BENCH_PROFILED_EVENTS ?? 1000);
const mark = (ok: boolean) => (ok ? "ok  " : "MISS");

const main = async () => {
  console.log(
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")} (shared: figures move with it)`,
  );
  const costs = await measureEmulatorCalls({ count: PUTS, concurrency: CONCURRENCY });
  const putRate = costs["S3 PUT"].perSecond;
  console.log(`S3 emulator (s3rver alone): ${Math.round(putRate)} PUT/s at concurrency ${CONCURRENCY} (${PUTS} objects)`);
  console.log(
    `       process CPU per call, each alone: ${Object.entries(costs)
      .map(([name, cost]) => `${name} ${cost.cpuMsPerCall.toFixed(2)} ms (${Math.round(cost.perSecond)}/s)`)
      .join(", ")}`,
  );

  const deliveries = loadDeliveries({ count: EVENTS, sources: ["shopify", "recharge", "stripe"], seed: 17, env: process.env });
  const items = deliveries.map((delivery) => ({ path: delivery.path, headers: delivery.headers, body: delivery.body, ids: deliveryIds(delivery) }));
  const run = (runItems: typeof items, profile: boolean) =>
    runTraffic({
      items: runItems,
      ratePerSecond: Infinity,
      concurrency: CONCURRENCY,
      maxSendMs: 600_000,
      drainTimeoutMs: 300_000,
      env: process.env,
      profile,
      label: "bench-load",
      stripeSecret: webhookSecretsFrom(process.env).stripe,
    });
  const report = await run(items, false);
  const profiled = await run(items.slice(0, PROFILED_EVENTS), true);
  const e2eOk = report.endToEnd.perSecond >= putRate / 2;
  const p99Ok = (report.answerLatencyMs.p99 ?? Infinity) < 250;
  const lostOk = report.lost === 0 && report.deadLetters === 0 && report.failures === 0 && report.notSent === 0;
  console.log(`sdp load, ${report.requests} deliveries (all sources) at concurrency ${CONCURRENCY}, embedded platform:`);
  console.log(`       accepted ${report.acceptedPerSecond}/s; answers ${JSON.stringify(report.answers)}`);
  console.log(
    `  ${mark(p99Ok)} answer latency p50 ${report.answerLatencyMs.p50} ms, p95 ${report.answerLatencyMs.p95} ms, p99 ${report.answerLatencyMs.p99} ms (goal p99 < 250 ms)`,
  );
  console.log(
    `  ${mark(e2eOk)} end to end ${report.endToEnd.perSecond}/s, lag p50 ${report.endToEnd.lagMs.p50} ms, p99 ${report.endToEnd.lagMs.p99} ms (goal >= half the raw PUT rate: ${Math.round(putRate / 2)}/s)`,
  );
  // The ratio is what the goal is about: on a shared machine both rates move with its load.
  console.log(`       end to end / raw PUT rate = ${(report.endToEnd.perSecond / putRate).toFixed(2)}x (goal >= 0.50x)`);
  console.log(`  ${mark(lostOk)} lost ${report.lost}, dead letters ${report.deadLetters}, failed answers ${report.failures} (goal 0)`);
  if (report.cpu) {
    const cpu = report.cpu;
    console.log(
      `       CPU per event ${cpu.processMsPerEvent} ms: platform thread ${cpu.platformThreadMsPerEvent} ms, sender ${cpu.senderThreadMsPerEvent} ms, libuv/other threads ${cpu.otherThreadsMsPerEvent} ms`,
    );
  }
  if (profiled.cpu) {
    console.log(
      `       by component, platform and emulator threads (ms/event; profiled run of ${profiled.requests} events, CPU per event ${profiled.cpu.processMsPerEvent} ms with the profiler): ${Object.entries(
        profiled.cpu.componentsMsPerEvent,
      )
        .filter(([, v]) => v > 0)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  }
  if (report.emulatorCallsPerEvent) {
    const { total, ...calls } = report.emulatorCallsPerEvent;
    console.log(
      `       emulator calls per event ${total}: ${Object.entries(calls)
        .map(([name, count]) => `${name} ${count}`)
        .join(", ")}`,
    );
    // However cheap the platform's own code became, these round trips would still be paid.
    const floor = emulatorFloorMsPerEvent(report.emulatorCallsPerEvent, costs);
    const ceiling = (os.cpus().length * 1000) / floor;
    console.log(
      `       emulator round trips alone: at least ${floor.toFixed(2)} ms CPU per event, so at most ${Math.round(ceiling)} events/s on ${os.cpus().length} cores = ${(ceiling / putRate).toFixed(2)}x the raw PUT rate`,
    );
  }
  console.log(
    `load average at the end ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}`,
  );
  console.log(e2eOk && p99Ok && lostOk ? "all load goals met" : "some load goals missed");
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
