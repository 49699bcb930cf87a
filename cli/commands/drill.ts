/**
 * `sdp drill <scenario>`: a failure on a local platform, timed to detection and to recovery;
 * exits 0 only when nothing was lost.
 */
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { killDrillChildren, runDrill, scenarios, type DrillReport, type Scenario } from "../load/drills";
import { parsePositive } from "../load/stats";

const help = `
Usage: sdp drill <scenario>|all [--orders <n>] [--fault-seconds <s>] [--timeout <s>] [--seed <n>]
                 [--keep-data] [--json]

Runs a failure on a fresh local platform while a day of the demo's signed traffic flows
(wave by wave; the sender retries 5xx and unanswered deliveries as Shopify, Recharge and
Stripe do), then fixes it and reports:
  time to detect   from the failure's start until the platform's own signal shows it
  time to recover  from the fix until every event is in its hot row again
and checks that nothing was lost: every delivery answered (accepted or duplicate; 401 for the
day's forgeries), the hot stores hold the newest state of every object, one raw object per
distinct event in the lake, no queue or DLQ holding anything.

Scenarios:
  processor-down     the shopify-orders processor takes no messages: its queues back up,
                     then drain once it is back            signal: backlog (depth, nothing delivered for 500 ms)
  dynamodb-throttle  60% of DynamoDB calls throttled (the fault layer, dynamodb=throttle:0.6)
                                                           signal: Retried / WebhookFailed metrics, redeliveries
  s3-errors          50% of S3 calls fail, half after the write happened (s3=error:0.5)
                                                           signal: the same
  poison-message     a bad stripe-processor deploy rejects every event: to the DLQ at once;
                     after the fix \`sdp redrive --route stripe\` sends them back
                                                           signal: DLQ depth (the -dlq-depth alarm)
  crash-restart      \`sdp local\` in a child process is SIGKILLed mid-traffic and restarted
                     on the same data dir and port        signal: GET /health fails
  all                every scenario, one after another

Drills always start their own platform on a fresh data dir (they break it on purpose), so
there is no --ingress. The failure lasts --fault-seconds at least (default 3), and until it is detected. How to run the
same scenarios in staging: docs/runbooks/drills.md.

Options:
  --orders <n>         orders in the day of traffic (2 or more, default 12; about 8 deliveries each)
  --fault-seconds <s>  how long the failure lasts at least (default 3; processor-down at most 50)
  --timeout <s>        give up detecting or recovering after (default 120)
  --seed <n>           traffic seed (default 1)
  --keep-data          keep the data dir (path printed)
  --json               print the report as JSON

Exit status: 0 when every drill detected its failure and lost nothing, 1 otherwise, 2 for bad usage.

Example:
  npx sdp drill poison-message
  npx sdp drill all --orders 30 --fault-seconds 10 --json
`;

const printReport = (report: DrillReport, write: (line: string) => void) => {
  write(`${report.ok ? "PASS" : "FAIL"} ${report.scenario}: ${report.deliveries} deliveries, ${report.uniqueEvents} distinct events`);
  write(`  detected  ${report.timeToDetectMs !== undefined ? `after ${report.timeToDetectMs} ms by ${report.detectedBy}` : "NOT DETECTED"}`);
  write(`  recovered ${report.timeToRecoverMs} ms after the fix (outage ${report.outageMs} ms); lost ${report.lost}`);
  for (const check of report.checks) write(`  ${check.ok ? "ok  " : "FAIL"} ${check.name}${check.detail ? ` (${check.detail})` : ""}`);
  for (const note of report.notes) write(`  note: ${note}`);
  if (report.dataDir) write(`  data dir: ${report.dataDir}`);
};

const command: Command = {
  summary: "Run a failure drill (processor-down, dynamodb-throttle, s3-errors, poison-message, crash-restart) on a local platform",
  help,
  run: async (argv, io) => {
    const { values, positionals } = parseOptions(
      argv,
      {
        orders: { type: "string" },
        "fault-seconds": { type: "string" },
        timeout: { type: "string" },
        seed: { type: "string" },
        "keep-data": { type: "boolean" },
        json: { type: "boolean" },
      },
      true,
    );
    if (positionals.length !== 1) throw new UsageError(`name one scenario: ${scenarios.join(", ")} or all`);
    const name = positionals[0]!;
    if (name !== "all" && !(scenarios as ReadonlyArray<string>).includes(name)) throw new UsageError(`unknown scenario "${name}": use ${scenarios.join(", ")} or all`);
    const check = <T>(value: T | string): T => {
      if (typeof value === "string") throw new UsageError(value);
      return value;
    };
    const orders = check(parsePositive(values.orders, "--orders", { max: 2000, integer: true, fallback: 12 }));
    // demo/traffic.ts with a single order still expects a second cart to be recovered, by an
    // order it never generates: every drill would report that cart as lost.
    if (orders < 2) throw new UsageError("--orders must be at least 2 (the demo's day of one order expects a cart recovery no order carries)");
    const faultSeconds = check(parsePositive(values["fault-seconds"], "--fault-seconds", { max: 600, fallback: 3 }));
    const timeout = check(parsePositive(values.timeout, "--timeout", { max: 3600, fallback: 120 }));
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number, got "${values.seed}"`);
    const chosen: Scenario[] = name === "all" ? [...scenarios] : [name as Scenario];
    if (chosen.includes("processor-down") && faultSeconds > 50)
      throw new UsageError("--fault-seconds is at most 50 for processor-down (the held deliveries would pass the 60 s visibility timeout)");

    const reports: DrillReport[] = [];
    const onExit = () => killDrillChildren();
    process.once("exit", onExit);
    try {
      for (const scenario of chosen) {
        if (!values.json) io.stderr.write(`sdp drill: ${scenario}...\n`);
        const report = await runDrill(scenario, {
          orders,
          faultMs: faultSeconds * 1000,
          seed,
          env: io.env,
          keepData: values["keep-data"] === true,
          timeoutMs: timeout * 1000,
          log: (line) => (values.json ? undefined : io.stderr.write(`  ${line}\n`)),
        });
        reports.push(report);
        if (!values.json) printReport(report, (line) => io.stdout.write(`${line}\n`));
      }
    } finally {
      process.off("exit", onExit);
      killDrillChildren();
    }
    if (values.json) io.stdout.write(`${JSON.stringify(chosen.length === 1 ? reports[0] : { ok: reports.every((report) => report.ok), drills: reports }, null, 2)}\n`);
    const failed = reports.filter((report) => !report.ok);
    if (failed.length > 0)
      throw new CommandFailed(
        `${failed.map((report) => report.scenario).join(", ")} failed: ${failed
          .map((report) =>
            report.checks
              .filter((c) => !c.ok)
              .map((c) => c.name)
              .join("; "),
          )
          .join(" | ")}`,
      );
    return 0;
  },
};

export default command;
