/**
 * `sdp load`: signed, realistic webhook traffic at a fixed rate against a local platform, with
 * answer latency, end-to-end lag, dead letters and CPU per event by component.
 */
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { startLocalPlatform } from "../../local/platform";
import { runTraffic, type RunReport } from "../load/run";
import { checkIngress, parseSeed, trafficOptions, usable } from "../load/options";
import { ms, parsePositive, round } from "../load/stats";
import { deliveryIds, loadDeliveries, parseSources } from "../load/traffic";

void startLocalPlatform;

export const MAX_LOAD_EVENTS = 200_000;

const help = `
Usage: sdp load --rate <events/s> --duration <s> [--sources shopify,recharge,stripe]
                [--concurrency <n>] [--ingress <url>] [--seed <n>] [--drain-timeout <s>]
                [--no-profile] [--keep-data] [--json]

Sends rate x duration signed, realistic deliveries (the demo's traffic: orders and their
updates, customers, products, carts, Recharge subscriptions and charges, Stripe charges,
invoices and disputes; Shopify half through POST /webhooks/shopify, half as partner-bus
envelopes to POST /events) at a fixed rate (open loop, at most --concurrency in flight), waits
until every accepted event reached its hot row, and reports:
  accepted/s             accepted answers per second of sending
  answer latency         p50 / p95 / p99 / max of the doors' answers
  end-to-end             events in their hot row per second, and the lag from first send to
                         hot row (p50 / p99): the platform's onSettled hook, called when the
                         processor finished the event
  dead letters, lost     lost = accepted but neither processed nor dead-lettered at the end
  CPU ms per event       the whole process, the platform's thread, the sender's thread and
                         libuv's threads (file writes, LevelDB); the platform thread split by
                         component (door, router, journal, processors, S3 emulator, DynamoDB
                         emulator, AWS SDK clients, Effect runtime, Node internals, GC) from V8's
                         sampling CPU profiler (see docs/load-and-drills.md for how samples
                         are charged)

It starts its own embedded platform on a fresh data dir (deleted afterwards unless --keep-data),
with the sender in a worker thread, unless --ingress names a running \`sdp local\`; then lag
is estimated from GET /status (first in, first out) and CPU is not measured. Traffic goes to
127.0.0.1 only. At most ${MAX_LOAD_EVENTS.toLocaleString("en-US")} events and 3600 s.

Options:
  --rate <n>           deliveries per second (1 to 5000)
  --duration <s>       seconds of sending (up to 3600)
  --sources <list>     which providers (default shopify,recharge,stripe)
  --concurrency <n>    requests in flight (default 32, up to 256)
  --ingress <url>      a running sdp local, e.g. http://127.0.0.1:4010 (loopback only)
  --seed <n>           traffic seed (default: from the clock, so ids are new each run)
  --drain-timeout <s>  how long to wait for the last events to settle (default 60)
  --no-profile         skip the CPU profile (totals only)
  --keep-data          keep the embedded platform's data dir (path printed)
  --json               print the report as JSON

Exit status: 0 when every delivery was answered 2xx and every accepted event reached its hot
row with no dead letter; 1 otherwise (what failed is printed); 2 for bad usage.

Example:
  npx sdp load --rate 100 --duration 30 --concurrency 32
  npx sdp load --rate 20 --duration 10 --sources stripe --ingress http://127.0.0.1:4010 --json
`;

export const printRunReport = (report: RunReport, write: (line: string) => void) => {
  write(`target          ${report.target} ${report.ingress}${report.dataDir ? ` (data dir ${report.dataDir})` : ""}`);
  write(
    `sent            ${report.sent} of ${report.requests}${report.notSent > 0 ? ` (${report.notSent} not sent: out of time)` : ""}: ${Object.entries(report.answers)
      .map(([key, value]) => `${key} ${value}`)
      .join(", ")}`,
  );
  write(`accepted/s      ${report.acceptedPerSecond} (${report.accepted} in ${report.sendSeconds} s)`);
  write(
    `answer latency  p50 ${ms(report.answerLatencyMs.p50)}  p95 ${ms(report.answerLatencyMs.p95)}  p99 ${ms(report.answerLatencyMs.p99)}  max ${ms(report.answerLatencyMs.max)}`,
  );
  write(
    `end to end      ${report.endToEnd.perSecond}/s (${report.endToEnd.settled} in their hot row in ${report.endToEnd.seconds} s); lag p50 ${ms(report.endToEnd.lagMs.p50)}  p99 ${ms(report.endToEnd.lagMs.p99)}  max ${ms(report.endToEnd.lagMs.max)}${report.endToEnd.method === "onSettled" ? "" : " (estimated from GET /status)"}`,
  );
  write(`dead letters    ${report.deadLetters}    lost ${report.lost}    failed answers ${report.failures}`);
  if (report.cpu) {
    const cpu = report.cpu;
    write(
      `CPU per event   ${cpu.processMsPerEvent} ms in all (platform thread ${cpu.platformThreadMsPerEvent ?? "-"} ms, sender thread ${cpu.senderThreadMsPerEvent ?? "-"} ms, libuv and other threads ${cpu.otherThreadsMsPerEvent ?? "-"} ms)`,
    );
    if (cpu.samples > 0) {
      const parts = Object.entries(cpu.componentsMsPerEvent)
        .filter(([, value]) => value > 0)
        .sort(([, a], [, b]) => b - a)
        .map(([component, value]) => `${component} ${value}`);
      write(`  by component, platform and emulator threads (ms/event, ${cpu.samples} samples): ${parts.join(", ")}`);
    }
  }
  if (report.emulatorCallsPerEvent) {
    const { total, ...calls } = report.emulatorCallsPerEvent;
    write(
      `emulator calls  ${total} per event: ${Object.entries(calls)
        .map(([name, count]) => `${name} ${count}`)
        .join(", ")}`,
    );
  }
  write(`load average    ${report.loadAverage.join(" ")}`);
};

