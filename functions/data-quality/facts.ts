/**
 * Gathers what the checks need for one run date, through the kernel services only:
 *   - ObjectStore: raw key listings per stream and day (freshness, volume), a sample of the run
 *     date's raw objects (schema drift), reconciliation manifests and their snapshot prefixes
 *     (bulk counts), and in AWS the CSV results of the workflow's Athena queries;
 *   - HotStore: item counts per table (locally; in AWS throttles and errors are CloudWatch alarms).
 * Facts that need SQL over the whole lake (order-number gaps, duplicates) arrive computed: from
 * DuckDB locally (etl/quality.ts) or from Athena result files in AWS.
 */
import { Effect, Option } from "effect";
import { decodeFailureOfKey, decodeFailurePrefix, keySegment, rawPrefix, snapshotPrefix, sources } from "../../contracts/lake-layout";
import { recoveredEventsPrefix, recoveredSources, RECOVERY_LAG_DAYS, webhookEntities, type WebhookRecoveryAlert } from "../../contracts/webhook-recovery";
import type { TableKey } from "../../contracts/tables";
import { sourceSpecs } from "../../contracts/analytics-sources";
import { HotStore, ObjectStore, type StoreError } from "../kernel/services";
import { parseCsv } from "./athena-csv";
import type { DecodeFailureCount, DqFacts, FieldSample, HotStoreFacts, ManifestFacts, OrderNumberGap, StreamCounts, StreamSpec, WebhookDeliveryFacts } from "./checks";
import { TRAILING_DAYS } from "./checks";
import { addDays, dateRange } from "./dates";

export interface QueryFacts {
  readonly orderNumberGaps?: ReadonlyArray<OrderNumberGap>;
  readonly processedDuplicates?: ReadonlyArray<{ readonly orderId: string; readonly copies: number }>;
}

/** Lake keys of Athena result CSVs (the workflow's StartQueryExecution output locations). */
export interface QueryResultKeys {
  readonly orderNumberGaps?: string;
  readonly processedDuplicates?: string;
}

export const monitoredStreams: ReadonlyArray<StreamSpec> = [
  { source: "shopify", entity: "orders", maxAgeDays: 1, severity: "error" },
  { source: "shopify", entity: "checkouts", maxAgeDays: 2, severity: "warning" },
  { source: "shopify", entity: "customers", maxAgeDays: 2, severity: "warning" },
  { source: "shopify", entity: "products", maxAgeDays: 3, severity: "warning" },
  { source: "recharge", entity: "subscription", maxAgeDays: 2, severity: "warning" },
  { source: "recharge", entity: "charge", maxAgeDays: 2, severity: "warning" },
  { source: "stripe", entity: "charge", maxAgeDays: 2, severity: "warning" },
];

export const hotStoreTables: ReadonlyArray<TableKey> = ["orders", "customers", "products", "subscriptions", "payments"];

const SAMPLE_SIZE = 50;

const streamCounts = (date: string, stream: StreamSpec) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const counts: Record<string, number> = {};
    for (const day of dateRange(addDays(date, -TRAILING_DAYS), date)) {
      const objects = yield* store.list(`raw/${stream.source}/${stream.entity}/dt=${day}/`);
      counts[day] = objects.length;
    }
    return { stream, counts } satisfies StreamCounts;
  });

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The webhook body of a raw object: the object itself, or `payload` of an envelope. */
const bodyOf = (object: Record<string, unknown>): Record<string, unknown> => {
  const payload = object.payload;
  return typeof object.topic === "string" && payload !== null && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : object;
};

const fieldSample = (date: string, subject: string, prefix: string, expected: ReadonlyArray<string>, tolerated: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const keys = (yield* store.list(prefix))
      .map((object) => object.key)
      .sort()
      .slice(0, SAMPLE_SIZE);
    const seen: Record<string, number> = {};
    let sampled = 0;
    for (const key of keys) {
      const text = yield* store.getText(key);
      if (Option.isNone(text)) continue;
      const parsed = parseObject(text.value);
      if (!parsed) continue;
      const body = bodyOf(parsed);
      const fields = Object.keys(body);
      // Deletes carry only the id: they say nothing about the shape of the entity.
      if (fields.length <= 1) continue;
      sampled += 1;
      for (const field of fields) seen[field] = (seen[field] ?? 0) + 1;
    }
    return { subject, expected, tolerated, sampled, seen } satisfies FieldSample;
  });

