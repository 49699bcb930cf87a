/**
 * download: streams the bulk JSONL (plain or gzip) from the result URL in bounded parts that end
 * at root-object boundaries (functions/backfill/convert/stream.ts), converts each part to one Parquet file per
 * entity with DuckDB, uploads it to `snapshots/shopify/<entity>/run=<id>/part-NNNNN.parquet` and
 * deletes it before the part after next, so disk and memory stay bounded whatever the export's
 * size (peak disk ~ 2 x partBytes, see docs/backfill.md); then writes the object's manifest.
 * A connection that breaks mid-stream is resumed with HTTP Range requests; if it cannot be, the
 * task fails Transient with a reason naming the part (never a silently short export).
 *
 * Across invocations: a Lambda invocation lasts 15 minutes, less than the largest exports need.
 * After every part is uploaded, its progress (parts so far with their counts, the next part's
 * index and JSONL offset) is written to `reconciliationProgressKey`; when the invocation's
 * remaining time (kernel/deadline.ts) drops below a margin plus two parts' time, the stream stops
 * at the part boundary and the task answers `continue: true`, and the workflow runs it again
 * (DownloadDone). The next invocation (or a retry of a failed one) resumes from the recorded
 * progress: a Range request from the offset for a plain export, the export re-read and the
 * bytes before the offset skipped for a gzip one. Part keys are derived from the part index and
 * a part starts at the recorded offset, so a part uploaded but not yet recorded (a crash in
 * between) is made again identically and overwrites itself: no part, no row is counted twice.
 *
 * The count check is the point: rows written must equal Shopify's objectCount, or the task fails
 * with CountMismatch after writing a manifest that says so (rows summed over all parts). A silent short export is the worst
 * bug a backfill can have. Partial data (FAILED with INTERNAL_SERVER_ERROR / TIMEOUT) is kept and
 * flagged `partial: true`; its count cannot be checked against objectCount.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Data, Effect, Either, FiberRef, Option, Runtime } from "effect";
import type { DownloadContinue, DownloadOutput, OperationState, SubmitOutput } from "../../contracts/backfill-workflow";
import { reconciliationObjectKey, reconciliationProgressKey, snapshotPrefix } from "../../contracts/lake-layout";
import { sharedEntityObjects } from "../../contracts/bulk-entities";
import { ConversionFailed as ConverterFailed } from "./convert/convert";
import { isBulkObject, linesOf, objectSpecs } from "./convert/entities";
import {
  DEFAULT_PART_BYTES,
  ExportHttpError,
  ExportNetworkError,
  ExportStreamBroken,
  ExportUrlGone,
  httpSource,
  streamConvert,
  type ExportEncoding,
  type StreamConvertResult,
} from "./convert/stream";
import { invocationDeadline } from "../kernel/deadline";
import { InvalidPayload, Transient } from "../kernel/errors";
import { ObjectStore, type StoreError } from "../kernel/services";
import { indexParquetFile } from "../gdpr/parquet-index";

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
  /** Invocations of the download the export took (more than one when it outlived an invocation). */
  readonly invocations?: number;
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
  /**
   * When the invocation ends (epoch ms; default: the invocation deadline the Lambda adapter
   * sets, kernel/deadline.ts; none: the download runs to the end), the time it keeps in hand
   * (default 60 s) and the clock (tests).
   */
  readonly deadlineMs?: number;
  readonly deadlineMarginMs?: number;
  readonly clock?: () => number;
}

/** Time kept in hand after the last part: the manifest, the answer, and a slow last upload. */
export const DEFAULT_DEADLINE_MARGIN_MS = 60_000;

type RecordedPart = StreamConvertResult["parts"][number];

/** What `reconciliationProgressKey` holds: the parts uploaded so far and where to go on. */
export interface DownloadProgress {
  readonly runId: string;
  readonly object: string;
  readonly operationId: string;
  readonly status: string;
  readonly partial: boolean;
  /** Fixed by the first invocation, so every invocation cuts parts the same way. */
  readonly partBytes: number;
  readonly encoding: ExportEncoding | null;
  readonly nextIndex: number;
  readonly nextOffset: number;
  readonly parts: ReadonlyArray<RecordedPart>;
  readonly invocations: number;
  readonly complete: boolean;
  readonly updatedAt: string;
}

