/**
 * Recharge deliveries (`/webhooks/recharge`, signed with the client secret): subscriptions that
 * today's subscription orders start, one of them cancelled, and renewal charges of existing
 * subscribers, one of them declined.
 */
import { rechargeHash } from "../signing";
import type { Day } from "./day";
import { money, rechargeTime } from "./formats";
import type { Customer, OrderState, Product } from "./shop";

export const rechargeOfTheDay = (day: Day, orders: ReadonlyArray<OrderState>, customers: ReadonlyArray<Customer>, products: ReadonlyArray<Product>) => {
  const { random, at, rows, options, orderCount } = day;
  const rechargeDelivery = (wave: number, topic: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    const hash = rechargeHash(options.secrets.recharge, body);
    return day.add({
      wave,
      door: "recharge",
      path: "/webhooks/recharge",
      headers: { "Content-Type": "application/json", "X-Recharge-Topic": topic, "X-Recharge-Hmac-Sha256": hash, "X-Recharge-Version": "2021-11" },
      body,
      source: "recharge",
      topic,
      eventKey: `${topic}:${hash.slice(0, 16)}`,
    });
  };
  const subscribers = orders.filter((order) => order.subscription);
  const subscriptionPayload = (order: OrderState, index: number, state: { status: string; updatedAt: Date; nextCharge: string; cancelledAt?: Date; reason?: string }) => {
    const line = order.lines[0]!;
    return {
      subscription: {
        id: 410_000_000 + index * 37,
        address_id: 120_000_000 + index,
        customer_id: order.customer.rechargeId,
        status: state.status,
        created_at: rechargeTime(order.createdAt),
        updated_at: rechargeTime(state.updatedAt),
        next_charge_scheduled_at: state.nextCharge,
        cancelled_at: state.cancelledAt ? rechargeTime(state.cancelledAt) : null,
        cancellation_reason: state.reason ?? null,
        cancellation_reason_comments: null,
        external_product_id: { ecommerce: String(line.product.id) },
        external_variant_id: { ecommerce: String(line.variant.id) },
        product_title: line.product.title,
        variant_title: line.variant.title,
        sku: line.variant.sku,
        quantity: line.quantity,
        price: money(line.variant.priceCents),
        presentment_currency: "USD",
        order_interval_unit: "day",
        order_interval_frequency: "30",
        charge_interval_frequency: "30",
        is_prepaid: false,
        is_skippable: true,
        is_swappable: true,
        max_retries_reached: false,
        has_queued_charges: true,
        properties: [],
      },
    };
  };
  const nextMonth = (from: Date) => new Date(from.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  for (const [index, order] of subscribers.entries()) {
    const id = String(410_000_000 + index * 37);
    const created = new Date(order.createdAt.getTime() + 60_000);
    rechargeDelivery(0, "subscription/created", subscriptionPayload(order, index, { status: "active", updatedAt: created, nextCharge: nextMonth(created) }));
    if (index === 0) {
      // One cancellation; an older "updated" arrives after it and must not revive the subscription.
      const skipped = new Date(created.getTime() + 2 * 3600_000);
      const cancelled = new Date(created.getTime() + 5 * 3600_000);
      rechargeDelivery(
        1,
        "subscription/cancelled",
        subscriptionPayload(order, index, { status: "cancelled", updatedAt: cancelled, nextCharge: nextMonth(created), cancelledAt: cancelled, reason: "I have too much coffee" }),
      );
      rechargeDelivery(2, "subscription/updated", subscriptionPayload(order, index, { status: "active", updatedAt: skipped, nextCharge: nextMonth(skipped) }));
      rows.push({ table: "subscriptions", key: { id }, field: "status", compare: "exact", value: "cancelled", note: "subscription cancelled; an older update arrived later" });
    } else {
      rows.push({ table: "subscriptions", key: { id }, field: "status", compare: "exact", value: "active", note: "new subscription active" });
    }
  }
  // Renewal charges for existing subscribers (customers who ordered before today); one declines.
  const renewals = customers.filter((customer) => customer.ordersCount > 0).slice(0, Math.max(3, Math.round(orderCount / 6)));
  for (const [index, customer] of renewals.entries()) {
    const id = String(730_000_000 + index * 53);
    const scheduled = at(360 + index * 10);
    const priceCents = random.pick(products[0]!.variants).priceCents;
    const failing = index === 1;
    const charge = (status: string, updatedAt: Date, extra: Record<string, unknown> = {}) => ({
      charge: {
        id: Number(id),
        customer: { id: customer.rechargeId, external_customer_id: { ecommerce: String(customer.id) }, email: customer.email },
        customer_id: customer.rechargeId,
        address_id: 120_500_000 + index,
        status,
        type: "recurring",
        created_at: rechargeTime(new Date(scheduled.getTime() - 86_400_000)),
        updated_at: rechargeTime(updatedAt),
        scheduled_at: scheduled.toISOString().slice(0, 10),
        processed_at: status === "success" ? rechargeTime(updatedAt) : null,
        currency: "USD",
        total_price: money(priceCents),
        subtotal_price: money(priceCents),
        total_discounts: "0.00",
        charge_attempts: 1,
        error: null,
        error_type: null,
        retry_date: null,
        external_order_id: { ecommerce: null },
        line_items: [{ purchase_item_id: 410_900_000 + index, title: products[0]!.title, quantity: 1, price: money(priceCents) }],
        billing_address: { first_name: customer.firstName, last_name: customer.lastName, ...customer.address },
        ...extra,
      },
    });
    rechargeDelivery(0, "charge/created", charge("queued", new Date(scheduled.getTime() - 86_400_000)));
    if (failing) {
      // Its third attempt today: the platform alerts once a charge has failed three times.
      rechargeDelivery(
        1,
        "charge/failed",
        charge("error", scheduled, { error: "Your card was declined.", error_type: "CUSTOMER_NEEDS_TO_UPDATE_CARD", charge_attempts: 3, retry_date: nextMonth(scheduled) }),
      );
      rows.push({ table: "charges", key: { id }, field: "status", compare: "exact", value: "error", note: "renewal charge declined" });
    } else {
      rechargeDelivery(1, "charge/paid", charge("success", scheduled));
      rows.push({ table: "charges", key: { id }, field: "status", compare: "exact", value: "success", note: "renewal charge paid" });
    }
  }
};