const num = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : Number.NaN);

const manifestFacts = (date: string) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const keys = (yield* store.list("metadata/reconciliation/")).map((object) => object.key).filter((key) => key.endsWith(".json"));
    const from = addDays(date, -TRAILING_DAYS);
    const out: ManifestFacts[] = [];
    for (const key of keys) {
      const text = yield* store.getText(key);
      if (Option.isNone(text)) continue;
      const manifest = parseObject(text.value);
      // Per-object manifests carry objectCount; run summaries do not.
      if (!manifest || typeof manifest.objectCount !== "number") continue;
      const writtenOn = typeof manifest.writtenAt === "string" ? manifest.writtenAt.slice(0, 10) : undefined;
      if (writtenOn !== undefined && (writtenOn < from || writtenOn > date)) continue;
      const runId = String(manifest.runId ?? "");
      const entities = Array.isArray(manifest.entities) ? (manifest.entities as Array<Record<string, unknown>>) : [];
      const landed: ManifestFacts["entities"][number][] = [];
      for (const entity of entities) {
        const name = String(entity.entity ?? "");
        const rows = num(entity.rows);
        const files = name && runId ? yield* store.list(snapshotPrefix(name, runId)) : [];
        landed.push({ entity: name, rows: Number.isNaN(rows) ? 0 : rows, landed: files.length > 0 });
      }
      out.push({
        key,
        runId,
        object: String(manifest.object ?? "?"),
        objectCount: manifest.objectCount,
        totalRows: typeof manifest.totalRows === "number" ? manifest.totalRows : landed.reduce((sum, entity) => sum + entity.rows, 0),
        partial: manifest.partial === true,
        countCheck: typeof manifest.countCheck === "string" ? manifest.countCheck : undefined,
        entities: landed,
      });
    }
    return out;
  });

const hotStoreFacts = (mode: "counts" | "cloudwatch" | "none"): Effect.Effect<HotStoreFacts> =>
  mode === "cloudwatch"
    ? Effect.succeed({
        mode: "cloudwatch",
        note: "in AWS the hot stores are watched by CloudWatch alarms on ThrottledRequests, SystemErrors and UserErrors per table (monitoring stack)",
      })
    : mode === "none"
      ? Effect.succeed({ mode: "none", note: "no hot store to read (lake-only run)" })
      : Effect.gen(function* () {
          const maybeHot = yield* Effect.serviceOption(HotStore);
          if (Option.isNone(maybeHot)) return { mode: "none", note: "no hot store available to this run" } as const;
          const hot = maybeHot.value;
          const counts: Record<string, number> = {};
          const errors: Record<string, string> = {};
          for (const table of hotStoreTables) {
            const result = yield* Effect.either(hot.scan(table));
            if (result._tag === "Right") counts[table] = result.right.length;
            else errors[table] = result.left._tag;
          }
          return { mode: "counts", counts, errors } as const;
        });

const readCsvRows = (key: string) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const text = yield* store.getText(key);
    return Option.isSome(text) ? parseCsv(text.value) : undefined;
  });

/** Query facts from Athena result files (AWS). */
export const queryFactsFromResults = (keys: QueryResultKeys): Effect.Effect<QueryFacts, StoreError, ObjectStore> =>
  Effect.gen(function* () {
    const gaps = keys.orderNumberGaps ? yield* readCsvRows(keys.orderNumberGaps) : undefined;
    const duplicates = keys.processedDuplicates ? yield* readCsvRows(keys.processedDuplicates) : undefined;
    return {
      orderNumberGaps: gaps?.map((row) => ({ gapStart: Number(row.gap_start), gapEnd: Number(row.gap_end), fromDate: String(row.from_date), toDate: String(row.to_date) })),
      processedDuplicates: duplicates?.map((row) => ({ orderId: String(row.order_id), copies: Number(row.copies) })),
    };
  });

