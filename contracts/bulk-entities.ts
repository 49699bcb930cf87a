/**
 * What a Shopify bulk export writes to the lake: for each exported object (one bulk operation,
 * one top-level connection), the entities (one Parquet dataset each,
 * `snapshots/shopify/<entity>/run=<id>/`) its JSONL splits into. The converter
 * (functions/backfill/convert/entities.ts) writes exactly these and the Glue table
 * `shopify_bulk_snapshots` (stacks/lake-catalog.ts) projects exactly these, so Athena never
 * misses a dataset the writer produces. Plain data.
 *
 * Several objects are separate bulk operations over the same top-level connection (refunds,
 * order transactions and order metafields all start at `orders`): Shopify allows one top-level
 * connection, at most five connections and two levels of nesting per query, and rejects a
 * connection nested under a list field (Order.refunds, Order.fulfillments), so what cannot share
 * a query is split into operations that run side by side within the shop's bulk lease.
 */
export type BulkObject =
  | "orders"
  | "customers"
  | "products"
  | "refunds"
  | "order_transactions"
  | "fulfillment_orders"
  | "inventory_items"
  | "locations"
  | "discounts"
  | "order_metafields"
  | "customer_metafields"
  | "product_metafields"
  | "draft_orders";

export const bulkObjects: ReadonlyArray<BulkObject> = [
  "orders",
  "customers",
  "products",
  "refunds",
  "order_transactions",
  "fulfillment_orders",
  "inventory_items",
  "locations",
  "discounts",
  "order_metafields",
  "customer_metafields",
  "product_metafields",
  "draft_orders",
];

/**
 * Root entity first, then the nested connections' (rows carrying `__parentId`) and the rows
 * unnested from a list field of a line (refunds and transactions are lists on Order).
 */
export const bulkEntitiesByObject = {
  orders: ["orders", "order_line_items"],
  customers: ["customers"],
  products: ["products", "product_variants"],
  refunds: ["refunds"],
  order_transactions: ["order_transactions"],
  fulfillment_orders: ["fulfillment_orders", "fulfillment_order_line_items", "fulfillments", "fulfillment_line_items"],
  inventory_items: ["inventory_items"],
  locations: ["locations", "inventory_levels"],
  discounts: ["discounts", "discount_redeem_codes"],
  order_metafields: ["metafields"],
  customer_metafields: ["metafields"],
  product_metafields: ["metafields"],
  draft_orders: ["draft_orders", "draft_order_line_items"],
} as const satisfies Record<BulkObject, ReadonlyArray<string>>;

export type BulkEntity = (typeof bulkEntitiesByObject)[BulkObject][number];

/**
 * Entities no bulk query can export, fetched after the object's bulk export by paginated
 * (non-bulk) Admin GraphQL queries: Shopify rejects a connection nested inside a list field
 * (`Order.refunds` is a list; `Refund.refundLineItems` and `Refund.orderAdjustments` are
 * connections), so the `refunds` export is followed by one `refund(id:)` query per refund of its
 * dataset (functions/backfill/refund-details-program.ts, the workflow's FetchRefundDetails state).
 * They are part of the object: `--objects refund_line_items` runs the `refunds` export.
 */
export const followUpEntitiesByObject = {
  refunds: ["refund_line_items", "order_adjustments"],
} as const satisfies Partial<Record<BulkObject, ReadonlyArray<string>>>;

export type FollowUpEntity = (typeof followUpEntitiesByObject)[keyof typeof followUpEntitiesByObject][number];

/** What an object writes to the lake: its bulk entities, then its follow-up entities. */
export const entitiesOfObject = (object: BulkObject): ReadonlyArray<BulkEntity | FollowUpEntity> => [
  ...bulkEntitiesByObject[object],
  ...((followUpEntitiesByObject as Partial<Record<BulkObject, ReadonlyArray<FollowUpEntity>>>)[object] ?? []),
];

/** Every entity a backfill can write (bulk and follow-up), in object order, each once: the Glue projection's values. */
export const bulkEntities: ReadonlyArray<BulkEntity | FollowUpEntity> = [...new Set(bulkObjects.flatMap((object) => entitiesOfObject(object)))];

/** Objects whose entities share a dataset with another object's: their part files carry the object's name. */
export const sharedEntityObjects: ReadonlyArray<BulkObject> = bulkObjects.filter((object) =>
  bulkEntitiesByObject[object].some((entity) => bulkObjects.some((other) => other !== object && (bulkEntitiesByObject[other] as ReadonlyArray<string>).includes(entity))),
);

/** `--objects` accepts an object or an entity name; an entity stands for every object that writes it. */
export const objectsForName = (name: string): ReadonlyArray<BulkObject> => {
  if ((bulkObjects as ReadonlyArray<string>).includes(name)) return [name as BulkObject];
  return bulkObjects.filter((object) => (entitiesOfObject(object) as ReadonlyArray<string>).includes(name));
};
