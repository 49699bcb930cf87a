/**
 * The data-quality facts that need SQL, computed on DuckDB over a local lake (`sdp dq`). In AWS the
 * analytics workflow runs the same files on Athena and hands their CSV results to the function.
 */
import { openEngine, registerProcessedOrders, registerSources } from "./duckdb-engine";
import type { LakeDir } from "./lake";
import { loadSql, ordersEnriched } from "./transforms";
import type { QueryFacts } from "../functions/data-quality/facts";

export const qualityQueries = {
  orderNumberGaps: "quality/order_number_gaps.sql",
  processedDuplicates: "quality/processed_duplicates.sql",
} as const;

export type QualityQuery = keyof typeof qualityQueries;

/** `shopTimezone` (config shopTimezone, default UTC): the zone of the gap check's order dates, as Athena binds it in AWS. */
export const queryFactsOnDuckDb = async (lake: LakeDir, date: string, shopTimezone?: string): Promise<QueryFacts> => {
  const engine = await openEngine({ threads: 2 });
  try {
    await registerSources(engine, lake, { shopTimezone });
    await registerProcessedOrders(engine, lake, `SELECT ${ordersEnriched.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`).join(", ")}`);
    const gaps = await engine.rows(loadSql(qualityQueries.orderNumberGaps, { run_date: date, shop_timezone: shopTimezone }));
    const duplicates = await engine.rows(loadSql(qualityQueries.processedDuplicates, { run_date: date }));
    return {
      orderNumberGaps: gaps.map((row) => ({ gapStart: Number(row.gap_start), gapEnd: Number(row.gap_end), fromDate: String(row.from_date), toDate: String(row.to_date) })),
      processedDuplicates: duplicates.map((row) => ({ orderId: String(row.order_id), copies: Number(row.copies) })),
    };
  } finally {
    engine.close();
  }
};
