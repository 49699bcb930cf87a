/**
 * `sdp demo` (= `npm start`): the whole platform on this machine, end to end, checked.
 */
import * as path from "node:path";
import { parseOptions, UsageError, type Command } from "../command";
import { createProgress } from "../progress";
import { repositoryRoot } from "../../local/functions";
import { runDemo } from "../../demo/run";
import { renderSummary } from "../../demo/summary";
import { DEFAULT_SEED } from "../../demo/traffic";

export const DEFAULT_DEMO_DATA_DIR = path.join(".sdp", "demo");

const help = `
Usage: sdp demo [--data-dir <dir>] [--seed <n>] [--backfill-days <n>] [--json]

Runs the whole platform on this machine and checks every step (also: npm start):
  1. recreates the demo's data dir (default ${DEFAULT_DEMO_DATA_DIR}, wiped on every run) and prints it;
  2. starts the embedded platform (DynamoDB and S3 emulators, event routing, webhook doors);
  3. sends a realistic, seeded day of signed traffic: Shopify orders, customers, products,
     carts and checkouts through the HTTPS door and the EventBridge door; Recharge
     subscriptions and charges; Stripe charges, an invoice and a dispute; plus duplicates,
     out-of-order updates and forged signatures;
  4. waits until everything is processed and checks it: no event lost, duplicates stored once,
     forgeries refused with 401, every hot-store row in its newest state;
  5. backfills 90 days of history through the bulk workflow against a Shopify stand-in;
  6. runs the analytics transforms and the data-quality checks (when installed);
  7. prints a summary and what to run next.
Exits 0 when every stage did what it should, 1 naming the stages that did not.

Options:
  --data-dir <dir>      where to run (default ${DEFAULT_DEMO_DATA_DIR} in the repository; it is deleted first)
  --seed <n>            seed of the generated traffic (default ${DEFAULT_SEED})
  --backfill-days <n>   days of history to backfill (default 90)
  --json                print the summary as JSON on stdout (progress lines still go to stderr)

Example:
  npm start
  npx sdp query "select count(*) from orders"
`;

const positiveInteger = (value: string | undefined, flag: string, fallback: number) => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return Number(value);
};

const command: Command = {
  summary: "Run the whole platform on this machine with a day of traffic and a 90-day backfill, and check it",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, {
      "data-dir": { type: "string" },
      seed: { type: "string" },
      "backfill-days": { type: "string" },
      json: { type: "boolean" },
    });
    const seed = positiveInteger(values.seed, "--seed", DEFAULT_SEED);
    const backfillDays = positiveInteger(values["backfill-days"], "--backfill-days", 90);
    const dataDir = values["data-dir"] === undefined ? path.join(repositoryRoot, DEFAULT_DEMO_DATA_DIR) : path.resolve(io.cwd, values["data-dir"]);
    if (path.resolve(dataDir) === path.resolve(repositoryRoot) || path.resolve(dataDir) === path.parse(dataDir).root) {
      throw new UsageError(`--data-dir ${dataDir} would delete the repository or the disk: choose a directory of its own`);
    }
    const progress = createProgress(io.stderr, io.env);
    progress.line(`sdp demo: data dir ${dataDir} (recreated on every run)`);
    // Tests run the demo in temporary dirs; they set SDP_RECORD_LAST_RUN=0 so the user's last run stays found.
    const recordLastRun = io.env.SDP_RECORD_LAST_RUN !== "0";
    const summary = await runDemo({ dataDir, env: io.env, progress, seed, backfillDays, recordLastRun });
    if (values.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else io.stdout.write(renderSummary(summary, createProgress(io.stdout, io.env, { quiet: true }).paint));
    if (!summary.ok) {
      io.stderr.write(
        `sdp demo: failed stage${summary.failedStages.length === 1 ? "" : "s"}: ${summary.failedStages.join(", ")} (details above${values.json ? " and in the JSON" : ""})\n`,
      );
      return 1;
    }
    return 0;
  },
};

export default command;
