/**
 * The kernel's services. Programs depend on these tags; `live/` provides each as a Layer on the
 * AWS SDK v3 (the same code serves AWS and the local emulators, only the endpoints differ) and
 * `memory.ts` provides in-memory layers for unit tests; a composition may mix the two.
 */
import { Context, type Effect, type Option, type Redacted } from "effect";
import type { AlertKind } from "../../contracts/alerts";
import type { SecretKey } from "../../contracts/functions";
import type { TableKey } from "../../contracts/tables";
import type { InProgress, InvalidPayload, NotFound, SecretUnavailable, Throttled, Transient } from "./errors";

/** InvalidPayload: the store refused the content itself (a key or item too large; aws-errors.ts), never worth a retry. */
export type StoreError = Throttled | Transient | InvalidPayload;

export interface PutObjectOptions {
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
}

export class ObjectStore extends Context.Tag("sdp/ObjectStore")<
  ObjectStore,
  {
    /** Writes unless the key exists: `created` is false for a duplicate (idempotent raw writes). */
    readonly putIfAbsent: (key: string, body: string | Uint8Array, options?: PutObjectOptions) => Effect.Effect<{ readonly created: boolean }, StoreError>;
    readonly put: (key: string, body: string | Uint8Array, options?: PutObjectOptions) => Effect.Effect<void, StoreError>;
    /** Uploads a local file (large Parquet outputs) without reading it all into memory. */
    readonly putFile: (key: string, filePath: string, options?: PutObjectOptions) => Effect.Effect<void, StoreError>;
    readonly get: (key: string) => Effect.Effect<Option.Option<Uint8Array>, StoreError>;
    readonly getText: (key: string) => Effect.Effect<Option.Option<string>, StoreError>;
    readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<{ readonly key: string; readonly size: number }>, StoreError>;
    readonly delete: (key: string) => Effect.Effect<void, StoreError>;
  }
>() {}

export type Item = Record<string, unknown>;

/** Result of a guarded upsert: `stale` when the stored item is newer (counted, not an error). */
export type UpsertOutcome = "written" | "stale";

export class HotStore extends Context.Tag("sdp/HotStore")<
  HotStore,
  {
    /**
     * Puts `item` unless the stored item's `versionAttribute` is greater than or equal to the new
     * one (ISO-8601 strings or numbers compare in order). Equal versions are treated as stale so
     * a redelivery never rewrites. Tombstones: an item with `deleted: true` replaces any live
     * version, and a stored tombstone is never replaced (a late update cannot resurrect it).
     */
    readonly putIfNewer: (table: TableKey, item: Item, versionAttribute: string) => Effect.Effect<UpsertOutcome, StoreError>;
    readonly put: (table: TableKey, item: Item) => Effect.Effect<void, StoreError>;
    /** Sets attributes on an existing item only (no-op result `false` when it does not exist). */
    readonly updateIfExists: (table: TableKey, key: Item, attributes: Item) => Effect.Effect<boolean, StoreError>;
    /**
     * One unconditional write: sets `attributes` on the item with `key`, creating it when absent;
     * each of `unlessSet` is set only where the item does not have it yet (an existing item keeps its own).
     */
    readonly upsertAttributes: (table: TableKey, key: Item, attributes: Item, unlessSet: Item) => Effect.Effect<void, StoreError>;
    readonly get: (table: TableKey, key: Item) => Effect.Effect<Option.Option<Item>, StoreError>;
    readonly delete: (table: TableKey, key: Item) => Effect.Effect<void, StoreError>;
    readonly query: (table: TableKey, index: string | undefined, keyName: string, keyValue: string) => Effect.Effect<ReadonlyArray<Item>, StoreError>;
    readonly scan: (table: TableKey) => Effect.Effect<ReadonlyArray<Item>, StoreError>;
    /** Conditional create: false when an item with the key already exists (leases, claims). */
    readonly putIfNotExists: (table: TableKey, item: Item) => Effect.Effect<boolean, StoreError>;
    /**
     * One conditional write that takes a key: puts `item` when no item has its key or the stored
     * item's numeric `expiresAttribute` is at or before `nowSeconds`. When the key is taken, the
     * holder's item comes back (read with the failed write where the store can, else read after).
     */
    readonly claim: (table: TableKey, item: Item, expiresAttribute: string, nowSeconds: number) => Effect.Effect<ClaimResult, StoreError>;
  }
>() {}

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly holder: Option.Option<Item> };

export class Secrets extends Context.Tag("sdp/Secrets")<
  Secrets,
  {
    /** The secret's current value(s); webhook secrets may hold several, comma-separated, during rotation. */
    readonly get: (key: SecretKey) => Effect.Effect<Redacted.Redacted<string>, SecretUnavailable>;
  }
>() {}

export type IdempotencyOutcome<A> = { readonly status: "processed"; readonly value: A } | { readonly status: "duplicate" };

export class Idempotency extends Context.Tag("sdp/Idempotency")<
  Idempotency,
  {
    /**
     * Runs `effect` once per key: a completed key answers `duplicate`; a key another run holds
     * fails with `InProgress` (retry later); a failed run releases the key so a retry runs again.
     * The state machine is described in idempotency.ts.
     */
    readonly once: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<IdempotencyOutcome<A>, E | StoreError | InProgress, R>;
  }
>() {}

export interface BusEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
}

export class EventBus extends Context.Tag("sdp/EventBus")<
  EventBus,
  { readonly publish: (events: ReadonlyArray<BusEvent>) => Effect.Effect<void, StoreError | InvalidPayload> }
>() {}

/** The kinds of alert, listed once in contracts/alerts.ts (function specs name the kinds they raise). */
export type { AlertKind };

export interface Alert {
  readonly kind: AlertKind;
  readonly severity: "info" | "warning" | "critical";
  readonly subject: string;
  readonly message: string;
  /** One alert per business event: the same dedupKey is published once. */
  readonly dedupKey: string;
}

export class Alerts extends Context.Tag("sdp/Alerts")<Alerts, { readonly publish: (alert: Alert) => Effect.Effect<{ readonly published: boolean }, StoreError> }>() {}

export type MetricUnit = "Count" | "Milliseconds" | "Bytes" | "None";

export class Metrics extends Context.Tag("sdp/Metrics")<
  Metrics,
  {
    readonly count: (name: string, value?: number, dimensions?: Record<string, string>) => Effect.Effect<void>;
    readonly record: (name: string, value: number, unit: MetricUnit, dimensions?: Record<string, string>) => Effect.Effect<void>;
    /** Writes buffered metrics as one CloudWatch Embedded Metric Format line. */
    readonly flush: Effect.Effect<void>;
  }
>() {}

export type { NotFound };

/** A record that can never succeed (InvalidPayload): kept for inspection, never retried. */
export interface DeadLetter {
  /** The record body exactly as received (an SQS message body: the EventBridge envelope JSON). */
  readonly body: string;
  readonly reason: string;
  /** Where it came from, e.g. the function name or the SQS message id. */
  readonly origin?: string;
}

export class DeadLetters extends Context.Tag("sdp/DeadLetters")<DeadLetters, { readonly send: (letter: DeadLetter) => Effect.Effect<void, StoreError> }>() {}
