/**
 * The processor frame: what every processor (Shopify, Recharge, Stripe) does around its own
 * mapping from a provider object to a hot-store item.
 *
 *   read      `readPlatformDelivery`: the platform-bus envelope a door published, read with the
 *             kernel's decoder (inline payload or the raw object read back from the lake) and
 *             checked to come from the expected door. Shopify's processors also take partner-bus
 *             events and store those raw first (functions/shopify/processor.ts).
 *   decode    `decodePayload`: one Schema decoder per schema, built once, synchronous (an Either,
 *             which is also an Effect), whose error names the field and never quotes its value.
 *   write     `upsertNewest`: the one guarded write. A conditional put that keeps the newest
 *             version of an item, by `updated_at` (Shopify) or by an event version
 *             (kernel/versions.ts: time, status rank, event id; Recharge and Stripe).
 *   alert     `publishAlert`: alerts carry a dedupKey naming the business event, so a retried or
 *             stale delivery of the same event never alerts twice.
 *
 * DECISION: does a processor need an idempotency record when its write is guarded?
 *
 *   The guarded write is what makes a redelivery harmless, for every source: a repeat carries
 *   the same `updated_at` or the same version and is refused like any older state, and a crash
 *   between any two steps leaves nothing that a repeat does not put right (raw writes are
 *   If-None-Match, upserts are guarded, alerts are deduplicated by key). So the hot-store state
 *   never depends on an idempotency record, and a processor whose whole effect is one guarded
 *   write plus deduplicated alerts keeps none: Recharge and Stripe write no record (it would cost
 *   two more writes per event, a claim and its completion).
 *
 *   A record is kept only where something other than the state must happen once per business
 *   event and cannot be guarded by the write itself. That is the Shopify processors: one
 *   merchant action reaches them through two doors under different webhook ids (the HTTPS door
 *   and the partner bus during a cutover), a handler may make several writes (an order marks
 *   its checkout and cart recovered; a checkout reads the recovery it must keep), `sdp local`'s
 *   event door answers `duplicate` from the processors' completed record, and the
 *   EventProcessed / DuplicateEvent counts are per merchant action. Those use
 *   `Idempotency.once` on the business-effect key (crash-safe: kernel/idempotency.ts), and
 *   their guarded write only counts what it refuses as stale (with `updated_at` a refusal cannot
 *   tell a repeat of the same event from an older one). Without a record (`byEventVersion`),
 *   the write is where a duplicate is learnt: a refusal reads the stored item back, and an equal
 *   version (it ends in the event id) is this very event.
 *
 *   A new processor follows the same rule: guarded write always; an idempotency record only when
 *   it has an effect that a repeat would double and that no key deduplicates.
 */
import { Effect, Either, FiberRef, Option, ParseResult, Schema } from "effect";
import { tableSpecs, type TableKey } from "../../contracts/tables";
import { InvalidPayload } from "./errors";
import type { BusEnvelope } from "./function-shape";
import { decodeIncomingEvent, type IncomingEvent } from "./incoming-event";
import { redactText } from "./redact";
import { Alerts, HotStore, Metrics, type Alert, type Item, type StoreError } from "./services";
import { fastDecoder } from "./fast-decode";

// --- read ----------------------------------------------------------------------------------------

/** What a processor uses of a normalised incoming event (functions/kernel/incoming-event.ts). */
export type PlatformDelivery = Pick<IncomingEvent, "source" | "topic" | "eventId" | "receivedAt" | "payload" | "rawKey">;

/**
 * Reads a platform bus envelope with the kernel's decoder (inline payload, or the raw object read
 * back from the lake, large integers kept as strings) and checks it came from `source`'s door.
 */
export const readPlatformDelivery = (envelope: BusEnvelope, source: "recharge" | "stripe") =>
  Effect.flatMap(decodeIncomingEvent(envelope), (event) =>
    event.door === "platform" && event.source === source
      ? Effect.succeed<PlatformDelivery>(event)
      : Effect.fail(new InvalidPayload({ reason: `expected a ${source} event from the platform bus, got ${event.source} via the ${event.door} bus`, field: "source" })),
  );

/**
 * The Lambda program of a processor behind the platform bus (recharge-processor,
 * stripe-processor): read the delivery, process it, annotate the logs. InvalidPayload goes to
 * the DLQ without retry (kernel adapters); store errors retry.
 */
export const platformProcessor =
  <A, E, R>(functionName: string, source: "recharge" | "stripe", process: (delivery: PlatformDelivery) => Effect.Effect<A, E, R>) =>
  (envelope: BusEnvelope) =>
    readPlatformDelivery(envelope, source).pipe(Effect.flatMap(process), Effect.asVoid, Effect.annotateLogs({ function: functionName, correlationId: envelope.id }));

// --- decode --------------------------------------------------------------------------------------

/**
 * A decoder for `schema`, built once (decoding is on the hot path of every event): the decoded
 * value, or an InvalidPayload naming the first bad field, `<what> is invalid at <path>: <why>`,
 * never its value (the formatter's "actual ..." part is cut and the rest redacted: PII).
 * The result is an Either, which an Effect generator can `yield*` directly.
 */
