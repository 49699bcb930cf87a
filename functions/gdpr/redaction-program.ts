/**
 * The steps of the GDPR redaction workflow (contracts/gdpr-workflow.ts), one program answering
 * `{requestId, step}`. Every step:
 *   - reads the request record (functions/gdpr/requests.ts); a step already in `stepsDone`, or a
 *     complete request, answers `skipped` and does nothing again;
 *   - finds the subject's locations through the subject index (never a scan), with the
 *     identifiers the Lookup step stored on the request;
 *   - does its deletions, each of which is repeatable (a missing object, item or row is no error);
 *   - appends its audit entry (request id, step, counts, times; never personal data) as a new
 *     object under metadata/gdpr-audit/ (putIfAbsent: an entry is never overwritten);
 *   - marks itself done on the request.
 * A crash anywhere in a step repeats the step, which finds less to do.
 */
import * as fs from "node:fs";
import { Effect, Option } from "effect";
import type { GdprRequestRecord, SubjectLocation } from "../../contracts/gdpr";
import { gdprRedactionSteps, type GdprRedactionStep, type GdprStepOutput } from "../../contracts/gdpr-workflow";
import { gdprAuditKey, partitionDate } from "../../contracts/lake-layout";
import { tableKeys, type TableKey } from "../../contracts/tables";
import { InvalidPayload, NotFound, Transient } from "../kernel/errors";
import { Alerts, HotStore, ObjectStore, type Item } from "../kernel/services";
import { rewriteParquet, rowMatchOf } from "./parquet-redact";
import { DeadLetterStore, LakeVersions, VendorApis, type Vendor } from "./redaction-services";
import { identifiersOfPayload, type IndexedSource } from "./subject-index";
import { forgetSubject, lookupLocations, subjectKeysOf } from "./subject-lookup";
import { completeRequest, getRequest, markStep, setStatus } from "./requests";
import type { SubjectIdentifier } from "./subject";

export interface RedactionStepInput {
  readonly requestId: string;
  readonly step: GdprRedactionStep | "failed";
  /** The failed state's error ({Error, Cause}); only its name reaches the audit log. */
  readonly error?: { readonly Error?: string };
}

/** Where one audit entry of a request goes: under the request's audit key (gdprAuditKey), one object per entry. */
export const gdprAuditEntryKey = (receivedAt: string, requestId: string, at: Date, step: string) =>
  `${gdprAuditKey(partitionDate(receivedAt), requestId).replace(/\.json$/, "")}/${at.toISOString().replace(/[:.]/g, "")}-${step}.json`;

/** The audit prefix of a request (every entry of it). */
export const gdprAuditPrefix = (receivedAt: string, requestId: string) => `${gdprAuditKey(partitionDate(receivedAt), requestId).replace(/\.json$/, "")}/`;

export interface AuditEntry {
  readonly requestId: string;
  readonly kind: GdprRequestRecord["kind"];
  readonly step: string;
  readonly skipped: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly error?: string;
}

const TABLE_SOURCE: Partial<Record<TableKey, "recharge" | "stripe">> = {
  subscriptions: "recharge",
  charges: "recharge",
  payments: "stripe",
  invoices: "stripe",
  disputes: "stripe",
};

/** The identifiers a record names as its own subject (functions/gdpr/subject-index.ts `identifiersOfPayload`): what Lookup follows. */
export const linkedIdentifiers = (source: IndexedSource, topic: string, document: unknown): SubjectIdentifier[] =>
  identifiersOfPayload(source, topic, document)
    .filter((found) => found.subject)
    .map((found) => found.identifier);

const uniqueIdentifiers = (identifiers: ReadonlyArray<SubjectIdentifier>): SubjectIdentifier[] => {
  const seen = new Map<string, SubjectIdentifier>();
  for (const identifier of identifiers) seen.set(`${identifier.kind}\u0000${identifier.value}`, { kind: identifier.kind, value: identifier.value });
  return [...seen.values()].sort((a, b) => `${a.kind}:${a.value}`.localeCompare(`${b.kind}:${b.value}`));
};

