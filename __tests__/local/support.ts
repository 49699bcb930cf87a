/**
 * Helpers for the local-platform integration tests: deliveries posted over HTTP as Shopify sends
 * them, and order payloads. Signing, envelopes and the emulator clients are in ../support.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { shopifySignature } from "../support";

export const fixtureText = (provider: "recharge" | "stripe", file: string) => fs.readFileSync(path.join(__dirname, "..", "fixtures", provider, file), "utf8");

export const postRaw = async (url: string, headers: Record<string, string>, body: string): Promise<Answer> =>
  answerOf(await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body }));

export interface Answer {
  readonly status: number;
  readonly body: { status?: string; error?: string } & Record<string, unknown>;
}

const answerOf = async (response: Response): Promise<Answer> => {
  const text = await response.text();
  let body: Answer["body"];
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  return { status: response.status, body };
};

export const postShopifyWebhook = async (
  ingress: string,
  options: { topic: string; webhookId: string; body: string; secret: string; signature?: string; headerCase?: "upper" | "lower" },
): Promise<Answer> => {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": options.topic,
    "X-Shopify-Webhook-Id": options.webhookId,
    "X-Shopify-Event-Id": `event-${options.webhookId}`,
    "X-Shopify-Shop-Domain": "acme-store.myshopify.com",
    "X-Shopify-API-Version": "2026-01",
    "X-Shopify-Triggered-At": "2026-01-31T10:00:00.000Z",
    "X-Shopify-Hmac-Sha256": options.signature ?? shopifySignature(options.secret, options.body),
  };
  const cased = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [options.headerCase === "upper" ? name.toUpperCase() : options.headerCase === "lower" ? name.toLowerCase() : name, value]),
  );
  return answerOf(await fetch(`${ingress}/webhooks/shopify`, { method: "POST", headers: cased, body: options.body }));
};

export const postEvent = async (ingress: string, body: string): Promise<Answer> =>
  answerOf(await fetch(`${ingress}/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body }));

const orderNumberOf = (id: string) => 1000 + Number(id.slice(-4));

/** An orders/* payload with the fields Shopify sends (ids as raw JSON so they may exceed 2^53). */
export const orderPayload = (options: { id: string; updatedAt: string; tags?: string; totalPrice?: string; customerId?: string }) =>
  `{"id":${options.id},"admin_graphql_api_id":"gid://shopify/Order/${options.id}","name":"#${orderNumberOf(options.id)}","order_number":${orderNumberOf(options.id)},` +
  `"email":"buyer@example.com","created_at":"2026-01-31T09:00:00Z","updated_at":"${options.updatedAt}","processed_at":"2026-01-31T09:00:00Z",` +
  `"currency":"EUR","presentment_currency":"EUR","financial_status":"paid","fulfillment_status":null,"cancelled_at":null,"cancel_reason":null,` +
  `"total_price":"${options.totalPrice ?? "59.90"}","subtotal_price":"${options.totalPrice ?? "59.90"}","total_tax":"0.00","total_discounts":"0.00",` +
  `"current_total_price":"${options.totalPrice ?? "59.90"}","total_line_items_price":"${options.totalPrice ?? "59.90"}","tags":"${options.tags ?? ""}","source_name":"web",` +
  `"discount_codes":[],"discount_applications":[],"note_attributes":[],"shipping_lines":[],"refunds":[],"fulfillments":[],` +
  `"customer":{"id":${options.customerId ?? "7000000000001"},"admin_graphql_api_id":"gid://shopify/Customer/${options.customerId ?? "7000000000001"}","email":"buyer@example.com","first_name":"Ada","last_name":"Lovelace"},` +
  `"line_items":[{"id":1300000000001,"admin_graphql_api_id":"gid://shopify/LineItem/1300000000001","title":"Coffee beans","name":"Coffee beans","quantity":2,"price":"29.95",` +
  `"sku":"BEANS-1","product_id":8000000000001,"variant_id":9000000000001,"total_discount":"0.00","discount_allocations":[],"tax_lines":[]}]}`;