/** Decode failures recorded for events received on `date` (metadata/decode-failures/), counted per topic and API version from the keys. */
export const decodeFailureCounts = (date: string): Effect.Effect<DecodeFailureCount[], StoreError, ObjectStore> =>
  Effect.map(
    Effect.flatMap(ObjectStore, (store) => store.list(decodeFailurePrefix(date))),
    (objects) => {
      const counts = new Map<string, DecodeFailureCount>();
      for (const { key } of objects) {
        const failure = decodeFailureOfKey(key);
        if (!failure) continue;
        const id = `${failure.topic}\n${failure.apiVersion}`;
        counts.set(id, { ...failure, count: (counts.get(id)?.count ?? 0) + 1 });
      }
      return [...counts.values()];
    },
  );

/**
 * Per source, the raw objects of the date under its webhook entities, the reconciliation's copies
 * among them, and the events of the date it recovered (markers, contracts/webhook-recovery.ts):
 * listings only, no object is read.
 */
export const webhookDeliveryFacts = (date: string): Effect.Effect<WebhookDeliveryFacts[], StoreError, ObjectStore> =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const out: WebhookDeliveryFacts[] = [];
    for (const source of sources) {
      const entities = new Set(webhookEntities[source].map(keySegment));
      let rawObjects = 0;
      for (const entity of entities) rawObjects += (yield* store.list(`${rawPrefix(source, entity)}dt=${date}/`)).length;
      // <prefix>event=<day>/<entity>/<event-id>.json: only the source's webhook entities count.
      const entityOf = (key: string, prefix: string) => key.slice(prefix.length).split("/")[1];
      const copiesPrefix = recoveredEventsPrefix(source, date);
      const recoveredCopies = (yield* store.list(copiesPrefix)).filter(({ key }) => entities.has(entityOf(key, copiesPrefix) ?? "")).length;
      let recovered: number | undefined;
      if (recoveredSources.includes(source)) {
        recovered = 0;
        for (const day of dateRange(date, addDays(date, RECOVERY_LAG_DAYS))) {
          const prefix = recoveredEventsPrefix(source, day, date);
          recovered += (yield* store.list(prefix)).filter(({ key }) => entities.has(key.slice(prefix.length).split("/")[0] ?? "")).length;
        }
      }
      out.push({ source, rawObjects, recoveredCopies, ...(recovered === undefined ? {} : { recovered }) });
    }
    return out;
  });

export interface GatherOptions {
  readonly date: string;
  readonly queryFacts?: QueryFacts;
  readonly hotStore: "counts" | "cloudwatch" | "none";
  /** When the webhook-recovery check alerts (default contracts/webhook-recovery.ts). */
  readonly webhookRecoveryAlert?: WebhookRecoveryAlert;
}

export const gatherFacts = (options: GatherOptions) =>
  Effect.gen(function* () {
    const { date } = options;
    const streams: StreamCounts[] = [];
    for (const stream of monitoredStreams) streams.push(yield* streamCounts(date, stream));
    const fieldSamples: FieldSample[] = [];
    for (const spec of Object.values(sourceSpecs)) {
      if (spec.kind !== "raw") continue;
      fieldSamples.push(yield* fieldSample(date, `${spec.source}/${spec.entity}`, `raw/${spec.source}/${spec.entity}/dt=${date}/`, spec.fields, spec.tolerated));
    }
    const missing: Record<string, string> = {};
    if (!options.queryFacts?.orderNumberGaps) missing.orderNumberGaps = "the order-number query did not run (no query result given)";
    if (!options.queryFacts?.processedDuplicates) missing.processedDuplicates = "the duplicates query did not run (no query result given)";
    const facts: DqFacts = {
      date,
      streams,
      orderNumberGaps: options.queryFacts?.orderNumberGaps,
      processedDuplicates: options.queryFacts?.processedDuplicates,
      manifests: yield* manifestFacts(date),
      fieldSamples,
      hotStore: yield* hotStoreFacts(options.hotStore),
      missing,
      decodeFailures: yield* decodeFailureCounts(date),
      webhookDelivery: yield* webhookDeliveryFacts(date),
      ...(options.webhookRecoveryAlert ? { webhookRecoveryAlert: options.webhookRecoveryAlert } : {}),
    };
    return facts;
  });