export const problemsOf = (report: RunReport): string[] => {
  const problems: string[] = [];
  if (report.notSent > 0) problems.push(`${report.notSent} deliveries were not sent in time`);
  const non2xx = Object.entries(report.answers).filter(([key]) => key !== "accepted" && key !== "duplicate");
  if (non2xx.length > 0) problems.push(`answers other than 2xx: ${non2xx.map(([key, value]) => `${key} x${value}`).join(", ")}`);
  if (report.deadLetters > 0) problems.push(`${report.deadLetters} events were dead-lettered`);
  if (report.lost > 0) problems.push(`${report.lost} accepted events did not reach their hot row in time`);
  return problems;
};

const options = {
  rate: { type: "string" },
  duration: { type: "string" },
  sources: { type: "string" },
  "drain-timeout": { type: "string" },
  "no-profile": { type: "boolean" },
  ...trafficOptions,
} as const;

const command: Command = {
  summary: "Drive signed, realistic traffic at a local platform and report rates, latency, lag and CPU per event",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, options);
    if (values.rate === undefined || values.duration === undefined) throw new UsageError("give --rate <events/s> and --duration <s>, e.g. --rate 100 --duration 30");
    const rate = usable(parsePositive(values.rate, "--rate", { max: 5000, fallback: 0 }));
    const duration = usable(parsePositive(values.duration, "--duration", { max: 3600, fallback: 0 }));
    const concurrency = usable(parsePositive(values.concurrency, "--concurrency", { max: 256, integer: true, fallback: 32 }));
    const drainTimeout = usable(parsePositive(values["drain-timeout"], "--drain-timeout", { max: 3600, fallback: 60 }));
    const sources = usable(parseSources(values.sources));
    const seed = parseSeed(values.seed);
    checkIngress(values.ingress, "load goes to this machine only");
    const count = Math.max(1, Math.round(rate * duration));
    if (count > MAX_LOAD_EVENTS) throw new UsageError(`rate x duration is ${count} events; at most ${MAX_LOAD_EVENTS} per run`);

    const deliveries = loadDeliveries({ count, sources, seed, env: io.env });
    if (deliveries.length < count) throw new CommandFailed(`could only build ${deliveries.length} of ${count} deliveries for ${sources.join(",")}`);
    const items = deliveries.map((delivery) => ({ path: delivery.path, headers: delivery.headers, body: delivery.body, ids: deliveryIds(delivery) }));
    if (!values.json)
      io.stderr.write(
        `sdp load: ${count} deliveries (${sources.join(",")}, seed ${seed}) at ${rate}/s, concurrency ${concurrency}${values.ingress ? ` to ${values.ingress}` : " to an embedded platform"}\n`,
      );

    const report = await runTraffic({
      items,
      ratePerSecond: rate,
      concurrency,
      // Late when the platform cannot keep up; bounded all the same.
      maxSendMs: duration * 2000 + 30_000,
      drainTimeoutMs: drainTimeout * 1000,
      ...(values.ingress !== undefined ? { ingress: values.ingress } : {}),
      env: io.env,
      profile: values["no-profile"] !== true,
      keepData: values["keep-data"] === true,
      label: "load",
    });
    const problems = problemsOf(report);
    if (values.json) {
      const { intervals: _intervals, ...rest } = report;
      io.stdout.write(`${JSON.stringify({ seed, sources, rate, durationS: duration, concurrency, ...rest, ok: problems.length === 0, problems }, null, 2)}\n`);
    } else {
      printRunReport(report, (line) => io.stdout.write(`${line}\n`));
    }
    if (problems.length > 0) throw new CommandFailed(problems.join("; "));
    return 0;
  },
};

export default command;
void round;
