/**
 * DuckDB as the local analytics engine: one in-memory database per run, the Trino-name shims of
 * etl/sql-allowlist.ts, and the source relations of etl/sources.ts as views over the files of a
 * lake directory (etl/lake.ts). Raw objects are read whole with read_text (one JSON document per
 * object, never split), Parquet snapshots with read_parquet.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { ORDERS_ENRICHED_PREFIX } from "../contracts/lake-layout";
import type { LakeDir } from "./lake";
import { duckdbShims } from "./sql-allowlist";
import { sourceSpecs, type RawSourceSpec, type SnapshotSourceSpec } from "./sources";
import { derivedRelations, loadSql } from "./transforms";

export interface Engine {
  readonly connection: DuckDBConnection;
  readonly run: (sql: string) => Promise<void>;
  readonly rows: (sql: string) => Promise<ReadonlyArray<Record<string, unknown>>>;
  readonly close: () => void;
}

export interface EngineOptions {
  readonly threads?: number;
  readonly memoryLimit?: string;
  readonly tempDirectory?: string;
}

/** A SQL string literal. Paths come from our own lake layout, but quote them properly anyway. */
export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

export const openEngine = async (options: EngineOptions = {}): Promise<Engine> => {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? 2),
    memory_limit: options.memoryLimit ?? "1500MB",
    ...(options.tempDirectory ? { temp_directory: options.tempDirectory } : {}),
  });
  const connection = await instance.connect();
  const run = async (sql: string) => {
    await connection.run(sql);
  };
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as ReadonlyArray<Record<string, unknown>>;
  await run("SET TimeZone = 'UTC'");
  await run("SET preserve_insertion_order = false");
  for (const shim of duckdbShims) await run(shim);
  return {
    connection,
    run,
    rows,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
};

const hasFiles = async (engine: Engine, glob: string) => {
  const [row] = await engine.rows(`SELECT count(*) AS n FROM glob(${sqlString(glob)})`);
  return Number(row?.n ?? 0) > 0;
};

const rawGlobOf = (spec: RawSourceSpec) => `raw/${spec.source}/${spec.entity}/dt=*/*.json`;
const snapshotGlobOf = (spec: SnapshotSourceSpec) => `snapshots/shopify/${spec.entity}/run=*/*.parquet`;

/** The object key of a file path: the path after the lake root, without s3rver's suffix. */
const objectKeySql = (lake: LakeDir) => `replace(substr(filename, ${lake.root.length + 2}), '._S3rver_object', '')`;

const createRawView = async (engine: Engine, lake: LakeDir, spec: RawSourceSpec, kind: "VIEW" | "TEMP TABLE") => {
  const glob = lake.glob(rawGlobOf(spec));
  if (!(await hasFiles(engine, glob))) {
    await engine.run(
      `CREATE OR REPLACE ${kind} ${spec.relation} AS SELECT CAST(NULL AS VARCHAR) AS object_key, CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS VARCHAR) AS topic, CAST(NULL AS VARCHAR) AS payload WHERE FALSE`,
    );
    return;
  }
  // Invalid JSON is skipped here (the data-quality checks count it): bad input never fails a run.
  // An envelope {"topic", "payload"} is unwrapped; a bare webhook body is the payload itself.
  await engine.run(`
    CREATE OR REPLACE ${kind} ${spec.relation} AS
    SELECT
      ${objectKeySql(lake)} AS object_key,
      regexp_extract(filename, 'dt=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) AS dt,
      CASE WHEN json_type(content, '$.payload') = 'OBJECT' THEN json_extract_string(content, '$.topic') ELSE NULL END AS topic,
      CASE WHEN json_type(content, '$.payload') = 'OBJECT' THEN CAST(json_extract(content, '$.payload') AS VARCHAR) ELSE content END AS payload
    FROM read_text(${sqlString(glob)})
    WHERE CASE WHEN json_valid(content) THEN json_type(content) = 'OBJECT' ELSE FALSE END`);
};

/** Parquet column name -> contract column, for the columns the backfill may name differently. */
const snapshotColumnAliases: Record<string, ReadonlyArray<string>> = {
  order_id: ["order_id", "__parentId", "parent_id"],
  // Refund line items and order adjustments are children of a refund.
  refund_id: ["refund_id", "__parentId"],
  // GraphQL OrderAdjustment names its kind `reason` (the `kind` field is deprecated).
  kind: ["kind", "reason"],
  currency: ["currency", "currency_code"],
  customer_id: ["customer_id"],
};

