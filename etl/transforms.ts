/**
 * The analytics outputs, described once: the SQL file that builds each, where it lands in the
 * lake, what it reads (lineage) and every column with its type, meaning and PII flag. The DuckDB
 * runner, the Athena workflow (contracts/analytics-workflow.ts) and the data dictionary
 * (etl/docs.ts) all read this list.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ORDERS_ENRICHED_PREFIX } from "../contracts/lake-layout";
import { DEFAULT_SHOP_TIMEZONE, shopTimeZoneProblem, shopTimeZoneReference } from "../contracts/shop-time-zone";

export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly meaning: string;
}

export interface TransformSpec {
  readonly name: string;
  /** table: processed, partitioned by dt; view: curated; relation: an engine view the others read, never stored. */
  readonly kind: "table" | "view" | "relation";
  /** Path from etl/sql/. */
  readonly sqlFile: string;
  readonly description: string;
  /** Lake prefix of the output (partitioned by dt for tables). */
  readonly outputPrefix: string;
  /** Relations the SQL reads: sources (etl/sources.ts) or other transforms. */
  readonly inputs: ReadonlyArray<string>;
  readonly columns: ReadonlyArray<ColumnSpec>;
  /** Paragraphs for the data dictionary (definitions and where they come from). */
  readonly notes?: ReadonlyArray<string>;
}

// Whether a column is personal data is contracts/classification.ts's to say (by its name), not the transform's.
const col = (name: string, type: string, meaning: string): ColumnSpec => ({ name, type, meaning });
const MONEY = "DECIMAL(20,4)";

/** Where Shopify defines the measures of its sales and finance reports (cited in the data dictionary). */
export const shopifyReportDefinitions = {
  salesReports: "https://help.shopify.com/manual/reports-and-analytics/shopify-reports/report-types/sales-report",
  financeReports: "https://help.shopify.com/en/manual/reports-and-analytics/shopify-reports/report-types/default-reports/finances-report",
  shopifyqlSales: "https://shopify.dev/docs/api/shopifyql/latest/schemas/sales_revenue/sales",
  refundResource: "https://shopify.dev/api/admin-rest/2023-10/resources/refund",
  orderAdjustment: "https://shopify.dev/docs/api/admin-graphql/latest/objects/OrderAdjustment",
} as const;

/**
 * Relations built from the sources before orders_enriched and read by it and the views: DuckDB
 * creates them as views after the sources (etl/duckdb-engine.ts), Athena as views with the source
 * views (etl/athena.ts). In this order: each reads only sources and the ones before it.
 */
