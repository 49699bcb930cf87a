/**
 * DuckDB over the local lake of an `sdp local` / `sdp demo` data dir, with ready-made views.
 *
 * Where the data comes from:
 *   - Lake objects are plain files in s3rver's directory: the object `<key>` of the bucket is the
 *     file `<data-dir>/s3/<bucket>/<key>._S3rver_object` (metadata in `<key>._S3rver_metadata.json`),
 *     so DuckDB reads them directly by glob, whether or not the platform is running.
 *   - Hot-store tables live in dynalite's LevelDB under `<data-dir>/dynamodb`. When the platform
 *     runs (platform.json's pid is alive) they are scanned through its DynamoDB endpoint; when it
 *     does not, dynalite is started on the directory for the scan and closed again (LevelDB
 *     admits one process at a time, which is why a running platform is asked instead). Only the
 *     tables a query names are scanned.
 *
 * Views:
 *   raw_events          every verified event as received: source, entity, dt, event_id, topic, payload (JSON)
 *   orders, customers, products, abandoned_carts, subscriptions, charges, payments, invoices,
 *   disputes            hot-store tables (latest real-time state per object)
 *   line_items          line items of the newest raw version of each real-time order
 *   snapshot_<entity>   bulk-export Parquet (snapshots/shopify/<entity>/run=<id>/), with `run`
 *   orders_enriched     processed/shopify/orders_enriched Parquet, when the analytics ran
 *   <curated view>      each curated/<view>/ Parquet dataset
 *   reconciliation, data_quality   metadata/ JSON documents
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import { loadEnvironment } from "../config/environments";
import { ORDERS_ENRICHED_PREFIX } from "../contracts/lake-layout";
import { lakeBucketName, tableName } from "../contracts/naming";
import { tableSpecs, type TableKey } from "../contracts/tables";
import { readRunningPlatform, type ReadyInfo } from "./platform";
import { S3RVER_OBJECT_SUFFIX, s3rverLake, type LakeDir } from "../etl/lake";
import { LakeUnreadable } from "./lake-errors";

/** View name -> hot-store table, for the tables analysts query. */
export const hotStoreViews: Readonly<Record<string, TableKey>> = {
  orders: "orders",
  customers: "customers",
  products: "products",
  abandoned_carts: "abandonedCarts",
  subscriptions: "subscriptions",
  charges: "charges",
  payments: "payments",
  invoices: "invoices",
  disputes: "disputes",
};

export interface LakeLocation {
  readonly dataDir: string;
  /** `<data-dir>/s3/<bucket>`: the directory holding the object files. */
  readonly bucketDir: string;
  /** The bucket's objects on disk (keys, paths, globs): etl/lake.ts's s3rver layout. */
  readonly objects: LakeDir;
  readonly bucket: string;
  readonly tables: Record<TableKey, string>;
  /** Set when a platform is running on the data dir. */
  readonly running?: ReadyInfo;
}

const readPlatformJson = (dataDir: string): Partial<ReadyInfo> | undefined => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, "platform.json"), "utf8")) as Partial<ReadyInfo>;
  } catch {
    return undefined;
  }
};

export const locateLake = (dataDir: string): LakeLocation => {
  const environment = loadEnvironment("local");
  const info = readPlatformJson(dataDir);
  const bucket = info?.bucket ?? lakeBucketName(environment.brand, environment.accountId, environment.name);
  const defaults = Object.fromEntries(
    (Object.keys(tableSpecs) as TableKey[]).map((key) => [key, tableName(environment.brand, environment.name, tableSpecs[key].logicalName)]),
  ) as Record<TableKey, string>;
  const tables = { ...defaults, ...((info?.tables as Record<TableKey, string> | undefined) ?? {}) };
  const running = readRunningPlatform(dataDir);
  const objects = s3rverLake(path.join(dataDir, "s3"), bucket);
  return { dataDir, bucketDir: objects.root, objects, bucket, tables, ...(running ? { running } : {}) };
};

// --- Lake files --------------------------------------------------------------------------------

/** Object keys under `prefix` (e.g. "raw/"), read from s3rver's directory. */
export const listObjectKeys = (lake: LakeLocation, prefix: string): ReadonlyArray<string> => lake.objects.list(prefix);

const objectGlob = (lake: LakeLocation, keyGlob: string) => lake.objects.glob(keyGlob);

const subdirectories = (dir: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;
const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
const safeViewName = (name: string) => name.toLowerCase().replace(/[^a-z0-9_]/g, "_");

// --- Hot stores --------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: Record<string, unknown>) => http.Server;

const scanAll = async (client: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, { TableName: table })) {
    for (const item of page.Items ?? []) items.push(unmarshall(item, { wrapNumbers: false }) as Record<string, unknown>);
  }
  return items;
};

