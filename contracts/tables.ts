/**
 * The hot stores: one DynamoDB table per spec. The hot-stores stack deploys exactly these, the
 * functions read and write them by the env var named in `envVar`, and `sdp local` creates them
 * in dynalite. A test compares the synthesized tables with this file.
 */

export type AttributeType = "S" | "N";

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalSecondaryIndexSpec {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableSpec {
  readonly logicalName: string;
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: ReadonlyArray<GlobalSecondaryIndexSpec>;
  readonly ttlAttribute?: string;
  /** The environment variable a function reads the table name from. */
  readonly envVar: string;
}

const S = (name: string): KeyAttribute => ({ name, type: "S" });

export const tableSpecs = {
  orders: {
    logicalName: "orders",
    description:
      "Latest state of each Shopify order, keyed by order GID; order_number is stored as a string; enriched with totals and flags.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [
      { name: "by-customer", partitionKey: S("customer_id"), sortKey: S("created_at") },
      { name: "by-order-number", partitionKey: S("order_number") },
    ],
    envVar: "SDP_TABLE_ORDERS",
  },
  customers: {
    logicalName: "customers",
    description: "Latest state of each Shopify customer, keyed by customer GID.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_CUSTOMERS",
  },
  products: {
    logicalName: "products",
    description: "Latest state of each Shopify product, keyed by product GID.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_PRODUCTS",
  },
  abandonedCarts: {
    logicalName: "abandoned-carts",
    description: "Checkouts and carts by token; expire after the TTL unless an order recovers them.",
    partitionKey: S("token"),
    globalSecondaryIndexes: [{ name: "by-status", partitionKey: S("status"), sortKey: S("updated_at") }],
    ttlAttribute: "expires_at",
    envVar: "SDP_TABLE_ABANDONED_CARTS",
  },
  subscriptions: {
    logicalName: "subscriptions",
    description: "Recharge subscriptions by id: status, next charge date, cancellation reason, product, customer.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-customer", partitionKey: S("customer_id"), sortKey: S("updated_at") }],
    envVar: "SDP_TABLE_SUBSCRIPTIONS",
  },
  charges: {
    logicalName: "charges",
    description: "Recharge charges by id: status, attempts, last error.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-customer", partitionKey: S("customer_id"), sortKey: S("updated_at") }],
    envVar: "SDP_TABLE_CHARGES",
  },
  payments: {
    logicalName: "payments",
    description: "Stripe charges and payment intents by id.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-customer", partitionKey: S("customer_id"), sortKey: S("created") }],
    envVar: "SDP_TABLE_PAYMENTS",
  },
  invoices: {
    logicalName: "invoices",
    description: "Stripe invoices by id.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_INVOICES",
  },
  disputes: {
    logicalName: "disputes",
    description: "Stripe disputes by id.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_DISPUTES",
  },
  idempotency: {
    logicalName: "idempotency",
    description: "One record per processed event key: in progress (with expiry) or completed.",
    partitionKey: S("key"),
    globalSecondaryIndexes: [],
    ttlAttribute: "expires_at",
    envVar: "SDP_TABLE_IDEMPOTENCY",
  },
  leases: {
    logicalName: "leases",
    description: "Per-shop leases that cap concurrent Shopify bulk operations.",
    partitionKey: S("shop"),
    sortKey: S("slot"),
    globalSecondaryIndexes: [],
    ttlAttribute: "expires_at",
    envVar: "SDP_TABLE_LEASES",
  },
} as const satisfies Record<string, TableSpec>;

export type TableKey = keyof typeof tableSpecs;
export const tableKeys = Object.keys(tableSpecs) as TableKey[];