export const derivedRelations: ReadonlyArray<TransformSpec> = [
  {
    name: "shopify_refund_documents",
    kind: "relation",
    sqlFile: "facts/shopify_refund_documents.sql",
    description: "Every REST refund document a webhook carried: refunds/create bodies and each element of refunds[] in every orders/* body (one row per refund per object).",
    outputPrefix: "",
    inputs: ["raw_shopify_refunds", "raw_shopify_orders"],
    columns: [
      col("order_id", "VARCHAR", "Order GID."),
      col("refund_id", "VARCHAR", "Refund GID (gid://shopify/Refund/<id>; #<index> in an order body when the refund has no id)."),
      col("record_source", "VARCHAR", "refund_webhook or order_webhook."),
      col("source_rank", "INTEGER", "1 for a refunds/create body, 2 for an order body's copy."),
      col("version_key", "VARCHAR", "Object key of the webhook body."),
      col("doc", "VARCHAR", "The refund as JSON text."),
    ],
  },
  {
    name: "order_refund_facts",
    kind: "relation",
    sqlFile: "facts/order_refund_facts.sql",
    description:
      "One row per refund of an order, dated by the refund, its amounts split as Shopify's reports split a return (refunds/create first, then the newest order body's copy, then the newest bulk run).",
    outputPrefix: "",
    inputs: ["shopify_refund_documents", "snapshot_refunds", "snapshot_refund_line_items", "snapshot_order_adjustments"],
    columns: [
      col("order_id", "VARCHAR", "Order GID."),
      col("refund_id", "VARCHAR", "Refund GID."),
      col("refunded_at", "TIMESTAMP", "When the refund was processed (processed_at, else created_at; UTC)."),
      col("refund_dt", "VARCHAR", "Day of refunded_at in the shop's time zone (config shopTimezone; YYYY-MM-DD)."),
      col(
        "returns_amount",
        MONEY,
        "Value of the goods returned, shop money: sum(refund_line_items.subtotal) - sum(order_adjustments.amount of kinds other than shipping_refund); a bulk refund known only by its total_refunded: that total less refunded shipping.",
      ),
      col("refunded_shipping_amount", MONEY, "Shipping refunded, shop money: sum(refund_shipping_lines.subtotal_amount) - sum(order_adjustments.amount of kind shipping_refund)."),
      col("refunded_tax_amount", MONEY, "Tax refunded, shop money: line item and shipping line taxes - sum(order_adjustments.tax_amount)."),
      col("refunded_amount", MONEY, "Money returned by the refund's successful refund transactions, in the transaction currency (bulk: total_refunded)."),
      col("record_source", "VARCHAR", "refund_webhook, order_webhook or bulk: where the version kept came from."),
    ],
  },
  {
    name: "order_transaction_facts",
    kind: "relation",
    sqlFile: "facts/order_transaction_facts.sql",
    description:
      "One row per payment transaction of an order (order_transactions/create, orders/* transactions[], refunds' transactions[], bulk export), deduplicated by transaction id.",
    outputPrefix: "",
    inputs: ["raw_shopify_order_transactions", "raw_shopify_orders", "shopify_refund_documents", "snapshot_order_transactions"],
    columns: [
      col("order_id", "VARCHAR", "Order GID."),
      col("transaction_id", "VARCHAR", "OrderTransaction GID (a refund transaction without an id: <refund GID>/transactions/<index>)."),
      col("kind", "VARCHAR", "authorization, capture, sale, void, refund, ... (lower case)."),
      col("status", "VARCHAR", "success, pending, failure, error (lower case)."),
      col("gateway", "VARCHAR", "Payment gateway (shopify_payments, stripe, gift_card, manual, ...)."),
      col("amount", MONEY, "Amount in the transaction currency."),
      col("currency", "VARCHAR", "Transaction currency: the order's presentment currency."),
      col("processed_at", "TIMESTAMP", "processed_at, else created_at (UTC)."),
    ],
  },
];

