/**
 * One normalised view of an event a processor receives, whichever door it came through:
 *
 *   Shopify partner bus   detail-type "shopifyWebhook"; topic under X-Shopify-Topic (any letter
 *                         case) in detail.metadata; body in detail.payload; the webhook id from
 *                         X-Shopify-Webhook-Id (else X-Shopify-Event-Id, else the envelope id).
 *                         Not yet in the lake: the processor stores it raw first.
 *   platform bus          detail-type "webhookReceived" (contracts/events.ts PlatformEventDetail),
 *                         published by our HTTPS doors after storing the raw body; the payload is
 *                         inline or read back from `rawKey`.
 */
import { Effect, Option } from "effect";
import { PLATFORM_DETAIL_TYPE, SHOPIFY_DETAIL_TYPE, platformSources } from "../../contracts/events";
import type { Source } from "../../contracts/lake-layout";
import { InvalidPayload } from "./errors";
import type { BusEnvelope } from "./function-shape";
import { isJsonObject, MAX_JSON_DEPTH, parseJson, quoteUnsafeIntegers, valueTooDeep } from "./json";
import { eventIdProblem, firstProblem, s3KeyProblem, shopDomainProblem, topicProblem } from "./limits";
import { ObjectStore, type StoreError } from "./services";

export interface IncomingEvent {
  readonly door: "partner" | "platform";
  readonly source: Source;
  /** Lower-cased topic, e.g. "orders/updated". */
  readonly topic: string;
  /** The provider's event id (Shopify: the webhook id): dedup key and raw object name. */
  readonly eventId: string;
  readonly receivedAt: string;
  /** The JSON body as a value (integers beyond 2^53 kept as strings). */
  readonly payload: unknown;
  /** Text to store raw (partner door) or the stored raw text (platform door, when read back). */
  readonly rawText: string;
  /** Where the raw body is stored (platform door); undefined until a partner-bus processor stores it. */
  readonly rawKey?: string;
  readonly shopDomain?: string;
  /** When Shopify triggered the webhook (X-Shopify-Triggered-At), else the envelope time. */
  readonly triggeredAt: string;
  /** Header-like metadata of a partner-bus event, names lower-cased. */
  readonly metadata: Readonly<Record<string, string>>;
}

const invalid = (reason: string, field?: string) => new InvalidPayload({ reason, ...(field !== undefined ? { field } : {}) });

/** A header's usable value: non-blank text (trimmed) or a safe integer. */
const usableHeader = (value: unknown): string | undefined => {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
};

/** A metadata header whatever its letter case. */
export const headerValue = (metadata: unknown, name: string): string | undefined => {
  if (!isJsonObject(metadata)) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(metadata)) {
    if (key.toLowerCase() !== wanted) continue;
    const usable = usableHeader(value);
    if (usable !== undefined) return usable;
  }
  return undefined;
};

/**
 * Every header's value as `headerValue` reads it (first usable value per lower-cased name), in one
 * pass: the partner door reads five headers per event.
 */
const headerValues = (metadata: unknown): ReadonlyMap<string, string> => {
  const values = new Map<string, string>();
  if (!isJsonObject(metadata)) return values;
  for (const [key, value] of Object.entries(metadata)) {
    const name = key.toLowerCase();
    if (values.has(name)) continue;
    const usable = usableHeader(value);
    if (usable !== undefined) values.set(name, usable);
  }
  return values;
};

const lowerCasedMetadata = (metadata: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!isJsonObject(metadata)) return out;
  for (const [key, value] of Object.entries(metadata)) if (typeof value === "string") out[key.toLowerCase()] = value;
  return out;
};

const validTime = (value: unknown): string | undefined => (typeof value === "string" && !Number.isNaN(Date.parse(value)) ? value : undefined);

const eventIdOf = (headers: ReadonlyMap<string, string>, envelope: BusEnvelope): string => headers.get("x-shopify-webhook-id") ?? headers.get("x-shopify-event-id") ?? envelope.id;

/** Where a partner-bus envelope's dedup id came from (named in errors). */
const partnerEventIdField = (headers: ReadonlyMap<string, string>): string =>
  headers.has("x-shopify-webhook-id") ? "detail.metadata.X-Shopify-Webhook-Id" : headers.has("x-shopify-event-id") ? "detail.metadata.X-Shopify-Event-Id" : "id";

