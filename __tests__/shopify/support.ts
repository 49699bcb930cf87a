/** Helpers for the Shopify and kernel tests: fixtures, signed requests, running programs (envelopes and signing: ../support). */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, type Layer } from "effect";
import type { HttpRequest } from "../../functions/kernel/function-shape";
import { parseJson } from "../../functions/kernel/json";
import { nextId, shopifySignature } from "../support";

export const fixturesDir = path.join(__dirname, "..", "fixtures", "shopify");

export const fixtureText = (name: string): string => fs.readFileSync(path.join(fixturesDir, `${name}.json`), "utf8");
export const fixture = (name: string): any => parseJson(fixtureText(name));

export const run = <A, E, R>(layer: Layer.Layer<R>, effect: Effect.Effect<A, E, R>) => Effect.runPromise(Effect.provide(effect, layer));
export const runExit = <A, E, R>(layer: Layer.Layer<R>, effect: Effect.Effect<A, E, R>) => Effect.runPromiseExit(Effect.provide(effect, layer));

export const SECRET = "shpss_test_secret_0123456789abcdef";

/** A request to POST /webhooks/shopify as the program sees it (header names lower-cased). */
export const shopifyRequest = (
  topic: string,
  body: string | Buffer,
  options: { secret?: string; webhookId?: string; headers?: Record<string, string>; receivedAt?: string } = {},
): HttpRequest => {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  return {
    method: "POST",
    path: "/webhooks/shopify",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-hmac-sha256": shopifySignature(options.secret ?? SECRET, rawBody),
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
export const withFields = (name: string, fields: Record<string, unknown>): any => ({ ...fixture(name), ...fields });
