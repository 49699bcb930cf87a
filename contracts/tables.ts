/**
 * The hot stores: one DynamoDB table per spec. The hot-stores stack deploys exactly these, the
 * functions read and write them by the env var named in `envVar`, and `sdp local` creates them
 * in dynalite. A test compares the synthesized tables with this file.
 *
 * A table that is the hot store of a Shopify topic family names that family (`shopifyFamily`):
 * its topics, access scopes and handler module. The family's routes, webhook subscriptions,
 * queue, processor spec and grants all derive from it (contracts/events.ts, contracts/functions.ts),
 * so a new family with its own table is this spec plus its handler module, nothing else.
 */
import type { ShopifyTableFamily } from "./events";

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
  /** The Shopify topic family this table is the hot store of (contracts/events.ts `ShopifyTableFamily`). */
  readonly shopifyFamily?: ShopifyTableFamily;
}

const S = (name: string): KeyAttribute => ({ name, type: "S" });

export const tableSpecs = {
  orders: {
    logicalName: "orders",
    description: "Latest state of each Shopify order, keyed by order GID; order_number is stored as a string; enriched with totals and flags.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [
      { name: "by-customer", partitionKey: S("customer_id"), sortKey: S("created_at") },
      { name: "by-order-number", partitionKey: S("order_number") },
    ],
    envVar: "SDP_TABLE_ORDERS",
    shopifyFamily: {
      family: "orders",
      scopes: ["read_orders"],
      topics: [
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
        "orders/delete",
        "refunds/create",
        "fulfillments/create",
        "fulfillments/update",
      ],
      // An order recovers its checkout's abandoned cart.
      alsoWrites: ["abandonedCarts"],
      handlerModule: { path: "functions/shopify/orders.ts", topicHandlers: "orderHandlers" },
      description: "Orders, refunds and fulfillments into the orders hot store.",
    },
  },
  customers: {
    logicalName: "customers",
    description: "Latest state of each Shopify customer, keyed by customer GID.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_CUSTOMERS",
    shopifyFamily: {
      family: "customers",
      scopes: ["read_customers"],
      topics: ["customers/create", "customers/update", "customers/enable", "customers/disable", "customers/delete"],
      handlerModule: { path: "functions/shopify/customers.ts", topicHandlers: "customerHandlers" },
      description: "Customers into the customers hot store.",
    },
  },
  products: {
    logicalName: "products",
    description: "Latest state of each Shopify product, keyed by product GID.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_PRODUCTS",
    shopifyFamily: {
      family: "products",
      scopes: ["read_products"],
      topics: ["products/create", "products/update", "products/delete"],
      handlerModule: { path: "functions/shopify/products.ts", topicHandlers: "productHandlers" },
      description: "Products into the products hot store.",
    },
  },
  abandonedCarts: {
    logicalName: "abandoned-carts",
    description: "Checkouts and carts by token; expire after the TTL unless an order recovers them.",
    partitionKey: S("token"),
    globalSecondaryIndexes: [{ name: "by-status", partitionKey: S("status"), sortKey: S("updated_at") }],
    ttlAttribute: "expires_at",
    envVar: "SDP_TABLE_ABANDONED_CARTS",
    shopifyFamily: {
      family: "checkouts",
      // checkouts/* and carts/* are delivered to apps with read_orders.
      scopes: ["read_orders"],
      topics: ["checkouts/create", "checkouts/update", "carts/create", "carts/update"],
      handlerModule: { path: "functions/shopify/checkouts.ts", topicHandlers: "checkoutHandlers" },
      description: "Checkouts and carts into the abandoned-carts store.",
    },
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
  gdprRequests: {
    logicalName: "gdpr-requests",
    description:
      "One record per GDPR request (contracts/gdpr.ts GdprRequestRecord), keyed by request id (a Shopify compliance webhook's id, so a redelivery is the same request): received, due, status, steps done; identifiers only until complete.",
    partitionKey: S("requestId"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_GDPR_REQUESTS",
  },
  subjectIndex: {
    logicalName: "subject-index",
    description:
      "GDPR subject index: a keyed HMAC of a customer id, e-mail or phone (functions/gdpr/subject.ts subjectKey; never the value) -> one item per place holding that person (raw object, Parquet file, hot-store key) and one per identifier seen with it (link). Written at ingestion and backfill; data requests and redaction read it instead of scanning.",
    partitionKey: S("subject_key"),
    sortKey: S("location_id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_SUBJECT_INDEX",
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
