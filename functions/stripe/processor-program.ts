/**
 * The Stripe processor's work for one verified event: `charge.*` and `payment_intent.*` into
 * payments, `invoice.*` into invoices, `charge.dispute.*` into disputes, guarded by version (event
 * `created`, then status precedence) so older state never overwrites newer; then the alerts the
 * event calls for, once per business event. Other types (and sub-objects such as refunds) are
 * already in the raw lake: counted and acknowledged.
 */
import { Effect } from "effect";
import type { TableKey } from "../../contracts/tables";
import { disputeOpenedAlert, paymentAlertSettings, paymentFailedAlert } from "../alerts/payment-alerts";
import { byEventVersion, decodePayload, publishAlert, upsertNewest, type PlatformDelivery } from "../kernel/processor-frame";
import type { Alert } from "../kernel/services";
import { Metrics } from "../kernel/services";
import { indexedDelivery, indexedEvent } from "../gdpr/subject-index";
import { isoFromUnixSeconds } from "../kernel/versions";
import { chargeItem, disputeItem, invoiceItem, paymentIntentItem } from "./records";
import { StripeCharge, StripeDispute, StripeEvent, StripeInvoice, StripePaymentIntent } from "./schemas";

const decodeEvent = decodePayload(StripeEvent, "Stripe event");
const decodeDispute = decodePayload(StripeDispute, "Stripe dispute");
const decodeCharge = decodePayload(StripeCharge, "Stripe charge");
const decodeIntent = decodePayload(StripePaymentIntent, "Stripe payment intent");
const decodeInvoice = decodePayload(StripeInvoice, "Stripe invoice");

export type StripeOutcome = "written" | "stale" | "duplicate" | "unknown-type";

type Handled = { readonly table: TableKey; readonly item: Record<string, unknown>; readonly alert?: Alert };

/** Which table an event belongs to, by type prefix and the object it carries. */
export const stripeTargetOf = (type: string, objectKind: string): "disputes" | "payments" | "invoices" | undefined => {
  if (type.startsWith("charge.dispute.")) return objectKind === "dispute" ? "disputes" : undefined;
  if (type.startsWith("charge.")) return objectKind === "charge" ? "payments" : undefined;
  if (type.startsWith("payment_intent.")) return objectKind === "payment_intent" ? "payments" : undefined;
  if (type.startsWith("invoice.")) return objectKind === "invoice" ? "invoices" : undefined;
  return undefined;
};

const handle = (event: StripeEvent, receivedAt: string) =>
  Effect.gen(function* () {
    const settings = yield* Effect.orDie(paymentAlertSettings);
    const object = event.data.object;
    switch (stripeTargetOf(event.type, object.object)) {
      case "disputes": {
        const dispute = yield* decodeDispute(object);
        const alert =
          event.type === "charge.dispute.created"
            ? disputeOpenedAlert({
                id: dispute.id,
                chargeId: dispute.charge,
                amount: dispute.amount,
                currency: dispute.currency,
                reason: dispute.reason,
                status: dispute.status,
                evidenceDueBy: dispute.evidence_details?.due_by ? isoFromUnixSeconds(dispute.evidence_details.due_by) : undefined,
              })
            : undefined;
        return { table: "disputes", item: disputeItem(dispute, event, receivedAt), alert } satisfies Handled;
      }
      case "payments": {
        if (object.object === "charge") {
          const charge = yield* decodeCharge(object);
          const alert =
            event.type === "charge.failed"
              ? paymentFailedAlert(
                  {
                    paymentIntentId: charge.payment_intent,
                    chargeId: charge.id,
                    amount: charge.amount,
                    currency: charge.currency,
                    customerId: charge.customer,
                    failureCode: charge.failure_code,
                    failureMessage: charge.failure_message,
                  },
                  settings,
                )
              : undefined;
          return { table: "payments", item: chargeItem(charge, event, receivedAt), alert } satisfies Handled;
        }
        const intent = yield* decodeIntent(object);
        const alert =
          event.type === "payment_intent.payment_failed"
            ? paymentFailedAlert(
                {
                  paymentIntentId: intent.id,
                  chargeId: intent.latest_charge,
                  amount: intent.amount,
                  currency: intent.currency,
                  customerId: intent.customer,
                  failureCode: intent.last_payment_error?.code,
                  declineCode: intent.last_payment_error?.decline_code,
                  failureMessage: intent.last_payment_error?.message,
                },
                settings,
              )
            : undefined;
        return { table: "payments", item: paymentIntentItem(intent, event, receivedAt), alert } satisfies Handled;
      }
      case "invoices": {
        const invoice = yield* decodeInvoice(object);
        return { table: "invoices", item: invoiceItem(invoice, event, receivedAt) } satisfies Handled;
      }
      case undefined:
        return undefined;
    }
  });

const store = (handled: Handled) =>
  Effect.gen(function* () {
    const outcome = yield* upsertNewest(handled.table, handled.item, byEventVersion, { source: "stripe" });
    // The alert follows the business event, not the write: a stale or retried delivery of a
    // dispute still names the same dispute, and the dedupKey keeps it to one alert.
    if (handled.alert) yield* publishAlert(handled.alert, "stripe");
    return outcome;
  });

/** One delivery, indexed for GDPR (functions/gdpr/subject-index.ts): its identifiers -> its raw object and the hot-store key written. */
export const processStripeDelivery = (delivery: PlatformDelivery) => indexedEvent(indexedDelivery("stripe", delivery), processStripe(delivery));

const processStripe = (delivery: PlatformDelivery) =>
  Effect.gen(function* () {
    const metrics = yield* Metrics;
    const event = yield* decodeEvent(delivery.payload);
    const handled = yield* handle(event, delivery.receivedAt);
    const annotations = { type: event.type, eventId: event.id };
    if (handled === undefined) {
      yield* metrics.count("UnknownEventType", 1, { source: "stripe", type: event.type });
      yield* Effect.logInfo("stripe event type not processed; kept raw").pipe(Effect.annotateLogs(annotations));
      return "unknown-type" as StripeOutcome;
    }
    const outcome = yield* store(handled);
    yield* Effect.logDebug("stripe event processed").pipe(Effect.annotateLogs({ ...annotations, objectId: String(handled.item.id), table: handled.table, outcome }));
    return outcome as StripeOutcome;
  });