/**
 * The problem with a partner-bus envelope's topic, dedup id or shop domain, if any (limits.ts):
 * the local `/events` door answers it with a 400 before queueing; processors dead-letter it.
 */
export const partnerEnvelopeProblem = (envelope: BusEnvelope): InvalidPayload | undefined => {
  const detail = envelope.detail;
  if (!isJsonObject(detail)) return invalid("detail must be an object", "detail");
  const headers = headerValues(detail.metadata);
  const topic = headers.get("x-shopify-topic");
  const shopDomain = headers.get("x-shopify-shop-domain");
  return firstProblem(
    topic === undefined
      ? invalid("missing topic: detail.metadata has no X-Shopify-Topic", "detail.metadata")
      : topicProblem(topic.toLowerCase(), "detail.metadata.X-Shopify-Topic"),
    eventIdProblem(eventIdOf(headers, envelope), partnerEventIdField(headers)),
    // X-Shopify-Event-Id keys business effects even when the webhook id names the delivery.
    headers.has("x-shopify-event-id") ? eventIdProblem(headers.get("x-shopify-event-id")!, "detail.metadata.X-Shopify-Event-Id") : undefined,
    shopDomain !== undefined ? shopDomainProblem(shopDomain, "detail.metadata.X-Shopify-Shop-Domain") : undefined,
    typeof detail.payload !== "string" && valueTooDeep(detail.payload) ? invalid(`detail.payload nests deeper than ${MAX_JSON_DEPTH} levels`, "detail.payload") : undefined,
  );
};

/** The dedup id of a Shopify partner-bus envelope. */
export const partnerEventId = (envelope: BusEnvelope): string => eventIdOf(headerValues(isJsonObject(envelope.detail) ? envelope.detail.metadata : undefined), envelope);

const decodePartner = (envelope: BusEnvelope): Effect.Effect<IncomingEvent, InvalidPayload> =>
  Effect.suspend(() => {
    const detail = envelope.detail;
    if (!isJsonObject(detail)) return Effect.fail(invalid("detail must be an object", "detail"));
    const headers = headerValues(detail.metadata);
    const topic = headers.get("x-shopify-topic");
    if (topic === undefined) return Effect.fail(invalid("missing topic: detail.metadata has no X-Shopify-Topic", "detail.metadata"));
    let payload: unknown = detail.payload;
    // Some deliveries carry the body as a JSON string.
    if (typeof payload === "string") {
      try {
        payload = parseJson(payload, MAX_JSON_DEPTH);
      } catch {
        return Effect.fail(invalid("detail.payload is not valid JSON", "detail.payload"));
      }
    }
    if (!isJsonObject(payload)) return Effect.fail(invalid("detail.payload must be the webhook body (a JSON object)", "detail.payload"));
    // Before the payload is stringified (recursively) and anything becomes a key (limits.ts).
    if (typeof detail.payload !== "string" && valueTooDeep(payload)) return Effect.fail(invalid(`detail.payload nests deeper than ${MAX_JSON_DEPTH} levels`, "detail.payload"));
    const receivedAt = validTime(envelope.time) ?? new Date().toISOString();
    const shopDomain = headers.get("x-shopify-shop-domain");
    const limit = firstProblem(
      topicProblem(topic.toLowerCase(), "detail.metadata.X-Shopify-Topic"),
      eventIdProblem(eventIdOf(headers, envelope), partnerEventIdField(headers)),
      headers.has("x-shopify-event-id") ? eventIdProblem(headers.get("x-shopify-event-id")!, "detail.metadata.X-Shopify-Event-Id") : undefined,
      shopDomain !== undefined ? shopDomainProblem(shopDomain, "detail.metadata.X-Shopify-Shop-Domain") : undefined,
    );
    if (limit !== undefined) return Effect.fail(limit);
    return Effect.succeed<IncomingEvent>({
      door: "partner",
      source: "shopify",
      topic: topic.toLowerCase(),
      eventId: eventIdOf(headers, envelope),
      receivedAt,
      payload,
      rawText: typeof detail.payload === "string" ? detail.payload : JSON.stringify(payload),
      ...(shopDomain !== undefined ? { shopDomain } : {}),
      triggeredAt: validTime(headers.get("x-shopify-triggered-at")) ?? receivedAt,
      metadata: lowerCasedMetadata(detail.metadata),
    });
  });

