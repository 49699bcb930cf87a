/**
 * `sdp dq [--date YYYY-MM-DD] [--data-dir <dir>] [--json]`: runs the data-quality checks over the
 * local lake with the same program the scheduled function runs in AWS. Exit 0 when nothing failed
 * with severity error, 1 when something did, 2 on bad usage.
 */
import { openLakeDir } from "../../etl/lake";
import { yesterday } from "../../functions/data-quality/dates";
import type { DataQualityReport } from "../../functions/data-quality/handler-program";
import { runDataQualityLocally } from "../../local/data-quality";
import { isoDate, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

const render = (report: DataQualityReport) => {
  const lines = [
    `data quality for ${report.date}: ${report.summary.passed} passed, ${report.summary.failed} failed (${report.summary.errors} error, ${report.summary.warnings} warning), ${report.summary.skipped} skipped`,
  ];
  for (const result of report.results) {
    const mark = result.status === "pass" ? "ok  " : result.status === "skipped" ? "skip" : result.severity === "error" ? "FAIL" : "warn";
    lines.push(`  ${mark} ${result.check.padEnd(18)} ${result.subject}: ${result.message}`);
  }
  if (report.webhooks.length > 0) {
    lines.push("webhooks (received by webhook / recovered by the nightly reconciliation):");
    for (const count of report.webhooks) {
      const recovered = count.recovered === null ? "not recovered event by event" : `recovered ${count.recovered}`;
      const share = count.recoveredShare === null ? "" : ` (${(100 * count.recoveredShare).toFixed(1)}%)`;
      lines.push(`  ${count.source.padEnd(9)} received ${count.received}, ${recovered}${share}`);
    }
  }
  if (report.backfillDays.length > 0) lines.push(`days to backfill: ${report.backfillDays.join(", ")}`);
  lines.push(`report: ${report.resultKey}`);
  return `${lines.join("\n")}\n`;
};

const command: Command = {
  summary: "Run the data-quality checks over the local lake (exit 1 when a check fails with severity error)",
  help: `Usage: sdp dq [--date YYYY-MM-DD] [--data-dir <dir>] [--json]

Checks freshness and volume per source (robust z-score against the trailing 7 days), gaps in
Shopify order numbers (listing the missing numbers and the days to backfill), duplicates in
orders_enriched, bulk-export counts against their manifests, schema drift of the raw payloads,
per source the events received by webhook and those recovered by the nightly reconciliation
(\`sdp reconcile payments\`; a warning and an alert when more than 2% of a day's events, and at
least 3, had to be recovered: config/ webhookRecoveryAlert) and, when \`sdp local\` is running
on the data dir, hot-store counts. Writes the report to
metadata/data-quality/dt=<date>/<run-id>.json in the lake.

Options:
  --date <YYYY-MM-DD>  the day to check (UTC; default yesterday)
  --data-dir <dir>     the lake: an \`sdp local\` or \`sdp demo\` data dir (default: the most
                       recent run's), an s3rver directory or a plain directory of keys
  --json               print the report as JSON

Exit codes: 0 no error-severity failure, 1 at least one, 2 bad usage.

Examples:
  npx sdp dq
  npx sdp dq --date 2026-01-31 --json`,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, { date: { type: "string" }, "data-dir": { type: "string" }, json: { type: "boolean", default: false } });
    const date = isoDate(values.date, "--date") ?? yesterday();
    const { dataDir } = chooseDataDir(values["data-dir"], io, "dq");
    try {
      openLakeDir(dataDir);
    } catch (error) {
      throw new UsageError(`${(error as Error).message}; pass --data-dir <dir> with the lake (run \`sdp local\` first to create one)`);
    }
    const report = await runDataQualityLocally(dataDir, date, io);
    io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : render(report));
    return report.summary.errors > 0 ? 1 : 0;
  },
};

export default command;