const isMissingTable = (error: unknown) => (error as { name?: string })?.name === "ResourceNotFoundException";

/**
 * Scans hot-store tables: through the running platform, or by opening dynalite on the data dir
 * for the duration of the scan. Missing tables come back empty.
 */
export const scanHotStores = async (lake: LakeLocation, keys: ReadonlyArray<TableKey>): Promise<Partial<Record<TableKey, Record<string, unknown>[]>>> => {
  if (keys.length === 0) return {};
  let endpoint: string;
  let close: () => Promise<void> = async () => undefined;
  const region = lake.running?.region ?? "us-east-1";
  if (lake.running) {
    endpoint = lake.running.endpoints.dynamodb;
  } else {
    const dynamoDir = path.join(lake.dataDir, "dynamodb");
    if (!fs.existsSync(dynamoDir)) return Object.fromEntries(keys.map((key) => [key, []]));
    const server = dynalite({ path: dynamoDir, createTableMs: 0 });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
    } catch (error) {
      throw new LakeUnreadable(`cannot open the hot stores in ${dynamoDir}: ${(error as Error).message}. Is another process using this data dir?`);
    }
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const client = new DynamoDBClient({ region, endpoint, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, maxAttempts: 2 });
  try {
    const result: Partial<Record<TableKey, Record<string, unknown>[]>> = {};
    for (const key of keys) {
      try {
        result[key] = await scanAll(client, lake.tables[key]);
      } catch (error) {
        if (!isMissingTable(error)) throw error;
        result[key] = [];
      }
    }
    return result;
  } catch (error) {
    if (error instanceof LakeUnreadable) throw error;
    throw new LakeUnreadable(`could not read the hot stores: ${(error as Error).message}`);
  } finally {
    client.destroy();
    await close();
  }
};

/** DynamoDB sets become arrays so DuckDB can read them as lists. */
const plain = (value: unknown): unknown => {
  if (value instanceof Set) return [...value].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  return value;
};

// --- The database --------------------------------------------------------------------------

export interface LakeDatabase {
  readonly connection: DuckDBConnection;
  /** Names of the views and tables defined, with where each comes from. */
  readonly relations: ReadonlyArray<{ readonly name: string; readonly from: string }>;
  readonly close: () => void;
}

/** Hot-store views a SQL text refers to (by word), so the others are not scanned. */
export const referencedHotStoreViews = (sql: string): string[] => {
  const words = new Set((sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []).map((word) => word));
  return Object.keys(hotStoreViews).filter((view) => words.has(view));
};

export interface OpenOptions {
  /** Hot-store views to load; default: those `sql` refers to (or none). */
  readonly hotStoreViews?: ReadonlyArray<string>;
  readonly sql?: string;
}

