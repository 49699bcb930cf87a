/**
 * The GDPR subject index: what is written for each record that names a person, and how a request
 * finds every place holding them without a scan (contracts/tables.ts `subjectIndex`; the table
 * service is kernel/subject-index.ts).
 *
 * Written
 *   at ingestion: every processor (Shopify families, Recharge, Stripe) runs its work inside
 *   `indexedEvent`: the identifiers in the payload (customer ids, e-mails, phones, normalised by
 *   subject.ts) each point at the raw object and at every hot-store key the processing wrote
 *   (processor-frame.ts `hotWriteTrail`). One BatchWriteItem per event, after the work and inside
 *   the Shopify processors' idempotency claim, so a crash before it leaves the claim open and
 *   the redelivery writes it; a repeat puts the same items (fixed keys). An event that fails
 *   with InvalidPayload (dead-lettered) still indexes its raw object; a duplicate delivery under
 *   another webhook id indexes its own raw object.
 *   at backfill: every Parquet part uploaded under snapshots/ (backfill download) is read back
 *   with DuckDB for its identifier columns (`indexParquetFile`).
 *   at the ETL: `sdp etl` on an `sdp local` data dir and the demo index the partitions and views
 *   they wrote (cli/commands/etl.ts, parquet-index.ts `indexEtlOutputs`); in AWS the analytics
 *   workflow's IndexPartition step invokes gdpr-index-parquet after each Athena INSERT.
 *   at the Shopify door: a compliance webhook's raw copy (customers/data_request,
 *   customers/redact) under the customer it names (compliance.ts), before the request's event.
 *
 * Linked
 *   identifiers that describe the record's own subject (the customer's id, e-mail and phone, a
 *   Stripe customer or billing e-mail, a Recharge record's Shopify customer id) are linked to each
 *   other (`link#<subject key>` items), so a request by e-mail also finds the Stripe charge
 *   that carries only the customer id, and one by Shopify id the Recharge records carrying
 *   `external_customer_id`. Identifiers mentioned elsewhere in a record (a shipping address's
 *   phone, a dispute's evidence e-mail) point at the record but link nothing: a shared phone
 *   must not pull in a second person.
 */
import { Effect, Option } from "effect";
import type { SubjectLocation } from "../../contracts/gdpr";
import { Transient, type InvalidPayload } from "../kernel/errors";
import { hotWriteTrail, type HotWrite } from "../kernel/processor-frame";
import type { StoreError } from "../kernel/services";
import { linkIdOf, locationIdOf, SubjectIndex, type SubjectIndexItem } from "../kernel/subject-index";
import { normaliseCustomerId, normaliseEmail, normalisePhone, subjectKey, type SubjectIdentifier } from "./subject";

export type IndexedSource = "shopify" | "recharge" | "stripe";

/** An identifier found in a record, and whether it names the record's own subject (linkable). */
export interface FoundIdentifier {
  readonly identifier: SubjectIdentifier;
  readonly subject: boolean;
}

const EMAIL_FIELD = /(^|_)email(_address)?$/i;
const PHONE_FIELD = /(^|_)phone(_number)?$/i;
/** Containers whose e-mails and phones are the record's subject's. */
const SUBJECT_CONTAINERS = new Set(["customer", "billing_details", "default_address", "defaultEmailAddress", "defaultPhoneNumber"]);
const MAX_DEPTH = 12;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const idText = (value: unknown): string | undefined => (typeof value === "string" || typeof value === "number" || typeof value === "bigint" ? String(value) : undefined);

/**
 * Every identifier a provider payload carries, anywhere in it: fields named like e-mail or phone
 * (`email`, `contact_email`, `receipt_email`, `customer_phone`, `phone`...), customer ids
 * (`customer_id`, `customer.id`, a Stripe `customer`, Recharge's `shopify_customer_id` and
 * `external_customer_id.ecommerce`), and the record itself when it is a customer (Shopify
 * `customers/*`, a Stripe customer object, Recharge `customer/*`).
 */
