/**
 * What a Shopify delivery says about itself, beyond its body:
 *
 *   X-Shopify-Webhook-Id   unique per delivery: the dedup key of a delivery (raw object name,
 *                          the doors' and processors' idempotency keys; IncomingEvent.eventId)
 *   X-Shopify-Event-Id     shared by every delivery of one merchant action (several subscriptions,
 *                          or the HTTPS door and the partner bus during a cutover): business
 *                          effects (hot-store writes, alerts, counters) happen once per event id
 *                          and topic (`businessEffectKey`)
 *   X-Shopify-API-Version  the version the payload was serialised with: recorded with every raw
 *                          object (S3 metadata `x-shopify-api-version`) and item (`api_version`), and a
 *                          dimension of the decode-failure metric
 *
 * Partner-bus events carry the headers in `detail.metadata`; the HTTPS door forwards them in the
 * platform event's `attributes` (IncomingEvent.metadata either way, names lower-cased).
 */
import { Effect, Either } from "effect";
import { isShopifyTombstoneTopic } from "../../contracts/events";
import { decodeFailureKey } from "../../contracts/lake-layout";
import type { InvalidPayload } from "../kernel/errors";
import type { BusEnvelope } from "../kernel/function-shape";
import { headerValue, partnerEventId, type IncomingEvent } from "../kernel/incoming-event";
import { isJsonObject } from "../kernel/json";
import { Metrics, ObjectStore, type Item, type StoreError } from "../kernel/services";

type EventHeaders = Pick<IncomingEvent, "metadata">;

export const API_VERSION_HEADER = "x-shopify-api-version";
export const TRIGGERED_AT_HEADER = "x-shopify-triggered-at";
export const EVENT_ID_HEADER = "x-shopify-event-id";

const header = (event: EventHeaders, name: string): string | undefined => {
  const value = event.metadata[name]?.trim();
  return value ? value : undefined;
};

/** X-Shopify-API-Version of the delivery, when it said. */
export const apiVersionOf = (event: EventHeaders): string | undefined => header(event, API_VERSION_HEADER);

/** X-Shopify-Event-Id of the delivery, when it said. */
export const shopifyEventIdOf = (event: EventHeaders): string | undefined => header(event, EVENT_ID_HEADER);

/**
 * The key of a delivery's business effects: one per merchant action and topic. Deliveries without
 * X-Shopify-Event-Id (older captures, hand-made requests) fall back to their webhook id, so they
 * behave exactly as before.
 */
export const businessEffectKey = (topic: string, webhookId: string, shopifyEventId: string | undefined): string =>
  shopifyEventId !== undefined && shopifyEventId !== "" ? `event:${topic}:${shopifyEventId}` : webhookId;

export const businessEffectKeyOf = (event: Pick<IncomingEvent, "topic" | "eventId" | "metadata">): string => businessEffectKey(event.topic, event.eventId, shopifyEventIdOf(event));

/** S3 metadata of the raw copy of a tombstone topic (contracts/events.ts isShopifyTombstoneTopic): when it was deleted. */
export const DELETED_AT_METADATA = "deleted-at";

/**
 * The S3 metadata of a raw Shopify object: topic, webhook id, and (when the delivery said) the
 * API version and Shopify event id under their header names, as the HTTPS door stores them; a
 * tombstone topic's copy also carries `deleted-at` (its trigger time, UTC).
 */
export const rawObjectMetadata = (event: Pick<IncomingEvent, "topic" | "eventId" | "metadata"> & Partial<Pick<IncomingEvent, "triggeredAt">>): Record<string, string> => {
  const apiVersion = apiVersionOf(event);
  const shopifyEventId = shopifyEventIdOf(event);
  return {
    topic: event.topic,
    "event-id": event.eventId,
    ...(apiVersion !== undefined && /^[A-Za-z0-9._:-]{1,100}$/.test(apiVersion) ? { [API_VERSION_HEADER]: apiVersion } : {}),
    ...(shopifyEventId !== undefined && /^[A-Za-z0-9._:-]{1,100}$/.test(shopifyEventId) ? { [EVENT_ID_HEADER]: shopifyEventId } : {}),
    ...(event.triggeredAt !== undefined && isShopifyTombstoneTopic(event.topic)
      ? { [DELETED_AT_METADATA]: triggeredAtOf({ metadata: event.metadata, triggeredAt: event.triggeredAt }) }
      : {}),
  };
};

/**
 * When Shopify triggered the delivery (UTC ISO): X-Shopify-Triggered-At as the delivery said it
 * (the partner bus's metadata, the HTTPS door's kept attribute), else the event's trigger time
 * (its receipt time when no door knew better). It versions the payloads without updated_at.
 */
export const triggeredAtOf = (event: Pick<IncomingEvent, "metadata" | "triggeredAt">): string => {
  const said = header(event, TRIGGERED_AT_HEADER);
  const at = said !== undefined && !Number.isNaN(Date.parse(said)) ? said : event.triggeredAt;
  return new Date(at).toISOString();
};

/** Adds `api_version` to a hot-store item (nothing when the delivery did not say). */
export const withApiVersion = (item: Item, event: EventHeaders): Item => {
  const version = apiVersionOf(event);
  return version === undefined ? item : { ...item, api_version: version };
};

/**
 * Decodes an event's payload. A failure is counted (`PayloadDecodeFailed` per topic and API
 * version), recorded under metadata/decode-failures/ for the data-quality run, and returned as
 * the InvalidPayload that sends the event to the DLQ with its reason.
 */
export const decodeEvent = <A>(
  decode: (payload: unknown) => Either.Either<A, InvalidPayload>,
  event: IncomingEvent,
): Effect.Effect<A, InvalidPayload | StoreError, Metrics | ObjectStore> => {
  const result = decode(event.payload);
  if (Either.isRight(result)) return Effect.succeed(result.right);
  const apiVersion = apiVersionOf(event) ?? "unknown";
  const error = result.left;
  return Effect.flatMap(Effect.all([Metrics, ObjectStore]), ([metrics, objects]) =>
    metrics.count("PayloadDecodeFailed", 1, { topic: event.topic, apiVersion }).pipe(
      Effect.zipRight(
        objects.putIfAbsent(
          decodeFailureKey(event.receivedAt, event.topic, apiVersion, event.eventId),
          JSON.stringify({
            topic: event.topic,
            apiVersion,
            eventId: event.eventId,
            reason: error.reason,
            ...(event.rawKey ? { rawKey: event.rawKey } : {}),
            receivedAt: event.receivedAt,
          }),
          { contentType: "application/json" },
        ),
      ),
      Effect.zipRight(Effect.logWarning("payload does not decode; to the DLQ", { topic: event.topic, apiVersion, eventId: event.eventId, reason: error.reason })),
      Effect.zipRight(Effect.fail(error)),
    ),
  );
};

/** `businessEffectKeyOf` for a partner-bus envelope before it is decoded (`sdp local`'s event door). */
export const partnerBusinessEffectKey = (envelope: BusEnvelope): string => {
  const metadata = isJsonObject(envelope.detail) ? envelope.detail.metadata : undefined;
  const topic = headerValue(metadata, "x-shopify-topic")?.toLowerCase() ?? "";
  return businessEffectKey(topic, partnerEventId(envelope), headerValue(metadata, EVENT_ID_HEADER));
};
