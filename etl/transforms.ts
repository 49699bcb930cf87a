/**
 * The analytics outputs, described once: the SQL file that builds each, where it lands in the
 * lake, what it reads (lineage) and every column with its type, meaning and PII flag. The DuckDB
 * runner, the Athena workflow (contracts/analytics-workflow.ts) and the data dictionary
 * (etl/docs.ts) all read this list.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ORDERS_ENRICHED_PREFIX } from "../contracts/lake-layout";

export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly meaning: string;
  /** Personal data: never copy into logs, alerts or metrics. */
  readonly pii: boolean;
}

export interface TransformSpec {
  readonly name: string;
  readonly kind: "table" | "view";
  /** Path from etl/sql/. */
  readonly sqlFile: string;
  readonly description: string;
  /** Lake prefix of the output (partitioned by dt for tables). */
  readonly outputPrefix: string;
  /** Relations the SQL reads: sources (etl/sources.ts) or other transforms. */
  readonly inputs: ReadonlyArray<string>;
  readonly columns: ReadonlyArray<ColumnSpec>;
}

const col = (name: string, type: string, meaning: string, pii = false): ColumnSpec => ({ name, type, meaning, pii });
const MONEY = "DECIMAL(20,4)";

export const ordersEnriched: TransformSpec = {
  name: "orders_enriched",
  kind: "table",
  sqlFile: "orders_enriched.sql",
  description:
    "Latest state of every Shopify order from webhooks and bulk exports together (deduplicated by order id, newest updated_at wins, deleted orders removed), partitioned by order date.",
  outputPrefix: ORDERS_ENRICHED_PREFIX,
  inputs: ["raw_shopify_orders", "snapshot_orders", "snapshot_line_items", "raw_recharge_charges"],
  columns: [
    col("order_id", "VARCHAR", "Order GID (gid://shopify/Order/<id>); unique per row."),
    col("order_number", "VARCHAR", "Shop-facing order number (text, e.g. 1001); gaps are flagged by the data-quality checks."),
    col("order_name", "VARCHAR", "Order name as shown in the admin (e.g. #1001)."),
    col("customer_id", "VARCHAR", "Customer GID; NULL for guest orders. A pseudonymous identifier of a person.", true),
    col("created_at", "TIMESTAMP", "When the order was placed (UTC)."),
    col("updated_at", "TIMESTAMP", "Last change of the version kept (UTC)."),
    col("processed_at", "TIMESTAMP", "When the payment was processed (UTC)."),
    col("cancelled_at", "TIMESTAMP", "When the order was cancelled (UTC); NULL if not."),
    col("currency", "VARCHAR", "Shop currency (ISO 4217) of every amount in the row."),
    col("line_item_count", "INTEGER", "Number of line items."),
    col("total_quantity", "INTEGER", "Sum of line item quantities."),
    col("gross_amount", MONEY, "Line items before discounts (total_line_items_price)."),
    col("discount_amount", MONEY, "Order discounts (total_discounts)."),
    col("refund_amount", MONEY, "Successful refund transactions of the webhook body; a bulk row carries total_refunded when the export has it, else 0."),
    col("net_amount", MONEY, "gross_amount - discount_amount - refund_amount."),
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
    col("days_since_previous_order", "INTEGER", "Calendar days (UTC) since the customer's previous order; NULL for a first order."),
    col("first_fulfilled_at", "TIMESTAMP", "First fulfillment's creation (UTC); NULL when unfulfilled or only known from a bulk export."),
    col("seconds_to_fulfilment", "BIGINT", "Seconds from created_at to first_fulfilled_at."),
    col("record_source", "VARCHAR", "webhook or bulk: where the version kept came from."),
    col("dt", "VARCHAR", "Partition: order date (UTC, YYYY-MM-DD)."),
  ],
};

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
      col("customer_id", "VARCHAR", "Customer GID.", true),
      col("created_at", "TIMESTAMP", "When the order was placed (UTC)."),
      col("currency", "VARCHAR", "Currency of the amounts."),
      col("gross_amount", MONEY, "Line items before discounts."),
      col("discount_amount", MONEY, "Discounts."),
      col("refund_amount", MONEY, "Refunds."),
      col("net_amount", MONEY, "Gross - discounts - refunds."),
      col("customer_order_sequence", "INTEGER", "The customer's order sequence number."),
      col("customer_order_type", "VARCHAR", "first or repeat."),
      col("days_since_previous_order", "INTEGER", "Calendar days since the customer's previous order."),
      col("dt", "VARCHAR", "Order date (UTC)."),
    ],
  },
  {
    name: "subscription_churn_monthly",
    kind: "view",
    sqlFile: "views/subscription_churn_monthly.sql",
    description: "Monthly Recharge subscription churn: active at start, new, cancelled, active at end, churn rate.",
    outputPrefix: "curated/subscription_churn_monthly/",
    inputs: ["raw_recharge_subscriptions"],
    columns: [
      col("month", "VARCHAR", "First day of the month (UTC, YYYY-MM-DD)."),
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
      col("dt", "VARCHAR", "Order date (UTC); NULL for an orphan charge."),
    ],
  },
  {
    name: "abandoned_cart_recovery",
    kind: "view",
    sqlFile: "views/abandoned_cart_recovery.sql",
    description: "Per checkout day: checkouts, abandoned (no order within an hour), recovered (ordered later), recovery rate.",
    outputPrefix: "curated/abandoned_cart_recovery/",
    inputs: ["raw_shopify_checkouts", "orders_enriched"],
    columns: [
      col("dt", "VARCHAR", "Day the checkout started (UTC)."),
      col("checkouts", "BIGINT", "Checkouts started that day."),
      col("abandoned", "BIGINT", "Checkouts with no order within an hour of their last update (recovered ones included)."),
      col("recovered", "BIGINT", "Abandoned checkouts whose token appears on a later order."),
      col("recovery_rate", "DECIMAL(9,4)", "recovered / abandoned; NULL when none were abandoned."),
      col("recovered_net_amount", MONEY, "Net amount of the recovered orders."),
    ],
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

/** The SQL of a file with its parameters bound ({{run_date}} only; validated, never free text). */
export const loadSql = (file: string, params: { readonly run_date?: string } = {}): string => {
  const text = fs.readFileSync(path.join(sqlDir, file), "utf8");
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (name !== "run_date") throw new Error(`${file}: unknown parameter {{${name}}}`);
    const value = params.run_date;
    if (value === undefined || !RUN_DATE.test(value)) throw new Error(`${file}: run_date must be YYYY-MM-DD, got ${String(value)}`);
    return value;
  });
};
