/**
 * `POST /events`: takes an EventBridge envelope as Shopify's partner bus delivers it and routes
 * it to the partner-bus processors, exactly as the partner bus rules do in AWS. The door stores
 * nothing itself: the processors write the raw object first. It answers once the event is
 * journaled in every matching queue, so an accepted event survives a crash.
 *
 * Duplicates: a delivery (X-Shopify-Webhook-Id, or lacking one the envelope id) that is still
 * queued from an earlier post, or whose event the processors already completed in the idempotency
 * table (X-Shopify-Event-Id + topic) while this very delivery is already stored (its raw copy, or
 * the HTTPS door's claim on its webhook id), answers `{"status":"duplicate"}` and is not queued
 * again. Another delivery of a completed event (the HTTPS door and the partner bus during a
 * cutover, a second subscription) is queued as AWS's partner bus would deliver it: the processor
 * stores its raw copy and skips the event's business effects.
 */
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { Effect, Option, type ManagedRuntime } from "effect";
import { SHOPIFY_DETAIL_TYPE, shopifyEntityOfTopic } from "../contracts/events";
import { rawEventKey } from "../contracts/lake-layout";
import type { BusEnvelope, HttpRequest, HttpResponse } from "../functions/kernel/function-shape";
import { decodeIncomingEvent, partnerEnvelopeProblem, partnerEventId } from "../functions/kernel/incoming-event";
import { ingressIdempotencyKey } from "../functions/kernel/ingress";
import { MAX_JSON_DEPTH, parseJson, tryParseJson } from "../functions/kernel/json";
import { isCompletedRecord } from "../functions/kernel/idempotency";
import { HotStore, ObjectStore } from "../functions/kernel/services";
import { partnerBusinessEffectKey } from "../functions/shopify/event-identity";
import { processorIdempotencyKey } from "../functions/shopify/processor";
import type { PlatformLog } from "./log";
import type { LocalEventRouter } from "./router";
import { jsonResponse } from "./server";

