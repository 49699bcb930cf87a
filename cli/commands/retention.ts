/**
 * `sdp retention [--dry-run] [--json] [--now <ISO time>] [--data-dir <dir>]`: the retention purge
 * over the local lake, the program the scheduled `retention-purge` function runs in AWS.
 */
import { loadRetention } from "../../config/retention";
import { runRetentionLocally } from "../../local/retention";
import type { RetentionReport } from "../../functions/retention/purge";
import { parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

const bytes = (count: number) => (count < 1024 ? `${count} B` : count < 1024 * 1024 ? `${(count / 1024).toFixed(1)} KiB` : `${(count / 1024 / 1024).toFixed(1)} MiB`);

const render = (report: RetentionReport) => {
  const verb = report.dryRun ? "would delete" : "deleted";
  const lines = [
    `retention at ${report.at}: ${verb} ${report.deleted.partitions} partition(s), ${report.deleted.objects} object(s), ${bytes(report.deleted.bytes)}; kept ${report.kept.partitions} partition(s)`,
  ];
  for (const plan of report.partitions.filter((candidate) => candidate.decision === "delete")) {
    lines.push(`  ${report.dryRun ? "would delete" : "deleted"}  ${plan.prefix}  (${plan.objects} objects, ${plan.retentionDays}-day window)`);
  }
  const kept = report.partitions.filter((candidate) => candidate.decision !== "delete" && candidate.decision !== "inside-window");
  for (const plan of kept) lines.push(`  kept (${plan.decision})  ${plan.prefix}`);
  if (report.auditKey) lines.push(`audit: ${report.auditKey}`);
  return `${lines.join("\n")}\n`;
};

const command: Command = {
  summary: "Delete the local lake's partitions that are entirely outside their retention window (--dry-run to list them)",
  help: `Usage: sdp retention [--dry-run] [--json] [--now <ISO time>] [--data-dir <dir>]

Applies the retention days of config/retention.ts (per layer: raw, snapshots, processed,
curated, metadata; per table overrides) to the local lake: a dt=YYYY-MM-DD or run=<id> partition
is deleted only when all of it lies outside its table's window, never one still partly inside.
The newest snapshot run of each table and run ids without a date are kept; the audit trails
(metadata/gdpr-audit/, metadata/retention/) are never touched. Each run that deletes writes an
audit entry to metadata/retention/dt=<date>/<run-id>.json. In AWS the retention-purge function
runs the same program daily.

Options:
  --dry-run          list what would be deleted; change nothing
  --now <time>       the clock (ISO-8601, default now): see what a later run would delete
  --data-dir <dir>   the lake (default: the most recent \`sdp local\` / \`sdp demo\` run's)
  --json             print the report as JSON

Exit codes: 0 done, 2 bad usage.

Examples:
  npx sdp retention --dry-run
  npx sdp retention --now 2027-06-01T00:00:00Z --dry-run --json`,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, {
      "dry-run": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      now: { type: "string" },
      "data-dir": { type: "string" },
    });
    const now = values.now === undefined ? new Date() : new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO-8601 time like 2026-03-31T00:00:00Z, got "${values.now}"`);
    const { dataDir } = chooseDataDir(values["data-dir"], io, "retention");
    let report: RetentionReport;
    try {
      report = await runRetentionLocally(dataDir, { dryRun: values["dry-run"], now, policy: loadRetention("local") });
    } catch (error) {
      if (error instanceof Error && /does not exist|cannot tell which bucket/.test(error.message)) {
        throw new UsageError(`${error.message}; pass --data-dir <dir> with the lake (run \`sdp local\` first to create one)`);
      }
      throw error;
    }
    io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : render(report));
    return 0;
  },
};

export default command;
