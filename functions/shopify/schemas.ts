/**
 * Shopify webhook payloads (REST-style JSON, as Shopify delivers webhooks).
 *
 * Drift tolerance (API versions move): only the fields a processor keys, orders or routes on are
 * required (`id` or `token`, `updated_at`, a refund's `created_at`, the `order_id` a refund or
 * fulfillment points at); every other field is optional and nullable, so a field Shopify drops
 * or nulls in a new version (2026-04 `checkouts/create` has no top-level `id`; products samples
 * carry `created_at: null`) never dead-letters an event. A field that is present is still
 * checked: a malformed amount or timestamp is an InvalidPayload, never a guess. Unknown fields
 * are ignored here and stay untouched in the raw object in the lake. The recorded samples of
 * every topic at every supported version are in __tests__/fixtures/shopify/versions/.
 *
 * Ids: a JSON number id is only ever used as text (`keyFromId`); the JSON parser of the kernel
 * keeps ids beyond 2^53 as strings, and `admin_graphql_api_id` is preferred whenever present.
 * Money: decimal strings ("19.99"); a number is accepted only where Shopify sends one and is
 * turned into text, never added as a float.
 */
import { Schema } from "effect";
import { isDecimalString, normalizeDecimal } from "../kernel/decimal";

/*
 * The primitives are single predicates (`Schema.declare`): every event decodes a few hundred
 * values, and one predicate per value keeps decoding cheap (unions and transformations cost
 * several times more).
 */
const primitive = <A>(name: string, expected: string, is: (value: unknown) => value is A) => Schema.declare(is, { identifier: name, message: () => `expected ${expected}` });

const isId = (value: unknown): value is number | string =>
  (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) || (typeof value === "string" && /^\d{1,30}$/.test(value));
const isMoney = (value: unknown): value is string | number =>
  typeof value === "string" ? isDecimalString(value) : typeof value === "number" && Number.isFinite(value) && isDecimalString(String(value));
const isTimestamp = (value: unknown): value is string => typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));

/** A numeric id: a safe integer, or the digits as a string (how the kernel's parser keeps large ids). */
export const Id = primitive("Id", "a numeric id", isId);
export type Id = typeof Id.Type;
export const NullableId = primitive("Id", "a numeric id or null", (value): value is number | string | null => value === null || isId(value));

export const Gid = Schema.String.pipe(Schema.pattern(/^gid:\/\/shopify\/\w+\/[^/\s]+$/));

/** An ISO-8601 timestamp (Shopify sends local offsets such as "2024-03-01T10:00:00-05:00"). */
export const Timestamp = primitive("Timestamp", "an ISO-8601 timestamp", isTimestamp);
export const NullableTimestamp = primitive("Timestamp", "an ISO-8601 timestamp or null", (value): value is string | null => value === null || isTimestamp(value));

/** An amount: decimal text, or a JSON number; `moneyText` turns either into exact decimal text. */
export const Money = primitive("Money", "a decimal amount", isMoney);
export const NullableMoney = primitive("Money", "a decimal amount or null", (value): value is string | number | null => value === null || isMoney(value));

export const NullableString = primitive("String", "a string or null", (value): value is string | null => value === null || typeof value === "string");
export const NullableBoolean = primitive("Boolean", "a boolean or null", (value): value is boolean | null => value === null || typeof value === "boolean");
export const NullableInt = primitive("Int", "an integer or null", (value): value is number | null => value === null || (typeof value === "number" && Number.isSafeInteger(value)));

/** An amount as exact decimal text ("5" -> "5.00"). A number is printed as its shortest exact text. */
export const moneyText = (amount: string | number): string => normalizeDecimal(typeof amount === "number" ? String(amount) : amount);

export const optionalNullable = <A, I, R>(schema: Schema.Schema<A, I, R>) => Schema.optional(Schema.NullOr(schema));

/** Tags arrive as one comma-separated string (orders, customers, products). */
export const Tags = primitive(
  "Tags",
  "tags (a comma-separated string or a list) or null",
  (value): value is string | ReadonlyArray<string> | null => value === null || typeof value === "string" || (Array.isArray(value) && value.every((tag) => typeof tag === "string")),
);

export const DiscountAllocation = Schema.Struct({ amount: Money });

/** Only what the enrichment reads; the rest of each line stays in the raw object. */
export const LineItem = Schema.Struct({
  product_id: Schema.optional(NullableId),
  quantity: Schema.optional(NullableInt),
  price: Schema.optional(NullableMoney),
  discount_allocations: Schema.optional(Schema.Array(DiscountAllocation)),
  selling_plan_allocation: Schema.optional(Schema.Unknown),
});

export const Transaction = Schema.Struct({
  id: Schema.optional(NullableId),
  kind: Schema.optional(NullableString),
  status: Schema.optional(NullableString),
  amount: Schema.optional(NullableMoney),
  currency: Schema.optional(NullableString),
});

export const OrderRefund = Schema.Struct({
  id: Schema.optional(NullableId),
  transactions: Schema.optional(Schema.Array(Transaction)),
});

export const CustomerRef = Schema.Struct({
  id: Schema.optional(NullableId),
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
});

export const DiscountCode = Schema.Struct({ code: Schema.optional(NullableString), amount: Schema.optional(NullableMoney), type: Schema.optional(NullableString) });

