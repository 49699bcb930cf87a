/**
 * What a Shopify bulk export writes to the lake: for each exported object, the entities (one
 * Parquet dataset each, `snapshots/shopify/<entity>/run=<id>/`) its JSONL splits into. The
 * converter (functions/backfill/convert/entities.ts) writes exactly these and the Glue table
 * `shopify_bulk_snapshots` (stacks/lake-catalog.ts) projects exactly these, so Athena never
 * misses a dataset the writer produces. Plain data.
 */
export type BulkObject = "orders" | "customers" | "products";
export const bulkObjects: ReadonlyArray<BulkObject> = ["orders", "customers", "products"];

/** Root entity first, then the nested connection's (rows carrying `__parentId`). */
export const bulkEntitiesByObject = {
  orders: ["orders", "order_line_items"],
  customers: ["customers"],
  products: ["products", "product_variants"],
} as const satisfies Record<BulkObject, ReadonlyArray<string>>;

export type BulkEntity = (typeof bulkEntitiesByObject)[BulkObject][number];

/** Every entity a bulk export can write, in object order. */
export const bulkEntities: ReadonlyArray<BulkEntity> = bulkObjects.flatMap((object) => bulkEntitiesByObject[object]);
