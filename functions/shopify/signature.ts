/**
 * Shopify webhook signatures: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body
 * with the app's client secret. During a rotation the secret holds several values,
 * comma-separated (the kernel's `secretList`, as for Recharge and Stripe); any of them may match.
 * Compares are constant-time and check lengths first.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { Effect, Either, Redacted } from "effect";
import { isShopifyTombstoneTopic, shopifyEntityOfTopic } from "../../contracts/events";
import { InvalidPayload, InvalidSignature, SecretUnavailable } from "../kernel/errors";
import type { HttpRequest } from "../kernel/function-shape";
import type { VerifiedWebhook } from "../kernel/ingress";
import { eventIdProblem, firstProblem, MAX_TOPIC_LENGTH, shopDomainProblem } from "../kernel/limits";
import { Secrets } from "../kernel/services";
import { secretList } from "../kernel/webhook-signature";
import { parseAdminSecret } from "./admin-token";
import { API_VERSION_HEADER, DELETED_AT_METADATA, EVENT_ID_HEADER, TRIGGERED_AT_HEADER } from "./event-identity";

export const shopifySignature = (secret: string, rawBody: Buffer | string): string => createHmac("sha256", secret).update(rawBody).digest("base64");

/** Constant-time equality of two base64 signatures (false for different lengths, without comparing). */
export const signaturesMatch = (expected: string, given: string): boolean => {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
};

export const verifyShopifyHmac = (secrets: ReadonlyArray<string>, rawBody: Buffer, header: string | undefined): boolean => {
  if (header === undefined || header.trim() === "") return false;
  const given = header.trim();
  // Every secret is tried (no early exit), so timing does not reveal which one matched.
  let matched = false;
  for (const secret of secrets) if (signaturesMatch(shopifySignature(secret, rawBody), given)) matched = true;
  return matched;
};

/**
 * The HMAC key. For a Dev Dashboard app Shopify signs webhooks with the app's client secret, so
 * when the `shopifyWebhook` secret is not set (or empty) the `clientSecret` of the `shopifyAdmin`
 * secret is used; a set `shopifyWebhook` wins (a legacy app's webhook secret, or a rotation list).
 */
export const webhookSecret = (secrets: Secrets["Type"]): Effect.Effect<Redacted.Redacted<string>, InvalidSignature> =>
  Effect.catchAll(
    Effect.filterOrFail(
      secrets.get("shopifyWebhook"),
      (value) => Redacted.value(value).trim() !== "",
      () => new SecretUnavailable({ secret: "shopifyWebhook", reason: "is empty" }),
    ),
    (webhookError) =>
      Effect.flatMap(Effect.either(secrets.get("shopifyAdmin")), (admin) => {
        const parsed = Either.isRight(admin) ? parseAdminSecret(Redacted.value(admin.right)) : undefined;
        if (parsed && Either.isRight(parsed) && parsed.right.credentials.kind === "client-credentials") return Effect.succeed(parsed.right.credentials.clientSecret);
        return Effect.fail(
          new InvalidSignature({ reason: `no webhook secret available: ${webhookError.reason} (and the shopifyAdmin secret has no clientSecret to fall back on)` }),
        );
      }),
  );

/** Verifies the request and reads topic, webhook id and shop from the headers (names already lower-cased). */
export const verifyShopifyWebhook = (request: HttpRequest): Effect.Effect<VerifiedWebhook, InvalidSignature | InvalidPayload, Secrets> =>
  Effect.gen(function* () {
    const secrets = yield* Secrets;
    const secret = yield* webhookSecret(secrets);
    if (!verifyShopifyHmac(secretList(Redacted.value(secret)), request.rawBody, request.headers["x-shopify-hmac-sha256"])) {
      return yield* Effect.fail(new InvalidSignature({ reason: request.headers["x-shopify-hmac-sha256"] ? "HMAC does not match" : "missing X-Shopify-Hmac-Sha256" }));
    }
    const topic = request.headers["x-shopify-topic"]?.trim().toLowerCase();
    if (!topic) return yield* Effect.fail(new InvalidPayload({ reason: "missing X-Shopify-Topic header", field: "x-shopify-topic" }));
    if (topic.length > MAX_TOPIC_LENGTH || !/^[a-z_]+\/[a-z_]+$/.test(topic)) {
      return yield* Effect.fail(
        new InvalidPayload({ reason: `X-Shopify-Topic must be <resource>/<event> in a-z and _, at most ${MAX_TOPIC_LENGTH} characters`, field: "x-shopify-topic" }),
      );
    }
    // Shopify always sends a webhook id (a UUID); a hand-made delivery without one is keyed by its
    // content, so posting the same body twice is still a duplicate.
    const webhookId = request.headers["x-shopify-webhook-id"]?.trim();
    const headerEventId = request.headers["x-shopify-event-id"]?.trim();
    const eventId = webhookId || headerEventId || `sha256-${createHash("sha256").update(topic).update("\n").update(request.rawBody).digest("hex")}`;
    const shopDomain = request.headers["x-shopify-shop-domain"]?.trim();
    // Limits before any key is built (kernel/limits.ts).
    const limit = firstProblem(
      eventIdProblem(eventId, webhookId ? "X-Shopify-Webhook-Id" : headerEventId ? "X-Shopify-Event-Id" : "event id"),
      shopDomain ? shopDomainProblem(shopDomain, "X-Shopify-Shop-Domain") : undefined,
    );
    if (limit !== undefined) return yield* Effect.fail(limit);
    const attributes = withDeletedAt(deliveryAttributes(request.headers), topic, request.headers["x-shopify-triggered-at"], request.receivedAt);
    return { topic, eventId, entity: shopifyEntityOfTopic(topic), ...(shopDomain ? { shopDomain } : {}), ...(attributes ? { attributes } : {}) };
  });

/**
 * Headers kept with the event (event-identity.ts): the API version, the Shopify event id and the
 * trigger time, when well-formed. The trigger time orders the payloads that carry no updated_at
 * (fulfillment_orders/*, removals) whichever door and however late they arrive.
 */
const deliveryAttributes = (headers: HttpRequest["headers"]): Record<string, string> | undefined => {
  const kept: Record<string, string> = {};
  for (const name of [API_VERSION_HEADER, EVENT_ID_HEADER]) {
    const value = headers[name]?.trim();
    if (value && /^[A-Za-z0-9._:-]{1,100}$/.test(value)) kept[name] = value;
  }
  const triggeredAt = headers[TRIGGERED_AT_HEADER]?.trim();
  if (triggeredAt && /^\d{4}-\d{2}-\d{2}T[0-9:.+\-Z]{1,40}$/.test(triggeredAt) && !Number.isNaN(Date.parse(triggeredAt))) kept[TRIGGERED_AT_HEADER] = triggeredAt;
  return Object.keys(kept).length > 0 ? kept : undefined;
};

/** A tombstone topic's raw copy says when it was deleted (event-identity.ts DELETED_AT_METADATA): X-Shopify-Triggered-At, else the receipt time. */
const withDeletedAt = (attributes: Record<string, string> | undefined, topic: string, triggeredAt: string | undefined, receivedAt: string): Record<string, string> | undefined => {
  if (!isShopifyTombstoneTopic(topic)) return attributes;
  const at = triggeredAt !== undefined && !Number.isNaN(Date.parse(triggeredAt)) ? triggeredAt : receivedAt;
  return { ...attributes, [DELETED_AT_METADATA]: new Date(at).toISOString() };
};
