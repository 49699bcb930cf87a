/**
 * The webhook door, shared by Shopify, Recharge and Stripe. Given a verifier for the provider's
 * signature scheme, a request goes through:
 *
 *   1. size      over 1 MiB                       -> 413, nothing stored
 *   2. verify    bad or missing signature          -> 401, nothing stored
 *   3. parse     not UTF-8, not a JSON object, nested over 64 levels, or an id / topic / shop
 *                over the limits of limits.ts      -> 400, nothing stored
 *   4. dedup     event id completed before          -> 200 {"status":"duplicate"}
 *                event id claimed by a delivery still running (or that died before answering:
 *                its claim lasts until that invocation's deadline) -> 503 + Retry-After, never
 *                "duplicate", so the provider's retry is processed
 *   5. store     raw body to raw/<source>/<entity>/dt=<received>/<event-id>.json FIRST
 *                (If-None-Match, so a retry never rewrites it)
 *   6. publish   a platform bus event (contracts/events.ts); the payload travels inline only when
 *                small enough, otherwise processors read it from `rawKey`
 *   7. answer    200 {"status":"accepted"}
 *
 * Store or bus failures are retried briefly, then answered 503 so the provider redelivers (the
 * idempotency claim is released, so that redelivery is processed, not taken for a duplicate).
 */
import { isUtf8 } from "node:buffer";
import { Effect } from "effect";
import { PLATFORM_DETAIL_TYPE, platformSources, type PlatformEventDetail } from "../../contracts/events";
import { rawEventKey, type Source } from "../../contracts/lake-layout";
import type { InvalidPayload, InvalidSignature } from "./errors";
import type { HttpRequest, HttpResponse } from "./function-shape";
import { isJsonObject, MAX_JSON_DEPTH, mayHoldOverflowingNumber, tryParseJson } from "./json";
import { entityProblem, eventIdProblem, firstProblem, shopDomainProblem, topicProblem } from "./limits";
import { withRetry } from "./retry";
import { EventBus, Idempotency, Metrics, ObjectStore, type StoreError } from "./services";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** EventBridge entries are capped at 256 KiB; leave room for the envelope around the payload. */
export const INLINE_PAYLOAD_LIMIT_BYTES = 200 * 1024;

export interface VerifiedWebhook {
  /** The provider's topic / event type, e.g. "orders/updated", "charge.succeeded". */
  readonly topic: string;
  /** The provider's id of this event (the dedup key and the S3 object name). Never from a parsed JSON number. */
  readonly eventId: string;
  /** The lake entity (raw/<source>/<entity>/...). */
  readonly entity: string;
  readonly shopDomain?: string;
  /** Delivery headers to keep (lower-cased names, short ASCII values): raw object metadata and the platform event's `attributes`. */
  readonly attributes?: Readonly<Record<string, string>>;
}

export type WebhookVerifier<R> = (request: HttpRequest) => Effect.Effect<VerifiedWebhook, InvalidSignature | InvalidPayload, R>;

/** A verified, parsed delivery whose raw copy is stored (what `afterStore` sees). */
export interface StoredWebhook {
  readonly topic: string;
  readonly eventId: string;
  readonly receivedAt: string;
  readonly rawKey: string;
  readonly payload: unknown;
  readonly shopDomain?: string;
}

export interface IngressOptions<R, RStored = never> {
  readonly source: Source;
  readonly verify: WebhookVerifier<R>;
  readonly maxBytes?: number;
  readonly inlineLimitBytes?: number;
  /** A problem with the parsed body the door answers 400 for, before anything is stored (the Shopify door's compliance topics). */
  readonly validate?: (topic: string, payload: unknown) => string | undefined;
  /**
   * Runs after the raw copy is stored, before the platform bus event, inside the idempotency
   * claim: a failure releases the claim and the provider's redelivery repeats it, so it must be
   * repeatable (the Shopify door records GDPR requests here).
   */
  readonly afterStore?: (stored: StoredWebhook) => Effect.Effect<void, StoreError | InvalidPayload, RStored>;
}

