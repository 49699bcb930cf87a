/**
 * Personal data and sensitivity of every lake column and contract field, from ONE map. It drives:
 *   - the Glue column parameters `pii` / `sensitivity` and each table's `data-classification`
 *     (stacks/lake.ts),
 *   - the logger's redaction list (functions/kernel/redact.ts drops every `direct` field),
 *   - the data dictionary's classification section (docs/data-dictionary.md, checked by a test),
 *   - what the analyst role may read (stacks/analytics.ts: tables without direct PII only).
 *
 * pii: `direct` identifies a person by itself (e-mail, phone, name, address, IP, free text a
 * shopper wrote, a whole raw document); `pseudonymous` is an id that points at a person only
 * through another store (customer ids, checkout and cart tokens); `none` is about orders and money.
 *
 * A field is classified by its exact name here, else by the first matching rule below; a test
 * fails for any lake column or contract field that neither names.
 */
export type PiiKind = "none" | "pseudonymous" | "direct";
export type Sensitivity = "public" | "internal" | "confidential" | "restricted";

export interface FieldClassification {
  readonly pii: PiiKind;
  readonly sensitivity: Sensitivity;
}

const none: FieldClassification = { pii: "none", sensitivity: "internal" };
const pseudonymous: FieldClassification = { pii: "pseudonymous", sensitivity: "confidential" };
const direct: FieldClassification = { pii: "direct", sensitivity: "restricted" };

/** Exact field names. */
export const fieldClassifications: Readonly<Record<string, FieldClassification>> = {
  // Direct personal data (Shopify customers, orders, checkouts; Recharge; Stripe billing details).
  email: direct,
  customer_email: direct,
  contact_email: direct,
  receipt_email: direct,
  phone: direct,
  first_name: direct,
  last_name: direct,
  full_name: direct,
  billing_address: direct,
  shipping_address: direct,
  default_address: direct,
  addresses: direct,
  address1: direct,
  address2: direct,
  zip: direct,
  browser_ip: direct,
  client_details: direct,
  note: direct,
  billing_details: direct,
  // A raw document whole (raw_text.line): everything the webhook carried.
  line: direct,
  // Pseudonymous ids: a person only through the customers store.
  customer_id: pseudonymous,
  checkout_token: pseudonymous,
  cart_token: pseudonymous,
  // Order and catalogue data.
  id: none,
  admin_graphql_api_id: none,
  __parentid: none,
  order_id: none,
  order_number: none,
  order_name: none,
  line_item_id: none,
  refund_id: none,
  name: none,
  tags: { pii: "none", sensitivity: "confidential" },
  currency: none,
  payment_currency: none,
  financial_status: none,
  fulfillment_status: none,
  payment_status: none,
  payment_gateway: none,
  gateway: none,
  status: none,
  kind: none,
  source_name: none,
  record_source: none,
  source: none,
  entity: none,
  dt: none,
  run: none,
  test: none,
  quantity: none,
  subtotal: none,
  subtotal_price: none,
  total_price: none,
  refunded_shipping: none,
  amount: none,
  net_sales: none,
  total_refunded: none,
  customer_order_type: none,
  customer_order_sequence: pseudonymous,
};

/** Name rules, in order, for the fields not named above. */
export const classificationRules: ReadonlyArray<{ readonly pattern: RegExp; readonly classification: FieldClassification }> = [
  { pattern: /(e-?mail|phone|address|first_name|last_name|_ip$)/i, classification: direct },
  { pattern: /(_amount|_price|_tax|_total|^total_|_discounts?|_shipping)$/i, classification: none },
  { pattern: /_at$/i, classification: none },
  { pattern: /(_count|_quantity|_sequence|_order|_seconds|_days|^days_|^seconds_)$|^(days|seconds)_/i, classification: none },
  { pattern: /^(is|has|paid)_/i, classification: none },
];

/** The classification of a field, or undefined when neither the map nor a rule names it. */
export const classificationOf = (field: string): FieldClassification | undefined =>
  fieldClassifications[field] ?? classificationRules.find((rule) => rule.pattern.test(field))?.classification;

const order: ReadonlyArray<Sensitivity> = ["public", "internal", "confidential", "restricted"];

/** A table's `data-classification`: the highest sensitivity among its fields (unclassified fields count as restricted). */
export const tableClassification = (fields: ReadonlyArray<string>): Sensitivity =>
  fields.map((field) => classificationOf(field)?.sensitivity ?? "restricted").reduce<Sensitivity>((top, next) => (order.indexOf(next) > order.indexOf(top) ? next : top), "public");

/** Whether any field is direct PII (unclassified fields count as direct). */
export const holdsDirectPii = (fields: ReadonlyArray<string>): boolean => fields.some((field) => (classificationOf(field)?.pii ?? "direct") === "direct");

/** Field names whose values the logger drops whole (functions/kernel/redact.ts). */
export const directPiiFieldNames: ReadonlyArray<string> = Object.entries(fieldClassifications)
  .filter(([, classification]) => classification.pii === "direct")
  .map(([field]) => field);
