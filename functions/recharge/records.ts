/**
 * Recharge objects -> hot-store items. Items keep what churn analytics need (status, dates,
 * product, customer id, attempts, error) and leave names, e-mails and addresses in the raw lake.
 * Each item carries `version`: newer `updated_at` wins, then status precedence, then the event id (a hash
 * of the delivery), so out-of-order and repeated deliveries converge on the newest state.
 */
import { InvalidPayload } from "../kernel/errors";
import { VERSION_ATTRIBUTE } from "../kernel/processor-frame";
import { normaliseTimestamp, statusRank, versionOf } from "../kernel/versions";
import type { RechargeCharge, RechargeSubscription } from "./schemas";

const subscriptionStatusRanks: Record<string, number> = { active: 10, paused: 20, cancelled: 30, expired: 40, deleted: 90 };
const chargeStatusRanks: Record<string, number> = {
  pending: 10,
  queued: 10,
  skipped: 20,
  pending_manual_payment: 20,
  error: 30,
  success: 40,
  partially_refunded: 50,
  refunded: 60,
  deleted: 90,
};

const timestamp = (text: string, field: string): string => {
  const iso = normaliseTimestamp(text);
  if (iso === undefined) throw new InvalidPayload({ reason: `${field} is not a timestamp`, field });
  return iso;
};

const optionalTimestamp = (text: string | null | undefined): string | undefined => (text === null || text === undefined ? undefined : normaliseTimestamp(text));

const externalId = (value: { readonly ecommerce?: string | number | null } | null | undefined, legacy: string | null | undefined) =>
  value?.ecommerce !== undefined && value.ecommerce !== null ? String(value.ecommerce) : (legacy ?? undefined);

/** Drops undefined attributes (DynamoDB rejects them) and keeps nulls out of index keys. */
const compact = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

export interface DeliveryFacts {
  readonly topic: string;
  readonly eventId: string;
  /** Orders deliveries with equal time and status deterministically (the event id, which hashes the raw body). */
  readonly tieBreaker: string;
  readonly receivedAt: string;
}

export const subscriptionItem = (subscription: RechargeSubscription, delivery: DeliveryFacts) => {
  const deleted = delivery.topic === "subscription/deleted";
  const status = deleted ? "deleted" : subscription.status.toLowerCase();
  const updatedAt = timestamp(subscription.updated_at, "subscription.updated_at");
  return compact({
    id: subscription.id,
    customer_id: subscription.customer_id ?? undefined,
    address_id: subscription.address_id ?? undefined,
    status,
    deleted: deleted || undefined,
    next_charge_date: subscription.next_charge_scheduled_at ?? undefined,
    cancelled_at: optionalTimestamp(subscription.cancelled_at),
    cancellation_reason: subscription.cancellation_reason ?? undefined,
    product_id: externalId(subscription.external_product_id, subscription.shopify_product_id),
    variant_id: externalId(subscription.external_variant_id, subscription.shopify_variant_id),
    product_title: subscription.product_title ?? undefined,
    variant_title: subscription.variant_title ?? undefined,
    quantity: subscription.quantity ?? undefined,
    price: subscription.price ?? undefined,
    currency: subscription.presentment_currency ?? undefined,
    interval_unit: subscription.order_interval_unit ?? undefined,
    interval_frequency: subscription.order_interval_frequency ?? undefined,
    created_at: optionalTimestamp(subscription.created_at),
    updated_at: updatedAt,
    last_topic: delivery.topic,
    last_event_id: delivery.eventId,
    received_at: delivery.receivedAt,
    [VERSION_ATTRIBUTE]: versionOf(updatedAt, statusRank(subscriptionStatusRanks, status), delivery.tieBreaker),
  });
};

export const chargeAttempts = (charge: RechargeCharge): number | undefined => charge.charge_attempts ?? charge.number_times_tried ?? undefined;

export const chargeCustomerId = (charge: RechargeCharge): string | undefined => charge.customer_id ?? charge.customer?.id ?? undefined;

export const chargeItem = (charge: RechargeCharge, delivery: DeliveryFacts) => {
  const deleted = delivery.topic === "charge/deleted";
  const status = deleted ? "deleted" : charge.status.toLowerCase();
  const updatedAt = timestamp(charge.updated_at, "charge.updated_at");
  const subscriptionIds = [...new Set((charge.line_items ?? []).map((line) => line.purchase_item_id ?? line.subscription_id).filter((id): id is string => typeof id === "string"))];
  return compact({
    id: charge.id,
    customer_id: chargeCustomerId(charge),
    status,
    deleted: deleted || undefined,
    attempts: chargeAttempts(charge),
    max_retries_reached: delivery.topic === "charge/max_retries_reached" || undefined,
    error: charge.error ?? undefined,
    error_type: charge.error_type ?? undefined,
    retry_date: charge.retry_date ?? undefined,
    scheduled_at: charge.scheduled_at ?? undefined,
    processed_at: optionalTimestamp(charge.processed_at),
    total_price: charge.total_price ?? undefined,
    currency: charge.currency ?? undefined,
    charge_type: charge.type ?? undefined,
    external_order_id: externalId(charge.external_order_id, undefined),
    subscription_ids: subscriptionIds.length > 0 ? subscriptionIds : undefined,
    created_at: optionalTimestamp(charge.created_at),
    updated_at: updatedAt,
    last_topic: delivery.topic,
    last_event_id: delivery.eventId,
    received_at: delivery.receivedAt,
    [VERSION_ATTRIBUTE]: versionOf(updatedAt, statusRank(chargeStatusRanks, status), delivery.tieBreaker),
  });
};
