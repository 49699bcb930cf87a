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
import { tableKeys, tableSpecs, type TableKey } from "./tables";

export type PiiKind = "none" | "pseudonymous" | "direct";
export type Sensitivity = "public" | "internal" | "confidential" | "restricted";

export interface FieldClassification {
  readonly pii: PiiKind;
  readonly sensitivity: Sensitivity;
}

const none: FieldClassification = { pii: "none", sensitivity: "internal" };
const pseudonymous: FieldClassification = { pii: "pseudonymous", sensitivity: "confidential" };
const direct: FieldClassification = { pii: "direct", sensitivity: "restricted" };

const confidential: FieldClassification = { pii: "none", sensitivity: "confidential" };

/** Exact field names (lake columns and the vendor payloads' shared names). */
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
  // The GDPR subject index's key: a keyed HMAC of an identifier (functions/gdpr/subject.ts).
  subject_key: pseudonymous,
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
  // Times, shared by the vendor payloads (named exactly: a vendor field needs a name here or in its vendor's map).
  created_at: none,
  updated_at: none,
  processed_at: none,
  cancelled_at: none,
  closed_at: none,
  completed_at: none,
  published_at: none,
  deleted_at: none,
  scheduled_at: none,
  next_charge_scheduled_at: none,
  retry_date: none,
  price: none,
  line_price: none,
  total_tax: none,
  total_discounts: none,
  product_id: none,
  variant_id: none,
  location_id: none,
  inventory_item_id: none,
  title: none,
  type: none,
  reason: none,
  // Bulk-export columns (functions/backfill/convert/entities.ts) not named above.
  legacy_resource_id: none,
  sku: none,
  barcode: none,
  handle: none,
  vendor: none,
  product_type: none,
  state: none,
  number_of_orders: none,
  amount_spent: none,
  formatted_gateway: none,
  error_code: none,
  authorization_code: confidential,
  parent_transaction_id: none,
  transaction_id: none,
  fee_currency: none,
  request_status: none,
  assigned_location_id: none,
  assigned_location_name: none,
  fulfillment_order_id: none,
  fulfillment_id: none,
  display_status: none,
  tracking_company: none,
  // A shipment's tracking number or link leads to the recipient through the carrier.
  tracking_number: pseudonymous,
  tracking_url: pseudonymous,
  tracked: none,
  country_code_of_origin: none,
  harmonized_system_code: none,
  unit_cost: confidential,
  fulfills_online_orders: none,
  // A location's address: a small shop's location may be someone's home.
  city: direct,
  province_code: none,
  country_code: none,
  available: none,
  committed: none,
  incoming: none,
  on_hand: none,
  reserved: none,
  discount_type: none,
  discount_id: none,
  discount_classes: none,
  method: none,
  summary: none,
  code: none,
  draft_order_id: none,
  tax_exempt: none,
  restock_type: none,
  restocked: none,
  custom: none,
  owner_id: none,
  owner_type: none,
  namespace: none,
  key: none,
  // A metafield's value is free text a merchant attaches to anything, customers included.
  value: direct,
  // Analytics outputs (etl/transforms.ts) not named above or by a rule.
  month: none,
  order_dt: none,
  refund_dt: none,
  order_currency: none,
  charge_currency: none,
  difference: none,
  active_at_start: none,
  active_at_end: none,
  new_subscriptions: none,
  cancelled_subscriptions: none,
  churn_rate: none,
  checkouts: none,
  abandoned: none,
  recovered: none,
  recovery_rate: none,
  orders: none,
  refunds: none,
  gross_sales: none,
  discounts: none,
  returns: none,
  shipping: none,
  taxes: none,
  total_sales: none,
  source_rank: none,
  version_key: none,
  // shopify_refund_documents: a refund document whole, its note included.
  doc: direct,
};

/**
 * The vendors' webhook payloads (the Effect schemas in functions/shopify, functions/recharge and
 * functions/stripe). A vendor field path ("customer.id"; an array adds no segment) is classified
 * by its vendor's map under "<parent>.<field>", else under "<field>", else by the exact names
 * above; never by a name rule, so a new schema field without a flag here fails
 * __tests__/classification/vendor-schemas.test.ts (which walks every schema's AST). A struct
 * named here covers everything inside it (the logger drops it whole when it is direct); a struct
 * not named is as sensitive as the most sensitive field in it.
 */
