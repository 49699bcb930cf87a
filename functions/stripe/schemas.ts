/**
 * Stripe webhook payloads: the Event envelope and the objects we store (charge, payment intent,
 * invoice, dispute).
 *
 * Required are only the fields a processor keys, orders or routes on: the event's `id` (dedup
 * key), `type` (route) and `created` (version), `data.object.object` (route), each object's `id`
 * (table key) and, where the version ranks it, `status` (charge, payment intent, dispute). Every
 * other field, amounts and currencies included, is optional and nullable (Stripe drops or nulls
 * fields between API versions; an absent one is absent from the hot-store row and NULL in SQL),
 * and unknown fields pass through to the raw copy untouched. A field that is present is still
 * checked; invalid values go to the DLQ as an InvalidPayload naming the field (never its value):
 *   money   integers in the currency's minor units (`"amount": 15000` is 150.00 USD), safe
 *           integers only: no floats, no strings, no `1e400`; currencies three-letter codes.
 *   time    `created` and the other timestamps are Unix seconds, whole and within years 1970-9999
 *           (beyond that no ISO date exists, and `new Date(...).toISOString()` would throw).
 *   ids     Stripe's `<prefix>_<alphanumerics>` (the object id is a table key): 1-255 characters.
 */
import { Schema } from "effect";

const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema));
const MinorUnits = Schema.Number.pipe(Schema.int({ message: () => "expected an integer amount in minor units" }));
/** 9999-12-31T23:59:59Z, the last second an ISO-8601 date can name. */
const MAX_UNIX_SECONDS = 253_402_300_799;
const UnixSeconds = Schema.Number.pipe(
  Schema.int({ message: () => "expected Unix seconds" }),
  Schema.between(0, MAX_UNIX_SECONDS, { message: () => "expected Unix seconds between 1970 and 9999" }),
);
const StripeId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_]{1,255}$/, { message: () => "expected a Stripe id (letters, digits and _)" }));
const Currency = Schema.String.pipe(Schema.pattern(/^[A-Za-z]{3}$/, { message: () => "expected a three-letter currency code" }));
/** Expandable references arrive as an id, or as the expanded object with an id. */
const Reference = Schema.transform(Schema.Union(Schema.String, Schema.Struct({ id: Schema.String })), Schema.String, {
  strict: true,
  decode: (value) => (typeof value === "string" ? value : value.id),
  encode: (id) => id,
});

export const StripeEvent = Schema.Struct({
  id: StripeId,
  type: Schema.NonEmptyString,
  created: UnixSeconds,
  livemode: optionalNullable(Schema.Boolean),
  api_version: optionalNullable(Schema.String),
  data: Schema.Struct({ object: Schema.Struct({ object: Schema.String }, { key: Schema.String, value: Schema.Unknown }) }),
});
export type StripeEvent = typeof StripeEvent.Type;

export const StripeCharge = Schema.Struct({
  id: StripeId,
  object: Schema.Literal("charge"),
  amount: optionalNullable(MinorUnits),
  amount_captured: optionalNullable(MinorUnits),
  amount_refunded: optionalNullable(MinorUnits),
  currency: optionalNullable(Currency),
  customer: optionalNullable(Reference),
  status: Schema.NonEmptyString,
  paid: optionalNullable(Schema.Boolean),
  refunded: optionalNullable(Schema.Boolean),
  disputed: optionalNullable(Schema.Boolean),
  captured: optionalNullable(Schema.Boolean),
  failure_code: optionalNullable(Schema.String),
  failure_message: optionalNullable(Schema.String),
  outcome: optionalNullable(Schema.Struct({ network_status: optionalNullable(Schema.String), reason: optionalNullable(Schema.String), type: optionalNullable(Schema.String) })),
  payment_intent: optionalNullable(Reference),
  invoice: optionalNullable(Reference),
  created: optionalNullable(UnixSeconds),
});
export type StripeCharge = typeof StripeCharge.Type;

export const StripePaymentIntent = Schema.Struct({
  id: StripeId,
  object: Schema.Literal("payment_intent"),
  amount: optionalNullable(MinorUnits),
  amount_received: optionalNullable(MinorUnits),
  currency: optionalNullable(Currency),
  customer: optionalNullable(Reference),
  status: Schema.NonEmptyString,
  last_payment_error: optionalNullable(
    Schema.Struct({
      code: optionalNullable(Schema.String),
      decline_code: optionalNullable(Schema.String),
      message: optionalNullable(Schema.String),
      type: optionalNullable(Schema.String),
    }),
  ),
  latest_charge: optionalNullable(Reference),
  invoice: optionalNullable(Reference),
  canceled_at: optionalNullable(UnixSeconds),
  cancellation_reason: optionalNullable(Schema.String),
  created: optionalNullable(UnixSeconds),
});
export type StripePaymentIntent = typeof StripePaymentIntent.Type;

export const StripeInvoice = Schema.Struct({
  id: StripeId,
  object: Schema.Literal("invoice"),
  customer: optionalNullable(Reference),
  status: optionalNullable(Schema.String),
  number: optionalNullable(Schema.String),
  currency: optionalNullable(Currency),
  amount_due: optionalNullable(MinorUnits),
  amount_paid: optionalNullable(MinorUnits),
  amount_remaining: optionalNullable(MinorUnits),
  total: optionalNullable(MinorUnits),
  attempt_count: optionalNullable(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
  next_payment_attempt: optionalNullable(UnixSeconds),
  billing_reason: optionalNullable(Schema.String),
  /** Before API 2025-03-31.basil; from then on `parent.subscription_details.subscription`. */
  subscription: optionalNullable(Reference),
  /** Before API 2025-03-31.basil; from then on the invoice's `payments` list. */
  payment_intent: optionalNullable(Reference),
  parent: optionalNullable(Schema.Struct({ subscription_details: optionalNullable(Schema.Struct({ subscription: optionalNullable(Reference) })) })),
  payments: optionalNullable(
    Schema.Struct({ data: optionalNullable(Schema.Array(Schema.Struct({ payment: optionalNullable(Schema.Struct({ payment_intent: optionalNullable(Reference) })) }))) }),
  ),
  period_start: optionalNullable(UnixSeconds),
  period_end: optionalNullable(UnixSeconds),
  created: optionalNullable(UnixSeconds),
});
export type StripeInvoice = typeof StripeInvoice.Type;

export const StripeDispute = Schema.Struct({
  id: StripeId,
  object: Schema.Literal("dispute"),
  amount: optionalNullable(MinorUnits),
  currency: optionalNullable(Currency),
  charge: optionalNullable(Reference),
  payment_intent: optionalNullable(Reference),
  reason: optionalNullable(Schema.String),
  status: Schema.NonEmptyString,
  is_charge_refundable: optionalNullable(Schema.Boolean),
  evidence_details: optionalNullable(Schema.Struct({ due_by: optionalNullable(UnixSeconds) })),
  created: optionalNullable(UnixSeconds),
});
export type StripeDispute = typeof StripeDispute.Type;
