/**
 * Feeds an object a provider's API returned through the same path as a webhook: the source's
 * door (functions/kernel/ingress.ts) with a verifier that trusts the body, because it came from
 * the provider's own API over TLS with our API key rather than from the internet. Everything else
 * is the door's: the limits, the raw copy first (If-None-Match), the idempotency record under the
 * same key a webhook would take, the platform bus event. So an event the lake already holds is
 * answered `duplicate` and a recovered one is processed exactly as if its webhook had arrived.
 */
import { randomUUID } from "node:crypto";
import { Effect, Either } from "effect";
import { partitionDate, rawEventKey, type Source } from "../../contracts/lake-layout";
import { recoveredEventKey, type RecoveredEventMarker } from "../../contracts/webhook-recovery";
import type { InvalidPayload } from "../kernel/errors";
import type { HttpRequest } from "../kernel/function-shape";
import { webhookIngress, type VerifiedWebhook } from "../kernel/ingress";
import { withRetry } from "../kernel/retry";
import { ObjectStore, type EventBus, type Idempotency, type Metrics } from "../kernel/services";

export type Redelivery = "recovered" | "held" | "failed";

export interface Described {
  readonly eventId: string;
  readonly topic: string;
  readonly entity: string;
}

export const redeliver = (
  source: Source,
  headers: Record<string, string>,
  rawBody: string,
  describe: (request: HttpRequest) => Either.Either<Described, InvalidPayload>,
  receivedAt: string,
): Effect.Effect<RedeliveryResult, never, ObjectStore | Idempotency | EventBus | Metrics> => {
  let seen: Described | undefined;
  const door = webhookIngress({
    source,
    verify: (request) =>
      Effect.map(Either.match(describe(request), { onLeft: Effect.fail, onRight: Effect.succeed }), (described): VerifiedWebhook => {
        seen = described;
        return { eventId: described.eventId, topic: described.topic, entity: described.entity };
      }),
  });
  const request: HttpRequest = { method: "POST", path: `/reconcile/${source}`, headers, rawBody: Buffer.from(rawBody, "utf8"), requestId: randomUUID(), receivedAt };
  return Effect.map(door(request), (response): RedeliveryResult => {
    const answer = answerOf(response.body);
    if (response.statusCode !== 200) return { outcome: "failed", status: response.statusCode, reason: typeof answer.error === "string" ? answer.error : "rejected" };
    if (answer.status === "duplicate" || seen === undefined) return { outcome: "held", status: 200 };
    return { outcome: "recovered", status: 200, event: seen, rawKey: rawEventKey(source, seen.entity, receivedAt, seen.eventId) };
  });
};

export type RedeliveryResult =
  | { readonly outcome: "held"; readonly status: number }
  | { readonly outcome: "failed"; readonly status: number; readonly reason: string }
  /** Stored raw (at `rawKey`, where the door put it) and published: as if its webhook had arrived. */
  | { readonly outcome: "recovered"; readonly status: number; readonly event: Described; readonly rawKey: string };

/**
 * Leaves the marker of a recovered event (contracts/webhook-recovery.ts), so the data-quality run
 * counts it as recovered rather than received by webhook. Written after the raw copy: a run cut off
 * between the two leaves that one event counted as a webhook delivery (the next run finds it held).
 */
export const markRecovered = (
  source: Source,
  result: Extract<RedeliveryResult, { outcome: "recovered" }>,
  eventAt: string,
  recoveredAt: string,
  runId: string,
): Effect.Effect<void, never, ObjectStore> => {
  const marker: RecoveredEventMarker = {
    source,
    entity: result.event.entity,
    topic: result.event.topic,
    eventId: result.event.eventId,
    eventAt,
    recoveredAt,
    rawKey: result.rawKey,
    runId,
  };
  const key = recoveredEventKey(source, partitionDate(recoveredAt), partitionDate(eventAt), result.event.entity, result.event.eventId);
  return Effect.flatMap(ObjectStore, (objects) => withRetry()(objects.put(key, JSON.stringify(marker), { contentType: "application/json" }))).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("could not leave the recovered-event marker; the data-quality run counts this event as a webhook delivery", { key, error: error._tag }),
    ),
  );
};

/** The door's JSON answer ({"status": ...} or {"error": ...}, kernel/ingress.ts `json`). */
const answerOf = (body: string): { readonly status?: unknown; readonly error?: unknown } => {
  try {
    return JSON.parse(body) as { status?: unknown; error?: unknown };
  } catch {
    return {};
  }
};
