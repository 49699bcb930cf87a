/**
 * download: streams the bulk JSONL (plain or gzip) from the result URL in bounded parts that end
 * at root-object boundaries (etl/convert/stream.ts), converts each part to one Parquet file per
 * entity with DuckDB, uploads it to `snapshots/shopify/<entity>/run=<id>/part-NNNNN.parquet` and
 * deletes it before the part after next, so disk and memory stay bounded whatever the export's
 * size (peak disk ~ 2 x partBytes, see docs/backfill.md); then writes the object's manifest.
 * A connection that breaks mid-stream is resumed with HTTP Range requests; if it cannot be, the
 * task fails Transient with a reason naming the part (never a silently short export).
 *
 * The count check is the point: rows written must equal Shopify's objectCount, or the task fails
 * with CountMismatch after writing a manifest that says so (rows summed over all parts). A silent short export is the worst
 * bug a backfill can have. Partial data (FAILED with INTERNAL_SERVER_ERROR / TIMEOUT) is kept and
 * flagged `partial: true`; its count cannot be checked against objectCount.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Data, Effect, Either, Runtime } from "effect";
import type { DownloadOutput, OperationState, SubmitOutput } from "../../contracts/backfill-workflow";
import { reconciliationObjectKey, snapshotPrefix } from "../../contracts/lake-layout";
import { ConversionFailed as ConverterFailed } from "../../etl/convert/convert";
import { isBulkObject } from "../../etl/convert/entities";
import { DEFAULT_PART_BYTES, ExportHttpError, ExportNetworkError, ExportStreamBroken, ExportUrlGone, httpSource, streamConvert, type StreamConvertResult } from "../../etl/convert/stream";
import { InvalidPayload, Transient } from "../kernel/errors";
import { ObjectStore, type StoreError } from "../kernel/services";

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
  /** Per entity over all parts: `key` is the first part's, `keys` every part's. */
  readonly entities: ReadonlyArray<{ readonly entity: string; readonly rows: number; readonly key?: string; readonly keys?: ReadonlyArray<string>; readonly bytes: number }>;
  /** How the export was cut: parts, the part-size setting, and cuts not at a root line. */
  readonly parts?: number;
  readonly partBytes?: number;
  readonly cutsInsideChildren?: number;
  readonly jsonlBytes?: number;
  readonly writtenAt: string;
  readonly outcome?: string;
  readonly reason?: string;
}

export interface DownloadOptions {
  readonly fetch?: typeof fetch;
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** JSONL bytes per part (default DEFAULT_PART_BYTES, 256 MiB; BULK_PART_MB in Lambda). */
  readonly partBytes?: number;
  /** Range resumes of a broken body before failing (default 5), and the first wait. */
  readonly maxResumes?: number;
  readonly resumeDelayMs?: number;
}

const partKey = (entity: string, runId: string, fileName: string) => `${snapshotPrefix(entity, runId)}${fileName}`;

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
    const runtime = yield* Effect.runtime<ObjectStore>();
    let converted: StreamConvertResult | undefined;
    // A completed export with nothing in range has no URL: zero rows, still checked and recorded.
    if (url) {
      let uploadError: StoreError | undefined;
      const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
      converted = yield* Effect.tryPromise({
        try: () =>
          streamConvert({
            source: httpSource(url, {
              ...(options.fetch ? { fetch: options.fetch } : {}),
              ...(options.maxResumes !== undefined ? { maxResumes: options.maxResumes } : {}),
              ...(options.resumeDelayMs !== undefined ? { resumeDelayMs: options.resumeDelayMs } : {}),
            }),
            object: input.object,
            workDir: work,
            partBytes,
            ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
            ...(options.threads ? { threads: options.threads } : {}),
            // Each part is uploaded before the next one's conversion starts; the stream then deletes it.
            onPart: async (part) => {
              for (const entity of part.entities) {
                if (!entity.file) continue;
                const uploaded = await Runtime.runPromise(runtime)(Effect.either(store.putFile(partKey(entity.entity, input.runId, part.fileName), entity.file, { contentType: "application/vnd.apache.parquet" })));
                if (Either.isLeft(uploaded)) {
                  uploadError = uploaded.left;
                  throw uploaded.left;
                }
              }
            },
          }),
        catch: (error): Transient | ExportUrlExpired | ConversionFailed | StoreError => {
          if (uploadError) return uploadError;
          if (error instanceof ExportUrlGone) return new ExportUrlExpired({ status: error.status });
          if (error instanceof ExportHttpError) return new Transient({ service: "bulk-download", reason: `HTTP ${error.status}` });
          if (error instanceof ExportStreamBroken) return new Transient({ service: "bulk-download", reason: error.message });
          if (error instanceof ConverterFailed) return new ConversionFailed({ reason: error.message });
          // The first request failing (connection refused, DNS, TLS) before any byte arrived.
          if (error instanceof ExportNetworkError) return new Transient({ service: "bulk-download", reason: `network: ${error.message}` });
          return new ConversionFailed({ reason: (error as Error)?.message ?? String(error) });
        },
      });
      // Parts a previous attempt of this run wrote beyond this attempt's last part would be counted twice.
      for (const entity of converted.entities) {
        const keep = new Set(converted.parts.filter((part) => part.entities.some((each) => each.entity === entity.entity && each.rows > 0)).map((part) => partKey(entity.entity, input.runId, part.fileName)));
        for (const stale of yield* store.list(snapshotPrefix(entity.entity, input.runId))) {
          if (!keep.has(stale.key)) yield* store.delete(stale.key);
        }
      }
    }

    const entities: Array<ObjectManifest["entities"][number]> = [];
    for (const entity of converted?.entities ?? []) {
      const keys = (converted?.parts ?? []).filter((part) => part.entities.some((each) => each.entity === entity.entity && each.rows > 0)).map((part) => partKey(entity.entity, input.runId, part.fileName));
      entities.push(keys.length === 0 ? { entity: entity.entity, rows: 0, bytes: 0 } : { entity: entity.entity, rows: entity.rows, key: keys[0]!, keys, bytes: entity.bytes });
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
      ...(converted ? { parts: converted.parts.length, partBytes: converted.partBytes, cutsInsideChildren: converted.cutsInsideChildren, jsonlBytes: converted.jsonlBytes } : {}),
      writtenAt: new Date().toISOString(),
    };
    yield* store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
    yield* Effect.logInfo("bulk export converted").pipe(Effect.annotateLogs({ runId: input.runId, object: input.object, totalRows, objectCount: operation.objectCount, countCheck, parts: converted?.parts.length ?? 0, peakDiskBytes: converted?.peakDiskBytes ?? 0 }));
    if (countCheck === "mismatch") {
      return yield* Effect.fail(new CountMismatch({ expected: operation.objectCount, written: totalRows, manifestKey }));
    }
    const output: DownloadOutput = { manifestKey, partial, totalRows, rows: Object.fromEntries(entities.map((entity) => [entity.entity, entity.rows])) };
    return output;
  }).pipe(Effect.scoped);
