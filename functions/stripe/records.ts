/**
 * Stripe objects -> hot-store items (payments, invoices, disputes). Items keep ids, statuses,
 * amounts and failure codes; billing details, e-mails and card data stay in the raw lake only.
 * `version` orders by the event's `created`, then by status precedence (a final state recorded in
 * the same second beats an intermediate one), then by event id, so any delivery order converges.
 * Fields Stripe leaves out or nulls (amounts, currency, the objects' own `created`) are left out
 * of the item (NULL in SQL), never guessed.
 */
import { VERSION_ATTRIBUTE } from "../kernel/processor-frame";
import { isoFromUnixSeconds, sortableSeconds, statusRank, versionOf } from "../kernel/versions";
import type { StripeCharge, StripeDispute, StripeEvent, StripeInvoice, StripePaymentIntent } from "./schemas";

const chargeRanks: Record<string, number> = { pending: 10, failed: 50, succeeded: 60, refunded: 70 };
const paymentIntentRanks: Record<string, number> = {
  requires_payment_method: 10,
  requires_confirmation: 10,
  requires_action: 20,
  processing: 30,
  requires_capture: 40,
  failed: 50,
  canceled: 55,
  succeeded: 60,
};
const invoiceRanks: Record<string, number> = { draft: 10, open: 20, uncollectible: 30, void: 40, paid: 50, deleted: 90 };
const disputeRanks: Record<string, number> = {
  warning_needs_response: 10,
  needs_response: 10,
  warning_under_review: 20,
  under_review: 20,
  warning_closed: 40,
  won: 50,
  lost: 50,
};

/** ISO-8601 of an optional time that Stripe sends as 0 or null when there is none (canceled_at, period_end...). */
const isoOrUndefined = (seconds: number | null | undefined) => (seconds ? isoFromUnixSeconds(seconds) : undefined);
/** ISO-8601 of an object's `created`, when the payload has one. */
const createdIso = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? undefined : isoFromUnixSeconds(seconds));

const compact = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined && value !== null));

const common = (event: StripeEvent, receivedAt: string) => ({
  livemode: event.livemode,
  last_event_id: event.id,
  last_event_type: event.type,
  event_created: isoFromUnixSeconds(event.created),
  received_at: receivedAt,
});

const version = (event: StripeEvent, ranks: Record<string, number>, status: string) => versionOf(sortableSeconds(event.created), statusRank(ranks, status), event.id);

/** A refunded charge keeps status `succeeded` in Stripe; rank it above so a refund is never undone. */
const chargeState = (charge: StripeCharge) => (charge.refunded ? "refunded" : charge.status);

export const chargeItem = (charge: StripeCharge, event: StripeEvent, receivedAt: string) =>
  compact({
    id: charge.id,
    object: "charge",
    customer_id: charge.customer,
    status: charge.status,
    amount: charge.amount,
    amount_captured: charge.amount_captured,
    amount_refunded: charge.amount_refunded,
    currency: charge.currency,
    paid: charge.paid,
    refunded: charge.refunded,
    disputed: charge.disputed,
    failure_code: charge.failure_code,
    failure_message: charge.failure_message,
    outcome_type: charge.outcome?.type,
    outcome_reason: charge.outcome?.reason,
    payment_intent_id: charge.payment_intent,
    invoice_id: charge.invoice,
    created: createdIso(charge.created),
    ...common(event, receivedAt),
    [VERSION_ATTRIBUTE]: version(event, chargeRanks, chargeState(charge)),
  });

/** payment_intent.payment_failed leaves the intent in requires_payment_method: rank it as a failure. */
const paymentIntentState = (intent: StripePaymentIntent, event: StripeEvent) => (event.type === "payment_intent.payment_failed" ? "failed" : intent.status);

export const paymentIntentItem = (intent: StripePaymentIntent, event: StripeEvent, receivedAt: string) =>
  compact({
    id: intent.id,
    object: "payment_intent",
    customer_id: intent.customer,
    status: intent.status,
    failed: event.type === "payment_intent.payment_failed" || undefined,
    amount: intent.amount,
    amount_received: intent.amount_received,
    currency: intent.currency,
    failure_code: intent.last_payment_error?.code,
    decline_code: intent.last_payment_error?.decline_code,
    failure_message: intent.last_payment_error?.message,
    latest_charge_id: intent.latest_charge,
    invoice_id: intent.invoice,
    canceled_at: isoOrUndefined(intent.canceled_at),
    cancellation_reason: intent.cancellation_reason,
    created: createdIso(intent.created),
    ...common(event, receivedAt),
    [VERSION_ATTRIBUTE]: version(event, paymentIntentRanks, paymentIntentState(intent, event)),
  });

export const invoiceItem = (invoice: StripeInvoice, event: StripeEvent, receivedAt: string) => {
  const status = event.type === "invoice.deleted" ? "deleted" : (invoice.status ?? "draft");
  return compact({
    id: invoice.id,
    customer_id: invoice.customer,
    status,
    deleted: event.type === "invoice.deleted" || undefined,
    number: invoice.number,
    currency: invoice.currency,
    amount_due: invoice.amount_due,
    amount_paid: invoice.amount_paid,
    amount_remaining: invoice.amount_remaining,
    total: invoice.total,
    attempt_count: invoice.attempt_count,
    next_payment_attempt: isoOrUndefined(invoice.next_payment_attempt),
    billing_reason: invoice.billing_reason,
    subscription_id: invoice.subscription ?? invoice.parent?.subscription_details?.subscription,
    payment_intent_id: invoice.payment_intent ?? invoice.payments?.data?.find((entry) => entry.payment?.payment_intent)?.payment?.payment_intent,
    period_start: isoOrUndefined(invoice.period_start),
    period_end: isoOrUndefined(invoice.period_end),
    created: createdIso(invoice.created),
    ...common(event, receivedAt),
    [VERSION_ATTRIBUTE]: version(event, invoiceRanks, status),
  });
};

export const disputeItem = (dispute: StripeDispute, event: StripeEvent, receivedAt: string) =>
  compact({
    id: dispute.id,
    charge_id: dispute.charge,
    payment_intent_id: dispute.payment_intent,
    status: dispute.status,
    reason: dispute.reason,
    amount: dispute.amount,
    currency: dispute.currency,
    is_charge_refundable: dispute.is_charge_refundable,
    evidence_due_by: isoOrUndefined(dispute.evidence_details?.due_by),
    created: createdIso(dispute.created),
    ...common(event, receivedAt),
    [VERSION_ATTRIBUTE]: version(event, disputeRanks, dispute.status),
  });
