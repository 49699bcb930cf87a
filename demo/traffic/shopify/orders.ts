/**
 * The day's storefront orders: created, paid, then fulfilled, edited or (one) cancelled, with
 * older edits that arrive after newer states (the platform must keep the newer).
 */
import type { Day } from "../day";
import { gid, money, shopifyTime } from "../formats";
import type { OrderState, PickLines } from "../shop";
import type { CustomersOfTheDay } from "./customers";
import type { ShopifySend } from "./send";

/** Every third storefront order is paid through Stripe: its charge names the order in metadata. */
export const paidWithStripe = (order: OrderState) => order.number % 3 === 0;

export const orderTotalCents = (order: OrderState) => {
  const lineTotal = order.lines.reduce((sum, line) => sum + line.variant.priceCents * line.quantity, 0);
  const subtotal = lineTotal - order.lines.reduce((sum, line) => sum + line.discountCents, 0);
  return subtotal + Math.round(subtotal * 0.08) + (lineTotal >= 5000 ? 0 : 695);
};

export interface OrderUpdate {
  readonly updatedAt: Date;
  readonly financial: string;
  readonly fulfillment: string | null;
  readonly cancelledAt?: Date;
  readonly tags?: string;
  readonly refunds?: unknown[];
}

/** The order as Shopify's webhook carries it, in the state `state` (each call draws a fresh order token). */
export const orderPayload = (day: Day, order: OrderState, state: OrderUpdate) => {
  const { random } = day;
  const lineTotal = order.lines.reduce((sum, line) => sum + line.variant.priceCents * line.quantity, 0);
  const discount = order.lines.reduce((sum, line) => sum + line.discountCents, 0);
  const shipping = lineTotal >= 5000 ? 0 : 695;
  const subtotal = lineTotal - discount;
  const tax = Math.round(subtotal * 0.08);
  const tags = [order.subscription ? "Subscription, Subscription First Order" : "", state.tags ?? ""].filter(Boolean).join(", ");
  return {
    id: order.id,
    admin_graphql_api_id: gid("Order", order.id),
    name: `#${order.number}`,
    number: order.number - 1000,
    order_number: order.number,
    email: order.customer.email,
    phone: null,
    token: random.hex(32),
    checkout_token: order.checkoutToken,
    cart_token: order.cartToken,
    created_at: shopifyTime(order.createdAt),
    processed_at: shopifyTime(order.createdAt),
    updated_at: shopifyTime(state.updatedAt),
    cancelled_at: state.cancelledAt ? shopifyTime(state.cancelledAt) : null,
    cancel_reason: state.cancelledAt ? "customer" : null,
    closed_at: null,
    currency: "USD",
    presentment_currency: "USD",
    financial_status: state.financial,
    fulfillment_status: state.fulfillment,
    confirmed: true,
    test: false,
    source_name: order.subscription ? "subscription_contract" : "web",
    tags,
    total_line_items_price: money(lineTotal),
    total_discounts: money(discount),
    subtotal_price: money(subtotal),
    total_tax: money(tax),
    total_shipping_price_set: { shop_money: { amount: money(shipping), currency_code: "USD" }, presentment_money: { amount: money(shipping), currency_code: "USD" } },
    total_price: money(subtotal + tax + shipping),
    total_weight: order.lines.length * 300,
    discount_codes: order.discountCode ? [{ code: order.discountCode, amount: money(discount), type: "percentage" }] : [],
    customer: {
      id: order.customer.id,
      admin_graphql_api_id: gid("Customer", order.customer.id),
      email: order.customer.email,
      first_name: order.customer.firstName,
      last_name: order.customer.lastName,
      created_at: shopifyTime(order.customer.createdAt),
      updated_at: shopifyTime(order.createdAt),
      currency: "USD",
    },
    line_items: order.lines.map((line) => ({
      id: line.id,
      admin_graphql_api_id: gid("LineItem", line.id),
      product_id: line.product.id,
      variant_id: line.variant.id,
      title: line.product.title,
      variant_title: line.variant.title,
      name: `${line.product.title} - ${line.variant.title}`,
      sku: line.variant.sku,
      vendor: "Acme Coffee Co.",
      quantity: line.quantity,
      current_quantity: state.cancelledAt ? 0 : line.quantity,
      price: money(line.variant.priceCents),
      total_discount: money(line.discountCents),
      discount_allocations: line.discountCents > 0 ? [{ amount: money(line.discountCents), discount_application_index: 0 }] : [],
      requires_shipping: true,
      taxable: true,
      gift_card: false,
      fulfillable_quantity: state.fulfillment === "fulfilled" ? 0 : line.quantity,
      fulfillment_status: state.fulfillment === "fulfilled" ? "fulfilled" : null,
    })),
    shipping_lines: [{ id: order.id + 7, title: shipping === 0 ? "Free Shipping" : "Standard", code: "STANDARD", price: money(shipping) }],
    shipping_address: { first_name: order.customer.firstName, last_name: order.customer.lastName, ...order.customer.address },
    billing_address: { first_name: order.customer.firstName, last_name: order.customer.lastName, ...order.customer.address },
    payment_gateway_names: [paidWithStripe(order) ? "stripe" : "shopify_payments"],
    fulfillments:
      state.fulfillment === "fulfilled"
        ? [
            {
              id: order.id + 11,
              admin_graphql_api_id: gid("Fulfillment", order.id + 11),
              order_id: order.id,
              status: "success",
              shipment_status: null,
              created_at: shopifyTime(state.updatedAt),
              updated_at: shopifyTime(state.updatedAt),
              tracking_company: "UPS",
              tracking_number: `1Z${String(order.id).slice(-10)}`,
              line_items: order.lines.map((line) => ({ id: line.id, quantity: line.quantity })),
            },
          ]
        : [],
    refunds: state.refunds ?? [],
  };
};