export type Vendor = "shopify" | "recharge" | "stripe";

export const vendorFieldClassifications: Readonly<Record<Vendor, Readonly<Record<string, FieldClassification>>>> = {
  shopify: {
    // The customer an order or checkout points at: its ids are pseudonymous (not the order's own ids).
    "customer.id": pseudonymous,
    "customer.admin_graphql_api_id": pseudonymous,
    // Checkouts and carts are keyed by their token; the recovery URL opens the shopper's checkout.
    token: pseudonymous,
    abandoned_checkout_url: pseudonymous,
    // A shipment's tracking number leads to the recipient through the carrier.
    tracking_number: pseudonymous,
    tracking_numbers: pseudonymous,
    tracking_company: none,
    verified_email: none,
    email_marketing_consent: direct,
    state: none,
    orders_count: none,
    total_spent: none,
    cancel_reason: none,
    handle: none,
    vendor: none,
    product_type: none,
    sku: none,
    inventory_quantity: none,
    selling_plan_allocation: none,
    discount_allocations: none,
    // Discount and redeem codes: the shop's codes, not a shopper's.
    code: none,
    tax_amount: none,
    restock: none,
    // Inventory items, levels and locations: the shop's own (a location's address: the shared names).
    cost: confidential,
    country_code_of_origin: none,
    province_code_of_origin: none,
    harmonized_system_code: none,
    tracked: none,
    requires_shipping: none,
    available: none,
    active: none,
    legacy: none,
    assigned_location_id: none,
    destination_location_id: none,
    request_status: none,
    fulfill_at: none,
    preparable: none,
    service: none,
    shipment_status: none,
    taxes_included: none,
    invoice_sent_at: none,
    error_code: none,
    manual_payment_gateway: none,
    parent_id: none,
    payment_id: none,
    // app/uninstalled: the shop (a business), not a person.
    domain: none,
    myshopify_domain: none,
  },
  recharge: {
    "customer.id": pseudonymous,
    // An address record's id, not the address: it points at the person through Recharge.
    address_id: pseudonymous,
    // Chosen from the shop's list; the shopper's free text is cancellation_reason_comments (raw only).
    cancellation_reason: confidential,
    error: confidential,
    error_type: none,
    ecommerce: none,
    purchase_item_id: none,
    subscription_id: none,
    charge_attempts: none,
    number_times_tried: none,
    order_interval_unit: none,
    order_interval_frequency: none,
    presentment_currency: none,
    product_title: none,
    variant_title: none,
    shopify_product_id: none,
    shopify_variant_id: none,
  },
  stripe: {
    // A Stripe customer reference (cus_...): a person through Stripe.
    customer: pseudonymous,
    object: none,
    livemode: none,
    api_version: none,
    created: none,
    amount_captured: none,
    amount_refunded: none,
    amount_received: none,
    amount_due: none,
    amount_paid: none,
    amount_remaining: none,
    total: none,
    paid: none,
    refunded: none,
    disputed: none,
    captured: none,
    failure_code: none,
    failure_message: confidential,
    network_status: none,
    "last_payment_error.code": none,
    "last_payment_error.decline_code": none,
    "last_payment_error.message": confidential,
    payment_intent: none,
    latest_charge: none,
    invoice: none,
    charge: none,
    subscription: none,
    number: none,
    attempt_count: none,
    next_payment_attempt: none,
    billing_reason: none,
    period_start: none,
    period_end: none,
    canceled_at: none,
    cancellation_reason: none,
    is_charge_refundable: none,
    due_by: none,
  },
};

/**
 * Personal fields the providers' references document in the payloads we keep raw but do not
 * decode (Stripe's charge `billing_details`, `shipping`, `receipt_email` and card
 * `payment_method_details.card.last4` / `fingerprint`; Recharge's customer and address objects;
 * Shopify's order `contact_email`, `billing_address`, `shipping_address`, `browser_ip`,
 * `client_details`): flagged here so the logger drops them whole wherever they appear.
 */
