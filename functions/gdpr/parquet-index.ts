/**
 * The subject index for Parquet files (snapshots, processed, curated): when a file is written,
 * its identifier columns are read back with DuckDB (one DISTINCT pass over those columns only)
 * and every customer id, e-mail and phone found points at the file's key. The backfill download
 * calls it for each part it uploads; `indexParquetObject` does the same for a file already in the
 * lake (the ETL's outputs, a re-index). Idempotent like every index write (fixed keys).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Effect, Layer, Option } from "effect";
import type { SubjectLocation } from "../../contracts/gdpr";
import { Transient } from "../kernel/errors";
import { ObjectStoreLive, SecretsLive, SubjectIndexLive } from "../kernel/live";
import { ObjectStore, type StoreError } from "../kernel/services";
import { SubjectIndex } from "../kernel/subject-index";
import { identifiersOfPayload, indexRecord, type FoundIdentifier } from "./subject-index";

/** Columns that may hold a person: e-mails, phones, customer ids and structs around them; a customers table's own id. */
const CANDIDATE = /(email|phone|customer|billing|shipping|address)/i;

export type ParquetLayer = "snapshots" | "processed" | "curated";

/** The layer and table of a lake key: snapshots/shopify/<entity>/..., processed/shopify/<table>/..., curated/<view>/... */
export const parquetLocationOf = (key: string): Extract<SubjectLocation, { store: "parquet" }> | undefined => {
  const snapshot = /^snapshots\/shopify\/([^/]+)\//.exec(key);
  if (snapshot) return { store: "parquet", layer: "snapshots", table: snapshot[1]!, key };
  const processed = /^processed\/[^/]+\/([^/]+)\//.exec(key);
  if (processed) return { store: "parquet", layer: "processed", table: processed[1]!, key };
  const curated = /^curated\/([^/]+)\//.exec(key);
  if (curated) return { store: "parquet", layer: "curated", table: curated[1]!, key };
  return undefined;
};

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Every identifier in a local Parquet file's candidate columns (each distinct combination read once). */
export const parquetIdentifiers = async (file: string, table: string): Promise<FoundIdentifier[]> => {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).getRowObjectsJson().map((row) => String(row.column_name));
    const isCustomers = table === "customers";
    const chosen = columns.filter((name) => CANDIDATE.test(name) || (isCustomers && name === "id"));
    if (chosen.length === 0) return [];
    const rows = (
      await connection.runAndReadAll(
        `SELECT DISTINCT to_json(struct_pack(${chosen.map((name) => `${quoted(name)} := ${quoted(name)}`).join(", ")}))::VARCHAR AS j FROM read_parquet(${sqlString(file)})`,
      )
    ).getRowObjectsJson();
    const found = new Map<string, FoundIdentifier>();
    for (const row of rows) {
      const record = JSON.parse(String(row.j)) as unknown;
      // A customers row is a customer record (its id is the customer's); any other row carries them in its columns.
      for (const each of identifiersOfPayload("shopify", isCustomers ? "customers/parquet" : `${table}/parquet`, record)) {
        found.set(`${each.identifier.kind}\u0000${each.identifier.value}`, { identifier: each.identifier, subject: false });
      }
    }
    // Rows of a file link nothing: a file holds many people.
    return [...found.values()];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/** Indexes a Parquet file just written to `key` from its local copy. */
export const indexParquetFile = (file: string, key: string): Effect.Effect<number, StoreError> =>
  Effect.flatMap(Effect.serviceOption(SubjectIndex), (service) => {
    const location = parquetLocationOf(key);
    if (Option.isNone(service) || location === undefined) return Effect.succeed(0);
    return Effect.flatMap(
      Effect.tryPromise({
        try: () => parquetIdentifiers(file, location.table),
        catch: (cause) => new Transient({ service: "duckdb", reason: `could not read ${key} for the subject index`, cause }),
      }),
      (found) => Effect.as(Effect.provideService(indexRecord(found, [location]) as Effect.Effect<void, StoreError, SubjectIndex>, SubjectIndex, service.value), found.length),
    );
  });

/** Indexes a Parquet object already in the lake (downloaded to a temporary file, read, removed). */
export const indexParquetObject = (key: string): Effect.Effect<number, StoreError, ObjectStore> =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore;
    const body = yield* objects.get(key);
    if (Option.isNone(body)) return 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-parquet-index-"));
    const file = path.join(dir, "part.parquet");
    return yield* Effect.ensuring(
      Effect.flatMap(
        Effect.sync(() => fs.writeFileSync(file, body.value)),
        () => indexParquetFile(file, key),
      ),
      Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
    );
  });

/**
 * A data file of a table written by Athena: Athena names its files itself, without an extension
 * (`20261130_101500_00023_abcde_<uuid>`), so every non-empty object counts but folder markers.
 */
export const isAthenaDataFile = (object: { readonly key: string; readonly size: number }): boolean =>
  object.size > 0 && !object.key.endsWith("/") && !object.key.endsWith("_$folder$") && !/\.(json|csv|txt|metadata|manifest|crc)$/i.test(object.key);

/**
 * Indexes every Parquet object under `prefixes` (the ETL's outputs after a run: processed/, curated/);
 * answers how many files. DuckDB's files end in .parquet; `athenaNames` takes Athena's too.
 */
export const indexParquetUnder = (prefixes: ReadonlyArray<string>, options: { readonly athenaNames?: boolean } = {}): Effect.Effect<number, StoreError, ObjectStore> =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore;
    let files = 0;
    for (const prefix of prefixes) {
      for (const object of yield* objects.list(prefix)) {
        if (!(object.key.endsWith(".parquet") || (options.athenaNames === true && isAthenaDataFile(object)))) continue;
        yield* indexParquetObject(object.key);
        files++;
      }
    }
    return files;
  });

/**
 * After an ETL run on the embedded platform (the demo's analytics stage): processed/ and curated/
 * indexed with the live layers the process environment points at (sdp local's emulators).
 */
export const indexEtlOutputs = (): Promise<number> =>
  Effect.runPromise(Effect.provide(indexParquetUnder(["processed/", "curated/"]), Layer.mergeAll(ObjectStoreLive, SubjectIndexLive).pipe(Layer.provideMerge(SecretsLive))));
