/**
 * Lambda `gdpr-index-parquet` (contracts/functions.ts): a step of the analytics workflow
 * (contracts/analytics-workflow.ts `IndexPartition`) after Athena has rewritten one
 * orders_enriched partition. It lists the partition's objects and indexes each Parquet file's
 * customer ids, e-mails and phones in the GDPR subject index (functions/gdpr/parquet-index.ts,
 * DuckDB over the downloaded file, as the backfill download does for its parts).
 *
 * Why read the files and not derive the identifiers from the source partitions: Athena names its
 * output files itself (a query id and a random suffix), so the keys are only known by listing, and
 * what a file holds is exactly what reading it gives; deriving it from raw/ and snapshots/ would
 * repeat the transform's SQL and drift from it. Curated views are Athena views in AWS (no files).
 *
 * Input `{ "prefix": "processed/shopify/orders_enriched/dt=YYYY-MM-DD/" }`; answers how many
 * files were indexed. Repeatable: index writes are puts of fixed keys.
 */
import { Effect } from "effect";
import { ORDERS_ENRICHED_PREFIX } from "../../contracts/lake-layout";
import { taskHandler } from "../kernel/adapters";
import { InvalidPayload } from "../kernel/errors";
import { liveLayer } from "../kernel/live";
import { indexParquetUnder } from "./parquet-index";

const PARTITION = /^dt=\d{4}-\d{2}-\d{2}\/$/;

/** The partition prefix of the input, or what to fix. */
export const partitionPrefixOf = (input: unknown): string | InvalidPayload => {
  const prefix = typeof input === "object" && input !== null ? (input as { prefix?: unknown }).prefix : undefined;
  if (typeof prefix !== "string") return new InvalidPayload({ reason: `expected {"prefix": "${ORDERS_ENRICHED_PREFIX}dt=YYYY-MM-DD/"}`, field: "prefix" });
  if (!prefix.startsWith(ORDERS_ENRICHED_PREFIX) || !PARTITION.test(prefix.slice(ORDERS_ENRICHED_PREFIX.length))) {
    return new InvalidPayload({
      reason: `prefix must be one orders_enriched partition, ${ORDERS_ENRICHED_PREFIX}dt=YYYY-MM-DD/ (got ${JSON.stringify(prefix.slice(0, 200))})`,
      field: "prefix",
    });
  }
  return prefix;
};

export const program = (input: unknown) =>
  Effect.gen(function* () {
    const prefix = partitionPrefixOf(input);
    if (prefix instanceof InvalidPayload) return yield* Effect.fail(prefix);
    // Athena's files have no .parquet extension: every data file of the partition is read.
    const files = yield* indexParquetUnder([prefix], { athenaNames: true });
    yield* Effect.logInfo("partition indexed for GDPR", { prefix, files });
    return { prefix, files };
  });

export const handler = taskHandler(program, liveLayer());