export const ordersEnriched: TransformSpec = {
  name: "orders_enriched",
  kind: "table",
  sqlFile: "orders_enriched.sql",
  description:
    "Latest state of every Shopify order from webhooks and bulk exports together (deduplicated by order id, newest updated_at wins, deleted orders removed), partitioned by order date.",
  outputPrefix: ORDERS_ENRICHED_PREFIX,
  inputs: ["raw_shopify_orders", "snapshot_orders", "snapshot_line_items", "raw_recharge_charges", "order_refund_facts", "order_transaction_facts"],
  columns: [
    col("order_id", "VARCHAR", "Order GID (gid://shopify/Order/<id>); unique per row."),
    col("order_number", "VARCHAR", "Shop-facing order number (text, e.g. 1001); gaps are flagged by the data-quality checks."),
    col("order_name", "VARCHAR", "Order name as shown in the admin (e.g. #1001)."),
    col("customer_id", "VARCHAR", "Customer GID; NULL for guest orders. A pseudonymous identifier of a person."),
    col("created_at", "TIMESTAMP", "When the order was placed (UTC)."),
    col("updated_at", "TIMESTAMP", "Last change of the version kept (UTC)."),
    col("processed_at", "TIMESTAMP", "When the payment was processed (UTC)."),
    col("cancelled_at", "TIMESTAMP", "When the order was cancelled (UTC); NULL if not."),
    col("currency", "VARCHAR", "Shop currency (ISO 4217) of every amount in the row except the payment columns (shop money; never the presentment currency)."),
    col("line_item_count", "INTEGER", "Number of line items."),
    col("total_quantity", "INTEGER", "Sum of line item quantities."),
    col("gross_amount", MONEY, "Line items before discounts (total_line_items_price)."),
    col("discount_amount", MONEY, "Order discounts (total_discounts)."),
    col(
      "refund_amount",
      MONEY,
      "Money refunded: successful refund transactions of every refund of the order (order_refund_facts, in the transaction currency); else the bulk row's total_refunded; else 0.",
    ),
    col("net_amount", MONEY, "gross_amount - discount_amount - refund_amount (money kept; see net_sales for Shopify's net sales)."),
    col("tax_amount", MONEY, "Total tax."),
    col("total_price", MONEY, "Amount charged: after discounts, with shipping and tax."),
    col("financial_status", "VARCHAR", "paid, pending, refunded, partially_refunded, voided, ..."),
    col("fulfillment_status", "VARCHAR", "fulfilled, partial or NULL (unfulfilled)."),
    col("source_name", "VARCHAR", "Channel that created the order (web, pos, subscription_contract, ...)."),
    col("tags", "VARCHAR", "Comma-separated order tags."),
    col("checkout_token", "VARCHAR", "Token of the checkout that became this order (links abandoned checkouts)."),
    col("cart_token", "VARCHAR", "Token of the cart that became this order."),
    col("paid_with_stripe", "BOOLEAN", "A payment gateway of the order is Stripe."),
    col("is_subscription", "BOOLEAN", "Recharge charge references the order, or a subscription tag or source."),
    col("customer_order_sequence", "INTEGER", "1 for the customer's first order, 2 for the second, ... (by created_at)."),
    col("customer_order_type", "VARCHAR", "first or repeat (NULL for guest orders)."),
    col("days_since_previous_order", "INTEGER", "Calendar days (the shop's local days) since the customer's previous order; NULL for a first order."),
    col("first_fulfilled_at", "TIMESTAMP", "First fulfillment's creation (UTC); NULL when unfulfilled or only known from a bulk export."),
    col("seconds_to_fulfilment", "BIGINT", "Seconds from created_at to first_fulfilled_at."),
    col("shipping_amount", MONEY, "Shipping charged on the order (total_shipping_price_set shop money; bulk total_shipping)."),
    col(
      "returns_amount",
      MONEY,
      "Value of the goods returned by every refund of the order, whatever its day (order_refund_facts; by refund day in order_refunds and daily_sales).",
    ),
    col("refunded_shipping_amount", MONEY, "Shipping refunded by every refund of the order."),
    col("refunded_tax_amount", MONEY, "Tax refunded by every refund of the order."),
    col("net_sales", MONEY, "Shopify's net sales of the order: gross_amount - discount_amount - returns_amount (shipping and taxes excluded)."),
    col("refund_count", "INTEGER", "Refunds of the order."),
    col("last_refunded_at", "TIMESTAMP", "When the latest refund was processed (UTC); NULL without refunds."),
    col(
      "payment_status",
      "VARCHAR",
      "From the order's transactions: refunded, partially_refunded, partially_paid (captured < presentment total), paid, voided, authorized, pending or failed; the order's financial_status when no transaction shows any of these.",
    ),
    col("payment_gateway", "VARCHAR", "Gateway of the latest successful sale or capture; NULL when none is known."),
    col("payment_currency", "VARCHAR", "Currency of that transaction (the presentment currency)."),
    col("captured_amount", MONEY, "Successful sales and captures, in the transaction currency."),
    col("is_test", "BOOLEAN", "A test order (left out of daily_sales, as Shopify's reports leave it out)."),
    col("record_source", "VARCHAR", "webhook or bulk: where the version kept came from."),
    col("dt", "VARCHAR", "Partition: order date in the shop's time zone (local day of created_at; config shopTimezone, Shopify's Shop.ianaTimezone; YYYY-MM-DD)."),
  ],
};