/** How deep Lookup follows links (id -> e-mail -> Recharge id ...): enough for Shopify -> Recharge -> Stripe. */
const MAX_LOOKUP_ROUNDS = 4;

const asText = (body: Uint8Array) => Buffer.from(body).toString("utf8");

/** The body of a raw object or a dead letter mentions one of the identifiers (as the record's own fields hold it). */
export const mentionsSubject = (text: string, identifiers: ReadonlyArray<SubjectIdentifier>): boolean => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const wanted = new Set(identifiers.map((identifier) => `${identifier.kind}\u0000${identifier.value}`));
  if (parsed !== undefined) {
    for (const source of ["shopify", "recharge", "stripe"] as const)
      // Bare customer ids are left out: which source issued a bare number is not known here (a raw key names the event instead).
      if (
        identifiersOfPayload(source, "dead-letter", parsed).some(
          ({ identifier }) => (identifier.kind !== "customer-id" || identifier.value.startsWith("stripe:cus_")) && wanted.has(`${identifier.kind}\u0000${identifier.value}`),
        )
      )
        return true;
  }
  // Whatever the shape: an e-mail or an international phone of the subject anywhere in the text.
  const lower = text.toLowerCase();
  return identifiers.some((identifier) => (identifier.kind === "email" || (identifier.kind === "phone" && identifier.value.startsWith("+"))) && lower.includes(identifier.value));
};

const hotKeyOf = (location: Extract<SubjectLocation, { store: "hot" }>): { table: TableKey; key: Item } | undefined =>
  (tableKeys as ReadonlyArray<string>).includes(location.table) ? { table: location.table as TableKey, key: { ...location.key } } : undefined;

/** The identifiers widened by what the located records link to them (bounded rounds), and the locations of the widened set. */
export const widenIdentifiers = (given: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const hot = yield* HotStore;
    const objects = yield* ObjectStore;
    let identifiers = uniqueIdentifiers(given);
    let locations: ReadonlyArray<SubjectLocation> = [];
    for (let round = 0; round < MAX_LOOKUP_ROUNDS; round += 1) {
      locations = yield* lookupLocations(identifiers);
      const found: SubjectIdentifier[] = [...identifiers];
      for (const location of locations) {
        if (location.store === "hot") {
          const target = hotKeyOf(location);
          if (!target) continue;
          const item = yield* hot.get(target.table, target.key);
          if (Option.isSome(item))
            found.push(...linkedIdentifiers(TABLE_SOURCE[target.table] ?? "shopify", target.table === "customers" ? "customers/update" : `${target.table}/update`, item.value));
        } else if (location.store === "raw") {
          const body = yield* objects.getText(location.key);
          const source = (/^raw\/(shopify|recharge|stripe)\//.exec(location.key)?.[1] ?? "shopify") as "shopify" | "recharge" | "stripe";
          const entity = /^raw\/[^/]+\/([^/]+)\//.exec(location.key)?.[1];
          if (Option.isSome(body)) {
            try {
              found.push(...linkedIdentifiers(source, `${entity ?? "unknown"}/update`, JSON.parse(body.value)));
            } catch {
              // Not JSON: nothing to follow.
            }
          }
        }
      }
      const widened = uniqueIdentifiers(found);
      if (widened.length === identifiers.length) break;
      identifiers = widened;
    }
    return { identifiers, locations };
  });

const countsOf = (locations: ReadonlyArray<SubjectLocation>) => {
  const count = (store: SubjectLocation["store"]) => locations.filter((location) => location.store === store).length;
  return { locations: locations.length, raw: count("raw"), parquet: count("parquet"), hot: count("hot"), idempotency: count("idempotency"), dlq: count("dlq") };
};

/** Lookup: the request's identifiers, widened by what the located records link to them, stored on the request. */
const lookupStep = (record: GdprRequestRecord) =>
  Effect.gen(function* () {
    const hot = yield* HotStore;
    const { identifiers, locations } = yield* widenIdentifiers(record.identifiers ?? []);
    // The widened identifiers stay on the request (erased at completion) so later steps use the same set.
    if (identifiers.length !== (record.identifiers ?? []).length) yield* hot.put("gdprRequests", JSON.parse(JSON.stringify({ ...record, identifiers })) as Item);
    return { identifiers: identifiers.length, ...countsOf(locations), vendors: (record.vendors ?? []).length };
  });

