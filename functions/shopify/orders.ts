/**
 * Orders into the orders hot store (refunds, transactions and fulfillments have their own
 * families and tables: refunds.ts, order-transactions.ts, fulfillments.ts).
 *
 * An order item is a pure function of the order payload (so any delivery order converges on the
 * same item): key `gid://shopify/Order/<id>`, `order_number` as text, times in UTC, money as
 * exact decimal strings, and the enrichment the analysts asked for: line count, item quantity,
 * discount total, refunded total, net total, subscription flag, customer reference.
 * An order carrying a checkout or cart token marks it recovered.
 */
import { Effect } from "effect";
import { addDecimals, multiplyDecimal, subtractDecimal } from "../kernel/decimal";
import type { IncomingEvent } from "../kernel/incoming-event";
import type { Item } from "../kernel/services";
import { markRecovered } from "./checkouts";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, optionalGidOf, tagList, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Deletion, Order, moneyText } from "./schemas";

const decodeOrder = decodePayload(Order, "order");
const decodeDeletion = decodePayload(Deletion, "deletion");

const SUBSCRIPTION_TAG = /subscription/i;
const SUBSCRIPTION_SOURCES = /^(subscription_contract|subscription_contract_checkout_one|recharge)|recharge|subscription/i;

/** Subscription orders: tagged by the subscription app (Recharge tags "Subscription ..."), created by a subscription contract, or with a selling plan on a line. */
export const isSubscriptionOrder = (order: Order): boolean =>
  tagList(order.tags).some((tag) => SUBSCRIPTION_TAG.test(tag)) ||
  (order.source_name != null && SUBSCRIPTION_SOURCES.test(order.source_name)) ||
  (order.line_items ?? []).some((line) => line.selling_plan_allocation != null);

const discountTotal = (order: Order): string => {
  if (order.total_discounts != null) return moneyText(order.total_discounts);
  const allocations = (order.line_items ?? []).flatMap((line) => (line.discount_allocations ?? []).map((allocation) => allocation.amount));
  return allocations.length > 0 ? addDecimals(...allocations.map(moneyText)) : "0.00";
};

/** Money actually refunded: successful refund transactions of every refund on the order. */
const refundedTotal = (order: Order): string => {
  const amounts = (order.refunds ?? []).flatMap((refund) =>
    (refund.transactions ?? []).flatMap((transaction) =>
      transaction.kind === "refund" && (transaction.status == null || transaction.status === "success") && transaction.amount != null ? [transaction.amount] : [],
    ),
  );
  return amounts.length > 0 ? addDecimals(...amounts.map(moneyText)) : "0.00";
};

export const orderItem = (order: Order, event: Pick<IncomingEvent, "shopDomain">): Item => {
  const id = gidOf("Order", order);
  const refunded = refundedTotal(order);
  const lines = order.line_items ?? [];
  const lineAmounts = lines.flatMap((line) => (line.price != null ? [multiplyDecimal(moneyText(line.price), line.quantity ?? 0)] : []));
  const lineSubtotal = lineAmounts.length > 0 ? addDecimals(...lineAmounts) : "0.00";
  const total = order.total_price != null ? moneyText(order.total_price) : undefined;
  // One pass over the lines (this runs for every order event).
  const productIds = new Set<string>();
  for (const line of lines) if (line.product_id != null) productIds.add(gid("Product", line.product_id));
  return compact({
    id,
    entity: "order",
    legacy_id: legacyIdOf(id),
    order_number: order.order_number == null ? undefined : typeof order.order_number === "number" ? String(order.order_number) : order.order_number,
    name: order.name,
    email: order.email,
    customer_id: optionalGidOf("Customer", order.customer),
    created_at: utcOrUndefined(order.created_at),
    updated_at: utc(order.updated_at),
    processed_at: utcOrUndefined(order.processed_at),
    cancelled_at: utcOrUndefined(order.cancelled_at),
    cancel_reason: order.cancel_reason,
    closed_at: utcOrUndefined(order.closed_at),
    financial_status: order.financial_status,
    fulfillment_status: order.fulfillment_status,
    currency: order.currency,
    total_price: total,
    subtotal_price: order.subtotal_price != null ? moneyText(order.subtotal_price) : undefined,
    total_tax: order.total_tax != null ? moneyText(order.total_tax) : undefined,
    line_items_subtotal: lineSubtotal,
    discount_total: discountTotal(order),
    refunded_total: refunded,
    net_total: total !== undefined ? subtractDecimal(total, refunded) : undefined,
    line_count: lines.length,
    item_quantity: lines.reduce((sum, line) => sum + (line.quantity ?? 0), 0),
    product_ids: Array.from(productIds),
    discount_codes: (order.discount_codes ?? []).map((code) => code.code).filter((code): code is string => typeof code === "string" && code !== ""),
    is_subscription: isSubscriptionOrder(order),
    tags: tagList(order.tags),
    source_name: order.source_name,
    checkout_token: order.checkout_token || undefined,
    cart_token: order.cart_token || undefined,
    test: order.test ?? undefined,
    shop_domain: event.shopDomain,
  });
};

const handleOrder: TopicHandler = (event) =>
  Effect.gen(function* () {
    const order = yield* decodeEvent(decodeOrder, event);
    const item = withApiVersion(orderItem(order, event), event);
    yield* upsertNewer("orders", item);
    // Recovery is idempotent and independent of the order's version, so it runs for stale copies too.
    for (const token of [order.checkout_token, order.cart_token]) {
      if (token) yield* markRecovered(token, item.id as string, (item.created_at ?? item.updated_at) as string);
    }
  });

const handleOrderDelete: TopicHandler = (event) =>
  Effect.gen(function* () {
    const deletion = yield* decodeEvent(decodeDeletion, event);
    yield* writeTombstone("orders", { id: gid("Order", deletion.id) }, event, withApiVersion({ entity: "order", legacy_id: idText(deletion.id) }, event));
  });

export const orderHandlers: Readonly<Record<string, TopicHandler>> = {
  "orders/create": handleOrder,
  "orders/updated": handleOrder,
  "orders/paid": handleOrder,
  "orders/cancelled": handleOrder,
  "orders/fulfilled": handleOrder,
  "orders/partially_fulfilled": handleOrder,
  "orders/delete": handleOrderDelete,
};