export interface OrdersOfTheDay {
  readonly orders: ReadonlyArray<OrderState>;
  /** Index in `orders` of the one order cancelled today. */
  readonly cancelledIndex: number;
}

/** Sends the day's orders; the first ones carry the tokens of recovered checkouts. */
export const ordersOfTheDay = (day: Day, send: ShopifySend, people: CustomersOfTheDay, recoveredTokens: ReadonlyArray<string>, pickLines: PickLines): OrdersOfTheDay => {
  const { random, at, rows, orderCount, options } = day;
  const { customers } = people;
  const orders: OrderState[] = [];
  for (let index = 0; index < orderCount; index++) {
    const customer = customers[index % customers.length]!;
    const lines = pickLines().map((line, lineIndex) => ({ ...line, discountCents: index % 4 === 0 && lineIndex === 0 ? Math.round(line.variant.priceCents * 0.1) : 0 }));
    const recovered = index < recoveredTokens.length ? recoveredTokens[index] : undefined;
    // Orders come in over the first 17 hours, so their fulfilments (up to 6 h later) stay in the day.
    const createdAt = at(60 + (index * 940) / orderCount + random.int(0, 15));
    orders.push({
      id: 5_930_100_000_000 + index * 1009 + random.int(0, 999),
      number: (options.firstOrderNumber ?? 1001) + index,
      customer,
      lines,
      createdAt,
      checkoutToken: recovered ?? random.hex(32),
      cartToken: `c1-${random.hex(32)}`,
      subscription: index % 5 === 2,
      discountCode: index % 4 === 0 ? "WELCOME10" : undefined,
    });
  }

  const cancelledIndex = Math.min(orderCount - 1, 7);
  for (const [index, order] of orders.entries()) {
    people.touch(0, order.customer, order.createdAt);
    const created = order.createdAt;
    const paid = new Date(created.getTime() + 40_000);
    send(0, "orders/create", orderPayload(day, order, { updatedAt: created, financial: "pending", fulfillment: null }), created);
    send(1, "orders/paid", orderPayload(day, order, { updatedAt: paid, financial: "paid", fulfillment: null }), paid);
    let newest = paid;
    if (index === cancelledIndex) {
      const cancelled = new Date(created.getTime() + 3 * 3600_000);
      send(2, "orders/cancelled", orderPayload(day, order, { updatedAt: cancelled, financial: "refunded", fulfillment: null, cancelledAt: cancelled }), cancelled);
      // A late tag edit made before the cancellation arrives after it.
      const tagged = new Date(created.getTime() + 3600_000);
      send(3, "orders/updated", orderPayload(day, order, { updatedAt: tagged, financial: "paid", fulfillment: null, tags: "gift" }), tagged);
      rows.push({
        table: "orders",
        key: { id: gid("Order", order.id) },
        field: "cancelled_at",
        compare: "time",
        value: cancelled.toISOString(),
        note: "order cancelled; an older edit arrived after the cancellation",
      });
      newest = cancelled;
    } else if (index % 3 === 0) {
      const fulfilled = new Date(created.getTime() + random.int(2, 6) * 3600_000);
      send(2, "orders/fulfilled", orderPayload(day, order, { updatedAt: fulfilled, financial: "paid", fulfillment: "fulfilled" }), fulfilled);
      newest = fulfilled;
      if (index % 2 === 0) {
        // Out of order: the fulfilment (newer) goes out in wave 2, this older tag edit in wave 3.
        const edited = new Date(created.getTime() + 1800_000);
        send(3, "orders/updated", orderPayload(day, order, { updatedAt: edited, financial: "paid", fulfillment: null, tags: "priority" }), edited);
      }
    } else if (index % 3 === 1) {
      const edited = new Date(created.getTime() + random.int(10, 90) * 60_000);
      send(2, "orders/updated", orderPayload(day, order, { updatedAt: edited, financial: "paid", fulfillment: null, tags: "gift-note" }), edited);
      newest = edited;
    }
    rows.push({
      table: "orders",
      key: { id: gid("Order", order.id) },
      field: "updated_at",
      compare: "time",
      value: newest.toISOString(),
      note: `order #${order.number} holds its newest update`,
    });
  }
  return { orders, cancelledIndex };
};
