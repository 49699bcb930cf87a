/**
 * A data request (Shopify `customers/data_request`, or `sdp gdpr export` for Recharge, Stripe or
 * e-mail requests): the subject's data, found through the subject index (never a scan), exported
 * as JSON under the restricted prefix, with the list of stores searched, and a presigned link to
 * it in the operator's alert.
 *
 *   restricted/gdpr-exports/<request id>/subject.json   every record held: where, and its content
 *   restricted/gdpr-exports/<request id>/stores.json    every store searched, and how many records each held
 *
 * Repeatable: the same request id writes the same keys again, and the alert's dedupKey is the
 * request id, so a retried request alerts once. A dry run reads the index and writes nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Effect, Option } from "effect";
import type { SubjectLocation } from "../../contracts/gdpr";
import { gdprExportPrefix, lakePrefixes } from "../../contracts/lake-layout";
import { tableKeys, type TableKey } from "../../contracts/tables";
import { NotFound, Transient } from "../kernel/errors";
import { Alerts, HotStore, ObjectStore, type StoreError } from "../kernel/services";
import { SubjectIndex } from "../kernel/subject-index";
import { subjectKey, type SubjectIdentifier } from "./subject";
import { completeRequest, getRequest, markStep } from "./requests";
import { identifiersOfPayload, resolveSubject } from "./subject-index";

export interface ExportRequest {
  readonly requestId: string;
  readonly identifiers: ReadonlyArray<SubjectIdentifier>;
  readonly dryRun?: boolean;
  /** Makes the operator's link to a key (functions/gdpr/presign.ts); without it the alert names the key only. */
  readonly presign?: (key: string) => string;
}

export interface StoreSearched {
  /** raw/, snapshots/, processed/, curated/, a hot-store table, idempotency, dlq. */
  readonly store: string;
  readonly records: number;
}

export interface ExportedRecord {
  readonly location: SubjectLocation;
  /** The raw event, the hot-store item or the subject's Parquet rows; absent when the location no longer holds anything. */
  readonly data?: unknown;
}

export interface ExportReport {
  readonly requestId: string;
  readonly dryRun: boolean;
  readonly subjectKeys: number;
  readonly locations: ReadonlyArray<SubjectLocation>;
  readonly stores: ReadonlyArray<StoreSearched>;
  readonly records: number;
  readonly exportKey?: string;
  readonly storesKey?: string;
  readonly link?: string;
  readonly alerted?: boolean;
}

/** Hot-store tables that hold customers' data (not the platform's own bookkeeping). */
const customerTables = (): TableKey[] => tableKeys.filter((table) => !["leases", "subjectIndex", "gdprRequests", "idempotency"].includes(table));

const storeOf = (location: SubjectLocation): string =>
  location.store === "raw" ? lakePrefixes.raw : location.store === "parquet" ? `${location.layer}/` : location.store === "hot" ? `hot:${location.table}` : location.store;

/** Every store the platform keeps a person in, and how many of the subject's locations each holds. */
export const storesSearched = (locations: ReadonlyArray<SubjectLocation>): StoreSearched[] => {
  const names = [lakePrefixes.raw, lakePrefixes.snapshots, lakePrefixes.processed, lakePrefixes.curated, ...customerTables().map((table) => `hot:${table}`), "idempotency", "dlq"];
  return names.map((store) => ({ store, records: locations.filter((location) => storeOf(location) === store).length }));
};

