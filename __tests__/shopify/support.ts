/** Shared helpers for the Shopify and kernel tests: fixtures, envelopes, signed requests, running programs. */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHmac } from "node:crypto";
import { Effect, type Layer } from "effect";
import { PLATFORM_DETAIL_TYPE, SHOPIFY_DETAIL_TYPE, platformSources } from "../../contracts/events";
import type { BusEnvelope, HttpRequest } from "../../functions/kernel/function-shape";
import { parseJson } from "../../functions/kernel/json";

export const fixturesDir = path.join(__dirname, "..", "fixtures", "shopify");

export const fixtureText = (name: string): string => fs.readFileSync(path.join(fixturesDir, `${name}.json`), "utf8");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fixture = (name: string): any => parseJson(fixtureText(name));

export const run = <A, E, R>(layer: Layer.Layer<R>, effect: Effect.Effect<A, E, R>) => Effect.runPromise(Effect.provide(effect, layer));
export const runExit = <A, E, R>(layer: Layer.Layer<R>, effect: Effect.Effect<A, E, R>) => Effect.runPromiseExit(Effect.provide(effect, layer));

let counter = 0;
export const nextId = (prefix = "wh") => `${prefix}-${Date.now().toString(36)}-${(counter += 1)}`;

export interface PartnerOptions {
  readonly webhookId?: string;
  readonly time?: string;
  readonly headerCase?: "canonical" | "lower" | "upper";
  readonly shopDomain?: string;
  readonly triggeredAt?: string;
}

const header = (name: string, style: PartnerOptions["headerCase"]) => (style === "lower" ? name.toLowerCase() : style === "upper" ? name.toUpperCase() : name);

/** An envelope as Shopify's partner event source delivers it to EventBridge. */
export const partnerEnvelope = (topic: string, payload: unknown, options: PartnerOptions = {}): BusEnvelope => {
  const style = options.headerCase ?? "canonical";
  return {
    version: "0",
    id: `evt-${nextId()}`,
    source: "aws.partner/shopify.com/123456/acme-coffee",
    "detail-type": SHOPIFY_DETAIL_TYPE,
    time: options.time ?? "2026-03-01T15:20:01Z",
    account: "111111111111",
    region: "us-east-1",
    resources: [],
    detail: {
      payload,
      metadata: {
        [header("Content-Type", style)]: "application/json",
        [header("X-Shopify-Topic", style)]: topic,
        [header("X-Shopify-Shop-Domain", style)]: options.shopDomain ?? "acme-coffee.myshopify.com",
        [header("X-Shopify-Webhook-Id", style)]: options.webhookId ?? nextId(),
        [header("X-Shopify-Api-Version", style)]: "2025-10",
        ...(options.triggeredAt ? { [header("X-Shopify-Triggered-At", style)]: options.triggeredAt } : {}),
      },
    },
  } as BusEnvelope;
};

/** A platform-bus event as our HTTPS door publishes it. */
export const platformEnvelope = (topic: string, payload: unknown, options: { eventId?: string; rawKey?: string; inline?: boolean; receivedAt?: string } = {}): BusEnvelope => ({
  id: `evt-${nextId()}`,
  source: platformSources.shopify,
  "detail-type": PLATFORM_DETAIL_TYPE,
  time: options.receivedAt ?? "2026-03-01T15:20:01Z",
  detail: {
    source: "shopify",
    topic,
    eventId: options.eventId ?? nextId(),
    receivedAt: options.receivedAt ?? "2026-03-01T15:20:01Z",
    rawKey: options.rawKey ?? `raw/shopify/${topic.split("/")[0]}/dt=2026-03-01/x.json`,
    ...(options.inline === false ? {} : { payload }),
    shopDomain: "acme-coffee.myshopify.com",
    // As the HTTPS door keeps them (the same version partnerEnvelope says).
    attributes: { "x-shopify-api-version": "2025-10" },
  },
});

export const SECRET = "shpss_test_secret_0123456789abcdef";

export const sign = (secret: string, body: Buffer | string) => createHmac("sha256", secret).update(body).digest("base64");

/** A request to POST /webhooks/shopify as the program sees it (header names lower-cased). */
export const shopifyRequest = (topic: string, body: string | Buffer, options: { secret?: string; webhookId?: string; headers?: Record<string, string>; receivedAt?: string } = {}): HttpRequest => {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  return {
    method: "POST",
    path: "/webhooks/shopify",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-hmac-sha256": sign(options.secret ?? SECRET, rawBody),
      "x-shopify-shop-domain": "acme-coffee.myshopify.com",
      "x-shopify-webhook-id": options.webhookId ?? nextId(),
      ...options.headers,
    },
    rawBody,
    requestId: nextId("req"),
    receivedAt: options.receivedAt ?? "2026-03-01T15:20:01.000Z",
  };
};

/** A copy of a fixture with some fields replaced. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const withFields = (name: string, fields: Record<string, unknown>): any => ({ ...fixture(name), ...fields });
