/**
 * The Recharge processor's work for one verified delivery: `subscription/*` into the subscriptions
 * table, `charge/*` into charges, guarded by version so older state never overwrites newer (stale
 * writes are counted), then the alerts the change calls for, each once per business event.
 * Topics of other families (order/*, customer/*, ...) are already in the raw lake: counted, acked.
 */
import { Effect } from "effect";
import { paymentAlertSettings, rechargeChargeFailedAlert, subscriptionCancelledAlert } from "../alerts/payment-alerts";
import { InvalidPayload } from "../kernel/errors";
import { byEventVersion, decodePayload, publishAlert, upsertNewest, type PlatformDelivery } from "../kernel/processor-frame";
import { Metrics } from "../kernel/services";
import { indexedDelivery, indexedEvent } from "../gdpr/subject-index";
import { chargeAttempts, chargeCustomerId, chargeItem, subscriptionItem, type DeliveryFacts } from "./records";
import { ChargeWebhook, SubscriptionWebhook } from "./schemas";
import { rechargeEntityOfTopic } from "./topics";

type RechargeTable = "subscriptions" | "charges";

const decodeSubscription = decodePayload(SubscriptionWebhook, "Recharge subscription");
const decodeCharge = decodePayload(ChargeWebhook, "Recharge charge");

export type RechargeOutcome = "written" | "stale" | "duplicate" | "unknown-topic";

const buildItem = <A>(build: () => A) =>
  Effect.try({ try: build, catch: (error) => (error instanceof InvalidPayload ? error : new InvalidPayload({ reason: "could not map the Recharge object" })) });

const processSubscription = (delivery: PlatformDelivery, facts: DeliveryFacts) =>
  Effect.gen(function* () {
    const { subscription } = yield* decodeSubscription(delivery.payload);
    const item = yield* buildItem(() => subscriptionItem(subscription, facts));
    const outcome = yield* upsertNewest("subscriptions", item, byEventVersion, { source: "recharge" });
    // Alert on the business event even when this delivery is stale: the cancellation happened,
    // and the dedupKey keeps redeliveries and retries to one alert.
    if (item.status === "cancelled") {
      yield* publishAlert(
        subscriptionCancelledAlert({
          id: subscription.id,
          customerId: subscription.customer_id ?? undefined,
          productId: item.product_id as string | undefined,
          cancelledAt: item.cancelled_at as string | undefined,
          cancellationReason: subscription.cancellation_reason,
        }),
        "recharge",
      );
    }
    return { outcome, objectId: subscription.id, table: "subscriptions" as RechargeTable };
  });

const processCharge = (delivery: PlatformDelivery, facts: DeliveryFacts) =>
  Effect.gen(function* () {
    const { charge } = yield* decodeCharge(delivery.payload);
    const item = yield* buildItem(() => chargeItem(charge, facts));
    const outcome = yield* upsertNewest("charges", item, byEventVersion, { source: "recharge" });
    const failed = delivery.topic === "charge/failed" || delivery.topic === "charge/max_retries_reached" || item.status === "error";
    if (failed) {
      const settings = yield* Effect.orDie(paymentAlertSettings);
      const alert = rechargeChargeFailedAlert(
        {
          id: charge.id,
          customerId: chargeCustomerId(charge),
          attempts: chargeAttempts(charge),
          maxRetriesReached: delivery.topic === "charge/max_retries_reached",
          errorType: charge.error_type,
          error: charge.error,
          totalPrice: charge.total_price ?? undefined,
          currency: charge.currency ?? undefined,
          retryDate: charge.retry_date,
        },
        settings,
      );
      if (alert) yield* publishAlert(alert, "recharge");
    }
    return { outcome, objectId: charge.id, table: "charges" as RechargeTable };
  });

/** One delivery, indexed for GDPR (functions/gdpr/subject-index.ts): its identifiers -> its raw object and the hot-store key written. */
export const processRechargeDelivery = (delivery: PlatformDelivery) => indexedEvent(indexedDelivery("recharge", delivery), processRecharge(delivery));

const processRecharge = (delivery: PlatformDelivery) =>
  Effect.gen(function* () {
    const metrics = yield* Metrics;
    const entity = rechargeEntityOfTopic(delivery.topic);
    if (entity === undefined) {
      yield* metrics.count("UnknownEventType", 1, { source: "recharge", topic: delivery.topic });
      yield* Effect.logInfo("recharge topic not processed; kept raw").pipe(Effect.annotateLogs({ topic: delivery.topic, eventId: delivery.eventId }));
      return "unknown-topic" as RechargeOutcome;
    }
    const facts: DeliveryFacts = { topic: delivery.topic, eventId: delivery.eventId, tieBreaker: delivery.eventId, receivedAt: delivery.receivedAt };
    const { outcome, objectId, table } = yield* entity === "subscription" ? processSubscription(delivery, facts) : processCharge(delivery, facts);
    // Debug: one line per event is the hot path; counts go to metrics, the row keeps last_event_id.
    yield* Effect.logDebug("recharge delivery processed").pipe(Effect.annotateLogs({ topic: delivery.topic, eventId: delivery.eventId, objectId, table, outcome }));
    return outcome as RechargeOutcome;
  });