export const decodePayload = <A, I>(schema: Schema.Schema<A, I, never>, what: string): ((input: unknown) => Either.Either<A, InvalidPayload>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "first" });
  // Valid payloads take the compiled fast path (same output); anything else gets Effect's decoder and its message.
  const fast = fastDecoder(schema.ast);
  return (input) => {
    const quick = fast?.(input);
    if (quick !== undefined && Option.isSome(quick)) return Either.right(quick.value as A);
    const result = decode(input);
    if (Either.isRight(result)) return Either.right(result.right);
    const first = ParseResult.ArrayFormatter.formatErrorSync(result.left)[0];
    const path = first ? first.path.map(String).join(".") : "";
    const why = first ? first.message.replace(/actual .*/s, "").trim() : "";
    const reason = `${what} is invalid at ${path || "(root)"}${why ? `: ${why}` : ""}`;
    return Either.left(new InvalidPayload({ reason: redactText(reason).slice(0, 300), ...(path ? { field: path } : {}) }));
  };
};

// --- write ---------------------------------------------------------------------------------------

/** The attribute of an event version (kernel/versions.ts). */
export const VERSION_ATTRIBUTE = "version";

export type WriteOutcome = "written" | "stale" | "duplicate";

export const outcomeMetric: Record<WriteOutcome, string> = { written: "RecordWritten", stale: "StaleUpdate", duplicate: "DuplicateEvent" };

/** How a table's items are ordered, and whether a refusal can tell a repeat of the same event. */
export interface WriteGuard {
  /** The attribute `HotStore.putIfNewer` compares: only a greater value replaces the stored item. */
  readonly attribute: string;
  /**
   * True when the value names the event (an event version ends in its id): a refused write reads
   * the stored item back, and an equal value is a duplicate of this very event; every outcome is
   * counted (there is no idempotency record to count them). False for `updated_at`: a refusal is
   * stale, and only that is counted here.
   */
  readonly namesEvent: boolean;
}

/** Shopify: the resource's `updated_at` (UTC ISO text, so string order is time order). */
export const byUpdatedAt: WriteGuard = { attribute: "updated_at", namesEvent: false };
/** Recharge and Stripe: `version` = time#status rank#event id. */
export const byEventVersion: WriteGuard = { attribute: VERSION_ATTRIBUTE, namesEvent: true };

const keyOf = (item: Item) => String(item.id ?? item.token ?? "");

/** A hot-store key one event's processing wrote (the GDPR subject index points at it). */
export interface HotWrite {
  readonly table: TableKey;
  readonly key: Readonly<Record<string, string>>;
}

/**
 * The hot-store keys written while processing one event: the GDPR subject index
 * (functions/gdpr/subject-index.ts `indexedEvent`) sets a fresh array around a processor's work,
 * and `upsertNewest` adds each key it writes (stale or not: the item holds the subject either way).
 * Undefined outside such a scope, when nothing is collected.
 */
export const hotWriteTrail = FiberRef.unsafeMake<Array<HotWrite> | undefined>(undefined);

const trailed = (table: TableKey, item: Item) =>
  Effect.map(FiberRef.get(hotWriteTrail), (trail) => {
    if (trail === undefined) return;
    const name = tableSpecs[table].partitionKey.name;
    if (item[name] !== undefined) trail.push({ table, key: { [name]: String(item[name]) } });
  });

/**
 * The processors' one hot-store write: a conditional put that keeps the newest item by `guard`.
 * A stale update is counted (StaleUpdate, `dimensions` plus the table) and logged, never an error.
 */
export const upsertNewest = (
  table: TableKey,
  item: Item,
  guard: WriteGuard,
  dimensions: Readonly<Record<string, string>> = {},
): Effect.Effect<WriteOutcome, StoreError, HotStore | Metrics> =>
  // flatMaps, not a generator: this runs on every event, and a generator costs more than the in-memory store call it wraps.
  Effect.flatMap(HotStore, (store) =>
    Effect.flatMap(Effect.zipRight(trailed(table, item), store.putIfNewer(table, item, guard.attribute)), (written): Effect.Effect<WriteOutcome, StoreError, Metrics> => {
      if (written === "written") return guard.namesEvent ? counted("written", table, dimensions) : WRITTEN;
      if (!guard.namesEvent) return stale(table, item, dimensions);
      return Effect.flatMap(store.get(table, { id: item.id }), (stored) =>
        Option.isSome(stored) && stored.value[guard.attribute] === item[guard.attribute] ? counted("duplicate", table, dimensions) : stale(table, item, dimensions),
      );
    }),
  );

const WRITTEN = Effect.succeed<WriteOutcome>("written");

const counted = (outcome: WriteOutcome, table: TableKey, dimensions: Readonly<Record<string, string>>) =>
  Effect.flatMap(Metrics, (metrics) => Effect.as(metrics.count(outcomeMetric[outcome], 1, { ...dimensions, table }), outcome));

const stale = (table: TableKey, item: Item, dimensions: Readonly<Record<string, string>>) =>
  Effect.zipLeft(counted("stale", table, dimensions), Effect.logInfo("stale update skipped", { table, key: keyOf(item) }));

// --- alert ---------------------------------------------------------------------------------------

/** Publishes an alert (deduplicated by its dedupKey) and counts AlertPublished or AlertDeduplicated. */
export const publishAlert = (alert: Alert, source: string) =>
  Effect.flatMap(Alerts, (alerts) =>
    Effect.flatMap(alerts.publish(alert), ({ published }) =>
      Effect.flatMap(Metrics, (metrics) => metrics.count(published ? "AlertPublished" : "AlertDeduplicated", 1, { source, kind: alert.kind })),
    ),
  );
