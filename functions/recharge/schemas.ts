/**
 * Recharge webhook payloads (API 2021-11, tolerant of 2021-01 names): `{"subscription": {...}}`
 * and `{"charge": {...}}`, identical to the REST objects. Decoding is strict on the fields we use
 * and ignores the rest (they stay in the raw object). Ids arrive as JSON numbers that may exceed
 * 2^53: the body is parsed with the kernel's `parseJson`, and `RechargeId` turns either form
 * into a string without going through a rounded number.
 *
 * Required are only the fields the processor keys, orders or routes on (`id`, `status`,
 * `updated_at`). Every other field is optional, but money and time fields, when present, must be
 * valid, or the delivery goes to the DLQ as an InvalidPayload naming the field (never its value):
 *   money   decimal text ("29.95", API 2021-11) or a finite JSON number (2021-01), stored as exact
 *           decimal text with at least two decimals ("27" -> "27.00"); `"abc"`, `1e400`
 *           (Infinity) and exponents are refused.
 *   time    ISO-8601 as Recharge sends it: "2024-01-01T10:00:00" (no offset: UTC),
 *           "2026-11-01T10:00:00+00:00", or a date "2026-12-01" for scheduling fields.
 */
import { ParseResult, Schema } from "effect";
import { normalizeDecimal } from "../kernel/decimal";
import { normaliseTimestamp } from "../kernel/versions";

/** Recharge ids are integers; as text (large ones already are) at most 64 characters, so an id is a sane key. */
const isIdText = (value: string) => /^[A-Za-z0-9_-]{1,64}$/.test(value);

export const RechargeId = Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), Schema.String, {
  strict: true,
  decode: (id, _, ast) =>
    (typeof id === "number" ? Number.isSafeInteger(id) && id >= 0 : isIdText(id))
      ? ParseResult.succeed(String(id))
      : ParseResult.fail(new ParseResult.Type(ast, id, "expected an id: a non-negative integer or up to 64 letters, digits, _ and -")),
  encode: (id) => ParseResult.succeed(id),
});

/** Plain decimal text: digits, one optional point, optional sign; no exponent, no Infinity. */
const DECIMAL_TEXT = /^[+-]?\d{1,15}(\.\d{1,9})?$/;

/** Money: decimal text or a finite JSON number, decoded to exact decimal text ("27" -> "27.00"). */
export const RechargeMoney = Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), Schema.String, {
  strict: true,
  decode: (value, _, ast) => {
    const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value.trim();
    return DECIMAL_TEXT.test(text) ? ParseResult.succeed(normalizeDecimal(text)) : ParseResult.fail(new ParseResult.Type(ast, value, 'expected a decimal amount such as "29.95"'));
  },
  encode: (value) => ParseResult.succeed(value),
});

/** Frequencies come as decimal strings in 2021-11 and numbers in older versions; kept as text. */
const DecimalText = Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), Schema.String, {
  strict: true,
  decode: (value, _, ast) => {
    const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value.trim();
    return DECIMAL_TEXT.test(text) ? ParseResult.succeed(text) : ParseResult.fail(new ParseResult.Type(ast, value, "expected a number"));
  },
  encode: (value) => ParseResult.succeed(value),
});

const TIMESTAMP_SHAPE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A Recharge timestamp or date (see the header); kept as sent, normalised by records.ts. */
export const RechargeTimestamp = Schema.String.pipe(
  Schema.filter((text) => TIMESTAMP_SHAPE.test(text.trim()) && normaliseTimestamp(text) !== undefined, {
    message: () => "expected an ISO-8601 timestamp such as 2024-01-01T10:00:00",
  }),
);

const Count = Schema.Number.pipe(Schema.int(), Schema.nonNegative());

const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema));

/** `external_product_id: {"ecommerce": "123"}` in 2021-11. */
const ExternalId = Schema.Struct({ ecommerce: optionalNullable(Schema.Union(Schema.String, Schema.Number.pipe(Schema.int()))) });

/** ISO 4217 code ("USD"), part of every amount. */
const Currency = Schema.String.pipe(Schema.pattern(/^[A-Za-z]{3}$/, { message: () => "expected a three-letter currency code" }));

export const RechargeSubscription = Schema.Struct({
  id: RechargeId,
  customer_id: optionalNullable(RechargeId),
  address_id: optionalNullable(RechargeId),
  status: Schema.NonEmptyString,
  created_at: optionalNullable(RechargeTimestamp),
  updated_at: RechargeTimestamp,
  next_charge_scheduled_at: optionalNullable(RechargeTimestamp),
  cancelled_at: optionalNullable(RechargeTimestamp),
  cancellation_reason: optionalNullable(Schema.String),
  external_product_id: optionalNullable(ExternalId),
  external_variant_id: optionalNullable(ExternalId),
  shopify_product_id: optionalNullable(RechargeId),
  shopify_variant_id: optionalNullable(RechargeId),
  product_title: optionalNullable(Schema.String),
  variant_title: optionalNullable(Schema.String),
  quantity: optionalNullable(Count),
  price: optionalNullable(RechargeMoney),
  order_interval_unit: optionalNullable(Schema.String),
  order_interval_frequency: optionalNullable(DecimalText),
  presentment_currency: optionalNullable(Currency),
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
  created_at: optionalNullable(RechargeTimestamp),
  updated_at: RechargeTimestamp,
  scheduled_at: optionalNullable(RechargeTimestamp),
  processed_at: optionalNullable(RechargeTimestamp),
  retry_date: optionalNullable(RechargeTimestamp),
  charge_attempts: optionalNullable(Count),
  number_times_tried: optionalNullable(Count),
  error: optionalNullable(Schema.String),
  error_type: optionalNullable(Schema.String),
  total_price: optionalNullable(RechargeMoney),
  currency: optionalNullable(Currency),
  type: optionalNullable(Schema.String),
  external_order_id: optionalNullable(ExternalId),
  line_items: optionalNullable(Schema.Array(RechargeLineItem)),
});
export type RechargeCharge = typeof RechargeCharge.Type;

export const SubscriptionWebhook = Schema.Struct({ subscription: RechargeSubscription });
export const ChargeWebhook = Schema.Struct({ charge: RechargeCharge });
