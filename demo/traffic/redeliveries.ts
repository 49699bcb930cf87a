/**
 * The last wave: redeliveries of events already sent (the platform must answer "duplicate" and
 * store nothing twice) and forgeries signed with the wrong secret (refused with 401, nothing stored).
 */
import { shopifyHmac, stripeSignature } from "../signing";
import type { Day } from "./day";
import { gid, unixSeconds } from "./formats";
import type { OrderState } from "./shop";
import { orderPayload } from "./shopify/orders";
import { SHOPIFY_API_VERSION } from "./shopify/send";
import type { OriginalDelivery, TrafficExpectations } from "./types";

export const LAST_WAVE = 4;
const FORGED_SECRET = "not-the-shop-secret";

export interface Redeliveries {
  readonly duplicates: ReadonlyArray<OriginalDelivery>;
  readonly forged: ReadonlyArray<OriginalDelivery & { why: string }>;
  readonly absent: TrafficExpectations["absent"];
}

export const redeliveriesAndForgeries = (day: Day, orders: ReadonlyArray<OrderState>): Redeliveries => {
  const { random, at, uuid, shopDomain, signedAt } = day;
  const duplicates = day.originals.filter((_, index) => index % 13 === 5);
  const forged: Array<OriginalDelivery & { why: string }> = [];
  const absent: Array<TrafficExpectations["absent"][number]> = [];
  {
    // An order "from Shopify" signed with the wrong secret: must be refused, nothing stored.
    const order = { ...orders[0]!, id: 5_939_999_000_000 + random.int(0, 999), number: 9999 };
    const body = JSON.stringify(orderPayload(day, order, { updatedAt: at(1400), financial: "paid", fulfillment: null }));
    forged.push({
      wave: LAST_WAVE,
      door: "shopify",
      path: "/webhooks/shopify",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": shopifyHmac(FORGED_SECRET, body),
        "X-Shopify-Shop-Domain": shopDomain,
        "X-Shopify-Webhook-Id": uuid(),
        "X-Shopify-Triggered-At": at(1400).toISOString(),
        "X-Shopify-API-Version": SHOPIFY_API_VERSION,
      },
      body,
      source: "shopify",
      topic: "orders/create",
      eventKey: "forged-shopify",
      why: "Shopify HMAC signed with the wrong secret",
    });
    absent.push({ table: "orders", key: { id: gid("Order", order.id) }, note: "the forged order was not stored" });
  }
  {
    const chargeId = `ch_${random.hex(24)}`;
    const body = JSON.stringify({
      id: `evt_${random.hex(24)}`,
      object: "event",
      created: unixSeconds(at(1410)),
      type: "charge.succeeded",
      livemode: false,
      data: { object: { id: chargeId, object: "charge", amount: 99_999, currency: "usd", status: "succeeded", created: unixSeconds(at(1410)) } },
    });
    forged.push({
      wave: LAST_WAVE,
      door: "stripe",
      path: "/webhooks/stripe",
      headers: { "Content-Type": "application/json", "Stripe-Signature": stripeSignature(FORGED_SECRET, body, signedAt) },
      body,
      source: "stripe",
      topic: "charge.succeeded",
      eventKey: "forged-stripe",
      why: "Stripe-Signature computed with the wrong endpoint secret",
    });
    absent.push({ table: "payments", key: { id: chargeId }, note: "the forged Stripe charge was not stored" });
  }
  return { duplicates, forged, absent };
};