const salesNotes = [
  `Measures as Shopify's sales and finance reports define them (sales reports: ${shopifyReportDefinitions.salesReports}; finance reports, Total sales: ${shopifyReportDefinitions.financeReports}; the same metrics in ShopifyQL's sales schema: ${shopifyReportDefinitions.shopifyqlSales}). A sale counts on the day of its order and a return on the day it was processed: "Sales appear in your sales reports as a positive value for the day that they were made, and returns appear as a negative value for the day that they were processed."`,
  "gross_sales: product price x quantity before discounts, returns, shipping and taxes (Shopify: Gross sales). discounts: line item and order discounts (Shopify: Discounts; shown negative there, positive here). returns: the value of the goods returned, on the refund's day; refunded shipping and taxes are not returns but reduce shipping and taxes that day (Shopify: Returns). net_sales = gross_sales - discounts - returns (Shopify: Net sales). shipping = shipping charged - shipping refunded (Shopify: Shipping). taxes = taxes charged - taxes refunded (Shopify: Taxes). total_sales = net_sales + shipping + taxes (Shopify: Total sales).",
  `Refund amounts come from the refund's line items, shipping lines and order adjustments (${shopifyReportDefinitions.refundResource}, ${shopifyReportDefinitions.orderAdjustment}): a refund of more or less than its calculated amount has an adjustment for the difference, counted in returns.`,
  "Shop money throughout: every amount is in the shop currency (`currency`), converted by Shopify at the order's rate; a customer who paid in another (presentment) currency is counted in shop money." +
    ` Days are the shop's local days: an order counts on the date of its created_at and a return on the date of its refund's processed_at, both in the shop's time zone, as Shopify's reports count them (the zone set in the Shopify admin under Settings > General, \`Shop.ianaTimezone\`: ${shopTimeZoneReference}; the environment's \`shopTimezone\` in config/environments.ts, default UTC). Timestamps stay UTC. Differences from Shopify: duties, additional fees and return fees are not counted; a cancelled order counts as returns only through the refund its cancellation creates; tips and gift card sales are not separated.`,
];

