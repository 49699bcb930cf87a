/**
 * The lake inputs the analytics transforms and the data-quality checks consume, described once
 * (plain data: the ETL, the data-quality function and the data dictionary all read it). Each source is a relation
 * the portable SQL in etl/sql/ reads by name; an engine adapter provides it:
 *   - DuckDB (etl/duckdb-engine.ts) as a view over the files under the lake directory;
 *   - Athena as a Glue table over the same S3 prefix (stacks/lake-catalog.ts), partition projection on `dt`,
 *     and the views of etl/athena.ts.
 *
 * Raw-object envelope (agreed with the kernel's ingress): a raw object is the webhook body as
 * received (bytes unchanged, one JSON document). Topic, event id and received time live in the
 * key (`raw/<source>/<entity>/dt=<received date>/<event-id>.json`) and in S3 object metadata, not
 * in the body. The adapters also accept an envelope `{"topic": ..., "payload": {...}}`, so a later
 * choice to wrap bodies does not break the SQL: `payload` is the body either way.
 *
 * Raw relations therefore expose: object_key, dt (received date), topic (NULL when not in the
 * object) and payload (JSON text). Shopify deletes (`orders/delete`) carry only `{"id": ...}`;
 * the SQL recognises a tombstone by the topic when present, otherwise by a body that has neither
 * `created_at` nor `updated_at`.
 */
import type { Source } from "./lake-layout";

export interface RawSourceSpec {
  readonly kind: "raw";
  /** Relation name in the SQL. */
  readonly relation: string;
  readonly source: Source;
  /** raw/<source>/<entity>/ */
  readonly entity: string;
  readonly description: string;
  /**
   * Top-level fields of the payload that the transforms or the data dictionary rely on: schema
   * drift compares observed payload keys against this list (plus `tolerated`).
   */
  readonly fields: ReadonlyArray<string>;
  /** Known fields we do not use: their presence is not drift, but their absence is not either. */
  readonly tolerated: ReadonlyArray<string>;
}

export interface SnapshotSourceSpec {
  readonly kind: "snapshot";
  readonly relation: string;
  /** snapshots/shopify/<entity>/run=<id>/*.parquet */
  readonly entity: string;
  readonly description: string;
  /** Parquet columns the transforms read. */
  readonly fields: ReadonlyArray<string>;
  readonly tolerated: ReadonlyArray<string>;
  /**
   * The relation's column types (others are VARCHAR). Timestamps are UTC TIMESTAMP: the
   * converter's TIMESTAMPTZ Parquet columns, which Athena reads as timestamp natively; money is
   * the converter's DECIMAL(20,4). The relation also has `run_id` (from run=<id>).
   */
  readonly types: Readonly<Record<string, string>>;
}

export type SourceSpec = RawSourceSpec | SnapshotSourceSpec;

/** Fields of a Shopify REST order webhook body that the transforms read. */
const shopifyOrderFields = [
  "id",
  "admin_graphql_api_id",
  "order_number",
  "name",
  "created_at",
  "updated_at",
  "processed_at",
  "cancelled_at",
  "currency",
  "total_line_items_price",
  "total_discounts",
  "total_price",
  "total_tax",
  "financial_status",
  "fulfillment_status",
  "source_name",
  "tags",
  "customer",
  "checkout_token",
  "cart_token",
  "line_items",
  "refunds",
  "fulfillments",
  "payment_gateway_names",
] as const;

/** Fields Shopify sends that we keep raw but do not transform (not drift when present). */
const shopifyOrderTolerated = [
  "app_id",
  "browser_ip",
  "buyer_accepts_marketing",
  "cancel_reason",
  "cart_token",
  "checkout_id",
  "client_details",
  "closed_at",
  "company",
  "confirmation_number",
  "confirmed",
  "contact_email",
  "current_subtotal_price",
  "current_subtotal_price_set",
  "current_total_additional_fees_set",
  "current_total_discounts",
  "current_total_discounts_set",
  "current_total_duties_set",
  "current_total_price",
  "current_total_price_set",
  "current_total_tax",
  "current_total_tax_set",
  "customer_locale",
  "device_id",
  "discount_codes",
  "discount_applications",
  "duties_included",
  "email",
  "estimated_taxes",
  "landing_site",
  "landing_site_ref",
  "location_id",
  "merchant_business_entity_id",
  "merchant_of_record_app_id",
  "note",
  "note_attributes",
  "number",
  "original_total_additional_fees_set",
  "original_total_duties_set",
  "phone",
  "po_number",
  "presentment_currency",
  "reference",
  "referring_site",
  "source_identifier",
  "source_url",
  "subtotal_price",
  "subtotal_price_set",
  "tax_exempt",
  "tax_lines",
  "taxes_included",
  "token",
  "total_outstanding",
  "total_tip_received",
  "total_weight",
  "user_id",
  "billing_address",
  "shipping_address",
  "shipping_lines",
  "order_status_url",
  "payment_terms",
  "total_cash_rounding_payment_adjustment_set",
  "total_cash_rounding_refund_adjustment_set",
  // Read by the revenue columns when present (shop money, test orders, transactions); optional, so not drift when absent.
  "total_line_items_price_set",
  "total_discounts_set",
  "total_price_set",
  "total_shipping_price_set",
  "total_tax_set",
  "test",
  "transactions",
] as const;

