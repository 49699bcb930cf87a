/**
 * Recharge webhook payloads (API 2021-11, tolerant of 2021-01 names): `{"subscription": {...}}`
 * and `{"charge": {...}}`, identical to the REST objects. Decoding is strict on the fields we use
 * and ignores the rest (they stay in the raw object). Ids arrive as JSON numbers that may exceed
 * 2^53: the body is parsed with the kernel's `parseJson`, and `RechargeId` turns either form
 * into a string without going through a rounded number.
 */
import { Schema } from "effect";

export const RechargeId = Schema.transform(Schema.Union(Schema.NonEmptyString, Schema.Number.pipe(Schema.int(), Schema.nonNegative())), Schema.String, {
  strict: true,
  decode: (id) => String(id),
  encode: (id) => id,
});

/** Money and frequencies come as decimal strings in 2021-11 and numbers in older versions; kept as strings. */
const DecimalText = Schema.transform(Schema.Union(Schema.String, Schema.Number), Schema.String, {
  strict: true,
  decode: (value) => String(value),
  encode: (value) => value,
});

const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema));

/** `external_product_id: {"ecommerce": "123"}` in 2021-11. */
const ExternalId = Schema.Struct({ ecommerce: optionalNullable(Schema.Union(Schema.String, Schema.Number)) });

export const RechargeSubscription = Schema.Struct({
  id: RechargeId,
  customer_id: optionalNullable(RechargeId),
  address_id: optionalNullable(RechargeId),
  status: Schema.NonEmptyString,
  created_at: optionalNullable(Schema.String),
  updated_at: Schema.NonEmptyString,
  next_charge_scheduled_at: optionalNullable(Schema.String),
  cancelled_at: optionalNullable(Schema.String),
  cancellation_reason: optionalNullable(Schema.String),
  external_product_id: optionalNullable(ExternalId),
  external_variant_id: optionalNullable(ExternalId),
  shopify_product_id: optionalNullable(RechargeId),
  shopify_variant_id: optionalNullable(RechargeId),
  product_title: optionalNullable(Schema.String),
  variant_title: optionalNullable(Schema.String),
  quantity: optionalNullable(Schema.Number),
  price: optionalNullable(DecimalText),
  order_interval_unit: optionalNullable(Schema.String),
  order_interval_frequency: optionalNullable(DecimalText),
  presentment_currency: optionalNullable(Schema.String),
});
export type RechargeSubscription = typeof RechargeSubscription.Type;

const RechargeLineItem = Schema.Struct({
  purchase_item_id: optionalNullable(RechargeId),
  subscription_id: optionalNullable(RechargeId),
});

export const RechargeCharge = Schema.Struct({
  id: RechargeId,
  customer_id: optionalNullable(RechargeId),
  customer: optionalNullable(Schema.Struct({ id: optionalNullable(RechargeId) })),
  status: Schema.NonEmptyString,
  created_at: optionalNullable(Schema.String),
  updated_at: Schema.NonEmptyString,
  scheduled_at: optionalNullable(Schema.String),
  processed_at: optionalNullable(Schema.String),
  retry_date: optionalNullable(Schema.String),
  charge_attempts: optionalNullable(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
  number_times_tried: optionalNullable(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
  error: optionalNullable(Schema.String),
  error_type: optionalNullable(Schema.String),
  total_price: optionalNullable(DecimalText),
  currency: optionalNullable(Schema.String),
  type: optionalNullable(Schema.String),
  external_order_id: optionalNullable(ExternalId),
  line_items: optionalNullable(Schema.Array(RechargeLineItem)),
});
export type RechargeCharge = typeof RechargeCharge.Type;

export const SubscriptionWebhook = Schema.Struct({ subscription: RechargeSubscription });
export const ChargeWebhook = Schema.Struct({ charge: RechargeCharge });
