/**
 * download: streams the bulk JSONL (plain or gzip) to a temp directory, converts it to one
 * Parquet dataset per entity with DuckDB, uploads the files to
 * `snapshots/shopify/<entity>/run=<id>/` and writes the object's reconciliation manifest.
 *
 * The count check is the point: rows written must equal Shopify's objectCount, or the task fails
 * with CountMismatch after writing a manifest that says so. A silent short export is the worst
 * bug a backfill can have. Partial data (FAILED with INTERNAL_SERVER_ERROR / TIMEOUT) is kept and
 * flagged `partial: true`; its count cannot be checked against objectCount.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Data, Effect } from "effect";
import type { DownloadOutput, OperationState, SubmitOutput } from "../../contracts/backfill-workflow";
import { reconciliationObjectKey, snapshotPrefix } from "../../contracts/lake-layout";
import { convertJsonl, type ConvertResult } from "../../etl/convert/convert";
import { isBulkObject } from "../../etl/convert/entities";
import { InvalidPayload, Transient } from "../kernel/errors";
import { ObjectStore } from "../kernel/services";

export class CountMismatch extends Data.TaggedError("CountMismatch")<{ readonly expected: number; readonly written: number; readonly manifestKey: string }> {
  override get message() {
    return `rows written (${this.written}) differ from Shopify's objectCount (${this.expected}); see ${this.manifestKey}`;
  }
}

/** The result URL no longer answers (bulk URLs expire after seven days). Re-run the export. */
export class ExportUrlExpired extends Data.TaggedError("ExportUrlExpired")<{ readonly status: number }> {
  override get message() {
    return `the result URL answered HTTP ${this.status}: it has expired (bulk URLs last seven days); run the export again`;
  }
}

export class ConversionFailed extends Data.TaggedError("ConversionFailed")<{ readonly reason: string }> {
  override get message() {
    return this.reason;
  }
}

export interface DownloadInput extends SubmitOutput {
  readonly operation: OperationState;
}

export interface ObjectManifest {
  readonly runId: string;
  readonly object: string;
  readonly shop: string;
  readonly apiVersion: string;
  readonly since: string;
  readonly until: string;
  readonly operationId: string;
  readonly status: string;
  readonly errorCode: string | null;
  readonly partial: boolean;
  readonly objectCount: number;
  readonly rootObjectCount: number;
  readonly totalRows: number;
  readonly countCheck: "match" | "mismatch" | "skipped-partial";
  readonly entities: ReadonlyArray<{ readonly entity: string; readonly rows: number; readonly key?: string; readonly bytes: number }>;
  readonly writtenAt: string;
  readonly outcome?: string;
  readonly reason?: string;
}

export interface DownloadOptions {
  readonly fetch?: typeof fetch;
  readonly memoryLimit?: string;
  readonly threads?: number;
}

const fetchToFile = (url: string, file: string, doFetch: typeof fetch) =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await doFetch(url, { signal });
      if (response.status === 403 || response.status === 404 || response.status === 410) return { status: response.status };
      if (!response.ok || !response.body) return { status: response.status, failed: true };
      // Streamed to disk: a multi-GB export never sits in memory.
      await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), fs.createWriteStream(file));
      return { status: response.status };
    },
    catch: (cause) => new Transient({ service: "bulk-download", reason: `network: ${(cause as Error)?.message ?? String(cause)}` }),
  }).pipe(
    Effect.flatMap((result): Effect.Effect<void, Transient | ExportUrlExpired> =>
      "failed" in result
        ? Effect.fail(new Transient({ service: "bulk-download", reason: `HTTP ${result.status}` }))
        : result.status === 200
          ? Effect.void
          : Effect.fail(new ExportUrlExpired({ status: result.status })),
    ),
  );

export const downloadProgram = (input: DownloadInput, options: DownloadOptions = {}) =>
  Effect.gen(function* () {
    if (!input || typeof input.runId !== "string" || !isBulkObject(String(input.object)) || !input.operation) {
      return yield* Effect.fail(new InvalidPayload({ reason: "download needs runId, object and operation" }));
    }
    const { operation } = input;
    const partial = operation.status !== "COMPLETED";
    if (partial && !operation.partialAvailable) {
      return yield* Effect.fail(new InvalidPayload({ reason: `operation is ${operation.status}; nothing to download`, field: "operation.status" }));
    }
    const url = partial ? operation.partialDataUrl : operation.url;
    const store = yield* ObjectStore;
    const manifestKey = reconciliationObjectKey(input.runId, input.object);

    const work = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "sdp-backfill-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
    );
    let converted: ConvertResult | undefined;
    // A completed export with nothing in range has no URL: zero rows, still checked and recorded.
    if (url) {
      const jsonl = path.join(work, "export.jsonl");
      yield* fetchToFile(url, jsonl, options.fetch ?? fetch);
      converted = yield* Effect.tryPromise({
        try: () =>
          convertJsonl({
            input: jsonl,
            outDir: path.join(work, "parquet"),
            object: input.object,
            tempDir: path.join(work, "spill"),
            ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
            ...(options.threads ? { threads: options.threads } : {}),
          }),
        catch: (error) => new ConversionFailed({ reason: (error as Error)?.message ?? String(error) }),
      });
      // The JSONL is no longer needed; free the disk before uploading.
      fs.rmSync(jsonl, { force: true });
    }

    const entities: Array<ObjectManifest["entities"][number]> = [];
    for (const entity of converted?.entities ?? []) {
      if (!entity.file) {
        entities.push({ entity: entity.entity, rows: 0, bytes: 0 });
        continue;
      }
      const key = `${snapshotPrefix(entity.entity, input.runId)}part-00000.parquet`;
      yield* store.putFile(key, entity.file, { contentType: "application/vnd.apache.parquet" });
      entities.push({ entity: entity.entity, rows: entity.rows, key, bytes: entity.bytes });
    }
    const totalRows = converted?.totalRows ?? 0;
    const countCheck = partial ? "skipped-partial" : totalRows === operation.objectCount ? "match" : "mismatch";
    const manifest: ObjectManifest = {
      runId: input.runId,
      object: input.object,
      shop: input.shop,
      apiVersion: input.apiVersion,
      since: input.since,
      until: input.until,
      operationId: operation.id,
      status: operation.status,
      errorCode: operation.errorCode,
      partial,
      objectCount: operation.objectCount,
      rootObjectCount: operation.rootObjectCount,
      totalRows,
      countCheck,
      entities,
      writtenAt: new Date().toISOString(),
    };
    yield* store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
    yield* Effect.logInfo("bulk export converted").pipe(Effect.annotateLogs({ runId: input.runId, object: input.object, totalRows, objectCount: operation.objectCount, countCheck }));
    if (countCheck === "mismatch") {
      return yield* Effect.fail(new CountMismatch({ expected: operation.objectCount, written: totalRows, manifestKey }));
    }
    const output: DownloadOutput = { manifestKey, partial, totalRows, rows: Object.fromEntries(entities.map((entity) => [entity.entity, entity.rows])) };
    return output;
  }).pipe(Effect.scoped);