export const json = (statusCode: number, body: unknown): HttpResponse => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** The idempotency key of an ingress (distinct from the processors' keys for the same event). */
export const ingressIdempotencyKey = (source: Source, eventId: string) => `ingress:${source}:${eventId}`;

export const webhookIngress =
  <R, RStored = never>(options: IngressOptions<R, RStored>) =>
  (request: HttpRequest): Effect.Effect<HttpResponse, never, R | RStored | ObjectStore | Idempotency | EventBus | Metrics> =>
    Effect.gen(function* () {
      const metrics = yield* Metrics;
      const dimensions = { source: options.source };
      const reject = (statusCode: number, error: string, reason: string) =>
        Effect.as(
          Effect.zipRight(
            metrics.count("WebhookRejected", 1, { ...dimensions, status: String(statusCode) }),
            Effect.logWarning("webhook rejected", { status: statusCode, reason }),
          ),
          json(statusCode, { error }),
        );

      const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
      if (request.rawBody.byteLength > maxBytes) return yield* reject(413, `payload larger than ${maxBytes} bytes`, "too large");

      const verified = yield* Effect.either(options.verify(request));
      if (verified._tag === "Left") {
        const error = verified.left;
        return error._tag === "InvalidSignature" ? yield* reject(401, "invalid signature", error.reason) : yield* reject(400, `invalid payload: ${error.reason}`, error.reason);
      }
      const webhook = verified.right;

      if (!isUtf8(request.rawBody)) return yield* reject(400, "body is not valid UTF-8 (JSON must be UTF-8)", "not UTF-8");
      const text = request.rawBody.toString("utf8");
      const parsed = tryParseJson(text, MAX_JSON_DEPTH);
      if (!parsed.ok) return yield* reject(400, parsed.tooDeep ? `body is not accepted: ${parsed.error}` : "body is not valid JSON", parsed.error);
      if (!isJsonObject(parsed.value)) return yield* reject(400, "body must be a JSON object", "not an object");
      if (webhook.topic.trim() === "") return yield* reject(400, "missing topic", "missing topic");
      // Limits before any key is built (limits.ts): whatever a verifier let through, nothing
      // oversized or oddly encoded reaches S3, DynamoDB or the bus.
      const limit = firstProblem(
        eventIdProblem(webhook.eventId, "event id"),
        topicProblem(webhook.topic, "topic"),
        entityProblem(webhook.entity, "entity"),
        webhook.shopDomain !== undefined ? shopDomainProblem(webhook.shopDomain, "shop domain") : undefined,
      );
      if (limit !== undefined) return yield* reject(400, `invalid payload: ${limit.reason}`, limit.reason);
      const problem = options.validate?.(webhook.topic, parsed.value);
      if (problem !== undefined) return yield* reject(400, `invalid payload: ${problem}`, problem);

      const rawKey = rawEventKey(options.source, webhook.entity, request.receivedAt, webhook.eventId);
      const detail: PlatformEventDetail = {
        source: options.source,
        topic: webhook.topic,
        eventId: webhook.eventId,
        receivedAt: request.receivedAt,
        rawKey,
        // Inline only when small, and when every number survives a JSON round trip (json.ts).
        ...(request.rawBody.byteLength <= (options.inlineLimitBytes ?? INLINE_PAYLOAD_LIMIT_BYTES) && !mayHoldOverflowingNumber(text) ? { payload: parsed.value } : {}),
        ...(webhook.shopDomain !== undefined ? { shopDomain: webhook.shopDomain } : {}),
        ...(webhook.attributes !== undefined ? { attributes: webhook.attributes } : {}),
      };

      const storeAndPublish = Effect.gen(function* () {
        const objects = yield* ObjectStore;
        const bus = yield* EventBus;
        // Raw first: once stored, the event survives whatever happens next.
        yield* withRetry()(
          objects.putIfAbsent(rawKey, request.rawBody, { contentType: "application/json", metadata: { ...webhook.attributes, topic: webhook.topic, "event-id": webhook.eventId } }),
        );
        if (options.afterStore) {
          const stored: StoredWebhook = {
            topic: webhook.topic,
            eventId: webhook.eventId,
            receivedAt: request.receivedAt,
            rawKey,
            payload: parsed.value,
            ...(webhook.shopDomain !== undefined ? { shopDomain: webhook.shopDomain } : {}),
          };
          yield* withRetry()(options.afterStore(stored));
        }
        yield* withRetry()(bus.publish([{ source: platformSources[options.source], detailType: PLATFORM_DETAIL_TYPE, detail }]));
      });

      const idempotency = yield* Idempotency;
      const outcome = yield* Effect.either(idempotency.once(ingressIdempotencyKey(options.source, webhook.eventId), storeAndPublish));
      if (outcome._tag === "Left") {
        const error = outcome.left;
        if (error._tag === "InvalidPayload") return yield* reject(400, `invalid payload: ${error.reason}`, error.reason);
        if (error._tag === "InProgress") {
          // An earlier delivery of this event is still being stored, or died before answering:
          // never "duplicate" (it may never finish); the provider's retry after the claim lapses is processed.
          yield* metrics.count("WebhookInProgress", 1, dimensions);
          yield* Effect.logInfo("an earlier delivery of this event holds its claim; asking for a retry", { topic: webhook.topic, eventId: webhook.eventId });
          return {
            ...json(503, { error: "an earlier delivery of this event is still being processed; retry later" }),
            headers: { "content-type": "application/json", "retry-after": String(Math.ceil(error.retryAfterMs / 1000)) },
          };
        }
        yield* metrics.count("WebhookFailed", 1, dimensions);
        yield* Effect.logError("could not store the webhook; the provider will redeliver", { reason: error._tag, topic: webhook.topic, eventId: webhook.eventId });
        return json(503, { error: "temporarily unavailable, retry later" });
      }
      if (outcome.right.status === "duplicate") {
        yield* metrics.count("WebhookDuplicate", 1, dimensions);
        yield* Effect.logInfo("duplicate webhook", { topic: webhook.topic, eventId: webhook.eventId });
        return json(200, { status: "duplicate" });
      }
      yield* metrics.count("WebhookAccepted", 1, dimensions);
      yield* Effect.logInfo("webhook accepted", { topic: webhook.topic, eventId: webhook.eventId, rawKey });
      return json(200, { status: "accepted" });
    }).pipe(Effect.catchAllDefect((defect) => Effect.as(Effect.logError("ingress defect", String(defect)), json(500, { error: "internal error" }))));