export const openLakeDatabase = async (lake: LakeLocation, options: OpenOptions = {}): Promise<LakeDatabase> => {
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  const relations: Array<{ name: string; from: string }> = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-query-"));
  const run = (sql: string) => connection.run(sql);

  try {
    // raw_events: every raw object, with the parts of its key and its s3rver metadata.
    const rawKeys = listObjectKeys(lake, "raw/");
    if (rawKeys.length > 0) {
      const hasMetadata = fs.existsSync(`${lake.bucketDir}`) && rawKeys.some((key) => fs.existsSync(path.join(lake.bucketDir, `${key}._S3rver_metadata.json`)));
      const metadataJoin = hasMetadata
        ? `LEFT JOIN (SELECT replace(filename, '._S3rver_metadata.json', '') AS base, content::JSON AS metadata FROM read_text(${sqlString(path.join(lake.bucketDir, "raw/**/*._S3rver_metadata.json"))})) m ON m.base = replace(o.filename, '${S3RVER_OBJECT_SUFFIX}', '')`
        : "";
      await run(`CREATE VIEW raw_events AS
        WITH o AS (
          SELECT filename, content FROM read_text(${sqlString(objectGlob(lake, "raw/**/*"))})
        ), parts AS (
          SELECT o.filename,
                 regexp_extract(replace(o.filename, ${sqlString(lake.bucketDir + path.sep)}, ''), '^(raw/.*)${S3RVER_OBJECT_SUFFIX.replace(/\./g, "\\.")}$', 1) AS object_key,
                 o.content,
                 ${hasMetadata ? "m.metadata" : "NULL::JSON AS metadata"}
          FROM o ${metadataJoin}
        )
        SELECT split_part(object_key, '/', 2) AS source,
               split_part(object_key, '/', 3) AS entity,
               TRY_CAST(regexp_extract(object_key, 'dt=([0-9-]+)', 1) AS DATE) AS dt,
               regexp_extract(object_key, '/([^/]+)\\.json$', 1) AS event_id,
               COALESCE(json_extract_string(metadata, '$."x-amz-meta-topic"'), TRY(json_extract_string(content, '$.type')), TRY(json_extract_string(content, '$.topic'))) AS topic,
               TRY(content::JSON) AS payload,
               length(content) AS bytes,
               object_key,
               metadata
        FROM parts`);
      relations.push({ name: "raw_events", from: `${rawKeys.length} raw objects` });
    } else {
      await run(`CREATE VIEW raw_events AS SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS entity, NULL::DATE AS dt, NULL::VARCHAR AS event_id,
                 NULL::VARCHAR AS topic, NULL::JSON AS payload, NULL::BIGINT AS bytes, NULL::VARCHAR AS object_key, NULL::JSON AS metadata WHERE false`);
      relations.push({ name: "raw_events", from: "no raw objects yet" });
    }

    // Bulk snapshots: one view per entity.
    const snapshotRoot = path.join(lake.bucketDir, "snapshots", "shopify");
    for (const entity of subdirectories(snapshotRoot)) {
      if (listObjectKeys(lake, `snapshots/shopify/${entity}/`).filter((key) => key.endsWith(".parquet")).length === 0) continue;
      const name = `snapshot_${safeViewName(entity)}`;
      await run(
        `CREATE VIEW ${identifier(name)} AS SELECT * FROM read_parquet(${sqlString(objectGlob(lake, `snapshots/shopify/${entity}/**/*.parquet`))}, hive_partitioning = true, union_by_name = true)`,
      );
      relations.push({ name, from: `snapshots/shopify/${entity}/` });
    }

    // line_items: the newest webhook version of each real-time order, and for orders known only
    // from bulk exports, the line items of the latest run that holds them.
    const lineItemParts: string[] = [];
    if (rawKeys.some((key) => key.startsWith("raw/shopify/orders/"))) {
      lineItemParts.push(`SELECT *, 'webhook' AS origin FROM (
          WITH versions AS (
              SELECT payload, COALESCE(json_extract_string(payload, '$.admin_graphql_api_id'), 'gid://shopify/Order/' || json_extract_string(payload, '$.id')) AS order_id,
                     TRY_CAST(json_extract_string(payload, '$.updated_at') AS TIMESTAMPTZ) AS updated_at, object_key
              FROM raw_events WHERE source = 'shopify' AND entity = 'orders' AND payload IS NOT NULL AND json_type(payload, '$.line_items') = 'ARRAY'
            ), newest AS (
              SELECT * FROM versions QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC NULLS LAST, object_key DESC) = 1
            ), items AS (
              SELECT order_id, updated_at, unnest(json_extract(payload, '$.line_items[*]')) AS item, json_extract_string(payload, '$.currency') AS currency FROM newest
            )
            SELECT COALESCE(json_extract_string(item, '$.admin_graphql_api_id'), 'gid://shopify/LineItem/' || json_extract_string(item, '$.id')) AS id,
                   order_id,
                   'gid://shopify/Product/' || json_extract_string(item, '$.product_id') AS product_id,
                   'gid://shopify/ProductVariant/' || json_extract_string(item, '$.variant_id') AS variant_id,
                   json_extract_string(item, '$.title') AS title,
                   json_extract_string(item, '$.variant_title') AS variant_title,
                   json_extract_string(item, '$.sku') AS sku,
                   TRY_CAST(json_extract_string(item, '$.quantity') AS BIGINT) AS quantity,
                   TRY_CAST(json_extract_string(item, '$.price') AS DECIMAL(18, 3)) AS price,
                   TRY_CAST(json_extract_string(item, '$.total_discount') AS DECIMAL(18, 3)) AS total_discount,
                   currency,
                   updated_at AS order_updated_at
            FROM items)`);
    }
    if (relations.some((relation) => relation.name === "snapshot_order_line_items")) {
      const notFromWebhooks = lineItemParts.length > 0 ? "WHERE order_id NOT IN (SELECT order_id FROM webhook_line_items)" : "";
      lineItemParts.push(`SELECT id, order_id, product_id, variant_id, name AS title, NULL::VARCHAR AS variant_title, sku, quantity,
                 CAST(unit_price AS DECIMAL(18, 3)) AS price, CAST(total_discount AS DECIMAL(18, 3)) AS total_discount, currency,
                 NULL::TIMESTAMPTZ AS order_updated_at, 'snapshot ' || run AS origin
          FROM snapshot_order_line_items ${notFromWebhooks}
          QUALIFY row_number() OVER (PARTITION BY id ORDER BY run DESC) = 1`);
    }
    if (lineItemParts.length === 2) {
      await run(`CREATE VIEW webhook_line_items AS ${lineItemParts[0]}`);
      await run(`CREATE VIEW line_items AS SELECT * FROM webhook_line_items UNION ALL ${lineItemParts[1]}`);
      relations.push({ name: "line_items", from: "webhook orders (newest version) and bulk-export line items" });
    } else if (lineItemParts.length === 1) {
      await run(`CREATE VIEW line_items AS ${lineItemParts[0]}`);
      relations.push({ name: "line_items", from: lineItemParts[0]!.includes("'webhook'") ? "newest webhook version of each order" : "bulk-export line items" });
    }

    // Analytics outputs.
    if (listObjectKeys(lake, ORDERS_ENRICHED_PREFIX).some((key) => key.endsWith(".parquet"))) {
      await run(
        `CREATE VIEW orders_enriched AS SELECT * FROM read_parquet(${sqlString(objectGlob(lake, `${ORDERS_ENRICHED_PREFIX}**/*.parquet`))}, hive_partitioning = true, union_by_name = true)`,
      );
      relations.push({ name: "orders_enriched", from: ORDERS_ENRICHED_PREFIX });
    }
    for (const view of subdirectories(path.join(lake.bucketDir, "curated"))) {
      const keys = listObjectKeys(lake, `curated/${view}/`);
      const name = safeViewName(view);
      if (relations.some((relation) => relation.name === name) || name in hotStoreViews) continue;
      if (keys.some((key) => key.endsWith(".parquet"))) {
        await run(
          `CREATE VIEW ${identifier(name)} AS SELECT * FROM read_parquet(${sqlString(objectGlob(lake, `curated/${view}/**/*.parquet`))}, hive_partitioning = true, union_by_name = true)`,
        );
        relations.push({ name, from: `curated/${view}/` });
      } else if (keys.some((key) => key.endsWith(".json") || key.endsWith(".jsonl"))) {
        await run(`CREATE VIEW ${identifier(name)} AS SELECT * FROM read_json_auto(${sqlString(objectGlob(lake, `curated/${view}/**/*.json*`))}, union_by_name = true)`);
        relations.push({ name, from: `curated/${view}/` });
      }
    }

    // Metadata documents.
    for (const [name, prefix] of [
      ["reconciliation", "metadata/reconciliation/"],
      ["data_quality", "metadata/data-quality/"],
    ] as const) {
      if (!listObjectKeys(lake, prefix).some((key) => key.endsWith(".json"))) continue;
      await run(`CREATE VIEW ${name} AS SELECT * FROM read_json_auto(${sqlString(objectGlob(lake, `${prefix}**/*.json`))}, union_by_name = true, filename = true)`);
      relations.push({ name, from: prefix });
    }

    // Hot-store tables: scanned now, loaded as tables.
    const wanted = options.hotStoreViews ?? (options.sql !== undefined ? referencedHotStoreViews(options.sql) : []);
    const scanned = await scanHotStores(
      lake,
      wanted.map((view) => hotStoreViews[view]!),
    );
    for (const view of wanted) {
      const key = hotStoreViews[view]!;
      const items = scanned[key] ?? [];
      if (items.length === 0) {
        await run(`CREATE TABLE ${identifier(view)} (${identifier(tableSpecs[key].partitionKey.name)} VARCHAR)`);
      } else {
        const file = path.join(scratch, `${view}.jsonl`);
        fs.writeFileSync(file, `${items.map((item) => JSON.stringify(plain(item))).join("\n")}\n`);
        await run(`CREATE TABLE ${identifier(view)} AS SELECT * FROM read_json_auto(${sqlString(file)}, format = 'newline_delimited', sample_size = -1, union_by_name = true)`);
      }
      relations.push({ name: view, from: `hot store ${lake.tables[key]} (${items.length} rows)` });
    }
  } catch (error) {
    connection.closeSync();
    fs.rmSync(scratch, { recursive: true, force: true });
    throw error;
  }

  return {
    connection,
    relations,
    close: () => {
      connection.closeSync();
      instance.closeSync?.();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
};

/** Runs a query and returns column names and rows as JSON-safe values. */
export const runQuery = async (connection: DuckDBConnection, sql: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> => {
  const reader = await connection.runAndReadAll(sql);
  const columns = reader.columnNames();
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  return { columns, rows };
};
