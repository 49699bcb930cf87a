/**
 * Alert rules for subscriptions and payments. Each rule is a pure function from a decoded provider
 * object to at most one Alert whose dedupKey names the business event (a cancellation, a charge
 * crossing the failure threshold, a dispute, a failed payment), so redeliveries, processor retries
 * and the sibling events Stripe sends for one failure all collapse into one published alert.
 * Bodies carry ids, statuses, amounts and provider codes only: never names, e-mails, phones,
 * addresses or card details.
 */
import { Config } from "effect";
import type { Alert } from "../kernel/services";
import { scrubFreeText } from "./free-text";

export interface PaymentAlertSettings {
  /** Alert once a Recharge charge has failed this many times (charge/max_retries_reached always alerts). */
  readonly chargeFailedAttempts: number;
  /** Alert on a Stripe payment failure of at least this amount, in the currency's minor units. */
  readonly paymentFailedMinAmount: number;
}

export const defaultPaymentAlertSettings: PaymentAlertSettings = { chargeFailedAttempts: 3, paymentFailedMinAmount: 10_000 };

export const paymentAlertSettings: Config.Config<PaymentAlertSettings> = Config.all({
  chargeFailedAttempts: Config.integer("RECHARGE_CHARGE_FAILED_ALERT_ATTEMPTS").pipe(
    Config.withDefault(defaultPaymentAlertSettings.chargeFailedAttempts),
    Config.validate({ message: "must be at least 1", validation: (n) => n >= 1 }),
  ),
  paymentFailedMinAmount: Config.integer("STRIPE_PAYMENT_FAILED_ALERT_MIN_AMOUNT").pipe(
    Config.withDefault(defaultPaymentAlertSettings.paymentFailedMinAmount),
    Config.validate({ message: "must be zero or more", validation: (n) => n >= 0 }),
  ),
});

const lines = (fields: ReadonlyArray<readonly [string, string | number | undefined | null]>) =>
  fields
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([label, value]) => `${label}: ${value}`)
    .join("\n");

export interface CancelledSubscription {
  readonly id: string;
  readonly customerId?: string;
  readonly productId?: string;
  readonly cancelledAt?: string;
  readonly cancellationReason?: string | null;
}

export const subscriptionCancelledAlert = (subscription: CancelledSubscription): Alert => ({
  kind: "subscription-cancelled",
  severity: "info",
  subject: `Recharge subscription ${subscription.id} cancelled`,
  message: lines([
    ["Subscription", subscription.id],
    ["Customer id", subscription.customerId],
    ["Product id", subscription.productId],
    ["Cancelled at", subscription.cancelledAt],
    ["Reason", scrubFreeText(subscription.cancellationReason)],
  ]),
  // A subscription can be reactivated and cancelled again: each cancellation is its own event.
  dedupKey: `subscription-cancelled:${subscription.id}:${subscription.cancelledAt ?? "unknown"}`,
});

export interface FailedRechargeCharge {
  readonly id: string;
  readonly customerId?: string;
  readonly attempts?: number;
  readonly maxRetriesReached: boolean;
  readonly errorType?: string | null;
  readonly error?: string | null;
  readonly totalPrice?: string;
  readonly currency?: string;
  readonly retryDate?: string | null;
}

/** One alert when the attempts reach the threshold, one more when Recharge gives up retrying. */
export const rechargeChargeFailedAlert = (charge: FailedRechargeCharge, settings: PaymentAlertSettings): Alert | undefined => {
  const reachedThreshold = (charge.attempts ?? 0) >= settings.chargeFailedAttempts;
  if (!charge.maxRetriesReached && !reachedThreshold) return undefined;
  const stage = charge.maxRetriesReached ? "max-retries" : `attempts-${settings.chargeFailedAttempts}`;
  return {
    kind: "charge-failed",
    severity: charge.maxRetriesReached ? "critical" : "warning",
    subject: charge.maxRetriesReached ? `Recharge charge ${charge.id} reached its maximum retries` : `Recharge charge ${charge.id} failed ${charge.attempts} times`,
    message: lines([
      ["Charge", charge.id],
      ["Customer id", charge.customerId],
      ["Attempts", charge.attempts],
      ["Amount", charge.totalPrice !== undefined ? `${charge.totalPrice} ${charge.currency ?? ""}`.trim() : undefined],
      ["Error type", scrubFreeText(charge.errorType)],
      ["Error", scrubFreeText(charge.error)],
      ["Next retry", charge.retryDate],
    ]),
    dedupKey: `charge-failed:${charge.id}:${stage}`,
  };
};

/**
 * An amount in minor units as alert text: "15000 USD (minor units)"; "15000 (minor units, unknown
 * currency)" when the payload named no currency; undefined (the line is left out) without an amount.
 */
export const minorUnitsText = (amount: number | null | undefined, currency: string | null | undefined): string | undefined => {
  if (amount === undefined || amount === null) return undefined;
  return currency ? `${amount} ${currency.toUpperCase()} (minor units)` : `${amount} (minor units, unknown currency)`;
};

export interface OpenedDispute {
  readonly id: string;
  readonly chargeId?: string | null;
  readonly amount?: number | null;
  readonly currency?: string | null;
  readonly reason?: string | null;
  readonly status: string;
  readonly evidenceDueBy?: string;
}

export const disputeOpenedAlert = (dispute: OpenedDispute): Alert => ({
  kind: "dispute-opened",
  severity: "critical",
  subject: `Stripe dispute ${dispute.id} opened`,
  message: lines([
    ["Dispute", dispute.id],
    ["Charge", dispute.chargeId],
    ["Amount", minorUnitsText(dispute.amount, dispute.currency)],
    ["Reason", scrubFreeText(dispute.reason)],
    ["Status", dispute.status],
    ["Evidence due by", dispute.evidenceDueBy],
  ]),
  dedupKey: `dispute-opened:${dispute.id}`,
});

export interface FailedPayment {
  /** The payment intent when there is one (Stripe sends charge.failed and payment_intent.payment_failed for one failure). */
  readonly paymentIntentId?: string | null;
  readonly chargeId?: string | null;
  /** Absent when the payload had none: the failure alerts all the same (it cannot be shown to be below the threshold). */
  readonly amount?: number | null;
  readonly currency?: string | null;
  readonly customerId?: string | null;
  readonly failureCode?: string | null;
  readonly declineCode?: string | null;
  readonly failureMessage?: string | null;
}

export const paymentFailedAlert = (payment: FailedPayment, settings: PaymentAlertSettings): Alert | undefined => {
  const minorUnits = payment.amount ?? undefined;
  if (minorUnits !== undefined && minorUnits < settings.paymentFailedMinAmount) return undefined;
  const subjectId = payment.paymentIntentId ?? payment.chargeId;
  if (!subjectId) return undefined;
  const amount =
    minorUnits === undefined ? "amount unknown" : payment.currency ? `${minorUnits} ${payment.currency.toUpperCase()} minor units` : `${minorUnits} minor units, unknown currency`;
  return {
    kind: "payment-failed",
    severity: "warning",
    subject: `Stripe payment ${subjectId} failed (${amount})`,
    message: lines([
      ["Payment intent", payment.paymentIntentId],
      ["Charge", payment.chargeId],
      ["Customer id", payment.customerId],
      ["Amount", minorUnitsText(payment.amount, payment.currency) ?? "unknown"],
      ["Failure code", scrubFreeText(payment.failureCode)],
      ["Decline code", scrubFreeText(payment.declineCode)],
      ["Message", scrubFreeText(payment.failureMessage)],
    ]),
    dedupKey: `payment-failed:${subjectId}`,
  };
};
