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
      topics: ["orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled", "orders/delete"],
      // An order recovers its checkout's abandoned cart.
      alsoWrites: ["abandonedCarts"],
      handlerModule: { path: "functions/shopify/orders.ts", topicHandlers: "orderHandlers" },
      description: "Orders into the orders hot store.",
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
  refunds: {
    logicalName: "refunds",
    description: "Shopify refunds by refund GID, with their refund line items and order adjustments; immutable (refunds/create); by-order lists an order's refunds.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-order", partitionKey: S("order_id"), sortKey: S("created_at") }],
    envVar: "SDP_TABLE_REFUNDS",
    shopifyFamily: {
      family: "refunds",
      scopes: ["read_orders"],
      topics: ["refunds/create"],
      handlerModule: { path: "functions/shopify/refunds.ts", topicHandlers: "refundHandlers" },
      description: "Refunds (with refund line items and order adjustments) into the refunds hot store.",
    },
  },
  orderTransactions: {
    logicalName: "order-transactions",
    description:
      "Shopify order transactions by transaction GID: kind, gateway, status, amount, currency; immutable (order_transactions/create); by-order lists an order's transactions.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-order", partitionKey: S("order_id"), sortKey: S("created_at") }],
    envVar: "SDP_TABLE_ORDER_TRANSACTIONS",
    shopifyFamily: {
      family: "orderTransactions",
      scopes: ["read_orders"],
      topics: ["order_transactions/create"],
      handlerModule: { path: "functions/shopify/order-transactions.ts", topicHandlers: "orderTransactionHandlers" },
      description: "Order transactions into the order-transactions hot store.",
    },
  },
  fulfillments: {
    logicalName: "fulfillments",
    description: "Shopify fulfillments by fulfillment GID: status, shipment status, tracking, location, line items; by-order lists an order's fulfillments.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-order", partitionKey: S("order_id"), sortKey: S("updated_at") }],
    envVar: "SDP_TABLE_FULFILLMENTS",
    shopifyFamily: {
      family: "fulfillments",
      // Shopify's webhooks reference: fulfillments/* are delivered with read_fulfillments (or read_orders).
      scopes: ["read_orders", "read_fulfillments"],
      topics: ["fulfillments/create", "fulfillments/update"],
      handlerModule: { path: "functions/shopify/fulfillments.ts", topicHandlers: "fulfillmentHandlers" },
      description: "Fulfillments into the fulfillments hot store.",
    },
  },
  fulfillmentOrders: {
    logicalName: "fulfillment-orders",
    description:
      "Shopify fulfillment orders by fulfillment-order GID: the latest status, request status and assigned location a fulfillment_orders/* webhook carried, versioned by X-Shopify-Triggered-At (the payloads carry no updated_at).",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-status", partitionKey: S("status"), sortKey: S("updated_at") }],
    envVar: "SDP_TABLE_FULFILLMENT_ORDERS",
    shopifyFamily: {
      family: "fulfillmentOrders",
      // Merchant-managed and third-party (3PL) fulfillment orders; read_assigned_fulfillment_orders is for apps that are the fulfillment service.
      scopes: ["read_merchant_managed_fulfillment_orders", "read_third_party_fulfillment_orders"],
      topics: [
        "fulfillment_orders/cancellation_request_accepted",
        "fulfillment_orders/cancellation_request_rejected",
        "fulfillment_orders/cancellation_request_submitted",
        "fulfillment_orders/cancelled",
        "fulfillment_orders/fulfillment_request_accepted",
        "fulfillment_orders/fulfillment_request_rejected",
        "fulfillment_orders/fulfillment_request_submitted",
        "fulfillment_orders/fulfillment_service_failed_to_complete",
        "fulfillment_orders/hold_released",
        "fulfillment_orders/line_items_prepared_for_local_delivery",
        "fulfillment_orders/line_items_prepared_for_pickup",
        "fulfillment_orders/merged",
        "fulfillment_orders/moved",
        "fulfillment_orders/order_routing_complete",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/rescheduled",
        "fulfillment_orders/scheduled_fulfillment_order_ready",
        "fulfillment_orders/split",
      ],
      handlerModule: { path: "functions/shopify/fulfillment-orders.ts", topicHandlers: "fulfillmentOrderHandlers" },
      description: "Fulfillment orders into the fulfillment-orders hot store.",
    },
  },
  inventory: {
    logicalName: "inventory",
    description:
      "Shopify inventory items (by InventoryItem GID) and inventory levels (by InventoryLevel GID: location and item); by-item lists an item with its levels, by-location the levels at a location; disconnected levels and deleted items are tombstones.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [
      { name: "by-item", partitionKey: S("inventory_item_id") },
      { name: "by-location", partitionKey: S("location_id"), sortKey: S("updated_at") },
    ],
    envVar: "SDP_TABLE_INVENTORY",
    shopifyFamily: {
      family: "inventory",
      scopes: ["read_inventory"],
      topics: ["inventory_items/create", "inventory_items/update", "inventory_items/delete", "inventory_levels/connect", "inventory_levels/update", "inventory_levels/disconnect"],
      handlerModule: { path: "functions/shopify/inventory.ts", topicHandlers: "inventoryHandlers" },
      description: "Inventory items and levels into the inventory hot store.",
    },
  },
  locations: {
    logicalName: "locations",
    description: "Shopify locations by location GID: name, active, address region; deleted locations are tombstones.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [],
    envVar: "SDP_TABLE_LOCATIONS",
    shopifyFamily: {
      family: "locations",
      scopes: ["read_locations"],
      topics: ["locations/create", "locations/update", "locations/activate", "locations/deactivate", "locations/delete"],
      handlerModule: { path: "functions/shopify/locations.ts", topicHandlers: "locationHandlers" },
      description: "Locations into the locations hot store.",
    },
  },
  discounts: {
    logicalName: "discounts",
    description:
      "Shopify code and automatic discounts by discount GID, and their redeem codes (one row per discount and code); by-discount lists a discount with its codes; deleted discounts and removed codes are tombstones.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-discount", partitionKey: S("discount_id") }],
    envVar: "SDP_TABLE_DISCOUNTS",
    shopifyFamily: {
      family: "discounts",
      scopes: ["read_discounts"],
      topics: ["discounts/create", "discounts/update", "discounts/delete", "discounts/redeemcode_added", "discounts/redeemcode_removed"],
      handlerModule: { path: "functions/shopify/discounts.ts", topicHandlers: "discountHandlers" },
      description: "Discounts and their redeem codes into the discounts hot store.",
    },
  },
  draftOrders: {
    logicalName: "draft-orders",
    description: "Shopify draft orders by draft-order GID: status, totals, the order it became; no personal data (that stays in the raw copy); by-status lists open drafts.",
    partitionKey: S("id"),
    globalSecondaryIndexes: [{ name: "by-status", partitionKey: S("status"), sortKey: S("updated_at") }],
    envVar: "SDP_TABLE_DRAFT_ORDERS",
    shopifyFamily: {
      family: "draftOrders",
      scopes: ["read_draft_orders"],
      topics: ["draft_orders/create", "draft_orders/update", "draft_orders/delete"],
      handlerModule: { path: "functions/shopify/draft-orders.ts", topicHandlers: "draftOrderHandlers" },
      description: "Draft orders into the draft-orders hot store.",
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
