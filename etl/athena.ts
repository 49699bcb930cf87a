/**
 * The Athena side of the analytics: the SQL the workflow (contracts/analytics-workflow.ts) runs,
 * from the same etl/sql files DuckDB runs locally, plus the engine adapters that give Athena the
 * source relations (views over the Glue tables of stacks/lake-catalog.ts):
 *   raw_<source>_<entity>  over `raw_text` (one string column per object: the JSON document; the
 *                          doors store compact single-line JSON), envelope unwrapped like DuckDB's;
 *   snapshot_*             over the Parquet Glue table `bulk_<entity>` of each snapshot entity
 *                          (`bulk_orders`, `bulk_order_line_items`, `bulk_refunds`, ...);
 * then the derived relations of etl/transforms.ts (refund and transaction facts), portable SQL.
 */
import { sourceSpecs } from "../contracts/analytics-sources";
import type { AnalyticsWorkflowSql } from "../contracts/analytics-workflow";
import { affectedDatesSqlFile, derivedRelations, loadSql, ordersEnriched, views } from "./transforms";
import { qualityQueries } from "./quality";

/** Glue table names the source views read (created by the lake stack). */
export const athenaSourceTables = { rawText: "raw_text", bulkOrders: "bulk_orders", bulkOrderLineItems: "bulk_order_line_items" } as const;

/** The Glue table of a snapshot entity: bulk_orders, bulk_order_line_items, bulk_refunds, ... */
export const athenaSnapshotTable = (entity: string) => `bulk_${entity}`;

/** Athena-only SQL (Trino): the source relations as views. Not portable by design; never run on DuckDB. */
export const athenaSourceViews = (shopTimezone?: string): string[] => {
  const out: string[] = [];
  for (const spec of Object.values(sourceSpecs)) {
    if (spec.kind === "raw") {
      out.push(
        `CREATE OR REPLACE VIEW ${spec.relation} AS SELECT "$path" AS object_key, dt, ` +
          `CASE WHEN json_extract(line, '$.payload') IS NOT NULL AND json_extract_scalar(line, '$.topic') IS NOT NULL THEN json_extract_scalar(line, '$.topic') END AS topic, ` +
          `CASE WHEN json_extract(line, '$.payload') IS NOT NULL AND json_extract_scalar(line, '$.topic') IS NOT NULL THEN json_format(json_extract(line, '$.payload')) ELSE line END AS payload ` +
          `FROM ${athenaSourceTables.rawText} WHERE source = '${spec.source}' AND entity = '${spec.entity}' AND try(json_parse(line)) IS NOT NULL`,
      );
    } else {
      const table = athenaSnapshotTable(spec.entity);
      const types = spec.types as Record<string, string>;
      const columns = spec.fields.map((field) => `CAST(${field === "order_id" ? "order_id" : field} AS ${types[field] ?? "VARCHAR"}) AS ${field}`);
      out.push(`CREATE OR REPLACE VIEW ${spec.relation} AS SELECT ${columns.join(", ")}, run_id FROM ${table}`);
    }
  }
  for (const relation of derivedRelations) out.push(`CREATE OR REPLACE VIEW ${relation.name} AS ${loadSql(relation.sqlFile, { shop_timezone: shopTimezone })}`);
  return out;
};

/** Every statement of the workflow, with the shop's IANA time zone (the environment's shopTimezone, default UTC) bound: the zone of every day (dt) it computes. */
export const athenaWorkflowSql = (shopTimezone?: string): AnalyticsWorkflowSql => {
  const sql = (file: string) => loadSql(file, { shop_timezone: shopTimezone });
  // The SQL with its {{run_date}} placeholders kept, for the workflow to fill at run time.
  const template = (file: string) => loadSql(file, { run_date: "0000-00-00", shop_timezone: shopTimezone }).split("0000-00-00").join("{{run_date}}");
  return {
    ordersEnriched: sql(ordersEnriched.sqlFile),
    affectedDates: template(affectedDatesSqlFile),
    sourceViews: athenaSourceViews(shopTimezone),
    views: views.map((view) => ({ name: view.name, sql: sql(view.sqlFile) })),
    quality: { orderNumberGaps: template(qualityQueries.orderNumberGaps), processedDuplicates: sql(qualityQueries.processedDuplicates) },
  };
};
