/**
 * Shopify deliveries, signed with the app's secret, through either of Shopify's two ways in: an
 * HTTPS webhook (`/webhooks/shopify`) or the EventBridge partner event source (`/events`, the
 * same headers inside the envelope's `detail.metadata`). Each event picks one at random.
 */
import { SHOPIFY_DETAIL_TYPE, SHOPIFY_PARTNER_SOURCE_PREFIX } from "../../../contracts/events";
import { shopifyHmac } from "../../signing";
import type { Day } from "../day";
import type { Delivery } from "../types";

export const SHOPIFY_API_VERSION = "2026-01";
const PARTNER_SOURCE = `${SHOPIFY_PARTNER_SOURCE_PREFIX}/123456/acme-local`;

export type ShopifySend = (wave: number, topic: string, payload: unknown, triggeredAt: Date, door?: "shopify" | "events") => Delivery;

export const shopifySender = (day: Day): ShopifySend => {
  const { random, uuid, options, shopDomain } = day;
  return (wave, topic, payload, triggeredAt, door = random.chance(0.5) ? "shopify" : "events") => {
    const body = JSON.stringify(payload);
    const webhookId = uuid();
    const eventId = uuid();
    const hmac = shopifyHmac(options.secrets.shopify, body);
    const shopifyHeaders = {
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": hmac,
      "X-Shopify-Shop-Domain": shopDomain,
      "X-Shopify-Webhook-Id": webhookId,
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": triggeredAt.toISOString(),
      "X-Shopify-API-Version": SHOPIFY_API_VERSION,
    };
    if (door === "shopify") {
      return day.add({
        wave,
        door,
        path: "/webhooks/shopify",
        headers: { "Content-Type": "application/json", ...shopifyHeaders },
        body,
        source: "shopify",
        topic,
        eventKey: webhookId,
      });
    }
    const envelope = {
      version: "0",
      id: uuid(),
      "detail-type": SHOPIFY_DETAIL_TYPE,
      source: PARTNER_SOURCE,
      account: "000000000000",
      time: triggeredAt.toISOString(),
      region: "us-east-1",
      resources: [],
      detail: { payload, metadata: { "Content-Type": "application/json", ...shopifyHeaders } },
    };
    return day.add({ wave, door, path: "/events", headers: { "Content-Type": "application/json" }, body: JSON.stringify(envelope), source: "shopify", topic, eventKey: webhookId });
  };
};
