/**
 * Orders, refunds and fulfillments into the orders hot store.
 *
 * An order item is a pure function of the order payload (so any delivery order converges on the
 * same item): key `gid://shopify/Order/<id>`, `order_number` as text, times in UTC, money as
 * exact decimal strings, and the enrichment the analysts asked for: line count, item quantity,
 * discount total, refunded total, net total, subscription flag, customer reference.
 * Refunds and fulfillments are their own items (keyed by their GIDs, `entity` says which) that
 * point at their order. An order carrying a checkout or cart token marks it recovered.
 */
import { Effect } from "effect";
import { addDecimals, multiplyDecimal, subtractDecimal } from "../kernel/decimal";
import type { IncomingEvent } from "../kernel/incoming-event";
import type { Item } from "../kernel/services";
import { markRecovered } from "./checkouts";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, tagList, utc, utcOrUndefined } from "./keys";
import { decodeOr, upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Deletion, Fulfillment, Order, Refund, moneyText } from "./schemas";

const decodeOrder = decodePayload(Order, "order");
const decodeDeletion = decodePayload(Deletion, "deletion");
const decodeRefund = decodePayload(Refund, "refund");
const decodeFulfillment = decodePayload(Fulfillment, "fulfillment");

const SUBSCRIPTION_TAG = /subscription/i;
const SUBSCRIPTION_SOURCES = /^(subscription_contract|subscription_contract_checkout_one|recharge)|recharge|subscription/i;

/** Subscription orders: tagged by the subscription app (Recharge tags "Subscription ..."), created by a subscription contract, or with a selling plan on a line. */
export const isSubscriptionOrder = (order: Order): boolean =>
  tagList(order.tags).some((tag) => SUBSCRIPTION_TAG.test(tag)) ||
  (order.source_name != null && SUBSCRIPTION_SOURCES.test(order.source_name)) ||
  order.line_items.some((line) => line.selling_plan_allocation != null);

const discountTotal = (order: Order): string => {
  if (order.total_discounts != null) return moneyText(order.total_discounts);
  const allocations = order.line_items.flatMap((line) => (line.discount_allocations ?? []).map((allocation) => allocation.amount));
  return allocations.length > 0 ? addDecimals(...allocations.map(moneyText)) : "0.00";
};

/** Money actually refunded: successful refund transactions of every refund on the order. */
const refundedTotal = (order: Order): string => {
  const amounts = (order.refunds ?? []).flatMap((refund) =>
    (refund.transactions ?? []).filter((transaction) => transaction.kind === "refund" && (transaction.status == null || transaction.status === "success")).map((transaction) => transaction.amount),
  );
  return amounts.length > 0 ? addDecimals(...amounts.map(moneyText)) : "0.00";
};

export const orderItem = (order: Order, event: Pick<IncomingEvent, "shopDomain">): Item => {
  const id = gidOf("Order", order);
  const refunded = refundedTotal(order);
  const lineSubtotal = order.line_items.length > 0 ? addDecimals(...order.line_items.map((line) => multiplyDecimal(moneyText(line.price), line.quantity))) : "0.00";
  // One pass over the lines (this runs for every order event).
  const productIds = new Set<string>();
  for (const line of order.line_items) if (line.product_id != null) productIds.add(gid("Product", line.product_id));
  return compact({
    id,
    entity: "order",
    legacy_id: legacyIdOf(id),
    order_number: typeof order.order_number === "number" ? String(order.order_number) : order.order_number,
    name: order.name,
    email: order.email,
    customer_id: order.customer ? gidOf("Customer", order.customer) : undefined,
    created_at: utc(order.created_at),
    updated_at: utc(order.updated_at),
    processed_at: utcOrUndefined(order.processed_at),
    cancelled_at: utcOrUndefined(order.cancelled_at),
    cancel_reason: order.cancel_reason,
    closed_at: utcOrUndefined(order.closed_at),
    financial_status: order.financial_status,
    fulfillment_status: order.fulfillment_status,
    currency: order.currency,
    total_price: moneyText(order.total_price),
    subtotal_price: order.subtotal_price != null ? moneyText(order.subtotal_price) : undefined,
    total_tax: order.total_tax != null ? moneyText(order.total_tax) : undefined,
    line_items_subtotal: lineSubtotal,
    discount_total: discountTotal(order),
    refunded_total: refunded,
    net_total: subtractDecimal(moneyText(order.total_price), refunded),
    line_count: order.line_items.length,
    item_quantity: order.line_items.reduce((sum, line) => sum + line.quantity, 0),
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
    const order = yield* decodeOr(decodeOrder(event.payload));
    const item = orderItem(order, event);
    yield* upsertNewer("orders", item);
    // Recovery is idempotent and independent of the order's version, so it runs for stale copies too.
    for (const token of [order.checkout_token, order.cart_token]) {
      if (token) yield* markRecovered(token, item.id as string, item.created_at as string);
    }
  });

const handleOrderDelete: TopicHandler = (event) =>
  Effect.gen(function* () {
    const deletion = yield* decodeOr(decodeDeletion(event.payload));
    yield* writeTombstone("orders", { id: gid("Order", deletion.id) }, event, { entity: "order", legacy_id: idText(deletion.id) });
  });

export const refundItem = (refund: Refund): Item => {
  const amounts = refund.transactions.filter((transaction) => (transaction.kind ?? "refund") === "refund" && (transaction.status == null || transaction.status === "success")).map((transaction) => transaction.amount);
  const currency = refund.transactions.find((transaction) => transaction.currency != null)?.currency;
  return compact({
    id: gidOf("Refund", refund),
    entity: "refund",
    order_id: gid("Order", refund.order_id),
    created_at: utc(refund.created_at),
    // Refunds never change: their creation time is their version.
    updated_at: utc(refund.created_at),
    processed_at: utcOrUndefined(refund.processed_at),
    amount: amounts.length > 0 ? addDecimals(...amounts.map(moneyText)) : "0.00",
    currency: currency ?? undefined,
    restock: refund.restock ?? undefined,
    line_count: (refund.refund_line_items ?? []).length,
  });
};

const handleRefund: TopicHandler = (event) =>
  Effect.gen(function* () {
    const refund = yield* decodeOr(decodeRefund(event.payload));
    yield* upsertNewer("orders", refundItem(refund));
  });

export const fulfillmentItem = (fulfillment: Fulfillment): Item =>
  compact({
    id: gidOf("Fulfillment", fulfillment),
    entity: "fulfillment",
    order_id: gid("Order", fulfillment.order_id),
    status: fulfillment.status,
    shipment_status: fulfillment.shipment_status,
    tracking_company: fulfillment.tracking_company,
    tracking_number: fulfillment.tracking_number,
    line_count: (fulfillment.line_items ?? []).length,
    created_at: utc(fulfillment.created_at),
    updated_at: utc(fulfillment.updated_at),
  });

const handleFulfillment: TopicHandler = (event) =>
  Effect.gen(function* () {
    const fulfillment = yield* decodeOr(decodeFulfillment(event.payload));
    yield* upsertNewer("orders", fulfillmentItem(fulfillment));
  });

export const orderHandlers: Readonly<Record<string, TopicHandler>> = {
  "orders/create": handleOrder,
  "orders/updated": handleOrder,
  "orders/paid": handleOrder,
  "orders/cancelled": handleOrder,
  "orders/fulfilled": handleOrder,
  "orders/partially_fulfilled": handleOrder,
  "orders/delete": handleOrderDelete,
  "refunds/create": handleRefund,
  "fulfillments/create": handleFulfillment,
  "fulfillments/update": handleFulfillment,
};
