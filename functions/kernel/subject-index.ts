/**
 * The GDPR subject index as a kernel service: one DynamoDB table (contracts/tables.ts
 * `subjectIndex`) of items `{ subject_key, location_id, location }`, where `subject_key` is a keyed
 * HMAC of a customer id, e-mail or phone (functions/gdpr/subject.ts `subjectKey`) and
 * `location_id` names one place holding that person (a raw object, a Parquet file, a hot-store
 * key) or one other identifier seen in the same record (`link#<subject key>`). No value of an
 * identifier is ever stored; only the locations' own keys.
 *
 * Writes are puts of fixed keys: a repeated write (a redelivery, a retry after a crash) puts the
 * same items again, harmlessly. `write` is one BatchWriteItem per 25 items (an event writes one).
 *
 * What is written, and where, is functions/gdpr/subject-index.ts; the kernel only knows the
 * table. The processors take the service as optional (`Effect.serviceOption`): the live layer
 * and `sdp local` always provide it; unit tests of other concerns need not.
 */
import { Context, Effect, Layer, Redacted } from "effect";
import type { SubjectLocation } from "../../contracts/gdpr";
import type { SecretUnavailable } from "./errors";
import { HotStore, Secrets, type Item, type StoreError } from "./services";

export const SUBJECT_INDEX_TABLE = "subjectIndex" as const;

export interface SubjectIndexItem {
  readonly subject_key: string;
  readonly location_id: string;
  /** The place (SubjectLocation as JSON); absent on a link. */
  readonly location?: string;
  /** A link: another identifier's subject key seen in the same record. */
  readonly linked_key?: string;
  /** When this location was first or last indexed (ISO-8601). */
  readonly indexed_at: string;
}

export class SubjectIndex extends Context.Tag("sdp/SubjectIndex")<
  SubjectIndex,
  {
    /** The HMAC key (a secret: never logged). */
    readonly indexKey: Effect.Effect<string, SecretUnavailable>;
    /** Puts the items (idempotent: fixed keys); one batch per 25 items, unprocessed items retried. */
    readonly write: (items: ReadonlyArray<SubjectIndexItem>) => Effect.Effect<void, StoreError>;
    /** Every item under one subject key (locations and links). */
    readonly entriesOf: (subjectKey: string) => Effect.Effect<ReadonlyArray<SubjectIndexItem>, StoreError>;
    /** Deletes items by key (the redaction's last step); deleting a missing item is a no-op. */
    readonly remove: (keys: ReadonlyArray<Pick<SubjectIndexItem, "subject_key" | "location_id">>) => Effect.Effect<void, StoreError>;
  }
>() {}

/** The location id of a place: stable, so the same place is always the same item. */
export const locationIdOf = (location: SubjectLocation): string => {
  switch (location.store) {
    case "raw":
      return `raw#${location.key}`;
    case "parquet":
      return `parquet#${location.key}`;
    case "hot":
      return `hot#${location.table}#${Object.keys(location.key)
        .sort()
        .map((name) => `${name}=${location.key[name]}`)
        .join("&")}`;
    case "idempotency":
      return `idempotency#${location.key}`;
    case "dlq":
      return `dlq#${location.key}`;
  }
};

export const linkIdOf = (subjectKey: string) => `link#${subjectKey}`;

/** A subject index over any HotStore, one put per item: the in-memory layer of unit tests (the live one batches). */
export const subjectIndexOverHotStore = (store: HotStore["Type"], key: Effect.Effect<string, SecretUnavailable>): SubjectIndex["Type"] => ({
  indexKey: key,
  write: (items) => Effect.forEach(items, (item) => store.put(SUBJECT_INDEX_TABLE, item as unknown as Item), { discard: true }),
  entriesOf: (subjectKey) => Effect.map(store.query(SUBJECT_INDEX_TABLE, undefined, "subject_key", subjectKey), (items) => items as unknown as ReadonlyArray<SubjectIndexItem>),
  remove: (keys) => Effect.forEach(keys, (key) => store.delete(SUBJECT_INDEX_TABLE, { subject_key: key.subject_key, location_id: key.location_id }), { discard: true }),
});

/** The subject index over the composition's HotStore, its key from Secrets (`subjectIndexKey`). */
export const SubjectIndexFromHotStore: Layer.Layer<SubjectIndex, never, HotStore | Secrets> = Layer.effect(
  SubjectIndex,
  Effect.map(Effect.all([HotStore, Secrets]), ([store, secrets]) =>
    subjectIndexOverHotStore(
      store,
      Effect.map(secrets.get("subjectIndexKey"), (value) => Redacted.value(value)),
    ),
  ),
);
