/**
 * `sdp etl --date YYYY-MM-DD [--full] [--data-dir <dir>] [--json]`: builds orders_enriched and
 * the curated views on DuckDB over the local lake (the `sdp local` data dir, an s3rver directory
 * or a plain lake directory). In AWS the same SQL runs on Athena through the analytics workflow.
 */
import { openLakeDir } from "../../etl/lake";
import { runEtl } from "../../etl/runner";
import { isoDate, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

const command: Command = {
  summary: "Build orders_enriched and the curated views on DuckDB over the local lake",
  help: `Usage: sdp etl --date YYYY-MM-DD [--full] [--data-dir <dir>] [--env local] [--json]

Computes the latest state of every Shopify order from raw webhooks and bulk snapshots and
rewrites the partitions of processed/shopify/orders_enriched/dt=.../ that the events received on
--date (and the day before) touched, then rebuilds curated/<view>/ for subscription_orders,
subscription_churn_monthly, orders_payments_reconciliation and abandoned_cart_recovery.
Re-running a date gives the same files (no duplicates).

Options:
  --date <YYYY-MM-DD>  run date (UTC), required
  --full               rewrite every partition (after a backfill, or to start over)
  --data-dir <dir>     the lake: an \`sdp local\` or \`sdp demo\` data dir (default: the most
                       recent run's), an s3rver directory or a plain directory of keys
  --env local          the only engine this command drives; in AWS the analytics workflow runs
                       the same SQL on Athena on its daily schedule
  --json               print the result as JSON

Examples:
  npx sdp etl --date 2026-01-31
  npx sdp etl --date 2026-01-31 --full --data-dir __tests__/fixtures/lake/sample`,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, {
      date: { type: "string" },
      full: { type: "boolean", default: false },
      "data-dir": { type: "string" },
      env: { type: "string", default: "local" },
      json: { type: "boolean", default: false },
    });
    if (values.env !== "local") {
      throw new UsageError(
        `--env ${values.env}: in AWS the analytics workflow runs this SQL on Athena daily; start it from the Step Functions console or \`aws stepfunctions start-execution\``,
      );
    }
    const date = isoDate(values.date, "--date");
    if (!date) throw new UsageError("--date is required, e.g. --date 2026-01-31");
    const { dataDir } = chooseDataDir(values["data-dir"], io, "etl");
    let lake;
    try {
      lake = openLakeDir(dataDir);
    } catch (error) {
      throw new UsageError(`${(error as Error).message}; pass --data-dir <dir> with the lake (run \`sdp local\` first to create one)`);
    }
    const log = values.json ? undefined : (line: string) => io.stderr.write(`${line}\n`);
    const result = await runEtl({ lake, date, full: values.full, log });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    io.stdout.write(
      [
        `orders_enriched (${result.mode}, ${date}): ${result.orders} orders; ${result.partitionsWritten.length} partition(s) written, ${result.partitionsRemoved.length} removed`,
        ...Object.entries(result.views).map(([view, rows]) => `  curated/${view}: ${rows} row(s)`),
        `done in ${(result.durationMs / 1000).toFixed(1)} s (lake: ${lake.root})`,
      ].join("\n") + "\n",
    );
    return 0;
  },
};

export default command;