export const rawOnlyFieldClassifications: Readonly<Record<Vendor, Readonly<Record<string, FieldClassification>>>> = {
  shopify: {
    contact_email: direct,
    billing_address: direct,
    shipping_address: direct,
    browser_ip: direct,
    client_details: direct,
    credit_card_name: direct,
    credit_card_number: direct,
  },
  recharge: { email: direct, first_name: direct, last_name: direct, phone: direct, billing_address: direct, shipping_address: direct, cancellation_reason_comments: direct },
  stripe: { billing_details: direct, shipping: direct, receipt_email: direct, last4: direct, fingerprint: direct, payment_method_details: direct },
};

/**
 * The raw documents' top-level fields the transforms read whole (contracts/analytics-sources.ts),
 * as stored raw: more than the decoded schema keeps (a raw Shopify order's `customer` carries the
 * e-mail, names and default address). For the data dictionary; the logger does not drop these
 * keys whole (it drops the direct fields inside them by name).
 */
export const rawDocumentClassifications: Readonly<Record<Vendor, Readonly<Record<string, FieldClassification>>>> = {
  shopify: {
    customer: direct,
    line_items: { pii: "none", sensitivity: "confidential" },
    refunds: { pii: "none", sensitivity: "confidential" },
    fulfillments: pseudonymous,
    payment_gateway_names: none,
    refund_line_items: none,
    refund_shipping_lines: none,
    order_adjustments: none,
    transactions: { pii: "none", sensitivity: "confidential" },
  },
  // `{"subscription": {...}}` / `{"charge": {...}}`: the whole object, the customer's e-mail and addresses included.
  recharge: { subscription: direct, charge: direct },
  // The event's `data.object`: a charge carries billing_details and the card's last4.
  stripe: { data: direct },
};

/** A raw document field's classification (the data dictionary's sources): raw-document map, vendor path, shared names and rules. */
export const rawFieldClassificationOf = (vendor: Vendor, field: string): FieldClassification | undefined =>
  rawDocumentClassifications[vendor][field] ?? rawOnlyFieldClassifications[vendor][field] ?? vendorClassificationOf(vendor, [field]) ?? classificationOf(field);

