/**
 * What every Shopify processor does around its topic handlers:
 *   1. decode the envelope (partner bus or platform bus) into one incoming event;
 *   2. partner-bus events: store the raw body at raw/shopify/<entity>/dt=.../<webhook-id>.json
 *      FIRST (If-None-Match: a redelivery never rewrites it); platform events are already stored;
 *   3. run the topic's handler once per event id (a failed run releases the key, so the queue's
 *      retry runs it again); a topic this processor does not handle is acknowledged and counted.
 * Decoding and the guarded write are the kernel's processor frame (kernel/processor-frame.ts),
 * shared with Recharge and Stripe; why Shopify keeps an idempotency record and they do not is
 * written down there.
 */
import { Effect } from "effect";
import { shopifyEntityOfTopic } from "../../contracts/events";
import { rawEventKey } from "../../contracts/lake-layout";
import type { TableKey } from "../../contracts/tables";
import { InvalidPayload, type InProgress } from "../kernel/errors";
import type { BusEnvelope } from "../kernel/function-shape";
import { decodeIncomingEvent, type IncomingEvent } from "../kernel/incoming-event";
import { byUpdatedAt, upsertNewest, type WriteOutcome } from "../kernel/processor-frame";
import { Alerts, HotStore, Idempotency, Metrics, ObjectStore, type Item, type StoreError } from "../kernel/services";
import { indexedEvent, indexRawOnly, type IndexedEvent } from "../gdpr/subject-index";
import { businessEffectKeyOf, rawObjectMetadata, triggeredAtOf } from "./event-identity";

export type ShopifyServices = ObjectStore | HotStore | Idempotency | Metrics | Alerts;
export type TopicHandler = (event: IncomingEvent) => Effect.Effect<void, InvalidPayload | StoreError, ShopifyServices>;

/**
 * The idempotency key of a Shopify event in the processors (shared with `sdp local`'s event door),
 * given its business-effect key (event-identity.ts `businessEffectKeyOf`: X-Shopify-Event-Id plus
 * topic, else the webhook id), so one merchant action has one effect whichever door delivers it.
 */
export const processorIdempotencyKey = (businessKey: string) => `shopify:${businessKey}`;

export const shopifyProcessor =
  (processorName: string, handlers: Readonly<Record<string, TopicHandler>>) =>
  (envelope: BusEnvelope): Effect.Effect<void, InvalidPayload | StoreError | InProgress, ShopifyServices> =>
    Effect.gen(function* () {
      const event = yield* decodeIncomingEvent(envelope);
      if (event.source !== "shopify") return yield* Effect.fail(new InvalidPayload({ reason: `a ${event.source} event reached ${processorName}`, field: "source" }));
      const metrics = yield* Metrics;
      let rawKey = event.rawKey;
      if (event.door === "partner") {
        const objects = yield* ObjectStore;
        rawKey = rawEventKey("shopify", shopifyEntityOfTopic(event.topic), event.receivedAt, event.eventId);
        yield* objects.putIfAbsent(rawKey, event.rawText, { contentType: "application/json", metadata: rawObjectMetadata(event) });
      }
      // The GDPR subject index (functions/gdpr/subject-index.ts): the payload's customer ids, e-mails and phones -> this raw object and the keys the handler writes.
      const indexed: IndexedEvent = { source: "shopify", topic: event.topic, payload: event.payload, ...(rawKey !== undefined ? { rawKey } : {}) };
      const handler = handlers[event.topic];
      if (handler === undefined) {
        yield* indexRawOnly(indexed);
        yield* metrics.count("UnhandledTopic", 1, { processor: processorName, topic: event.topic });
        yield* Effect.logWarning("topic not handled by this processor; stored raw and acknowledged", { topic: event.topic, eventId: event.eventId });
        return;
      }
      const idempotency = yield* Idempotency;
      // Indexed inside the claim: a crash before the index write leaves the claim open, and the redelivery writes it.
      const outcome = yield* idempotency.once(processorIdempotencyKey(businessEffectKeyOf(event)), indexedEvent(indexed, handler(event)));
      if (outcome.status === "duplicate") {
        // The same merchant action under another webhook id has its own raw object.
        yield* indexRawOnly(indexed);
        yield* metrics.count("DuplicateEvent", 1, { processor: processorName });
        yield* Effect.logInfo("duplicate event skipped", { topic: event.topic, eventId: event.eventId });
        return;
      }
      yield* metrics.count("EventProcessed", 1, { processor: processorName, topic: event.topic });
    }).pipe(Effect.annotateLogs({ processor: processorName }));

/** The kernel's guarded write by `updated_at` (processor-frame.ts): a stale update is counted, not an error. */
export const upsertNewer = (table: TableKey, item: Item): Effect.Effect<WriteOutcome, StoreError, HotStore | Metrics> => upsertNewest(table, item, byUpdatedAt);

/**
 * A tombstone: the key, `deleted: true` and when (`deleted_at`, also its `updated_at`): the
 * delivery's X-Shopify-Triggered-At, or `at` when the payload says (discounts/delete carries
 * `deleted_at`); never replaced by a late update.
 */
export const writeTombstone = (table: TableKey, key: Item, event: IncomingEvent, extra: Item = {}, at?: string) =>
  Effect.gen(function* () {
    const deletedAt = at !== undefined ? new Date(at).toISOString() : triggeredAtOf(event);
    const outcome = yield* upsertNewer(table, { ...key, ...extra, deleted: true, deleted_at: deletedAt, updated_at: deletedAt });
    const metrics = yield* Metrics;
    if (outcome === "written") yield* metrics.count("Tombstoned", 1, { table });
    return outcome;
  });