export const identifiersOfPayload = (source: IndexedSource, topic: string, payload: unknown): FoundIdentifier[] => {
  const found = new Map<string, FoundIdentifier>();
  const add = (identifier: SubjectIdentifier | undefined, subject: boolean) => {
    if (identifier === undefined) return;
    const key = `${identifier.kind}\u0000${identifier.value}`;
    const before = found.get(key);
    if (before === undefined || (subject && !before.subject)) found.set(key, { identifier, subject });
  };
  const customerId = (value: unknown, namespace: IndexedSource, subject = true) => {
    const text = idText(value);
    const id = text === undefined ? undefined : normaliseCustomerId(text, namespace);
    add(id === undefined ? undefined : { kind: "customer-id", value: id }, subject);
  };
  const walk = (value: unknown, depth: number, subject: boolean) => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const each of value) walk(each, depth + 1, subject);
      return;
    }
    if (!isObject(value)) return;
    if (value.object === "customer" && typeof value.id === "string") customerId(value.id, "stripe");
    for (const [field, child] of Object.entries(value)) {
      if (typeof child === "string") {
        if (EMAIL_FIELD.test(field) || field === "emailAddress") {
          const email = normaliseEmail(child);
          if (email) add({ kind: "email", value: email }, subject);
          continue;
        }
        if (PHONE_FIELD.test(field) || field === "phoneNumber") {
          const phone = normalisePhone(child);
          if (phone) add({ kind: "phone", value: phone }, subject);
          continue;
        }
      }
      if (field === "customer_id" || field === "customerId") customerId(child, source === "stripe" ? "stripe" : source);
      else if (field === "shopify_customer_id") customerId(child, "shopify");
      else if (field === "external_customer_id" && isObject(child)) customerId(child.ecommerce, "shopify");
      else if (field === "customer" && (typeof child === "string" || typeof child === "number")) customerId(child, source);
      else if (field === "customer" && isObject(child)) {
        if (child.id !== undefined) customerId(child.id, source);
        walk(child, depth + 1, true);
        continue;
      }
      if (child !== null && typeof child === "object") walk(child, depth + 1, SUBJECT_CONTAINERS.has(field));
    }
  };
  /** A record's own top-level e-mails and phones are its subject's (an order's `email`, a charge's `receipt_email`). */
  const subjectFieldsOf = (record: Record<string, unknown>) => {
    for (const [field, child] of Object.entries(record)) {
      if (typeof child !== "string") continue;
      if (EMAIL_FIELD.test(field)) {
        const email = normaliseEmail(child);
        if (email) add({ kind: "email", value: email }, true);
      } else if (PHONE_FIELD.test(field)) {
        const phone = normalisePhone(child);
        if (phone) add({ kind: "phone", value: phone }, true);
      }
    }
  };
  if (isObject(payload)) {
    // The record itself is a customer.
    if (source === "shopify" && topic.startsWith("customers/")) customerId(payload.id, "shopify");
    if (source === "recharge" && topic.startsWith("customer/") && isObject(payload.customer)) customerId(payload.customer.id, "recharge");
    subjectFieldsOf(payload);
    // Stripe events wrap their object under data.object; Recharge under the entity's name.
    for (const wrapped of [isObject(payload.data) ? payload.data.object : undefined, payload.subscription, payload.charge, payload.order, payload.customer]) {
      if (isObject(wrapped)) subjectFieldsOf(wrapped);
    }
  }
  walk(payload, 0, false);
  return [...found.values()];
};

const locationItems = (keys: ReadonlyArray<string>, locations: ReadonlyArray<SubjectLocation>, at: string): SubjectIndexItem[] =>
  keys.flatMap((subject_key) => locations.map((location) => ({ subject_key, location_id: locationIdOf(location), location: JSON.stringify(location), indexed_at: at })));

/** The index items of one record: each identifier -> each location, and the links between the record's subject identifiers. */
export const indexItemsOf = (found: ReadonlyArray<FoundIdentifier>, locations: ReadonlyArray<SubjectLocation>, indexKey: string, at: string): SubjectIndexItem[] => {
  const keyed = found.map((each) => ({ key: subjectKey(each.identifier, indexKey), subject: each.subject }));
  const unique = new Map<string, SubjectLocation>();
  for (const location of locations) unique.set(locationIdOf(location), location);
  const items = locationItems(
    keyed.map((each) => each.key),
    [...unique.values()],
    at,
  );
  const linkable = [...new Set(keyed.filter((each) => each.subject).map((each) => each.key))];
  for (const from of linkable) for (const to of linkable) if (from !== to) items.push({ subject_key: from, location_id: linkIdOf(to), linked_key: to, indexed_at: at });
  return items;
};

const hotLocation = (write: HotWrite): SubjectLocation => ({ store: "hot", table: write.table, key: write.key });

const keyUnavailable = (reason: string) => new Transient({ service: "secrets", reason: `the subject index key is unavailable: ${reason}` });

/** Writes the index items of one record (one BatchWriteItem); nothing when the record names nobody. */
export const indexRecord = (
  found: ReadonlyArray<FoundIdentifier>,
  locations: ReadonlyArray<SubjectLocation>,
): Effect.Effect<void, StoreError, never> | Effect.Effect<void, StoreError, SubjectIndex> =>
  found.length === 0 || locations.length === 0
    ? Effect.void
    : Effect.flatMap(SubjectIndex, (index) =>
        Effect.flatMap(
          Effect.mapError(index.indexKey, (error) => keyUnavailable(error.reason)),
          (key) => index.write(indexItemsOf(found, locations, key, new Date().toISOString())),
        ),
      );

export interface IndexedEvent {
  readonly source: IndexedSource;
  readonly topic: string;
  readonly payload: unknown;
  /** The raw object of this delivery (absent only in tests that feed a payload without one). */
  readonly rawKey?: string;
}