/** A vendor field's classification by its path (see `vendorFieldClassifications`), or undefined when nothing names it. */
export const vendorClassificationOf = (vendor: Vendor, path: ReadonlyArray<string>): FieldClassification | undefined => {
  const map = vendorFieldClassifications[vendor];
  const field = path[path.length - 1];
  if (field === undefined) return undefined;
  const parent = path.length > 1 ? `${path[path.length - 2]}.${field}` : undefined;
  return (parent !== undefined ? map[parent] : undefined) ?? map[field] ?? fieldClassifications[field];
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

/**
 * Field names whose values the logger drops whole (functions/kernel/redact.ts): every direct field
 * of the shared names, of the vendors' decoded fields and of their raw-only fields (a
 * "<parent>.<field>" entry contributes its field name).
 */
export const directPiiFieldNames: ReadonlyArray<string> = [
  ...new Set(
    [fieldClassifications, ...Object.values(vendorFieldClassifications), ...Object.values(rawOnlyFieldClassifications)].flatMap((map) =>
      Object.entries(map)
        .filter(([, classification]) => classification.pii === "direct")
        .map(([field]) => field.split(".").pop()!),
    ),
  ),
];

/**
 * What each hot-store table (contracts/tables.ts) holds: the vendor whose decoded payloads its
 * items are made of (every non-`none` field of those schemas must be listed, checked by
 * __tests__/classification/tags.test.ts) and its personal fields. Its `data-classification`
 * tag is the highest sensitivity among them (at least internal).
 */
export interface HotTableData {
  readonly vendor?: Vendor;
  /** The schemas (export names in functions/<vendor>/) the items are made of. */
  readonly schemas?: ReadonlyArray<string>;
  /** The fields the items hold that are not `none` (vendor field paths, or the table's own attribute names). */
  readonly fields: ReadonlyArray<string>;
}

export const hotTableData: Readonly<Record<TableKey, HotTableData>> = {
  orders: { vendor: "shopify", schemas: ["Order"], fields: ["email", "checkout_token", "cart_token", "tags", "customer.id", "customer.admin_graphql_api_id"] },
  customers: { vendor: "shopify", schemas: ["Customer"], fields: ["email", "first_name", "last_name", "phone", "tags", "email_marketing_consent", "default_address"] },
  products: { vendor: "shopify", schemas: ["Product"], fields: ["tags"] },
  abandonedCarts: {
    vendor: "shopify",
    schemas: ["Checkout", "Cart"],
    fields: ["token", "cart_token", "email", "abandoned_checkout_url", "customer.id", "customer.admin_graphql_api_id"],
  },
  refunds: { vendor: "shopify", schemas: ["RefundPayload"], fields: [] },
  orderTransactions: { vendor: "shopify", schemas: ["OrderTransactionPayload"], fields: [] },
  fulfillments: { vendor: "shopify", schemas: ["FulfillmentPayload"], fields: ["tracking_number", "tracking_numbers"] },
  fulfillmentOrders: { vendor: "shopify", schemas: ["FulfillmentOrderNotice", "SubmittedNotice", "MovedNotice", "MergedNotice"], fields: [] },
  inventory: { vendor: "shopify", schemas: ["InventoryItemPayload", "InventoryLevelPayload", "InventoryLevelDisconnect"], fields: ["cost"] },
  locations: { vendor: "shopify", schemas: ["LocationPayload"], fields: ["city"] },
  discounts: { vendor: "shopify", schemas: ["DiscountPayload", "DiscountDeletion", "RedeemCodeNotice"], fields: [] },
  draftOrders: { vendor: "shopify", schemas: ["DraftOrderPayload"], fields: ["tags"] },
  subscriptions: { vendor: "recharge", schemas: ["RechargeSubscription"], fields: ["customer_id", "address_id", "cancellation_reason"] },
  charges: { vendor: "recharge", schemas: ["RechargeCharge"], fields: ["customer_id", "customer.id", "error"] },
  payments: { vendor: "stripe", schemas: ["StripeCharge", "StripePaymentIntent"], fields: ["customer", "failure_message", "last_payment_error.message"] },
  invoices: { vendor: "stripe", schemas: ["StripeInvoice"], fields: ["customer"] },
  disputes: { vendor: "stripe", schemas: ["StripeDispute"], fields: [] },
  // Event keys (webhook and event ids) and a status: nothing about a person.
  idempotency: { fields: [] },
  // A request holds the subject's customer id, e-mail and phone until it completes.
  gdprRequests: { fields: ["customer_id", "email", "phone"] },
  // Keyed HMACs of identifiers and the keys of the places holding them: pseudonymous by design.
  subjectIndex: { fields: ["subject_key"] },
  leases: { fields: [] },
};

/** The classification of a field a hot table holds: its vendor's path lookup, else the shared names and rules. */
const hotFieldClassification = (data: HotTableData, field: string): FieldClassification | undefined =>
  (data.vendor !== undefined ? vendorClassificationOf(data.vendor, field.split(".")) : undefined) ?? classificationOf(field);

/**
 * A hot table's `data-classification` tag: the highest sensitivity of what it holds (at least
 * internal; an unclassified field counts as restricted, and so does a table not yet listed in
 * `hotTableData`: a new family is tagged restricted until its fields are classified).
 */
export const hotTableClassification = (key: TableKey): Sensitivity =>
  [
    ...(hotTableData[key] === undefined
      ? ["restricted" as const]
      : hotTableData[key].fields.map((field) => hotFieldClassification(hotTableData[key], field)?.sensitivity ?? "restricted")),
    "internal" as const,
  ].reduce<Sensitivity>((top, next) => (order.indexOf(next) > order.indexOf(top) ? next : top), "public");

/** The `data-classification` tag of the hot table deployed from a spec (modules/hot-table.ts), found by its logical name. */
export const hotTableClassificationOf = (logicalName: string): Sensitivity => {
  const key = tableKeys.find((candidate) => tableSpecs[candidate].logicalName === logicalName);
  if (key === undefined) throw new Error(`no table spec named ${logicalName} in contracts/tables.ts`);
  return hotTableClassification(key);
};

/** The lake buckets' `data-classification` tags: the lake holds every raw document (restricted); its access logs hold requesters' IPs and object keys. */
export const bucketClassifications = { lake: "restricted", accessLogs: "confidential" } as const satisfies Record<string, Sensitivity>;