export const sourceSpecs = {
  shopifyOrders: {
    kind: "raw",
    relation: "raw_shopify_orders",
    source: "shopify",
    entity: "orders",
    description: "Shopify orders/* webhook bodies (create, updated, paid, cancelled, fulfilled, partially_fulfilled, delete).",
    fields: shopifyOrderFields,
    tolerated: shopifyOrderTolerated,
  },
  shopifyCheckouts: {
    kind: "raw",
    relation: "raw_shopify_checkouts",
    source: "shopify",
    entity: "checkouts",
    description: "Shopify checkouts/* and carts/* webhook bodies (carts/* land under raw/shopify/carts/).",
    fields: ["token", "created_at", "updated_at"],
    tolerated: [
      "id",
      "cart_token",
      "completed_at",
      "abandoned_checkout_url",
      "billing_address",
      "buyer_accepts_marketing",
      "currency",
      "customer",
      "customer_locale",
      "email",
      "gateway",
      "landing_site",
      "line_items",
      "name",
      "note",
      "note_attributes",
      "phone",
      "presentment_currency",
      "referring_site",
      "shipping_address",
      "shipping_lines",
      "source_name",
      "subtotal_price",
      "tax_lines",
      "taxes_included",
      "total_discounts",
      "total_line_items_price",
      "total_price",
      "total_tax",
      "total_weight",
      "user_id",
      "device_id",
      "location_id",
      "source_identifier",
      "source_url",
      "closed_at",
      "discount_codes",
      "admin_graphql_api_id",
    ],
  },
  shopifyCarts: {
    kind: "raw",
    relation: "raw_shopify_carts",
    source: "shopify",
    entity: "carts",
    description: "Shopify carts/create and carts/update webhook bodies.",
    fields: ["id", "token", "created_at", "updated_at"],
    tolerated: ["line_items", "note", "currency", "cart_level_discount_applications", "total_price"],
  },
  rechargeSubscriptions: {
    kind: "raw",
    relation: "raw_recharge_subscriptions",
    source: "recharge",
    entity: "subscription",
    description: 'Recharge subscription/* webhook bodies: {"subscription": {...}}.',
    fields: ["subscription"],
    tolerated: [],
  },
  rechargeCharges: {
    kind: "raw",
    relation: "raw_recharge_charges",
    source: "recharge",
    entity: "charge",
    description: 'Recharge charge/* webhook bodies: {"charge": {...}} with external_order_id.ecommerce (the Shopify order id).',
    fields: ["charge"],
    tolerated: [],
  },
  stripeCharges: {
    kind: "raw",
    relation: "raw_stripe_charges",
    source: "stripe",
    entity: "charge",
    description: "Stripe charge.* events: {id, type, created, data: {object: Charge}}; metadata.shopify_order_id links an order.",
    fields: ["id", "type", "created", "data"],
    tolerated: ["object", "api_version", "livemode", "pending_webhooks", "request", "account", "context"],
  },
  snapshotOrders: {
    kind: "snapshot",
    relation: "snapshot_orders",
    entity: "orders",
    description: "Bulk-export orders (one row per order per run).",
    fields: [
      "id",
      "name",
      "created_at",
      "updated_at",
      "processed_at",
      "cancelled_at",
      "currency",
      "subtotal_price",
      "total_discounts",
      "total_refunded",
      "total_price",
      "total_tax",
      "financial_status",
      "fulfillment_status",
      "source_name",
      "tags",
      "customer_id",
      "total_shipping",
      "test",
    ],
    tolerated: [],
    types: {
      total_shipping: "DECIMAL(20,4)",
      test: "BOOLEAN",
      created_at: "TIMESTAMP",
      updated_at: "TIMESTAMP",
      processed_at: "TIMESTAMP",
      cancelled_at: "TIMESTAMP",
      subtotal_price: "DECIMAL(20,4)",
      total_discounts: "DECIMAL(20,4)",
      total_refunded: "DECIMAL(20,4)",
      total_price: "DECIMAL(20,4)",
      total_tax: "DECIMAL(20,4)",
    },
  },
  snapshotLineItems: {
    kind: "snapshot",
    relation: "snapshot_line_items",
    entity: "order_line_items",
    description: "Bulk-export line items (`order_id` is the parent order GID from `__parentId`).",
    fields: ["id", "order_id", "quantity"],
    tolerated: [],
    types: { quantity: "BIGINT" },
  },
  // Refunds and transactions: optional sources. Until a shop has any (or the backfill exports them),
  // their relations are empty and the revenue columns fall back to what the order bodies carry.
  shopifyRefunds: {
    kind: "raw",
    relation: "raw_shopify_refunds",
    source: "shopify",
    entity: "refunds",
    description: "Shopify refunds/create webhook bodies (REST Refund: refund_line_items, refund_shipping_lines, order_adjustments, transactions).",
    fields: ["id", "admin_graphql_api_id", "order_id", "created_at", "processed_at", "refund_line_items", "refund_shipping_lines", "order_adjustments", "transactions"],
    tolerated: ["note", "user_id", "restock", "duties", "total_duties_set", "return", "additional_fees", "total_additional_fees_set"],
  },
  shopifyOrderTransactions: {
    kind: "raw",
    relation: "raw_shopify_order_transactions",
    source: "shopify",
    entity: "order_transactions",
    description: "Shopify order_transactions/create webhook bodies (REST Transaction: kind, status, gateway, amount in the transaction currency).",
    fields: ["id", "admin_graphql_api_id", "order_id", "kind", "status", "gateway", "amount", "currency", "created_at", "processed_at"],
    tolerated: [
      "authorization",
      "device_id",
      "error_code",
      "location_id",
      "message",
      "parent_id",
      "payment_details",
      "payment_id",
      "receipt",
      "source_name",
      "test",
      "user_id",
      "manual_payment_gateway",
      "total_unsettled_set",
      "amount_rounding",
    ],
  },
  snapshotRefunds: {
    kind: "snapshot",
    relation: "snapshot_refunds",
    entity: "refunds",
    description: "Bulk-export refunds (`order_id` is the parent order GID from `__parentId`; money in shop currency).",
    fields: ["id", "order_id", "created_at", "processed_at", "total_refunded", "refunded_shipping", "refunded_shipping_tax"],
    tolerated: [],
    types: { created_at: "TIMESTAMP", processed_at: "TIMESTAMP", total_refunded: "DECIMAL(20,4)", refunded_shipping: "DECIMAL(20,4)", refunded_shipping_tax: "DECIMAL(20,4)" },
  },
  snapshotRefundLineItems: {
    kind: "snapshot",
    relation: "snapshot_refund_line_items",
    entity: "refund_line_items",
    description: "Bulk-export refund line items (`refund_id` is the parent refund GID from `__parentId`; subtotal and total_tax in shop currency).",
    fields: ["id", "refund_id", "line_item_id", "quantity", "subtotal", "total_tax"],
    tolerated: [],
    types: { quantity: "BIGINT", subtotal: "DECIMAL(20,4)", total_tax: "DECIMAL(20,4)" },
  },
  snapshotOrderAdjustments: {
    kind: "snapshot",
    relation: "snapshot_order_adjustments",
    entity: "order_adjustments",
    description: "Bulk-export order adjustments of refunds (`refund_id` from `__parentId`; amount and tax_amount in shop currency, signed as Shopify signs them).",
    fields: ["id", "refund_id", "kind", "amount", "tax_amount"],
    tolerated: [],
    types: { amount: "DECIMAL(20,4)", tax_amount: "DECIMAL(20,4)" },
  },
  snapshotOrderTransactions: {
    kind: "snapshot",
    relation: "snapshot_order_transactions",
    entity: "order_transactions",
    description: "Bulk-export order transactions (`order_id` from `__parentId`; amount in the transaction currency).",
    fields: ["id", "order_id", "kind", "status", "gateway", "amount", "currency", "created_at", "processed_at"],
    tolerated: [],
    types: { amount: "DECIMAL(20,4)", created_at: "TIMESTAMP", processed_at: "TIMESTAMP" },
  },
} as const satisfies Record<string, SourceSpec>;

export type SourceKey = keyof typeof sourceSpecs;
export const sourceKeys = Object.keys(sourceSpecs) as SourceKey[];
