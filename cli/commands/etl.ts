/**
 * `sdp etl --date YYYY-MM-DD [--full] [--data-dir <dir>] [--json]`: builds orders_enriched and
 * the curated views on DuckDB over the local lake (the `sdp local` data dir, an s3rver directory
 * or a plain lake directory). In AWS the same SQL runs on Athena through the analytics workflow.
 *
 * On an `sdp local` data dir the Parquet files the run wrote (the rewritten orders_enriched
 * partitions and the curated views) go into the GDPR subject index, as the backfill's parts do
 * (functions/gdpr/parquet-index.ts), so a redaction finds them without a scan. A plain lake
 * directory has no subject index (no platform state): the output says it was not indexed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect } from "effect";
import { openLakeDir, type LakeDir } from "../../etl/lake";
import { runEtl, type EtlResult } from "../../etl/runner";
import { loadEnvironment } from "../../config/environments";
import { ordersEnriched, views } from "../../etl/transforms";
import { indexParquetFile } from "../../functions/gdpr/parquet-index";
import { withLocalGdpr } from "../../local/gdpr-services";
import { isoDate, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

/** The Parquet keys a run wrote: every object of each rewritten partition, and each view's file. */
export const etlOutputKeys = (lake: LakeDir, result: Pick<EtlResult, "partitionsWritten">): string[] =>
  [...result.partitionsWritten.flatMap((dt) => lake.list(`${ordersEnriched.outputPrefix}dt=${dt}/`)), ...views.flatMap((view) => lake.list(view.outputPrefix))].filter((key) =>
    key.endsWith(".parquet"),
  );

export interface EtlIndexReport {
  /** false: the lake has no subject index (a plain lake or bare s3rver directory). */
  readonly indexed: boolean;
  readonly files: number;
  readonly identifiers: number;
  readonly reason?: string;
}

/** An `sdp local` data dir: the emulators' state (s3/ and dynamodb/) lives in it. */
const isPlatformDataDir = (dataDir: string) => fs.existsSync(path.join(dataDir, "s3")) && fs.existsSync(path.join(dataDir, "dynamodb"));

/**
 * Indexes the run's outputs in the data dir's subject index (the running platform's emulators, or
 * ones started for the command). Each file is read where DuckDB wrote it (the lake's own file);
 * index writes are puts of fixed keys, so re-running is harmless.
 */
export const indexEtlRun = async (dataDir: string, lake: LakeDir, result: Pick<EtlResult, "partitionsWritten">, env: NodeJS.ProcessEnv): Promise<EtlIndexReport> => {
  const keys = etlOutputKeys(lake, result);
  if (!isPlatformDataDir(dataDir)) {
    return { indexed: false, files: 0, identifiers: 0, reason: `${dataDir} is not an sdp local data dir (no s3/ and dynamodb/): it has no subject index` };
  }
  return withLocalGdpr(dataDir, env, async ({ layer }) => {
    let identifiers = 0;
    for (const key of keys) identifiers += await Effect.runPromise(Effect.provide(indexParquetFile(lake.pathOf(key), key), layer));
    return { indexed: true, files: keys.length, identifiers };
  });
};

const command: Command = {
  summary: "Build orders_enriched and the curated views on DuckDB over the local lake",
  help: `Usage: sdp etl --date YYYY-MM-DD [--full] [--data-dir <dir>] [--env local] [--json]

Computes the latest state of every Shopify order from raw webhooks and bulk snapshots and
rewrites the partitions of processed/shopify/orders_enriched/dt=.../ that the events received on
--date (and the day before) touched, then rebuilds curated/<view>/ for subscription_orders,
subscription_churn_monthly, orders_payments_reconciliation and abandoned_cart_recovery.
Re-running a date gives the same files (no duplicates). On an \`sdp local\` data dir the files
written are added to the GDPR subject index (their customer ids, e-mails and phones), so
\`sdp gdpr redact\` finds them; a plain lake directory has no index and is left unindexed.

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
    // Days in the shop's time zone, as Athena computes them in AWS: the local environment's shopTimezone (config/environments.ts).
    const result = await runEtl({ lake, date, full: values.full, log, shopTimezone: loadEnvironment("local").shopTimezone });
    const subjectIndex = await indexEtlRun(dataDir, lake, result, io.env);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...result, subjectIndex })}\n`);
      return 0;
    }
    io.stdout.write(
      [
        `orders_enriched (${result.mode}, ${date}): ${result.orders} orders; ${result.partitionsWritten.length} partition(s) written, ${result.partitionsRemoved.length} removed`,
        ...Object.entries(result.views).map(([view, rows]) => `  curated/${view}: ${rows} row(s)`),
        subjectIndex.indexed
          ? `subject index: ${subjectIndex.files} file(s) indexed, ${subjectIndex.identifiers} identifier(s)`
          : `subject index: not written (${subjectIndex.reason})`,
        `done in ${(result.durationMs / 1000).toFixed(1)} s (lake: ${lake.root})`,
      ].join("\n") + "\n",
    );
    return 0;
  },
};

export default command;
