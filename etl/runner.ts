/**
 * Runs the analytics transforms on DuckDB over a local lake directory:
 *   1. computes the latest state of every order (etl/sql/orders_enriched.sql) in memory;
 *   2. rewrites partitions of processed/shopify/orders_enriched/: with `full`, all of them (and
 *      removes partitions that no longer have orders); otherwise only the partitions affected by
 *      the events received on `date` (etl/sql/orders_enriched_affected_dates.sql);
 *   3. rebuilds each curated view as curated/<view>/part-00000.parquet from the processed table.
 * A partition is replaced whole (delete, then move the new files in), so re-running a date gives
 * the same files and never duplicates rows.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEngine, registerSources, sqlString, type Engine, type EngineOptions } from "./duckdb-engine";
import type { LakeDir } from "./lake";
import { affectedDatesSqlFile, loadSql, ordersEnriched, views } from "./transforms";

export interface EtlOptions {
  readonly lake: LakeDir;
  /** Run date (YYYY-MM-DD, UTC): an incremental run rewrites the partitions touched by events received that day or the day before. */
  readonly date: string;
  readonly full?: boolean;
  /** The shop's IANA time zone (config shopTimezone): order, refund and daily_sales days are its local days. Default UTC. */
  readonly shopTimezone?: string;
  readonly engine?: EngineOptions;
  /** Progress lines (never data). */
  readonly log?: (line: string) => void;
}

export interface EtlResult {
  readonly date: string;
  readonly mode: "full" | "incremental";
  readonly orders: number;
  readonly partitionsWritten: ReadonlyArray<string>;
  readonly partitionsRemoved: ReadonlyArray<string>;
  readonly views: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

const PROCESSED = ordersEnriched.outputPrefix;
const DT = /^\d{4}-\d{2}-\d{2}$/;

const existingPartitions = (lake: LakeDir): ReadonlyArray<string> => {
  const dts = new Set<string>();
  for (const key of lake.list(PROCESSED)) {
    const match = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key);
    if (match) dts.add(match[1]!);
  }
  return [...dts].sort();
};

const listParquet = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((file) => file.endsWith(".parquet"))
        .sort()
    : [];

/** Replaces one partition's objects with the files DuckDB wrote for it (possibly none). */
const replacePartition = (lake: LakeDir, dt: string, writtenDir: string) => {
  const prefix = `${PROCESSED}dt=${dt}/`;
  lake.deletePrefix(prefix);
  listParquet(writtenDir).forEach((file, index) => lake.moveIn(`${prefix}part-${String(index).padStart(5, "0")}.parquet`, path.join(writtenDir, file)));
};

const writeOrders = async (engine: Engine, lake: LakeDir, dts: ReadonlyArray<string> | "all", tmp: string) => {
  const filter = dts === "all" ? "" : dts.length === 0 ? "WHERE FALSE" : `WHERE dt IN (${dts.map(sqlString).join(", ")})`;
  const outDir = path.join(tmp, "orders");
  await engine.run(
    `COPY (SELECT * FROM orders_enriched_state ${filter} ORDER BY dt, order_id) TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt), OVERWRITE_OR_IGNORE true)`,
  );
  const written = fs.existsSync(outDir) ? fs.readdirSync(outDir).flatMap((name) => (name.startsWith("dt=") && DT.test(name.slice(3)) ? [name.slice(3)] : [])) : [];
  return { outDir, written };
};