export const views: ReadonlyArray<TransformSpec> = [
  {
    name: "subscription_orders",
    kind: "view",
    sqlFile: "views/subscription_orders.sql",
    description: "Orders flagged as subscription orders, with first/repeat and days since the previous order.",
    outputPrefix: "curated/subscription_orders/",
    inputs: ["orders_enriched"],
    columns: [
      col("order_id", "VARCHAR", "Order GID."),
      col("order_number", "VARCHAR", "Shop-facing order number."),
      col("customer_id", "VARCHAR", "Customer GID."),
      col("created_at", "TIMESTAMP", "When the order was placed (UTC)."),
      col("currency", "VARCHAR", "Currency of the amounts."),
      col("gross_amount", MONEY, "Line items before discounts."),
      col("discount_amount", MONEY, "Discounts."),
      col("refund_amount", MONEY, "Refunds."),
      col("net_amount", MONEY, "Gross - discounts - refunds."),
      col("customer_order_sequence", "INTEGER", "The customer's order sequence number."),
      col("customer_order_type", "VARCHAR", "first or repeat."),
      col("days_since_previous_order", "INTEGER", "Calendar days since the customer's previous order."),
      col("dt", "VARCHAR", "Order date (the shop's local day, as orders_enriched.dt)."),
    ],
  },
  {
    name: "subscription_churn_monthly",
    kind: "view",
    sqlFile: "views/subscription_churn_monthly.sql",
    description: "Monthly Recharge subscription churn by the shop's local calendar month: active at start, new, cancelled, active at end, churn rate.",
    outputPrefix: "curated/subscription_churn_monthly/",
    inputs: ["raw_recharge_subscriptions"],
    columns: [
      col("month", "VARCHAR", "First day of the calendar month in the shop's time zone (config shopTimezone, Shopify's Shop.ianaTimezone; YYYY-MM-DD)."),
      col("active_at_start", "BIGINT", "Subscriptions started before the month and not cancelled before it."),
      col("new_subscriptions", "BIGINT", "Subscriptions created during the month."),
      col("cancelled_subscriptions", "BIGINT", "Subscriptions cancelled during the month (latest status cancelled)."),
      col("active_at_end", "BIGINT", "Subscriptions active when the month ended."),
      col("churn_rate", "DECIMAL(9,4)", "cancelled_subscriptions / active_at_start; NULL when nothing was active."),
    ],
  },
  {
    name: "orders_payments_reconciliation",
    kind: "view",
    sqlFile: "views/orders_payments_reconciliation.sql",
    description: "Shopify orders paid through Stripe reconciled against the Stripe charges that reference them.",
    outputPrefix: "curated/orders_payments_reconciliation/",
    inputs: ["orders_enriched", "raw_stripe_charges"],
    columns: [
      col("order_id", "VARCHAR", "Order GID (from the order or the charge's metadata.shopify_order_id)."),
      col("order_number", "VARCHAR", "Order number; NULL for an orphan charge."),
      col("order_currency", "VARCHAR", "Order currency."),
      col("order_total", MONEY, "Order total_price."),
      col("charge_count", "BIGINT", "Succeeded Stripe charges referencing the order."),
      col("charge_currency", "VARCHAR", "Charge currency (upper case)."),
      col("charged_amount", MONEY, "Captured amount of those charges, from minor units."),
      col("stripe_refunded_amount", MONEY, "Amount refunded in Stripe."),
      col("difference", MONEY, "charged_amount - order_total."),
      col("status", "VARCHAR", "matched, amount_mismatch, currency_mismatch, missing_charge or orphan_charge."),
      col("dt", "VARCHAR", "Order date (the shop's local day, as orders_enriched.dt); NULL for an orphan charge."),
    ],
  },
  {
    name: "abandoned_cart_recovery",
    kind: "view",
    sqlFile: "views/abandoned_cart_recovery.sql",
    description: "Per checkout day (the shop's local day): checkouts, abandoned (no order within an hour), recovered (ordered later), recovery rate.",
    outputPrefix: "curated/abandoned_cart_recovery/",
    inputs: ["raw_shopify_checkouts", "orders_enriched"],
    columns: [
      col("dt", "VARCHAR", "Day the checkout started, in the shop's time zone (local day of created_at; config shopTimezone, Shopify's Shop.ianaTimezone; YYYY-MM-DD)."),
      col("checkouts", "BIGINT", "Checkouts started that day."),
      col("abandoned", "BIGINT", "Checkouts with no order within an hour of their last update (recovered ones included)."),
      col("recovered", "BIGINT", "Abandoned checkouts whose token appears on a later order."),
      col("recovery_rate", "DECIMAL(9,4)", "recovered / abandoned; NULL when none were abandoned."),
      col("recovered_net_amount", MONEY, "Net amount of the recovered orders."),
    ],
  },
  {
    name: "order_refunds",
    kind: "view",
    sqlFile: "views/order_refunds.sql",
    description: "The refunds fact: one row per refund of an order, dated by the day the refund was processed (dt), with the order's day beside it.",
    outputPrefix: "curated/order_refunds/",
    inputs: ["order_refund_facts", "orders_enriched"],
    columns: [
      col("refund_id", "VARCHAR", "Refund GID."),
      col("order_id", "VARCHAR", "Order GID."),
      col("order_number", "VARCHAR", "Shop-facing order number."),
      col("currency", "VARCHAR", "Shop currency of the amounts (refunded_amount aside)."),
      col("refunded_at", "TIMESTAMP", "When the refund was processed (UTC)."),
      col("returns_amount", MONEY, "Value of the goods returned (Shopify: Returns)."),
      col("refunded_shipping_amount", MONEY, "Shipping refunded."),
      col("refunded_tax_amount", MONEY, "Tax refunded."),
      col("refund_total", MONEY, "returns_amount + refunded_shipping_amount + refunded_tax_amount (shop money)."),
      col("refunded_amount", MONEY, "Money returned by successful refund transactions, in payment_currency."),
      col("payment_currency", "VARCHAR", "The order's transaction currency."),
      col("is_test", "BOOLEAN", "The order is a test order."),
      col("record_source", "VARCHAR", "refund_webhook, order_webhook or bulk."),
      col("order_dt", "VARCHAR", "Order date (the shop's local day)."),
      col("dt", "VARCHAR", "Refund date in the shop's time zone: local day of processed_at, else created_at, else the order date."),
    ],
    notes: salesNotes.slice(2, 4),
  },
  {
    name: "daily_sales",
    kind: "view",
    sqlFile: "views/daily_sales.sql",
    description:
      "Shopify's sales measures by the shop's local day (its time zone) and shop currency: sales on their order's day, returns on their refund's day; test orders left out.",
    outputPrefix: "curated/daily_sales/",
    inputs: ["orders_enriched", "order_refund_facts"],
    columns: [
      col("dt", "VARCHAR", "Day in the shop's time zone (config shopTimezone, Shopify's Shop.ianaTimezone; YYYY-MM-DD)."),
      col("currency", "VARCHAR", "Shop currency of the amounts."),
      col("orders", "BIGINT", "Orders placed that day."),
      col("refunds", "BIGINT", "Refunds processed that day."),
      col("gross_sales", MONEY, "Product price x quantity of the orders placed that day (Shopify: Gross sales)."),
      col("discounts", MONEY, "Discounts of the orders placed that day, positive (Shopify: Discounts)."),
      col("returns", MONEY, "Value of the goods returned by refunds processed that day, positive (Shopify: Returns)."),
      col("net_sales", MONEY, "gross_sales - discounts - returns (Shopify: Net sales)."),
      col("shipping", MONEY, "Shipping charged on orders placed that day - shipping refunded that day (Shopify: Shipping)."),
      col("taxes", MONEY, "Taxes of orders placed that day - taxes refunded that day (Shopify: Taxes)."),
      col("total_sales", MONEY, "net_sales + shipping + taxes (Shopify: Total sales)."),
    ],
    notes: salesNotes,
  },
];