/**
 * Runs one event's processing and indexes it: the payload's identifiers -> its raw object and the
 * hot-store keys the processing wrote. With no SubjectIndex in the composition, only `work` runs.
 * InvalidPayload still indexes the raw object (it stays in the lake, the event goes to the DLQ).
 */
export const indexedEvent = <A, E, R>(event: IndexedEvent, work: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreError, R> =>
  Effect.flatMap(Effect.serviceOption(SubjectIndex), (service) => {
    if (Option.isNone(service)) return work;
    const trail: HotWrite[] = [];
    const raw: SubjectLocation[] = event.rawKey ? [{ store: "raw", key: event.rawKey }] : [];
    const write = (locations: ReadonlyArray<SubjectLocation>) =>
      Effect.suspend(() => {
        const found = identifiersOfPayload(event.source, event.topic, event.payload);
        return Effect.provideService(indexRecord(found, locations) as Effect.Effect<void, StoreError, SubjectIndex>, SubjectIndex, service.value);
      });
    return Effect.locally(work, hotWriteTrail, trail).pipe(
      Effect.tap(() => write([...raw, ...trail.map(hotLocation)])),
      Effect.tapError((error) => ((error as { _tag?: string })?._tag === "InvalidPayload" ? write(raw) : Effect.void)),
    );
  });

/** A platform delivery (Recharge, Stripe) as an indexed event. */
export const indexedDelivery = (source: IndexedSource, delivery: { readonly topic: string; readonly payload: unknown; readonly rawKey?: string | undefined }): IndexedEvent => ({
  source,
  topic: delivery.topic,
  payload: delivery.payload,
  ...(delivery.rawKey !== undefined ? { rawKey: delivery.rawKey } : {}),
});

/** Indexes only the raw object of a delivery the processing skipped (a duplicate, an unhandled topic). */
export const indexRawOnly = (event: IndexedEvent): Effect.Effect<void, StoreError> => indexedEvent(event, Effect.void);

export type { InvalidPayload };

// --- lookup --------------------------------------------------------------------------------------

export interface SubjectResolution {
  /** The subject keys looked up: the request's own, then those reached through links. */
  readonly subjectKeys: ReadonlyArray<string>;
  /** Every place the index holds for them, each once. */
  readonly locations: ReadonlyArray<SubjectLocation>;
  /** The index items read (locations and links): what the redaction purges from the index last. */
  readonly entries: ReadonlyArray<Pick<SubjectIndexItem, "subject_key" | "location_id">>;
}

export interface LookupOptions {
  /** How many link hops to follow from the request's identifiers (default 2: e-mail -> customer id -> its phone). 0 follows none. */
  readonly linkDepth?: number;
  /** A bound on the keys reached through links (default 50): a request is one person. */
  readonly maxKeys?: number;
}

/**
 * Every place the subject index holds the person named by `identifiers` (normalised, subject.ts
 * `identifierOf`), following links between the identifiers records carried together. One Query
 * per subject key; no scan.
 */
export const resolveSubject = (identifiers: ReadonlyArray<SubjectIdentifier>, options: LookupOptions = {}): Effect.Effect<SubjectResolution, StoreError, SubjectIndex> =>
  Effect.gen(function* () {
    const index = yield* SubjectIndex;
    const key = yield* Effect.mapError(index.indexKey, (error) => keyUnavailable(error.reason));
    const depthLimit = options.linkDepth ?? 2;
    const maxKeys = options.maxKeys ?? 50;
    const seen = new Set<string>();
    const locations = new Map<string, SubjectLocation>();
    const entries: Array<Pick<SubjectIndexItem, "subject_key" | "location_id">> = [];
    let frontier = [...new Set(identifiers.map((identifier) => subjectKey(identifier, key)))];
    for (let depth = 0; frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const subject of frontier) {
        if (seen.has(subject) || seen.size >= maxKeys) continue;
        seen.add(subject);
        for (const item of yield* index.entriesOf(subject)) {
          entries.push({ subject_key: item.subject_key, location_id: item.location_id });
          if (item.linked_key !== undefined) {
            if (depth < depthLimit && !seen.has(item.linked_key)) next.push(item.linked_key);
          } else if (item.location !== undefined) {
            locations.set(item.location_id, JSON.parse(item.location) as SubjectLocation);
          }
        }
      }
      frontier = next;
    }
    return { subjectKeys: [...seen], locations: [...locations.values()], entries };
  });

/** The stable entry point the redaction and the export call: every location holding the subject. */
export const lookupSubject = (
  identifiers: ReadonlyArray<SubjectIdentifier>,
  options: LookupOptions = {},
): Effect.Effect<ReadonlyArray<SubjectLocation>, StoreError, SubjectIndex> => Effect.map(resolveSubject(identifiers, options), (resolution) => resolution.locations);
