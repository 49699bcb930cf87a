/**
 * Stripe webhook payloads: the Event envelope and the objects we store (charge, payment intent,
 * invoice, dispute). Strict on the fields used, tolerant of everything else (kept in the raw lake).
 * Amounts are integers in the currency's minor units, so no float ever touches money here.
 */
import { Schema } from "effect";

const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema));
const MinorUnits = Schema.Number.pipe(Schema.int());
const UnixSeconds = Schema.Number.pipe(Schema.int(), Schema.nonNegative());
/** Expandable references arrive as an id, or as the expanded object with an id. */
const Reference = Schema.transform(Schema.Union(Schema.String, Schema.Struct({ id: Schema.String })), Schema.String, {
  strict: true,
  decode: (value) => (typeof value === "string" ? value : value.id),
  encode: (id) => id,
});

export const StripeEvent = Schema.Struct({
  id: Schema.NonEmptyString,
  type: Schema.NonEmptyString,
  created: UnixSeconds,
  livemode: Schema.optional(Schema.Boolean),
  api_version: optionalNullable(Schema.String),
  data: Schema.Struct({ object: Schema.Struct({ object: Schema.String }, { key: Schema.String, value: Schema.Unknown }) }),
});
export type StripeEvent = typeof StripeEvent.Type;

export const StripeCharge = Schema.Struct({
  id: Schema.NonEmptyString,
  object: Schema.Literal("charge"),
  amount: MinorUnits,
  amount_captured: Schema.optional(MinorUnits),
  amount_refunded: Schema.optional(MinorUnits),
  currency: Schema.NonEmptyString,
  customer: optionalNullable(Reference),
  status: Schema.NonEmptyString,
  paid: Schema.optional(Schema.Boolean),
  refunded: Schema.optional(Schema.Boolean),
  disputed: Schema.optional(Schema.Boolean),
  captured: Schema.optional(Schema.Boolean),
  failure_code: optionalNullable(Schema.String),
  failure_message: optionalNullable(Schema.String),
  outcome: optionalNullable(Schema.Struct({ network_status: optionalNullable(Schema.String), reason: optionalNullable(Schema.String), type: optionalNullable(Schema.String) })),
  payment_intent: optionalNullable(Reference),
  invoice: optionalNullable(Reference),
  created: UnixSeconds,
});
export type StripeCharge = typeof StripeCharge.Type;

export const StripePaymentIntent = Schema.Struct({
  id: Schema.NonEmptyString,
  object: Schema.Literal("payment_intent"),
  amount: MinorUnits,
  amount_received: Schema.optional(MinorUnits),
  currency: Schema.NonEmptyString,
  customer: optionalNullable(Reference),
  status: Schema.NonEmptyString,
  last_payment_error: optionalNullable(
    Schema.Struct({ code: optionalNullable(Schema.String), decline_code: optionalNullable(Schema.String), message: optionalNullable(Schema.String), type: optionalNullable(Schema.String) }),
  ),
  latest_charge: optionalNullable(Reference),
  invoice: optionalNullable(Reference),
  canceled_at: optionalNullable(UnixSeconds),
  cancellation_reason: optionalNullable(Schema.String),
  created: UnixSeconds,
});
export type StripePaymentIntent = typeof StripePaymentIntent.Type;

export const StripeInvoice = Schema.Struct({
  id: Schema.NonEmptyString,
  object: Schema.Literal("invoice"),
  customer: optionalNullable(Reference),
  status: optionalNullable(Schema.String),
  number: optionalNullable(Schema.String),
  currency: Schema.NonEmptyString,
  amount_due: MinorUnits,
  amount_paid: MinorUnits,
  amount_remaining: MinorUnits,
  total: Schema.optional(MinorUnits),
  attempt_count: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
  next_payment_attempt: optionalNullable(UnixSeconds),
  billing_reason: optionalNullable(Schema.String),
  subscription: optionalNullable(Reference),
  payment_intent: optionalNullable(Reference),
  period_start: optionalNullable(UnixSeconds),
  period_end: optionalNullable(UnixSeconds),
  created: UnixSeconds,
});
export type StripeInvoice = typeof StripeInvoice.Type;

export const StripeDispute = Schema.Struct({
  id: Schema.NonEmptyString,
  object: Schema.Literal("dispute"),
  amount: MinorUnits,
  currency: Schema.NonEmptyString,
  charge: Reference,
  payment_intent: optionalNullable(Reference),
  reason: optionalNullable(Schema.String),
  status: Schema.NonEmptyString,
  is_charge_refundable: Schema.optional(Schema.Boolean),
  evidence_details: optionalNullable(Schema.Struct({ due_by: optionalNullable(UnixSeconds) })),
  created: UnixSeconds,
});
export type StripeDispute = typeof StripeDispute.Type;
