/**
 * `sdp reconcile payments`: the nightly Recharge and Stripe completeness job (the
 * payments-reconcile function) run by a running `sdp local`, against the providers' stand-ins (or
 * the APIs its environment names). The platform runs the same program the schedule runs in AWS
 * (local/reconcile-route.ts); this command asks it to, waits for the recovered events to be
 * processed, and prints the counts per source.
 */
import type { NightlyReport } from "../../functions/reconcile/payments-program";
import { readRunningPlatform } from "../../local/platform";
import { RECONCILE_PAYMENTS_PATH, type ReconcileRequestBody } from "../../local/reconcile-route";
import { CommandFailed, isoDate, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";
import { isLoopback } from "../load/sender";

const help = `
Usage: sdp reconcile payments [--date YYYY-MM-DD] [--days N] [--source stripe|recharge]
                              [--stripe-api-url <url>] [--recharge-api-url <url>]
                              [--ingress <url> | --data-dir <dir>] [--json]

Runs the nightly payments reconciliation in a running \`sdp local\`, with the same program
EventBridge Scheduler runs in AWS (payments-reconcile, nightly at 02:30 UTC): Stripe's events
of the last N days (GET /v1/events, undelivered first, then all) and Recharge's subscriptions
and charges updated since the last run (updated_at_min, a cursor kept in the lake). Each one
the lake lacks is fed through its webhook door's path (raw copy first, idempotent) and
processed; the counts go to metadata/reconciliation/payments/dt=<day>/<run>.json, and an alert
goes to alerts.jsonl when more than 2% of a source had to be recovered (webhooks are failing).
Each recovered event leaves a marker under metadata/reconciliation/recovered/, so \`sdp dq\`
reports per source the events received by webhook and those recovered.

Locally no provider's public API is called unless you say so: give each source's API with
--stripe-api-url / --recharge-api-url (a stand-in: local/payments-standin/server.ts), or start
\`sdp local\` with SDP_STRIPE_API_URL / SDP_RECHARGE_API_URL. The API keys are the platform's
STRIPE_API_KEY and RECHARGE_API_TOKEN.

Options:
  --date <YYYY-MM-DD>      reconcile as of the end of that day (UTC; default now)
  --days <N>               how far back Stripe's events are listed (1-30, default 3), and
                           Recharge's on its first run
  --source <name>          only stripe or only recharge (default both)
  --stripe-api-url <url>   Stripe's API for this run (on 127.0.0.1)
  --recharge-api-url <url> Recharge's API for this run (on 127.0.0.1)
  --ingress <url>          the platform's ingress (default: the platform running on the data dir)
  --data-dir <dir>         data dir of the running platform (default: the most recent run)
  --json                   print the report as JSON

Exit codes: 0 every listed event is in the lake, 1 the run failed or an event could not be
fed (named in the report), 2 bad usage.

Examples:
  npx sdp reconcile payments --stripe-api-url http://127.0.0.1:4050 --recharge-api-url http://127.0.0.1:4050
  npx sdp reconcile payments --source stripe --days 1 --json
`;

const render = (report: NightlyReport) => {
  const lines = [`payments reconciliation ${report.runId}`];
  for (const tally of report.sources) {
    lines.push(
      `  ${tally.source.padEnd(9)} listed ${tally.listed}, already held ${tally.held}, recovered ${tally.recovered}, failed ${tally.failed}${tally.ignored > 0 ? `, ignored ${tally.ignored} (types no endpoint subscribes to)` : ""}${report.alerted.includes(tally.source) ? "  (alerted: webhooks are failing)" : ""}`,
    );
    for (const failure of tally.failures) lines.push(`    failed ${failure}`);
  }
  lines.push(`report: ${report.key}`);
  return `${lines.join("\n")}\n`;
};

/** Waits until the platform's queues are empty (the recovered events processed), up to `timeoutMs`. */
const waitForQueues = async (ingress: string, timeoutMs = 120_000) => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const health = (await fetch(new URL("/health", ingress), { signal: AbortSignal.timeout(10_000) })
      .then((response) => response.json())
      .catch(() => ({}))) as { depth?: unknown };
    if (health.depth === 0) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const command: Command = {
  summary: "Run the nightly Recharge and Stripe reconciliation in the local platform (recovers what the webhooks missed)",
  help,
  run: async (argv, io) => {
    const { values, positionals } = parseOptions(
      argv,
      {
        date: { type: "string" },
        days: { type: "string" },
        source: { type: "string" },
        "stripe-api-url": { type: "string" },
        "recharge-api-url": { type: "string" },
        ingress: { type: "string" },
        "data-dir": { type: "string" },
        json: { type: "boolean", default: false },
      },
      true,
    );
    if (positionals.length !== 1 || positionals[0] !== "payments")
      throw new UsageError(`say what to reconcile: \`sdp reconcile payments\`${positionals.length > 0 ? `, got "${positionals.join(" ")}"` : ""}`);
    const date = isoDate(values.date, "--date");
    let asOf: string | undefined;
    if (date !== undefined) {
      const endOfDay = Date.parse(`${date}T23:59:59.999Z`);
      if (Date.parse(`${date}T00:00:00Z`) > Date.now()) throw new UsageError(`--date ${date} is in the future`);
      asOf = new Date(Math.min(endOfDay, Date.now())).toISOString();
    }
    const days = values.days === undefined ? undefined : Number(values.days);
    if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 30)) throw new UsageError(`--days must be a whole number from 1 to 30, got "${values.days}"`);
    if (values.source !== undefined && values.source !== "stripe" && values.source !== "recharge")
      throw new UsageError(`--source must be stripe or recharge, got "${values.source}"`);
    for (const flag of ["stripe-api-url", "recharge-api-url", "ingress"] as const) {
      const value = values[flag];
      if (value !== undefined && !isLoopback(value)) throw new UsageError(`--${flag} must be on this machine, e.g. http://127.0.0.1:4050, got "${value}"`);
    }
    let ingress = values.ingress;
    if (ingress === undefined) {
      const { dataDir } = chooseDataDir(values["data-dir"], io, "reconcile");
      const running = readRunningPlatform(dataDir);
      if (!running) throw new CommandFailed(`no platform is running on ${dataDir}: start it with \`npx sdp local\``);
      ingress = running.ingress;
    }
    const body: ReconcileRequestBody = {
      source: "sdp reconcile",
      ...(asOf !== undefined ? { asOf } : {}),
      ...(days !== undefined ? { days } : {}),
      ...(values.source !== undefined ? { sources: [values.source as "stripe" | "recharge"] } : {}),
      ...(values["stripe-api-url"] !== undefined ? { stripeApiUrl: values["stripe-api-url"] } : {}),
      ...(values["recharge-api-url"] !== undefined ? { rechargeApiUrl: values["recharge-api-url"] } : {}),
    };
    let response: Response;
    try {
      response = await fetch(new URL(RECONCILE_PAYMENTS_PATH, ingress), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15 * 60_000),
      });
    } catch (error) {
      throw new CommandFailed(`no answer from ${ingress}: ${(error as Error).message}; is sdp local running?`);
    }
    const answer = (await response.json().catch(() => ({}))) as NightlyReport & { error?: string };
    if (response.status === 400) throw new UsageError(answer.error ?? "the platform rejected the request");
    if (!response.ok) throw new CommandFailed(`the reconciliation failed: ${answer.error ?? `HTTP ${response.status}`}`);
    if (!(await waitForQueues(ingress))) io.stderr.write("sdp reconcile: the recovered events are still being processed (see `sdp status`)\n");
    io.stdout.write(values.json ? `${JSON.stringify(answer, null, 2)}\n` : render(answer));
    return answer.sources.some((tally) => tally.failed > 0) ? 1 : 0;
  },
};

export default command;