export const transforms: ReadonlyArray<TransformSpec> = [ordersEnriched, ...views];

export const affectedDatesSqlFile = "orders_enriched_affected_dates.sql";

export const sqlDir = path.join(__dirname, "sql");

/** Every .sql file under etl/sql (relative paths). */
export const allSqlFiles = (): ReadonlyArray<string> => {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".sql")) out.push(path.relative(sqlDir, full).split(path.sep).join("/"));
    }
  };
  walk(sqlDir);
  return out.sort();
};

const RUN_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface SqlParams {
  readonly run_date?: string;
  /** The shop's IANA time zone (config `shopTimezone`): the zone of every day (dt) the SQL computes. Default UTC. */
  readonly shop_timezone?: string;
}

/**
 * The SQL of a file with its parameters bound, each validated, never free text: {{run_date}}
 * (YYYY-MM-DD) and {{shop_timezone}} (an IANA zone name, contracts/shop-time-zone.ts; UTC when
 * not given).
 */
export const loadSql = (file: string, params: SqlParams = {}): string => {
  const text = fs.readFileSync(path.join(sqlDir, file), "utf8");
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (name === "shop_timezone") {
      const zone = params.shop_timezone ?? DEFAULT_SHOP_TIMEZONE;
      const problem = shopTimeZoneProblem(zone);
      if (problem !== undefined) throw new Error(`${file}: shop_timezone ${problem}`);
      return zone;
    }
    if (name !== "run_date") throw new Error(`${file}: unknown parameter {{${name}}}`);
    const value = params.run_date;
    if (value === undefined || !RUN_DATE.test(value)) throw new Error(`${file}: run_date must be YYYY-MM-DD, got ${String(value)}`);
    return value;
  });
};