export interface EventDoorCounters {
  accepted: number;
  duplicate: number;
  rejected: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** A header-like field of `detail.metadata`, whatever its letter case. */
export const metadataValue = (detail: Json, name: string): string | undefined => {
  const metadata = detail.metadata;
  if (!isObject(metadata)) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(metadata)) {
    if (key.toLowerCase() === wanted && typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
};

/** Some deliveries carry the body as a JSON string; the processors accept that too. */
const isJsonObjectText = (value: unknown): boolean => {
  if (typeof value !== "string") return false;
  try {
    return isObject(parseJson(value, MAX_JSON_DEPTH));
  } catch {
    return false;
  }
};

export type ParsedEnvelope = { readonly ok: true; readonly envelope: BusEnvelope; readonly topic?: string } | { readonly ok: false; readonly error: string };

/** Validates the body of `POST /events`; fills `id`/`time` when a hand-written envelope lacks them. */
export const parseEnvelope = (rawBody: Buffer): ParsedEnvelope => {
  // The kernel's parser keeps integers beyond 2^53 (Shopify ids) as their exact text.
  if (!isUtf8(rawBody)) return { ok: false, error: "body is not valid UTF-8: send an EventBridge envelope as UTF-8 JSON" };
  const result = tryParseJson(rawBody.toString("utf8"));
  if (!result.ok) return { ok: false, error: result.tooDeep ? `body is not accepted: ${result.error}` : "body is not valid JSON: send an EventBridge envelope" };
  const parsed = result.value;
  if (!isObject(parsed)) return { ok: false, error: "body must be a JSON object (an EventBridge envelope)" };
  const missing = [
    typeof parsed.source === "string" && parsed.source !== "" ? undefined : "source",
    typeof parsed["detail-type"] === "string" && parsed["detail-type"] !== "" ? undefined : "detail-type",
    isObject(parsed.detail) ? undefined : "detail",
  ].filter((field): field is string => field !== undefined);
  if (missing.length > 0) return { ok: false, error: `envelope is missing ${missing.join(", ")} (source and detail-type must be strings, detail an object)` };
  const detail = parsed.detail as Json;
  let topic: string | undefined;
  if (parsed["detail-type"] === SHOPIFY_DETAIL_TYPE) {
    topic = metadataValue(detail, "X-Shopify-Topic");
    if (topic === undefined) return { ok: false, error: "missing topic: detail.metadata must carry X-Shopify-Topic" };
    if (!isObject(detail.payload) && !isJsonObjectText(detail.payload)) return { ok: false, error: "detail.payload must be the webhook body (a JSON object)" };
  }
  const envelope: BusEnvelope = {
    ...(parsed as object),
    id: typeof parsed.id === "string" && parsed.id !== "" ? parsed.id : randomUUID(),
    source: parsed.source as string,
    "detail-type": parsed["detail-type"] as string,
    time: typeof parsed.time === "string" && !Number.isNaN(Date.parse(parsed.time)) ? parsed.time : new Date().toISOString(),
    detail,
  };
  // Ids, topic and shop domain within the limits the processors enforce (limits.ts), checked
  // before the envelope is queued or any key is derived from it.
  if (parsed["detail-type"] === SHOPIFY_DETAIL_TYPE) {
    const problem = partnerEnvelopeProblem(envelope);
    if (problem !== undefined) return { ok: false, error: `invalid envelope: ${problem.reason}` };
  }
  return { ok: true, envelope, ...(topic !== undefined ? { topic } : {}) };
};

/** The idempotency keys the partner-bus processors use for an envelope. */
export type DedupeKeys = (envelope: BusEnvelope) => ReadonlyArray<string>;

export interface EventDoorOptions {
  readonly router: LocalEventRouter;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly runtime: ManagedRuntime.ManagedRuntime<any, any>;
  readonly dedupeKeys: DedupeKeys;
  /** True when the processors have completed `key`. */
  readonly isRecorded?: (key: string) => Promise<boolean>;
  /** True when this very delivery is already stored (default: its partner raw copy, or the HTTPS door's claim on its webhook id). */
  readonly isDelivered?: (envelope: BusEnvelope) => Promise<boolean>;
  readonly log: PlatformLog;
}

export interface EventDoor {
  readonly handle: (request: HttpRequest) => Promise<HttpResponse>;
  /** Tells the door a queued envelope left its queue (so a later copy is judged by the table). */
  readonly settled: (envelope: BusEnvelope) => void;
  readonly counters: () => EventDoorCounters;
}

/** Reads the idempotency record through the kernel's HotStore, as the processors wrote it. */
const recordedInIdempotencyTable =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (runtime: ManagedRuntime.ManagedRuntime<any, any>) =>
    async (key: string): Promise<boolean> => {
      const item = await runtime.runPromise(Effect.flatMap(HotStore, (store) => store.get("idempotency", { key })));
      if (Option.isNone(item)) return false;
      // Only a completed record makes a copy a duplicate: a claim in progress may belong to a run
      // that died (the process was killed), and then this copy is the one that gets it done.
      return isCompletedRecord(item.value);
    };

/** The delivery's own raw copy (as the partner-bus processor names it), or the HTTPS door's completed claim on its webhook id. */
const storedDelivery =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (runtime: ManagedRuntime.ManagedRuntime<any, any>, isRecorded: (key: string) => Promise<boolean>) =>
    async (envelope: BusEnvelope): Promise<boolean> => {
      if (await isRecorded(ingressIdempotencyKey("shopify", partnerEventId(envelope)))) return true;
      const found = await runtime.runPromise(
        Effect.gen(function* () {
          const event = yield* decodeIncomingEvent(envelope);
          const objects = yield* ObjectStore;
          return Option.isSome(yield* objects.getText(rawEventKey("shopify", shopifyEntityOfTopic(event.topic), event.receivedAt, event.eventId)));
        }).pipe(Effect.catchTag("InvalidPayload", () => Effect.succeed(false))),
      );
      return found as boolean;
    };

/** The key of one delivery while it is queued (business effects are keyed apart: `dedupeKeys`). */
const deliveryKeyOf = (envelope: BusEnvelope) => `delivery:${partnerEventId(envelope)}`;

export const createEventDoor = (options: EventDoorOptions): EventDoor => {
  const counters: EventDoorCounters = { accepted: 0, duplicate: 0, rejected: 0 };
  // Deliveries accepted and still queued, with how many queues still hold them.
  const pending = new Map<string, number>();
  const isRecorded = options.isRecorded ?? recordedInIdempotencyTable(options.runtime);
  const isDelivered = options.isDelivered ?? storedDelivery(options.runtime, isRecorded);

  const reject = (statusCode: number, error: string) => {
    counters.rejected++;
    return jsonResponse(statusCode, { error });
  };

  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    const parsed = parseEnvelope(request.rawBody);
    if (!parsed.ok) return reject(400, parsed.error);
    const { envelope, topic } = parsed;
    const matched = options.router.matchingRoutes("partner", envelope);
    if (matched.length === 0) {
      const what = topic !== undefined ? `topic "${topic}"` : `source "${envelope.source}" / detail-type "${envelope["detail-type"]}"`;
      return reject(400, `no partner-bus route takes ${what}; nothing was stored`);
    }
    const keys = options.dedupeKeys(envelope);
    const delivery = deliveryKeyOf(envelope);
    for (const key of keys) {
      let duplicate: boolean;
      try {
        duplicate = pending.has(delivery) || ((await isRecorded(key)) && (await isDelivered(envelope)));
      } catch (error) {
        options.log("error", "could not read the idempotency table", { eventId: envelope.id, error: (error as Error)?.message });
        return reject(503, "cannot check for duplicates right now; nothing was stored, retry later");
      }
      if (duplicate) {
        counters.duplicate++;
        return jsonResponse(200, { status: "duplicate" });
      }
    }
    // Counted before publishing: a fast processor may settle before `publish` returns.
    pending.set(delivery, (pending.get(delivery) ?? 0) + matched.length);
    try {
      await options.router.publish("partner", envelope);
    } catch (error) {
      pending.delete(delivery);
      options.log("error", "could not queue an event", { eventId: envelope.id, error: (error as Error)?.message });
      return reject(503, "the platform is shutting down or cannot store events; retry later");
    }
    counters.accepted++;
    return jsonResponse(200, { status: "accepted" });
  };

  const settled = (envelope: BusEnvelope) => {
    const delivery = deliveryKeyOf(envelope);
    const left = (pending.get(delivery) ?? 0) - 1;
    if (left > 0) pending.set(delivery, left);
    else pending.delete(delivery);
  };

  return { handle, settled, counters: () => ({ ...counters }) };
};

/** The idempotency key the Shopify processors use for a partner-bus envelope (the same functions). */
export const partnerDedupeKeys: DedupeKeys = (envelope) => [processorIdempotencyKey(partnerBusinessEffectKey(envelope))];