const createSnapshotView = async (engine: Engine, lake: LakeDir, spec: SnapshotSourceSpec) => {
  const glob = lake.glob(snapshotGlobOf(spec));
  const contractColumns = [...spec.fields];
  if (!(await hasFiles(engine, glob))) {
    const types = spec.types as Record<string, string>;
    const nulls = [...contractColumns, "run_id"].map((name) => `CAST(NULL AS ${types[name] ?? "VARCHAR"}) AS ${name}`).join(", ");
    await engine.run(`CREATE OR REPLACE VIEW ${spec.relation} AS SELECT ${nulls} WHERE FALSE`);
    return;
  }
  // One read per run with its id as a constant: cheaper than a regexp over every row's file name.
  const files = (await engine.rows(`SELECT file FROM glob(${sqlString(glob)}) ORDER BY file`)).map((row) => String(row.file));
  const runs = new Map<string, string[]>();
  for (const file of files) {
    const run = /run=([^/]+)\//.exec(file)?.[1];
    if (run !== undefined) runs.set(run, [...(runs.get(run) ?? []), file]);
  }
  const readRun = (list: ReadonlyArray<string>) => `read_parquet([${list.map(sqlString).join(", ")}], union_by_name = true)`;
  const source = readRun(files);
  const described = await engine.rows(`DESCRIBE SELECT * FROM ${source}`);
  const present = new Map(described.map((row) => [String(row.column_name), String(row.column_type)]));
  // Every contract column in its contract type; a column the files lack is NULL, so an older
  // export never fails the run. TIMESTAMPTZ becomes UTC TIMESTAMP (what Athena reads).
  const select = contractColumns.map((name) => {
    const wanted = (spec.types as Record<string, string>)[name] ?? "VARCHAR";
    const actual = (snapshotColumnAliases[name] ?? [name]).find((candidate) => present.has(candidate));
    if (!actual) return `CAST(NULL AS ${wanted}) AS ${name}`;
    const type = present.get(actual)!;
    if (wanted === "TIMESTAMP" && type.startsWith("TIMESTAMP WITH TIME ZONE")) return `CAST(timezone('UTC', "${actual}") AS TIMESTAMP) AS ${name}`;
    if (wanted === "TIMESTAMP" && type === "VARCHAR") return `CAST(timezone('UTC', TRY_CAST("${actual}" AS TIMESTAMPTZ)) AS TIMESTAMP) AS ${name}`;
    return `TRY_CAST("${actual}" AS ${wanted}) AS ${name}`;
  });
  const perRun = [...runs].map(([run, list]) => `SELECT ${select.join(", ")}, ${sqlString(run)} AS run_id FROM ${readRun(list)}`);
  await engine.run(`CREATE OR REPLACE VIEW ${spec.relation} AS ${perRun.join(" UNION ALL ")}`);
};

/**
 * Creates every source relation of etl/sources.ts over the lake's files, then the derived
 * relations of etl/transforms.ts over them (a missing source is an empty relation, so they exist
 * even before a shop has any refund). With `materialize` (a transform run), the raw relations and
 * the derived ones are computed once into temporary tables (spilled to the temp directory when
 * large): orders_enriched, the facts and the views read them several times, and a view would read
 * every raw object again each time. `shopTimezone` (config shopTimezone, default UTC) is the zone of
 * the refund facts' days.
 */
export const registerSources = async (engine: Engine, lake: LakeDir, options: { readonly materialize?: boolean; readonly shopTimezone?: string } = {}) => {
  for (const spec of Object.values(sourceSpecs)) {
    if (spec.kind === "raw") await createRawView(engine, lake, spec, options.materialize === true ? "TEMP TABLE" : "VIEW");
    else await createSnapshotView(engine, lake, spec);
  }
  for (const relation of derivedRelations) {
    const kind = options.materialize === true ? "TEMP TABLE" : "VIEW";
    await engine.run(`CREATE OR REPLACE ${kind} ${relation.name} AS ${loadSql(relation.sqlFile, { shop_timezone: options.shopTimezone })}`);
  }
};

/** `orders_enriched` as the views read it: the processed Parquet partitions in the lake. */
export const registerProcessedOrders = async (engine: Engine, lake: LakeDir, columnsSql: string) => {
  const glob = lake.glob(`${ORDERS_ENRICHED_PREFIX}dt=*/*.parquet`);
  if (!(await hasFiles(engine, glob))) {
    await engine.run(`CREATE OR REPLACE VIEW orders_enriched AS SELECT * FROM (${columnsSql}) WHERE FALSE`);
    return;
  }
  await engine.run(`CREATE OR REPLACE VIEW orders_enriched AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, hive_types = {'dt': 'VARCHAR'})`);
};