/** What a redaction would change (`--dry-run`): nothing is written. Parquet files are read to count the rows that would go. */
export const planRedaction = (given: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore;
    const { identifiers, locations } = yield* widenIdentifiers(given);
    const match = rowMatchOf(identifiers);
    const parquet: Array<{ readonly key: string; readonly table: string; readonly rows: number; readonly rowsToRemove: number }> = [];
    for (const location of locations) {
      if (location.store !== "parquet") continue;
      const body = yield* objects.get(location.key);
      if (Option.isNone(body)) continue;
      const result = yield* Effect.tryPromise({
        try: () => rewriteParquet(body.value, location.table, match),
        catch: (cause) => new Transient({ service: "duckdb", reason: `reading ${location.key}: ${(cause as Error)?.message ?? String(cause)}`, cause }),
      });
      fs.rmSync(result.dir, { recursive: true, force: true });
      parquet.push({ key: location.key, table: location.table, rows: result.rowsBefore, rowsToRemove: result.rowsRemoved });
    }
    const hotTables: Record<string, number> = {};
    for (const location of locations) if (location.store === "hot") hotTables[location.table] = (hotTables[location.table] ?? 0) + 1;
    return {
      identifiers: {
        total: identifiers.length,
        byKind: Object.fromEntries(["customer-id", "email", "phone"].map((kind) => [kind, identifiers.filter((id) => id.kind === kind).length])),
      },
      counts: countsOf(locations),
      rawObjects: locations.flatMap((location) => (location.store === "raw" ? [location.key] : [])).sort(),
      parquet: parquet.sort((a, b) => a.key.localeCompare(b.key)),
      hotItems: hotTables,
      idempotencyRecords: locations.filter((location) => location.store === "idempotency").length,
      vendorIds: {
        stripe: identifiers.filter((id) => id.kind === "customer-id" && id.value.startsWith("stripe:")).length,
        recharge: identifiers.filter((id) => id.kind === "customer-id" && id.value.startsWith("recharge:")).length,
      },
    };
  });

/** Deletes every version of `key` (or the object, where the store does not version). */
const deleteEveryVersion = (key: string, keepLatest: boolean) =>
  Effect.gen(function* () {
    const lake = yield* LakeVersions;
    const objects = yield* ObjectStore;
    const versions = yield* lake.versions(key);
    let deleted = 0;
    for (const version of versions) {
      if (keepLatest && version.isLatest && !version.deleteMarker) continue;
      yield* lake.deleteVersion(key, version.versionId);
      deleted += 1;
    }
    if (!keepLatest && versions.length === 0) yield* objects.delete(key);
    return deleted;
  });

const locationsOf = lookupLocations;

const hotStoreStep = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const hot = yield* HotStore;
    let items = 0;
    for (const location of yield* locationsOf(identifiers)) {
      if (location.store !== "hot") continue;
      const target = hotKeyOf(location);
      if (!target) continue;
      yield* hot.delete(target.table, target.key);
      items += 1;
    }
    return { items };
  });

const rawStep = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    let objects = 0;
    let versions = 0;
    for (const location of yield* locationsOf(identifiers)) {
      if (location.store !== "raw") continue;
      versions += yield* deleteEveryVersion(location.key, false);
      objects += 1;
    }
    return { objects, versions };
  });

