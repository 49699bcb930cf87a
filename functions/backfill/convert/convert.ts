/**
 * JSONL (plain or gzip) from a Shopify bulk export -> one zstd Parquet file per entity, with
 * DuckDB. DuckDB's JSON and Parquet readers are built in (it cannot download extensions here),
 * and `memory_limit` + `temp_directory` keep memory bounded however large the input grows: what
 * does not fit spills to disk instead of growing the process.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { linesOf, objectSpecs, type BulkObject, type EntitySpec } from "./entities";

export interface ConvertOptions {
  readonly input: string;
  readonly outDir: string;
  readonly object: BulkObject;
  /** DuckDB spill directory; defaults to a fresh one under os.tmpdir(). */
  readonly tempDir?: string;
  /** DuckDB memory_limit, e.g. "1GB". */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

export interface EntityOutput {
  readonly entity: string;
  readonly rows: number;
  /** Parquet file written (absent when the entity had no rows). */
  readonly file?: string;
  readonly bytes: number;
}

export interface ConvertResult {
  readonly object: BulkObject;
  /** Per entity written, then the carrier lines (counted, not written) if the object has them. */
  readonly entities: ReadonlyArray<EntityOutput>;
  /** JSONL lines accounted for (what Shopify's objectCount counts): rows unnested from a list are not lines. */
  readonly totalRows: number;
}

export class ConversionFailed extends Error {
  override readonly name = "ConversionFailed";
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const identifier = (value: string) => `"${value.replaceAll('"', '""')}"`;

/** gzip by its magic bytes, not by the file name: bulk URLs do not always say. */
export const isGzipFile = (file: string): boolean => {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(2);
    const read = fs.readSync(fd, head, 0, 2, 0);
    return read === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
};

const readJson = (input: string, object: BulkObject, gzip: boolean) => {
  const columns = Object.entries(objectSpecs[object].jsonColumns)
    .map(([name, type]) => `${identifier(name)}: ${literal(type)}`)
    .join(", ");
  return `read_json(${literal(input)}, format='newline_delimited', compression=${literal(gzip ? "gzip" : "uncompressed")}, columns={${columns}}, maximum_object_size=16777216)`;
};

/** The lines an entity (or a carrier) is made of: root or child, and of one GID type when given. */
export const lineFilter = (line: { readonly role: "root" | "child"; readonly gidType?: string }) => {
  const role = line.role === "root" ? `"__parentId" IS NULL` : `"__parentId" IS NOT NULL`;
  return line.gidType ? `${role} AND starts_with("id", ${literal(`gid://shopify/${line.gidType}/`)})` : role;
};

export const entitySelect = (spec: EntitySpec, source: string) => {
  const projection = spec.select.map(([column, expression]) => `${expression} AS ${identifier(column)}`).join(", ");
  if (spec.unnest) {
    // One row per element of the line's list; the line's id is the parent's.
    return `SELECT ${projection} FROM (SELECT "id" AS line_id, unnest(${identifier(spec.unnest)}) AS item FROM ${source} WHERE ${lineFilter(spec)})`;
  }
  return `SELECT ${projection} FROM ${source} WHERE ${lineFilter(spec)}`;
};

const firstNumber = (rows: ReadonlyArray<ReadonlyArray<unknown>>): number => {
  const value = rows[0]?.[0];
  return typeof value === "bigint" ? Number(value) : Number(value ?? 0);
};

/** DuckDB settings for a conversion: bounded memory, spill directory, no insertion order. */
export const openConverter = async (options: { readonly tempDir: string; readonly memoryLimit?: string; readonly threads?: number }) => {
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: options.memoryLimit ?? "1GB",
    threads: String(options.threads ?? Math.max(1, Math.min(os.cpus().length, 4))),
    temp_directory: options.tempDir,
    // Order is irrelevant for snapshots; dropping it lets DuckDB stream with less memory.
    preserve_insertion_order: "false",
  });
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
};

/**
 * Converts one JSONL file (plain or gzip) with an open connection: writes
 * `<outDir>/<entity>/<fileName>` per entity that has rows. Used for a whole export
 * (convertJsonl) and for each bounded part of a streamed one (stream.ts). A streamed part comes
 * as two files, its root lines (`input`) and its child lines (`childInput`): each entity reads
 * only the file of its role, so every line is parsed once instead of once per entity (the
 * role filters still apply, so a line in the wrong file is never written, and the count
 * against objectCount would say so).
 */
export const convertFileWith = async (
  connection: DuckDBConnection,
  options: { readonly input: string; readonly childInput?: string; readonly outDir: string; readonly object: BulkObject; readonly fileName: string; readonly label?: string },
): Promise<ReadonlyArray<EntityOutput>> => {
  const spec = objectSpecs[options.object];
  const gzip = isGzipFile(options.input);
  const source = readJson(options.input, options.object, gzip);
  const childSource = options.childInput === undefined ? source : readJson(options.childInput, options.object, isGzipFile(options.childInput));
  const entities: EntityOutput[] = [];
  for (const entity of spec.entities) {
    const dir = path.join(options.outDir, entity.entity);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, options.fileName);
    // Every line lacks or has __parentId, so the entities partition the input exactly; a line
    // that is not JSON makes read_json fail the conversion: loudly, never skipped.
    let rows: number;
    try {
      const copied = await connection.runAndReadAll(
        `COPY (${entitySelect(entity, entity.role === "child" ? childSource : source)}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
      );
      rows = firstNumber(copied.getRows());
    } catch (error) {
      throw new ConversionFailed(`cannot convert ${options.label ?? path.basename(options.input)} to ${entity.entity}: ${(error as Error).message}`);
    }
    if (rows === 0) {
      fs.rmSync(file, { force: true });
      entities.push({ entity: entity.entity, rows, bytes: 0 });
    } else {
      entities.push({ entity: entity.entity, rows, file, bytes: fs.statSync(file).size });
    }
  }
  if (spec.carrier) {
    // Lines read only for what hangs from them: counted (objectCount counts them), never written.
    try {
      const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${source} WHERE ${lineFilter(spec.carrier)}`);
      entities.push({ entity: spec.carrier.name, rows: firstNumber(counted.getRows()), bytes: 0 });
    } catch (error) {
      throw new ConversionFailed(`cannot convert ${options.label ?? path.basename(options.input)}: ${(error as Error).message}`);
    }
  }
  return entities;
};

export const convertJsonl = async (options: ConvertOptions): Promise<ConvertResult> => {
  if (!fs.existsSync(options.input)) throw new ConversionFailed(`input file not found: ${options.input}`);
  fs.mkdirSync(options.outDir, { recursive: true });
  const tempDir = options.tempDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "sdp-duckdb-"));
  const ownsTempDir = options.tempDir === undefined;
  fs.mkdirSync(tempDir, { recursive: true });

  const converter = await openConverter({
    tempDir,
    ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  try {
    const entities = await convertFileWith(converter.connection, { input: options.input, outDir: options.outDir, object: options.object, fileName: "part-00000.parquet" });
    return { object: options.object, entities, totalRows: linesOf(options.object, entities) };
  } finally {
    converter.close();
    if (ownsTempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  }
};
