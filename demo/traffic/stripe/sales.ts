/**
 * Wholesale and pop-up sales paid through Stripe directly (no Shopify order): each a payment
 * intent and a charge; one is declined, and some get a stale "processing" update that arrives last.
 */
import type { Day } from "../day";
import { unixSeconds } from "../formats";
import type { Customer } from "../shop";
import type { StripeSend } from "./send";

/** A sale that succeeded: the invoice and the dispute of the day refer to these. */
export interface StripeSale {
  readonly id: string;
  readonly amount: number;
  readonly customer: Customer;
  readonly created: Date;
  readonly intent: string;
}

export const directSalesOfTheDay = (day: Day, send: StripeSend, customers: ReadonlyArray<Customer>): StripeSale[] => {
  const { random, at, rows, orderCount } = day;
  const stripeSales = Math.max(4, Math.round(orderCount / 3));
  const charges: StripeSale[] = [];
  for (let index = 0; index < stripeSales; index++) {
    const customer = customers[(index * 5) % customers.length]!;
    const drawn = random.int(18, 240) * 100 + random.pick([0, 50, 95]);
    const failing = index === 2;
    // The declined sale is large enough to alert (payment failures above 100.00 do).
    const amount = failing ? 18_950 : drawn;
    const created = at(120 + index * 40);
    const intent = `pi_${random.hex(24)}`;
    const chargeId = `ch_${random.hex(24)}`;
    const chargeObject = (status: string, extra: Record<string, unknown> = {}) => ({
      id: chargeId,
      object: "charge",
      amount,
      amount_captured: status === "succeeded" ? amount : 0,
      amount_refunded: 0,
      currency: "usd",
      customer: customer.stripeId,
      status,
      paid: status === "succeeded",
      captured: status === "succeeded",
      refunded: false,
      disputed: false,
      failure_code: null,
      failure_message: null,
      outcome: { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
      payment_intent: intent,
      invoice: null,
      billing_details: {
        email: customer.email,
        name: `${customer.firstName} ${customer.lastName}`,
        phone: customer.phone,
        address: { city: customer.address.city, country: customer.address.country_code },
      },
      payment_method_details: { type: "card", card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030, country: "US" } },
      receipt_email: customer.email,
      created: unixSeconds(created),
      ...extra,
    });
    const intentObject = (status: string, extra: Record<string, unknown> = {}) => ({
      id: intent,
      object: "payment_intent",
      amount,
      amount_received: status === "succeeded" ? amount : 0,
      currency: "usd",
      customer: customer.stripeId,
      status,
      latest_charge: chargeId,
      invoice: null,
      last_payment_error: null,
      created: unixSeconds(created),
      ...extra,
    });
    const settled = new Date(created.getTime() + 3000);
    if (failing) {
      const decline = {
        failure_code: "card_declined",
        failure_message: "Your card was declined.",
        outcome: { network_status: "declined_by_network", reason: "generic_decline", type: "issuer_declined", risk_level: "normal" },
      };
      send(0, "payment_intent.created", intentObject("requires_payment_method"), created);
      send(1, "charge.failed", chargeObject("failed", decline), settled);
      send(
        1,
        "payment_intent.payment_failed",
        intentObject("requires_payment_method", {
          last_payment_error: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", type: "card_error" },
        }),
        settled,
      );
      rows.push({ table: "payments", key: { id: chargeId }, field: "status", compare: "exact", value: "failed", note: "declined Stripe charge" });
      continue;
    }
    send(0, "payment_intent.created", intentObject("requires_payment_method"), created);
    send(1, "charge.succeeded", chargeObject("succeeded"), settled);
    send(1, "payment_intent.succeeded", intentObject("succeeded"), settled);
    if (index % 4 === 1) {
      // A "processing" update from before success arrives last: the intent must stay succeeded.
      send(3, "payment_intent.processing", intentObject("processing"), new Date(created.getTime() + 1000));
    }
    rows.push({ table: "payments", key: { id: chargeId }, field: "status", compare: "exact", value: "succeeded", note: "Stripe charge succeeded" });
    rows.push({
      table: "payments",
      key: { id: intent },
      field: "status",
      compare: "exact",
      value: "succeeded",
      note: "payment intent succeeded (a stale 'processing' may arrive later)",
    });
    charges.push({ id: chargeId, amount, customer, created, intent });
  }
  return charges;
};