const parquetStep = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore;
    const match = rowMatchOf(identifiers);
    let files = 0;
    let filesRewritten = 0;
    let rowsRemoved = 0;
    let bytesRewritten = 0;
    let versions = 0;
    const keys = new Map<string, string>();
    for (const location of yield* locationsOf(identifiers)) if (location.store === "parquet") keys.set(location.key, location.table);
    for (const [key, table] of [...keys.entries()].sort()) {
      files += 1;
      const body = yield* objects.get(key);
      if (Option.isSome(body)) {
        const result = yield* Effect.tryPromise({
          try: () => rewriteParquet(body.value, table, match),
          catch: (cause) => new Transient({ service: "duckdb", reason: `rewriting ${key}: ${(cause as Error)?.message ?? String(cause)}`, cause }),
        });
        try {
          if (result.file) {
            yield* objects.putFile(key, result.file, { contentType: "application/vnd.apache.parquet" });
            filesRewritten += 1;
            rowsRemoved += result.rowsRemoved;
            bytesRewritten += result.bytesWritten;
          }
        } finally {
          fs.rmSync(result.dir, { recursive: true, force: true });
        }
      }
      // The overwritten content lives on as a noncurrent version in a versioned bucket: it goes too
      // (also when an earlier attempt rewrote the file and stopped before this).
      versions += yield* deleteEveryVersion(key, true);
    }
    return { files, filesRewritten, rowsRemoved, bytesRewritten, versions };
  });

const idempotencyStep = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const hot = yield* HotStore;
    let records = 0;
    for (const location of yield* locationsOf(identifiers)) {
      if (location.store !== "idempotency") continue;
      yield* hot.delete("idempotency", { key: location.key });
      records += 1;
    }
    return { records };
  });

const dlqStep = (identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const letters = yield* DeadLetterStore;
    const located = yield* locationsOf(identifiers);
    // A dead letter names the raw object of its event: those of the subject's events go too.
    const rawKeys = located.flatMap((location) => (location.store === "raw" || location.store === "dlq" ? [location.key] : []));
    const { examined, removed } = yield* letters.purge((body) => rawKeys.some((key) => body.includes(key)) || mentionsSubject(body, identifiers));
    return { examined, removed };
  });

const vendorStep = (record: GdprRequestRecord, identifiers: ReadonlyArray<SubjectIdentifier>) =>
  Effect.gen(function* () {
    const vendors = record.vendors ?? [];
    if (vendors.length === 0) return { asked: 0, deleted: 0, absent: 0 };
    const apis = yield* VendorApis;
    const counts = { asked: 0, deleted: 0, absent: 0 };
    for (const vendor of vendors as ReadonlyArray<Vendor>) {
      const ids = identifiers
        .filter((identifier) => identifier.kind === "customer-id" && identifier.value.startsWith(`${vendor}:`))
        .map((identifier) => identifier.value.slice(vendor.length + 1));
      for (const id of ids) {
        counts.asked += 1;
        const outcome = yield* apis.deleteCustomer(vendor, id);
        counts[outcome] += 1;
      }
    }
    return counts;
  });

const subjectIndexStep = (identifiers: ReadonlyArray<SubjectIdentifier>) => Effect.map(forgetSubject(identifiers), (entries) => ({ entries }));

/** Appends one audit entry (a new object: an entry is never rewritten). */
const appendAudit = (record: GdprRequestRecord, entry: AuditEntry) =>
  Effect.flatMap(ObjectStore, (objects) =>
    objects.putIfAbsent(gdprAuditEntryKey(record.receivedAt, record.requestId, new Date(entry.finishedAt), entry.step), `${JSON.stringify(entry)}\n`, {
      contentType: "application/json",
    }),
  );

const nowIso = Effect.map(
  Effect.sync(() => new Date()),
  (date) => date.toISOString(),
);