export const runEtl = async (options: EtlOptions): Promise<EtlResult> => {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  if (!DT.test(options.date)) throw new Error(`date must be YYYY-MM-DD, got ${options.date}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-etl-"));
  const engine = await openEngine({ tempDirectory: path.join(tmp, "spill"), ...options.engine });
  try {
    const sql = (file: string, runDate?: string) => loadSql(file, { shop_timezone: options.shopTimezone, ...(runDate === undefined ? {} : { run_date: runDate }) });
    await registerSources(engine, options.lake, { materialize: true, shopTimezone: options.shopTimezone });
    let mark = Date.now();
    const lap = (what: string) => {
      const now = Date.now();
      log(`${what} (${now - mark} ms)`);
      mark = now;
    };
    await engine.run(`CREATE TEMP TABLE orders_enriched_state AS ${sql(ordersEnriched.sqlFile)}`);
    lap("computed the latest state of every order");
    const [{ n }] = (await engine.rows("SELECT count(*) AS n FROM orders_enriched_state")) as [{ n: bigint }];

    let partitionsWritten: string[];
    let partitionsRemoved: string[] = [];
    // An incremental run on an empty table has nothing to build on: it is a full build.
    const full = options.full === true || existingPartitions(options.lake).length === 0;
    if (full) {
      const { outDir, written } = await writeOrders(engine, options.lake, "all", tmp);
      const before = existingPartitions(options.lake);
      for (const dt of written) replacePartition(options.lake, dt, path.join(outDir, `dt=${dt}`));
      partitionsRemoved = before.filter((dt) => !written.includes(dt));
      for (const dt of partitionsRemoved) options.lake.deletePrefix(`${PROCESSED}dt=${dt}/`);
      partitionsWritten = [...written].sort();
      lap(`wrote ${partitionsWritten.length} partition(s)`);
    } else {
      const affected = (await engine.rows(sql(affectedDatesSqlFile, options.date))).map((row) => String(row.dt)).filter((dt) => DT.test(dt));
      log(`incremental run for ${options.date}: ${affected.length} partition(s) affected`);
      const { outDir, written } = await writeOrders(engine, options.lake, affected, tmp);
      for (const dt of affected) replacePartition(options.lake, dt, path.join(outDir, `dt=${dt}`));
      partitionsWritten = [...written].sort();
      partitionsRemoved = affected.filter((dt) => !written.includes(dt)).sort();
      lap(`rewrote ${partitionsWritten.length} partition(s)`);
    }

    // The views read the state just computed: after the rewrite it is what the processed table
    // holds, and reading it from memory spares a second pass over the Parquet files.
    await engine.run("CREATE OR REPLACE VIEW orders_enriched AS SELECT * FROM orders_enriched_state");
    const viewCounts: Record<string, number> = {};
    for (const view of views) {
      const file = path.join(tmp, `${view.name}.parquet`);
      await engine.run(`CREATE OR REPLACE TEMP TABLE view_result AS ${sql(view.sqlFile)}`);
      const [{ c }] = (await engine.rows("SELECT count(*) AS c FROM view_result")) as [{ c: bigint }];
      await engine.run(`COPY view_result TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
      options.lake.deletePrefix(view.outputPrefix);
      options.lake.moveIn(`${view.outputPrefix}part-00000.parquet`, file);
      viewCounts[view.name] = Number(c);
      lap(`view ${view.name}: ${viewCounts[view.name]} row(s)`);
    }
    return {
      date: options.date,
      mode: full ? "full" : "incremental",
      orders: Number(n),
      partitionsWritten,
      partitionsRemoved,
      views: viewCounts,
      durationMs: Date.now() - started,
    };
  } finally {
    engine.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
};

/** Reads a lake output back (tests, the CLI, the data-quality checks). */
export const readParquetRows = async (lake: LakeDir, keyGlob: string, sql = "SELECT * FROM t"): Promise<ReadonlyArray<Record<string, unknown>>> => {
  const engine = await openEngine({ threads: 1 });
  try {
    const glob = lake.glob(keyGlob);
    const [row] = await engine.rows(`SELECT count(*) AS n FROM glob(${sqlString(glob)})`);
    if (Number(row?.n ?? 0) === 0) return [];
    await engine.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, hive_types_autocast = false)`);
    return await engine.rows(sql);
  } finally {
    engine.close();
  }
};
