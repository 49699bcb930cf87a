/** Storefront orders paid through Stripe: a payment intent and a charge, the charge naming the order. */
import type { Day } from "../day";
import { gid, unixSeconds } from "../formats";
import type { OrderState } from "../shop";
import { orderTotalCents, paidWithStripe, type OrdersOfTheDay } from "../shopify/orders";
import type { StripeSend } from "./send";

/** Sends the payments; returns the orders they name (Shopify order gids). */
export const storefrontPaymentsOfTheDay = (day: Day, send: StripeSend, { orders, cancelledIndex }: OrdersOfTheDay): string[] => {
  const { random, rows } = day;
  const stripePaidOrders: string[] = [];
  for (const [index, order] of orders.entries()) {
    if (!paidWithStripe(order) || index === cancelledIndex) continue;
    stripePaidOrders.push(gid("Order", order.id));
    const amount = orderTotalCents(order);
    const created = new Date(order.createdAt.getTime() + 20_000);
    const intent = `pi_${random.hex(24)}`;
    const chargeId = `ch_${random.hex(24)}`;
    const metadata = { shopify_order_id: String(order.id), shopify_order_name: `#${order.number}` };
    send(
      1,
      "payment_intent.succeeded",
      {
        id: intent,
        object: "payment_intent",
        amount,
        amount_received: amount,
        currency: "usd",
        customer: order.customer.stripeId,
        status: "succeeded",
        latest_charge: chargeId,
        invoice: null,
        last_payment_error: null,
        metadata,
        created: unixSeconds(created),
      },
      created,
    );
    send(1, "charge.succeeded", storefrontCharge(order, { chargeId, intent, amount, metadata, created }), created);
    rows.push({ table: "payments", key: { id: chargeId }, field: "status", compare: "exact", value: "succeeded", note: `Stripe charge for order #${order.number}` });
  }
  return stripePaidOrders;
};

const storefrontCharge = (
  order: OrderState,
  { chargeId, intent, amount, metadata, created }: { chargeId: string; intent: string; amount: number; metadata: Record<string, string>; created: Date },
) => ({
  id: chargeId,
  object: "charge",
  amount,
  amount_captured: amount,
  amount_refunded: 0,
  currency: "usd",
  customer: order.customer.stripeId,
  status: "succeeded",
  paid: true,
  captured: true,
  refunded: false,
  disputed: false,
  failure_code: null,
  failure_message: null,
  outcome: { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
  payment_intent: intent,
  invoice: null,
  metadata,
  billing_details: { email: order.customer.email, name: `${order.customer.firstName} ${order.customer.lastName}` },
  payment_method_details: { type: "card", card: { brand: "mastercard", last4: "4444", exp_month: 3, exp_year: 2029, country: "US" } },
  created: unixSeconds(created),
});