/** The recorded progress when it belongs to this very export (same operation, same URL kind). */
const parseProgress = (text: string, input: DownloadInput, partial: boolean): DownloadProgress | undefined => {
  try {
    const progress = JSON.parse(text) as DownloadProgress;
    const ok =
      progress.runId === input.runId &&
      progress.object === input.object &&
      progress.operationId === input.operation.id &&
      progress.status === input.operation.status &&
      progress.partial === partial &&
      Number.isInteger(progress.nextIndex) &&
      Number.isInteger(progress.nextOffset) &&
      Number.isInteger(progress.partBytes) &&
      Array.isArray(progress.parts);
    return ok ? progress : undefined;
  } catch {
    return undefined;
  }
};

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
    const progressKey = reconciliationProgressKey(input.runId, input.object);
    const recorded = url ? Option.flatMapNullable(yield* store.getText(progressKey), (text) => parseProgress(text, input, partial)) : Option.none();
    const before = Option.getOrUndefined(recorded);
    const invocations = (before?.invocations ?? 0) + 1;
    const partBytes = before?.partBytes ?? options.partBytes ?? DEFAULT_PART_BYTES;
    const deadline = options.deadlineMs ?? (yield* FiberRef.get(invocationDeadline));

    const work = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "sdp-backfill-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
    );
    const runtime = yield* Effect.runtime<ObjectStore>();
    let converted: StreamConvertResult | undefined;
    // Every part of the export, over all invocations.
    let parts: ReadonlyArray<RecordedPart> = before?.parts ?? [];
    // A completed export with nothing in range has no URL: zero rows, still checked and recorded.
    if (url && !before?.complete) {
      let uploadError: StoreError | undefined;
      let encoding: ExportEncoding | null = before?.encoding ?? null;
      const progressOf = (next: { nextIndex: number; nextOffset: number }, complete: boolean): DownloadProgress => ({
        runId: input.runId,
        object: input.object,
        operationId: operation.id,
        status: operation.status,
        partial,
        partBytes,
        encoding,
        ...next,
        parts,
        invocations,
        complete,
        updatedAt: new Date().toISOString(),
      });
      const writeProgress = (progress: DownloadProgress) => store.put(progressKey, JSON.stringify(progress), { contentType: "application/json" });
      // Stop at a part boundary while the rest of the invocation still fits this part's conversion and one more part's.
      const clock = options.clock ?? Date.now;
      const margin = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
      let lastClose = clock();
      let longestPart = 0;
      const stopAfterPart =
        deadline === undefined
          ? undefined
          : () => {
              const now = clock();
              longestPart = Math.max(longestPart, now - lastClose);
              lastClose = now;
              return deadline - now < margin + 2 * longestPart;
            };
      const startOffset = before?.nextOffset ?? 0;
      // A plain export resumes with a Range request; gzip offsets are of the decoded bytes, so it is re-read and skipped.
      const ranged = startOffset > 0 && encoding === "plain";
      converted = yield* Effect.tryPromise({
        try: () =>
          streamConvert({
            source: httpSource(url, {
              ...(options.fetch ? { fetch: options.fetch } : {}),
              ...(options.maxResumes !== undefined ? { maxResumes: options.maxResumes } : {}),
              ...(options.resumeDelayMs !== undefined ? { resumeDelayMs: options.resumeDelayMs } : {}),
              ...(ranged ? { startAt: startOffset } : {}),
            }),
            object: input.object,
            workDir: work,
            partBytes,
            startIndex: before?.nextIndex ?? 0,
            startOffset,
            ...(startOffset > 0 && !ranged ? { skipBytes: startOffset } : {}),
            ...(stopAfterPart ? { stopAfterPart } : {}),
            ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
            ...(options.threads ? { threads: options.threads } : {}),
            // Each part is uploaded, then recorded, before the next one's conversion starts; the stream then deletes it.
            onPart: async (part, _object, seen) => {
              encoding ??= seen ?? null;
              for (const entity of part.entities) {
                if (!entity.file) continue;
                const uploaded = await Runtime.runPromise(runtime)(
                  Effect.either(store.putFile(partKey(entity.entity, input.runId, part.fileName), entity.file, { contentType: "application/vnd.apache.parquet" })),
                );
                if (Either.isLeft(uploaded)) {
                  uploadError = uploaded.left;
                  throw uploaded.left;
                }
                // The GDPR subject index: the part's customer ids, e-mails and phones -> its key (functions/gdpr/parquet-index.ts).
                const indexed = await Runtime.runPromise(runtime)(Effect.either(indexParquetFile(entity.file, partKey(entity.entity, input.runId, part.fileName))));
                if (Either.isLeft(indexed)) {
                  uploadError = indexed.left;
                  throw indexed.left;
                }
              }
              parts = [
                ...parts.filter((each) => each.index < part.index),
                {
                  index: part.index,
                  fileName: part.fileName,
                  jsonlBytes: part.jsonlBytes,
                  endOffset: part.endOffset,
                  endsAtRoot: part.endsAtRoot,
                  entities: part.entities.map(({ file: _file, ...rest }) => rest),
                },
              ];
              const recordedNow = await Runtime.runPromise(runtime)(Effect.either(writeProgress(progressOf({ nextIndex: part.index + 1, nextOffset: part.endOffset }, false))));
              if (Either.isLeft(recordedNow)) {
                uploadError = recordedNow.left;
                throw recordedNow.left;
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
      if (converted.stopped) {
        // Out of time: the last part's progress is recorded (onPart); the workflow runs the download again.
        const rowsSoFar = parts.reduce((sum, part) => sum + part.entities.reduce((rows, entity) => rows + entity.rows, 0), 0);
        yield* Effect.logInfo("bulk export download continues in another invocation").pipe(
          Effect.annotateLogs({ runId: input.runId, object: input.object, partsDone: parts.length, nextOffset: converted.nextOffset, rowsSoFar, invocations }),
        );
        const more: DownloadContinue = { continue: true, progressKey, partsDone: parts.length, nextOffset: converted.nextOffset, rowsSoFar, invocations };
        return more;
      }
      yield* writeProgress(progressOf({ nextIndex: converted.nextIndex, nextOffset: converted.nextOffset }, true));
    }
    if (url) {
      // Parts a previous attempt of this run wrote beyond this export's last part would be counted twice.
      for (const entity of objectSpecs[input.object].entities) {
        const keep = new Set(
          parts.filter((part) => part.entities.some((each) => each.entity === entity.entity && each.rows > 0)).map((part) => partKey(entity.entity, input.runId, part.fileName)),
        );
        // An entity several objects write (metafields) holds their part files side by side: only this object's are its own.
        const own = sharedEntityObjects.includes(input.object) ? `${snapshotPrefix(entity.entity, input.runId)}${input.object}-` : snapshotPrefix(entity.entity, input.runId);
        for (const stale of yield* store.list(snapshotPrefix(entity.entity, input.runId))) {
          if (!keep.has(stale.key) && stale.key.startsWith(own)) yield* store.delete(stale.key);
        }
      }
    }

    const entities: Array<ObjectManifest["entities"][number]> = [];
    for (const { entity } of url ? objectSpecs[input.object].entities : []) {
      const withRows = parts.filter((part) => part.entities.some((each) => each.entity === entity && each.rows > 0));
      const keys = withRows.map((part) => partKey(entity, input.runId, part.fileName));
      const rows = parts.reduce((sum, part) => sum + (part.entities.find((each) => each.entity === entity)?.rows ?? 0), 0);
      const bytes = parts.reduce((sum, part) => sum + (part.entities.find((each) => each.entity === entity)?.bytes ?? 0), 0);
      entities.push(keys.length === 0 ? { entity, rows: 0, bytes: 0 } : { entity, rows, key: keys[0]!, keys, bytes });
    }
    // JSONL lines accounted for: line entities' rows and carrier lines (rows unnested from lists are extra).
    const totalRows = linesOf(
      input.object,
      parts.flatMap((part) => part.entities),
    );
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
      ...(url
        ? {
            parts: parts.length,
            partBytes,
            cutsInsideChildren: parts.filter((part) => !part.endsAtRoot).length,
            jsonlBytes: parts.reduce((sum, part) => sum + part.jsonlBytes, 0),
            invocations: before?.complete ? before.invocations : invocations,
          }
        : {}),
      writtenAt: new Date().toISOString(),
    };
    yield* store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
    yield* Effect.logInfo("bulk export converted").pipe(
      Effect.annotateLogs({
        runId: input.runId,
        object: input.object,
        totalRows,
        objectCount: operation.objectCount,
        countCheck,
        parts: converted?.parts.length ?? 0,
        peakDiskBytes: converted?.peakDiskBytes ?? 0,
      }),
    );
    if (countCheck === "mismatch") {
      return yield* Effect.fail(new CountMismatch({ expected: operation.objectCount, written: totalRows, manifestKey }));
    }
    const output: DownloadOutput = { continue: false, manifestKey, partial, totalRows, rows: Object.fromEntries(entities.map((entity) => [entity.entity, entity.rows])) };
    return output;
  }).pipe(Effect.scoped);