/** The rows of a Parquet object whose identifiers are the subject's (keys in `subjectKeys`). */
const subjectRows = (body: Uint8Array, table: string, subjectKeys: ReadonlySet<string>, indexKey: string): Effect.Effect<unknown[], Transient> =>
  Effect.tryPromise({
    try: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-gdpr-export-"));
      const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
      const connection = await instance.connect();
      try {
        const file = path.join(dir, "part.parquet");
        fs.writeFileSync(file, body);
        const rows = (await connection.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${file.replace(/'/g, "''")}') t`)).getRowObjectsJson();
        return rows
          .map((row) => JSON.parse(String(row.j)) as unknown)
          .filter((row) =>
            identifiersOfPayload("shopify", table === "customers" ? "customers/parquet" : `${table}/parquet`, row).some((each) =>
              subjectKeys.has(subjectKey(each.identifier, indexKey)),
            ),
          );
      } finally {
        connection.closeSync();
        instance.closeSync();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    catch: (cause) => new Transient({ service: "duckdb", reason: "could not read a Parquet file for the export", cause }),
  });

const recordOf = (location: SubjectLocation, subjectKeys: ReadonlySet<string>, indexKey: string): Effect.Effect<ExportedRecord, StoreError, ObjectStore | HotStore> =>
  Effect.gen(function* () {
    switch (location.store) {
      case "raw": {
        const text = yield* (yield* ObjectStore).getText(location.key);
        if (Option.isNone(text)) return { location };
        try {
          return { location, data: JSON.parse(text.value) as unknown };
        } catch {
          return { location, data: text.value };
        }
      }
      case "hot": {
        const item = yield* (yield* HotStore).get(location.table as TableKey, location.key);
        return Option.isSome(item) ? { location, data: item.value } : { location };
      }
      case "parquet": {
        const body = yield* (yield* ObjectStore).get(location.key);
        if (Option.isNone(body)) return { location };
        return { location, data: yield* subjectRows(body.value, location.table, subjectKeys, indexKey) };
      }
      default:
        return { location };
    }
  });

export const exportKeysOf = (requestId: string) => ({ exportKey: `${gdprExportPrefix(requestId)}subject.json`, storesKey: `${gdprExportPrefix(requestId)}stores.json` });

/** Runs a data request: look up, read every location, write the export and the stores list, alert the operator with the link. */
export const exportSubject = (request: ExportRequest): Effect.Effect<ExportReport, StoreError, SubjectIndex | ObjectStore | HotStore | Alerts> =>
  Effect.gen(function* () {
    const resolution = yield* resolveSubject(request.identifiers);
    const stores = storesSearched(resolution.locations);
    const base = { requestId: request.requestId, subjectKeys: resolution.subjectKeys.length, locations: resolution.locations, stores };
    if (request.dryRun === true) return { ...base, dryRun: true, records: resolution.locations.length } satisfies ExportReport;

    const index = yield* SubjectIndex;
    const indexKey = yield* Effect.mapError(index.indexKey, (error) => new Transient({ service: "secrets", reason: error.reason }));
    const keys = new Set(resolution.subjectKeys);
    const records = yield* Effect.forEach(resolution.locations, (location) => recordOf(location, keys, indexKey), { concurrency: 4 });
    const held = records.filter((record) => record.data !== undefined && !(Array.isArray(record.data) && record.data.length === 0));
    const { exportKey, storesKey } = exportKeysOf(request.requestId);
    const generatedAt = new Date().toISOString();
    const objects = yield* ObjectStore;
    yield* objects.put(exportKey, JSON.stringify({ requestId: request.requestId, generatedAt, records: held }, null, 2), { contentType: "application/json" });
    yield* objects.put(storesKey, JSON.stringify({ requestId: request.requestId, generatedAt, via: "subject index", stores }, null, 2), { contentType: "application/json" });
    const link = request.presign?.(exportKey);
    const alerts = yield* Alerts;
    const { published } = yield* alerts.publish({
      kind: "gdpr-export-ready",
      severity: "info",
      subject: `GDPR data request ${request.requestId}: export ready`,
      message: `The subject's data (${held.length} record(s) from ${stores.filter((store) => store.records > 0).length} store(s)) is at ${exportKey}${link ? `; download (expires in 7 days): ${link}` : ""}. Send it to the customer through the shop; do not forward this alert.`,
      dedupKey: `gdpr-export:${request.requestId}`,
    });
    return { ...base, dryRun: false, records: held.length, exportKey, storesKey, ...(link ? { link } : {}), alerted: published } satisfies ExportReport;
  });

/**
 * A recorded data request (functions/gdpr/requests.ts: a `customers/data_request` webhook or
 * `sdp gdpr export`) carried out: the export, then the request's `export` step and completion
 * (which erases its identifiers). The workflow's customer-export run calls this. A request
 * already complete is not exported again (its identifiers are gone); `NotFound` for an unknown id.
 */
export const runDataRequest = (
  requestId: string,
  options: Pick<ExportRequest, "presign"> = {},
): Effect.Effect<ExportReport | { readonly requestId: string; readonly alreadyComplete: true }, StoreError | NotFound, SubjectIndex | ObjectStore | HotStore | Alerts> =>
  Effect.gen(function* () {
    const found = yield* getRequest(requestId);
    if (Option.isNone(found)) return yield* Effect.fail(new NotFound({ what: `GDPR request ${requestId}` }));
    const record = found.value;
    if (record.status === "complete") return { requestId, alreadyComplete: true as const };
    const report = yield* exportSubject({ requestId, identifiers: record.identifiers ?? [], ...options });
    yield* markStep(requestId, "export", "running");
    const index = yield* SubjectIndex;
    const indexKey = yield* Effect.mapError(index.indexKey, (error) => new Transient({ service: "secrets", reason: error.reason }));
    yield* completeRequest(
      requestId,
      new Date().toISOString(),
      (record.identifiers ?? []).map((identifier) => subjectKey(identifier, indexKey)),
    );
    return report;
  });
