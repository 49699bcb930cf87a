/**
 * The Glue tables over the lake, with partition projection so Athena never needs
 * `MSCK REPAIR` or crawlers: partitions are computed from the S3 key layout of
 * contracts/lake-layout.ts. Columns cover what the transforms read (keep them in step with
 * etl/sql).
 */
import { lakePrefixes, ORDERS_ENRICHED_PREFIX } from "../contracts/lake-layout";
import { sources } from "../contracts/lake-layout";
import { shopifyTopicFamilies } from "../contracts/events";
import { sourceSpecs } from "../contracts/analytics-sources";
import { bulkEntities } from "../contracts/bulk-entities";
import { ordersEnriched } from "../etl/transforms";

/** DuckDB/Trino type names of etl/transforms.ts as Glue (Hive) types. */
const glueType = (type: string) => ({ VARCHAR: "string", TIMESTAMP: "timestamp", INTEGER: "int", BIGINT: "bigint", BOOLEAN: "boolean" })[type] ?? type.toLowerCase();

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

export interface LakeTableSpec {
  readonly name: string;
  readonly description: string;
  /** Prefix under the bucket (trailing slash). */
  readonly prefix: string;
  /** "text": one string column per line (the analytics reads raw JSON documents whole). */
  readonly format: "json" | "parquet" | "text";
  readonly columns: ReadonlyArray<GlueColumn>;
  readonly partitionKeys: ReadonlyArray<GlueColumn>;
  /** Partition projection parameters (without the projection.enabled flag). */
  readonly projection: Record<string, string>;
  /** The storage.location.template after s3://<bucket>/. */
  readonly locationTemplate: string;
}

const rawEntities = [
  ...new Set([
    ...Object.values(shopifyTopicFamilies)
      .flat()
      .map((topic) => topic.split("/")[0]!),
    "subscription",
    "charge",
    "payment_intent",
    "invoice",
    "dispute",
  ]),
].sort();

/** raw/<source>/<entity>/dt=YYYY-MM-DD/: the partitions both raw tables project. */
const rawPartitioning = {
  partitionKeys: [
    { name: "source", type: "string" },
    { name: "entity", type: "string" },
    { name: "dt", type: "string" },
  ],
  projection: {
    "projection.source.type": "enum",
    "projection.source.values": sources.join(","),
    "projection.entity.type": "enum",
    "projection.entity.values": rawEntities.join(","),
    "projection.dt.type": "date",
    "projection.dt.format": "yyyy-MM-dd",
    "projection.dt.range": "2015-01-01,NOW",
    "projection.dt.interval": "1",
    "projection.dt.interval.unit": "DAYS",
  },
  locationTemplate: "raw/${source}/${entity}/dt=${dt}/",
} as const;

export const lakeTables: ReadonlyArray<LakeTableSpec> = [
  {
    name: "raw_events",
    description: "Verified webhook events as received: raw/<source>/<entity>/dt=YYYY-MM-DD/<event-id>.json",
    prefix: lakePrefixes.raw,
    format: "json",
    columns: [
      { name: "id", type: "string", comment: "source id of the object (string: ids may exceed 2^53)" },
      { name: "admin_graphql_api_id", type: "string" },
      { name: "created_at", type: "string" },
      { name: "updated_at", type: "string" },
    ],
    ...rawPartitioning,
  },
  {
    name: "shopify_bulk_snapshots",
    description: "Shopify bulk-export rows as Parquet: snapshots/shopify/<entity>/run=<bulk-run-id>/",
    prefix: `${lakePrefixes.snapshots}shopify/`,
    format: "parquet",
    columns: [
      { name: "id", type: "string" },
      { name: "__parentid", type: "string", comment: "parent object GID for nested rows (line items, variants)" },
      { name: "updated_at", type: "timestamp" },
    ],
    partitionKeys: [
      { name: "entity", type: "string" },
      { name: "run", type: "string" },
    ],
    projection: {
      "projection.entity.type": "enum",
      // Exactly the datasets the bulk converter writes (functions/backfill/convert/entities.ts follows the same contract).
      "projection.entity.values": bulkEntities.join(","),
      "projection.run.type": "injected",
    },
    locationTemplate: "snapshots/shopify/${entity}/run=${run}/",
  },
  {
    name: "orders_enriched",
    description: "Latest state of every order with money, subscription and customer-sequence columns, by order date.",
    prefix: ORDERS_ENRICHED_PREFIX,
    format: "parquet",
    // The columns of etl/transforms.ts in SELECT order (the workflow's INSERT relies on it), dt as the partition.
    columns: ordersEnriched.columns
      .filter((column) => column.name !== "dt")
      .map((column) => ({ name: column.name, type: glueType(column.type), comment: column.meaning.slice(0, 250) })),
    partitionKeys: [{ name: "dt", type: "string" }],
    projection: {
      "projection.dt.type": "date",
      "projection.dt.format": "yyyy-MM-dd",
      "projection.dt.range": "2015-01-01,NOW",
      "projection.dt.interval": "1",
      "projection.dt.interval.unit": "DAYS",
    },
    locationTemplate: `${ORDERS_ENRICHED_PREFIX}dt=\${dt}/`,
  },
  {
    name: "raw_text",
    description: "Raw objects read whole as text (one compact JSON document per object): the analytics source views parse them.",
    prefix: lakePrefixes.raw,
    format: "text",
    columns: [{ name: "line", type: "string", comment: "the object's JSON document as received" }],
    ...rawPartitioning,
  },
  // One Parquet table per snapshot source the transforms read (bulk_orders, bulk_order_line_items,
  // bulk_refunds, ...: etl/athena.ts athenaSnapshotTable); an entity not exported yet is an empty prefix.
  ...Object.values(sourceSpecs).flatMap((spec): LakeTableSpec[] => {
    if (spec.kind !== "snapshot") return [];
    const types = spec.types as Record<string, string>;
    return [
      {
        name: `bulk_${spec.entity}`,
        description: `${spec.description} Every run of snapshots/shopify/${spec.entity}/ (run_id comes from the object path).`,
        prefix: `${lakePrefixes.snapshots}shopify/${spec.entity}/`,
        format: "parquet",
        columns: spec.fields.map((field) => ({ name: field, type: glueType(types[field] ?? "VARCHAR") })),
        // run=<id> directories are read recursively (no partition keys: the projection flag is inert).
        partitionKeys: [],
        projection: {},
        locationTemplate: `snapshots/shopify/${spec.entity}/`,
      },
    ];
  }),
];

/** Glue database name (Glue allows lower-case letters, digits and underscores). */
export const glueDatabaseName = (brand: string, env: string) => `${brand}_${env}_lake`.replace(/-/g, "_");