/** orders/create, updated, paid, cancelled, fulfilled, partially_fulfilled. */
export const Order = Schema.Struct({
  id: Id,
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  name: Schema.optional(NullableString),
  order_number: Schema.optional(NullableId),
  email: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  processed_at: Schema.optional(NullableTimestamp),
  cancelled_at: Schema.optional(NullableTimestamp),
  cancel_reason: Schema.optional(NullableString),
  closed_at: Schema.optional(NullableTimestamp),
  currency: Schema.optional(NullableString),
  total_price: Schema.optional(NullableMoney),
  subtotal_price: Schema.optional(NullableMoney),
  total_tax: Schema.optional(NullableMoney),
  total_discounts: Schema.optional(NullableMoney),
  financial_status: Schema.optional(NullableString),
  fulfillment_status: Schema.optional(NullableString),
  tags: Schema.optional(Tags),
  source_name: Schema.optional(NullableString),
  checkout_token: Schema.optional(NullableString),
  cart_token: Schema.optional(NullableString),
  test: Schema.optional(NullableBoolean),
  customer: optionalNullable(CustomerRef),
  line_items: optionalNullable(Schema.Array(LineItem)),
  refunds: optionalNullable(Schema.Array(OrderRefund)),
  discount_codes: optionalNullable(Schema.Array(DiscountCode)),
});
export type Order = typeof Order.Type;

/** orders/delete, customers/delete, products/delete: only the id is sent. */
export const Deletion = Schema.Struct({ id: Id });
export type Deletion = typeof Deletion.Type;

export const Customer = Schema.Struct({
  id: Id,
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  email: Schema.optional(NullableString),
  first_name: Schema.optional(NullableString),
  last_name: Schema.optional(NullableString),
  phone: Schema.optional(NullableString),
  state: Schema.optional(NullableString),
  verified_email: Schema.optional(NullableBoolean),
  tags: Schema.optional(Tags),
  currency: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  orders_count: Schema.optional(NullableInt),
  total_spent: Schema.optional(NullableMoney),
  email_marketing_consent: optionalNullable(Schema.Struct({ state: Schema.optional(NullableString) })),
  default_address: optionalNullable(Schema.Struct({ country_code: Schema.optional(NullableString), province_code: Schema.optional(NullableString) })),
});
export type Customer = typeof Customer.Type;

export const Variant = Schema.Struct({
  id: Schema.optional(NullableId),
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  title: Schema.optional(NullableString),
  sku: Schema.optional(NullableString),
  price: Schema.optional(NullableMoney),
  inventory_quantity: Schema.optional(NullableInt),
});

export const Product = Schema.Struct({
  id: Id,
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  title: Schema.optional(NullableString),
  handle: Schema.optional(NullableString),
  vendor: Schema.optional(NullableString),
  product_type: Schema.optional(NullableString),
  status: Schema.optional(NullableString),
  tags: Schema.optional(Tags),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  published_at: Schema.optional(NullableTimestamp),
  variants: optionalNullable(Schema.Array(Variant)),
});
export type Product = typeof Product.Type;

const CheckoutLine = Schema.Struct({
  quantity: Schema.optional(NullableInt),
  price: Schema.optional(NullableMoney),
  line_price: Schema.optional(NullableMoney),
});

/** checkouts/create, checkouts/update: keyed by `token` (2026-04 and later send no top-level `id`). */
export const Checkout = Schema.Struct({
  id: Schema.optional(NullableId),
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  token: Schema.String.pipe(Schema.minLength(1)),
  cart_token: Schema.optional(NullableString),
  email: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  completed_at: Schema.optional(NullableTimestamp),
  currency: Schema.optional(NullableString),
  total_price: Schema.optional(NullableMoney),
  subtotal_price: Schema.optional(NullableMoney),
  abandoned_checkout_url: Schema.optional(NullableString),
  customer: optionalNullable(CustomerRef),
  line_items: optionalNullable(Schema.Array(CheckoutLine)),
});
export type Checkout = typeof Checkout.Type;

/** carts/create, carts/update: the cart's id is its token. */
export const Cart = Schema.Struct({
  id: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Number))),
  token: Schema.String.pipe(Schema.minLength(1)),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  line_items: optionalNullable(Schema.Array(CheckoutLine)),
});
export type Cart = typeof Cart.Type;

/** fulfillments/create, fulfillments/update. */
export const Fulfillment = Schema.Struct({
  id: Id,
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  order_id: Id,
  status: Schema.optional(NullableString),
  shipment_status: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  tracking_company: Schema.optional(NullableString),
  tracking_number: Schema.optional(NullableString),
  line_items: optionalNullable(Schema.Array(Schema.Struct({ id: Schema.optional(NullableId), quantity: Schema.optional(NullableInt) }))),
});
export type Fulfillment = typeof Fulfillment.Type;

/** refunds/create (refunds are immutable: created once). */
export const Refund = Schema.Struct({
  id: Id,
  admin_graphql_api_id: Schema.optional(Schema.NullOr(Gid)),
  order_id: Id,
  created_at: Timestamp,
  processed_at: Schema.optional(NullableTimestamp),
  note: Schema.optional(NullableString),
  restock: Schema.optional(NullableBoolean),
  refund_line_items: optionalNullable(Schema.Array(Schema.Struct({ line_item_id: Schema.optional(NullableId), quantity: Schema.optional(NullableInt) }))),
  transactions: optionalNullable(Schema.Array(Transaction)),
});
export type Refund = typeof Refund.Type;

/** app/uninstalled: the shop. */
export const Shop = Schema.Struct({
  id: Schema.optional(Id),
  name: Schema.optional(NullableString),
  domain: Schema.optional(NullableString),
  myshopify_domain: Schema.optional(NullableString),
});
export type Shop = typeof Shop.Type;