const sourceOfPlatform = (envelopeSource: string, detailSource: unknown): Source | undefined => {
  for (const [source, name] of Object.entries(platformSources)) if (name === envelopeSource) return source as Source;
  return detailSource === "shopify" || detailSource === "recharge" || detailSource === "stripe" ? detailSource : undefined;
};

const decodePlatform = (envelope: BusEnvelope): Effect.Effect<IncomingEvent, InvalidPayload | StoreError, ObjectStore> =>
  Effect.gen(function* () {
    const detail = envelope.detail;
    if (!isJsonObject(detail)) return yield* Effect.fail(invalid("detail must be an object", "detail"));
    const source = sourceOfPlatform(envelope.source, detail.source);
    if (source === undefined) return yield* Effect.fail(invalid(`unknown platform source "${envelope.source}"`, "source"));
    if (typeof detail.topic !== "string" || detail.topic === "") return yield* Effect.fail(invalid("detail.topic is missing", "detail.topic"));
    if (typeof detail.eventId !== "string" || detail.eventId === "") return yield* Effect.fail(invalid("detail.eventId is missing", "detail.eventId"));
    const rawKey = typeof detail.rawKey === "string" && detail.rawKey !== "" ? detail.rawKey : undefined;
    const limit = firstProblem(
      topicProblem(detail.topic.toLowerCase(), "detail.topic"),
      eventIdProblem(detail.eventId, "detail.eventId"),
      rawKey !== undefined ? s3KeyProblem(rawKey, "detail.rawKey") : undefined,
      typeof detail.shopDomain === "string" ? shopDomainProblem(detail.shopDomain, "detail.shopDomain") : undefined,
      detail.payload !== undefined && valueTooDeep(detail.payload) ? invalid(`detail.payload nests deeper than ${MAX_JSON_DEPTH} levels`, "detail.payload") : undefined,
    );
    if (limit !== undefined) return yield* Effect.fail(limit);
    let payload: unknown = detail.payload;
    let rawText: string;
    if (payload === undefined) {
      if (rawKey === undefined) return yield* Effect.fail(invalid("neither an inline payload nor a rawKey", "detail.rawKey"));
      const objects = yield* ObjectStore;
      const stored = yield* objects.getText(rawKey);
      if (Option.isNone(stored)) return yield* Effect.fail(invalid(`raw object ${rawKey} does not exist`, "detail.rawKey"));
      rawText = stored.value;
      try {
        payload = JSON.parse(quoteUnsafeIntegers(rawText));
      } catch {
        return yield* Effect.fail(invalid(`raw object ${rawKey} is not valid JSON`, "detail.rawKey"));
      }
    } else {
      rawText = JSON.stringify(payload);
    }
    const receivedAt = validTime(detail.receivedAt) ?? validTime(envelope.time) ?? new Date().toISOString();
    return {
      door: "platform",
      source,
      topic: detail.topic.toLowerCase(),
      eventId: detail.eventId,
      receivedAt,
      payload,
      rawText,
      ...(rawKey !== undefined ? { rawKey } : {}),
      ...(typeof detail.shopDomain === "string" ? { shopDomain: detail.shopDomain } : {}),
      triggeredAt: validTime(detail.triggeredAt) ?? receivedAt,
      // Headers the HTTPS door kept (contracts/events.ts PlatformEventDetail.attributes), as the partner bus has them.
      metadata: lowerCasedMetadata(detail.attributes),
    } satisfies IncomingEvent;
  });

/** Decodes either door's envelope; anything else is an InvalidPayload (dead-lettered, never retried). */
export const decodeIncomingEvent = (envelope: BusEnvelope): Effect.Effect<IncomingEvent, InvalidPayload | StoreError, ObjectStore> => {
  if (envelope["detail-type"] === SHOPIFY_DETAIL_TYPE) return decodePartner(envelope);
  if (envelope["detail-type"] === PLATFORM_DETAIL_TYPE) return decodePlatform(envelope);
  return Effect.fail(invalid(`unexpected detail-type "${envelope["detail-type"]}"`, "detail-type"));
};