export const redactionStepProgram = (input: RedactionStepInput) =>
  Effect.gen(function* () {
    if (typeof input?.requestId !== "string" || input.requestId === "") return yield* Effect.fail(new InvalidPayload({ reason: "requestId is required", field: "requestId" }));
    if (input.step !== "failed" && !(gdprRedactionSteps as ReadonlyArray<string>).includes(input.step))
      return yield* Effect.fail(new InvalidPayload({ reason: `step must be one of ${gdprRedactionSteps.join(", ")}`, field: "step" }));
    const startedAt = yield* nowIso;
    const stored = yield* getRequest(input.requestId);
    if (Option.isNone(stored)) return yield* Effect.fail(new NotFound({ what: `GDPR request ${input.requestId}` }));
    const record = stored.value;
    if (record.kind !== "customer-redact")
      return yield* Effect.fail(new InvalidPayload({ reason: `request ${record.requestId} is ${record.kind}, not customer-redact`, field: "kind" }));

    if (input.step === "failed") {
      yield* setStatus(record.requestId, "failed");
      const errorName = typeof input.error?.Error === "string" ? input.error.Error.replace(/[^A-Za-z0-9._-]/g, "").slice(0, 80) : "unknown";
      yield* appendAudit(record, {
        requestId: record.requestId,
        kind: record.kind,
        step: "failed",
        skipped: false,
        startedAt,
        finishedAt: yield* nowIso,
        counts: {},
        error: errorName,
      });
      yield* Effect.flatMap(Alerts, (alerts) =>
        alerts.publish({
          kind: "gdpr-request",
          severity: "critical",
          subject: `GDPR redaction ${record.requestId} failed`,
          message: `Request ${record.requestId} stopped (${errorName}); steps done: ${record.stepsDone.join(", ") || "none"}. Start the redaction again with the same request id: it resumes where it stopped.`,
          dedupKey: `gdpr-failed:${record.requestId}:${record.stepsDone.length}`,
        }),
      );
      return { requestId: record.requestId, step: "failed", skipped: false, counts: {} } satisfies GdprStepOutput;
    }

    const step = input.step;
    const done = record.status === "complete" || record.stepsDone.includes(step);
    if (done) {
      yield* appendAudit(record, { requestId: record.requestId, kind: record.kind, step, skipped: true, startedAt, finishedAt: yield* nowIso, counts: {} });
      // The Choice after DeadLetters reads the lookup's vendor count: a skipped lookup still answers it.
      return { requestId: record.requestId, step, skipped: true, counts: step === "lookup" ? { vendors: (record.vendors ?? []).length } : {} } satisfies GdprStepOutput;
    }
    if (record.status !== "running") yield* setStatus(record.requestId, "running");
    const identifiers = uniqueIdentifiers(record.identifiers ?? []);
    const counts: Record<string, number> = yield* (() => {
      switch (step) {
        case "lookup":
          return lookupStep(record);
        case "hot-store":
          return hotStoreStep(identifiers);
        case "raw":
          return rawStep(identifiers);
        case "parquet":
          return parquetStep(identifiers);
        case "idempotency":
          return idempotencyStep(identifiers);
        case "dlq":
          return dlqStep(identifiers);
        case "vendors":
          return vendorStep(record, identifiers);
        case "subject-index":
          return subjectIndexStep(identifiers);
        case "complete":
          return Effect.succeed({ steps: record.stepsDone.length });
      }
    })();
    const finishedAt = yield* nowIso;
    yield* appendAudit(record, { requestId: record.requestId, kind: record.kind, step, skipped: false, startedAt, finishedAt, counts });
    if (step === "complete") {
      yield* markStep(record.requestId, step);
      // The identifiers are erased; their keyed hashes stay as the record of whom the request was for.
      yield* completeRequest(record.requestId, finishedAt, yield* subjectKeysOf(identifiers));
    } else yield* markStep(record.requestId, step);
    return { requestId: record.requestId, step, skipped: false, counts } satisfies GdprStepOutput;
  });

/** Every audit entry of a request, oldest first. */
export const readAudit = (record: Pick<GdprRequestRecord, "receivedAt" | "requestId">) =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore;
    const listed = yield* objects.list(gdprAuditPrefix(record.receivedAt, record.requestId));
    const entries: AuditEntry[] = [];
    for (const { key } of listed) {
      const body = yield* objects.get(key);
      if (Option.isSome(body)) entries.push(JSON.parse(asText(body.value)) as AuditEntry);
    }
    // Steps that finish within the same millisecond keep the workflow's order.
    return entries.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || stepRank(a.step) - stepRank(b.step));
  });

const stepRank = (step: string) => {
  const index = (gdprRedactionSteps as ReadonlyArray<string>).indexOf(step);
  return index === -1 ? gdprRedactionSteps.length : index;
};
