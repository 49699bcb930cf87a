/**
 * A bulk export of any size -> Parquet in bounded parts.
 *
 * The export (a file or the operation's signed http(s) URL, plain or gzip) is read as a stream
 * of bytes and cut into JSONL parts of about `partBytes` each. A part is closed only in front of
 * a root line (a line without `__parentId`), so a part never ends between a root object and the
 * children that follow it. Every line is looked at once as it passes (a byte scan for the
 * newline and for `"__parentId"`, no string decoding), and a part is written as two files, its
 * root lines and its child lines, so that each entity's COPY parses only its own lines: every
 * line is parsed once, where a whole-file conversion parses the file once per entity. Each
 * closed part is converted with DuckDB (convertFileWith: the same COPY statements and role
 * filters as a whole-file conversion), handed to `onPart` (the download uploads it) and
 * deleted before the part after next is started. While DuckDB converts part N, part N+1 is read
 * from the network, so at most two JSONL parts and one part's Parquet are on disk at a time:
 *
 *   peak disk <= 2 x hardPartBytes + Parquet of one part + DuckDB spill
 *             ~= 2 x partBytes + ~3% in practice (zstd Parquet of orders; hardPartBytes = 2 x partBytes
 *                bounds a part when no root line comes)
 *
 * Ordering: Shopify writes each nested connection's objects on their own lines with
 * `__parentId`, and with grouped output ("places child objects directly below their
 * corresponding parent objects", shopify.dev changelog "Optional groupObjects argument in bulk
 * operations mutations", and the 2025-10 `bulkOperationRunQuery` `groupObjects` argument, default
 * true before 2026-01) children follow their parent, so cutting in front of a root line keeps
 * every root with its children. From API 2026-01 `groupObjects` defaults to false ("Bulk
 * operations group objects default changed to false", shopify.dev changelog, 2025-10-29), and
 * children are no longer guaranteed to follow their parent. The conversion never needs them
 * together (every child line carries its own `__parentId`, which becomes `order_id` /
 * `product_id`), so correctness does not depend on it; only the bound does: if no root line
 * comes within `hardPartBytes`, the part is cut at the next line boundary anyway (counted in
 * `cutsInsideChildren`) so disk stays bounded whatever the order.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import { ConversionFailed, convertFileWith, openConverter, type EntityOutput } from "./convert";
import { linesOf, objectSpecs, type BulkObject } from "./entities";
import { sharedEntityObjects } from "../../../contracts/bulk-entities";

/** Default part size: 256 MiB of JSONL (~230,000 orders with their line items). */
export const DEFAULT_PART_BYTES = 256 * 1024 * 1024;

/** Parses "256MB", "1GB", "512MiB", "1048576" into bytes (1 KB = 1024 bytes, as DuckDB does). */
export const parseByteSize = (text: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? "B").toUpperCase().replace("IB", "B");
  const factor = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[unit as "B" | "KB" | "MB" | "GB"];
  const bytes = Math.floor(Number(match[1]) * factor);
  return bytes > 0 ? bytes : undefined;
};

/** The connection broke (or the body ended short) and could not be resumed. */
export class ExportStreamBroken extends Error {
  override readonly name = "ExportStreamBroken";
  constructor(
    readonly part: number,
    readonly bytesRead: number,
    readonly resumes: number,
    readonly reason: string,
  ) {
    super(`the export stream broke in part ${part} (part-${String(part).padStart(5, "0")}, after ${bytesRead} bytes of the export, ${resumes} resume(s) tried): ${reason}`);
  }
}

/** The result URL answered 403/404/410 (signed bulk URLs expire after seven days). */
export class ExportUrlGone extends Error {
  override readonly name = "ExportUrlGone";
  constructor(readonly status: number) {
    super(`the result URL answered HTTP ${status}`);
  }
}

/** Any other non-2xx answer to the first request. */
export class ExportHttpError extends Error {
  override readonly name = "ExportHttpError";
  constructor(readonly status: number) {
    super(`the result URL answered HTTP ${status}`);
  }
}

/** The first request could not be made (connection refused, DNS, TLS). */
export class ExportNetworkError extends Error {
  override readonly name = "ExportNetworkError";
}

/** Raised by a source when the body breaks and cannot be resumed; the splitter names the part. */
class SourceBroken extends Error {
  constructor(
    readonly bytesRead: number,
    readonly resumes: number,
    reason: string,
  ) {
    super(reason);
  }
}

export interface HttpSourceOptions {
  /** A fetch to use instead of node:http(s) (tests, proxies). */
  readonly fetch?: typeof fetch;
  /** How many times a broken body is resumed with an HTTP Range request (default 5). */
  readonly maxResumes?: number;
  /** Wait before a resume, doubled each time (default 500 ms). */
  readonly resumeDelayMs?: number;
  /**
   * Start at this byte of the body (a download resumed by a later invocation): asked for with
   * `Range: bytes=<startAt>-`; a server that answers 200 instead is read from its start and the
   * first `startAt` bytes are dropped. Only for a body that is not gzip (byte offsets of the
   * compressed stream are not line boundaries).
   */
  readonly startAt?: number;
}

interface HttpAnswer {
  readonly status: number;
  readonly header: (name: string) => string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  readonly discard: () => void;
}

/** GET with node:http(s): about half the CPU of fetch's web streams per byte (measured in bench/stream.bench.ts). */
const nodeGet = (url: string, headers: Record<string, string>): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : http;
    const request = client.get(url, { headers }, (response) => {
      resolve({
        status: response.statusCode ?? 0,
        header: (name) => {
          const value = response.headers[name];
          return Array.isArray(value) ? value.join(", ") : value;
        },
        body: response,
        discard: () => response.destroy(),
      });
    });
    request.on("error", reject);
  });

const fetchGet =
  (doFetch: typeof fetch) =>
  async (url: string, headers: Record<string, string>): Promise<HttpAnswer> => {
    const response = await doFetch(url, { headers });
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      body: (response.body ?? (async function* () {})()) as unknown as AsyncIterable<Uint8Array>,
      discard: () => void response.body?.cancel().catch(() => undefined),
    };
  };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The bytes of an http(s) URL. A body that breaks (network error, or fewer bytes than
 * Content-Length) is resumed from the last byte received with `Range: bytes=<n>-` (and
 * `If-Range` with the ETag or Last-Modified, so a changed object is never spliced); a server
 * that answers anything but a matching 206 makes it fail. Never ends short silently.
 */
export async function* httpSource(url: string, options: HttpSourceOptions = {}): AsyncGenerator<Uint8Array> {
  const get = options.fetch ? fetchGet(options.fetch) : nodeGet;
  const maxResumes = options.maxResumes ?? 5;
  const startAt = options.startAt ?? 0;
  // Bytes of the body (from its byte 0) received so far, and bytes still to drop before yielding.
  let received = 0;
  let skip = 0;
  let first = true;
  let resumes = 0;
  let total: number | undefined;
  let validator: string | undefined;
  let resumable = true;
  for (;;) {
    let response: HttpAnswer;
    try {
      const from = first ? startAt : received;
      response = await get(url, { "accept-encoding": "identity", ...(from > 0 ? { range: `bytes=${from}-`, ...(validator ? { "if-range": validator } : {}) } : {}) });
    } catch (error) {
      if (first && resumes === 0) throw new ExportNetworkError((error as Error).message);
      if (resumes >= maxResumes) throw new SourceBroken(received, resumes, `resume request failed: ${(error as Error).message}`);
      resumes += 1;
      await sleep((options.resumeDelayMs ?? 500) * 2 ** (resumes - 1));
      continue;
    }
    if (first) {
      if ([403, 404, 410].includes(response.status)) {
        response.discard();
        throw new ExportUrlGone(response.status);
      }
      const range = response.header("content-range");
      const ranged = startAt > 0 && response.status === 206 && range !== undefined && range.startsWith(`bytes ${startAt}-`);
      if (response.status !== 200 && !ranged) {
        response.discard();
        throw new ExportHttpError(response.status);
      }
      first = false;
      const length = response.header("content-length");
      const bodyLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      if (ranged) {
        received = startAt;
        total = bodyLength === undefined ? undefined : startAt + bodyLength;
      } else {
        skip = startAt;
        total = bodyLength;
      }
      const etag = response.header("etag");
      validator = etag && !etag.startsWith("W/") ? etag : response.header("last-modified");
      // A transparently decoded body has no byte offsets to resume from.
      const encoding = response.header("content-encoding");
      resumable = !encoding || encoding === "identity";
    } else {
      const range = response.header("content-range");
      if (response.status !== 206 || !range || !range.startsWith(`bytes ${received}-`)) {
        response.discard();
        throw new SourceBroken(
          received,
          resumes,
          `cannot resume: the server answered HTTP ${response.status}${range ? ` (${range})` : ""} to a Range request for bytes ${received}-`,
        );
      }
    }
    let failure: string | undefined;
    try {
      for await (const chunk of response.body) {
        received += chunk.byteLength;
        if (skip > 0) {
          if (chunk.byteLength <= skip) {
            skip -= chunk.byteLength;
            continue;
          }
          const rest = chunk.subarray(skip);
          skip = 0;
          yield rest;
          continue;
        }
        yield chunk;
      }
      if (total !== undefined && received < total) failure = `the body ended after ${received} of ${total} bytes`;
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      failure = `${(error as Error).message}${cause?.message ? ` (${cause.message})` : ""}`;
    } finally {
      response.discard();
    }
    if (failure === undefined) return;
    if (!resumable) throw new SourceBroken(received, resumes, `${failure}; the body was content-encoded, so it cannot be resumed`);
    if (resumes >= maxResumes) throw new SourceBroken(received, resumes, failure);
    resumes += 1;
    await sleep((options.resumeDelayMs ?? 500) * 2 ** (resumes - 1));
  }
}

export const fileSource = (file: string): AsyncIterable<Uint8Array> => fs.createReadStream(file, { highWaterMark: 1 << 20 });

export const isUrl = (input: string) => /^https?:\/\//i.test(input);

/** gzip is detected from the first two bytes, not a name or header; `seen` says which it was. */
async function* decode(source: AsyncIterable<Uint8Array>, seen: { encoding?: ExportEncoding }): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) {
      if (head.length > 0) yield head;
      return;
    }
    head = Buffer.concat([head, Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)]);
  }
  const rest = (async function* () {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  })();
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    seen.encoding = "plain";
    yield* rest;
    return;
  }
  seen.encoding = "gzip";
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  const piping = pipeline(Readable.from(rest, { objectMode: false }), gunzip);
  piping.catch(() => undefined);
  // An error in the source or in gunzip destroys gunzip with it, so this loop throws it.
  for await (const chunk of gunzip) yield chunk as Buffer;
  await piping;
}

const PARENT_KEY = Buffer.from('"__parentId"');

/**
 * True when the line [start, end) of `buffer` is a child: it has a top-level `__parentId` key
 * whose value is not null (what DuckDB's `"__parentId" IS NOT NULL` keeps). Inside a JSON string
 * a quote is escaped, so `"__parentId"` preceded by `{` or `,` (spaces allowed) and followed by
 * `:` can only be a key; nested objects in our queries never carry one. `from` is where to look
 * for the key first (the caller's last search), `-1` when it is not in the line.
 */
const isChildAt = (buffer: Buffer, start: number, end: number, from: number): boolean => {
  let at = from;
  while (at !== -1 && at < end) {
    let before = at - 1;
    while (before >= start && (buffer[before] === 0x20 || buffer[before] === 0x09)) before -= 1;
    let after = at + PARENT_KEY.length;
    while (after < end && (buffer[after] === 0x20 || buffer[after] === 0x09)) after += 1;
    if (before >= start && (buffer[before] === 0x7b || buffer[before] === 0x2c) && buffer[after] === 0x3a) {
      after += 1;
      while (after < end && (buffer[after] === 0x20 || buffer[after] === 0x09)) after += 1;
      // `"__parentId": null` is a root line to DuckDB.
      return !(buffer[after] === 0x6e && buffer[after + 1] === 0x75 && buffer[after + 2] === 0x6c && buffer[after + 3] === 0x6c);
    }
    at = buffer.indexOf(PARENT_KEY, at + 1);
  }
  return false;
};

/** True when the line is a child (see isChildAt). */
export const isChildLine = (line: Buffer): boolean => isChildAt(line, 0, line.length, line.indexOf(PARENT_KEY));

const isBlank = (buffer: Buffer, start: number, end: number) => {
  for (let index = start; index < end; index++) {
    const byte = buffer[index];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
};

/** How the export's bytes came: plain JSONL or gzip (detected from its first two bytes). */
export type ExportEncoding = "plain" | "gzip";

export interface ConvertedPart {
  /** 0-based; files are named part-<index, 5 digits>.parquet. */
  readonly index: number;
  readonly fileName: string;
  /** JSONL bytes in this part. */
  readonly jsonlBytes: number;
  /** Offset in the (decoded) JSONL just past this part: where the next part starts. */
  readonly endOffset: number;
  /** False when the part was cut inside a run of child lines (no root within hardPartBytes). */
  readonly endsAtRoot: boolean;
  readonly entities: ReadonlyArray<EntityOutput>;
}

export interface StreamConvertOptions {
  readonly source: AsyncIterable<Uint8Array>;
  /** What the export holds; "detect" reads it from the first line's GID. */
  readonly object: BulkObject | "detect";
  /** Parts (JSONL), Parquet and DuckDB's spill go under here. */
  readonly workDir: string;
  /** Parquet goes to <outDir>/<entity>/part-NNNNN.parquet (default <workDir>/parquet). */
  readonly outDir?: string;
  /** Target JSONL bytes per part (default DEFAULT_PART_BYTES); a part closes at the next root line. */
  readonly partBytes?: number;
  /** Cut at a line boundary even without a root line past this size (default 2 x partBytes). */
  readonly hardPartBytes?: number;
  /** Keep each part's Parquet after onPart (the CLI); the download deletes it (default false). */
  readonly keepParquet?: boolean;
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** Called once per converted part, in order; the part's Parquet is deleted when it resolves. */
  readonly onPart?: (part: ConvertedPart, object: BulkObject, encoding: ExportEncoding | undefined) => Promise<void>;
  /** Names the export in errors ("cannot convert <label> (part 3) to orders"). */
  readonly label?: string;
  /**
   * Resuming an export a previous invocation stopped (see `stopAfterPart`): the first part's
   * index, and the (decoded) JSONL offset it starts at, which is always in front of a root line.
   * With `skipBytes` the source starts at the export's byte 0 and that many decoded bytes are
   * dropped first (gzip); without it the source already starts at `startOffset` (HTTP Range).
   */
  readonly startIndex?: number;
  readonly startOffset?: number;
  readonly skipBytes?: number;
  /**
   * Asked each time a part is closed (before the next one is read); true stops the stream at
   * this part boundary: the parts closed so far are converted and handed to onPart, and the
   * result says where to go on (`stopped`, `nextIndex`, `nextOffset`).
   */
  readonly stopAfterPart?: (closed: { readonly index: number; readonly endOffset: number }) => boolean;
}

export interface StreamConvertResult {
  readonly object: BulkObject | undefined;
  readonly parts: ReadonlyArray<Omit<ConvertedPart, "entities"> & { readonly entities: ReadonlyArray<Omit<EntityOutput, "file">> }>;
  /** Per entity, summed over parts. */
  readonly entities: ReadonlyArray<{ readonly entity: string; readonly rows: number; readonly bytes: number; readonly files: ReadonlyArray<string> }>;
  readonly totalRows: number;
  readonly jsonlBytes: number;
  readonly cutsInsideChildren: number;
  /** Most bytes this conversion held on disk at once (JSONL parts + Parquet not yet deleted). */
  readonly peakDiskBytes: number;
  readonly partBytes: number;
  /** How the source's bytes were encoded (undefined when it had none). */
  readonly encoding: ExportEncoding | undefined;
  /** True when stopAfterPart stopped the stream; it goes on at part `nextIndex`, offset `nextOffset`. */
  readonly stopped: boolean;
  readonly nextIndex: number;
  /** Decoded JSONL bytes consumed from the export's start (the whole export when not stopped). */
  readonly nextOffset: number;
}

const objectOfGid: Record<string, BulkObject> = {
  Order: "orders",
  Customer: "customers",
  Product: "products",
  FulfillmentOrder: "fulfillment_orders",
  InventoryItem: "inventory_items",
  Location: "locations",
  DiscountCodeNode: "discounts",
  DiscountAutomaticNode: "discounts",
  DraftOrder: "draft_orders",
};

/**
 * The export's object from a root line (gid://shopify/Order/1 -> orders; an order line with a
 * refunds or transactions list -> refunds / order_transactions). A root line holding only its id
 * (the metafields exports) cannot say which export it is: undefined, so the object must be named.
 */
export const objectOfLine = (line: string): BulkObject | undefined => {
  const match = /"id"\s*:\s*"gid:\/\/shopify\/([A-Za-z]+)\//.exec(line);
  if (!match) return undefined;
  if (/^\s*\{\s*"id"\s*:\s*"[^"]*"\s*\}\s*$/.test(line)) return undefined;
  if (match[1] === "Order" && /"refunds"\s*:\s*\[/.test(line)) return "refunds";
  if (match[1] === "Order" && /"transactions"\s*:\s*\[/.test(line)) return "order_transactions";
  return objectOfGid[match[1]!];
};

export const partFileName = (index: number, object?: BulkObject) =>
  `${object && sharedEntityObjects.includes(object) ? `${object}-` : ""}part-${String(index).padStart(5, "0")}.parquet`;

export const streamConvert = async (options: StreamConvertOptions): Promise<StreamConvertResult> => {
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  const hardPartBytes = Math.max(partBytes, options.hardPartBytes ?? 2 * partBytes);
  const partsDir = path.join(options.workDir, "jsonl");
  const outDir = options.outDir ?? path.join(options.workDir, "parquet");
  const spillDir = path.join(options.workDir, "spill");
  for (const dir of [partsDir, outDir, spillDir]) fs.mkdirSync(dir, { recursive: true });

  let object: BulkObject | undefined = options.object === "detect" ? undefined : options.object;
  let onDisk = 0;
  let peakDiskBytes = 0;
  const grow = (bytes: number) => {
    onDisk += bytes;
    if (onDisk > peakDiskBytes) peakDiskBytes = onDisk;
  };

  const converter = await openConverter({
    tempDir: spillDir,
    ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  const done: Array<StreamConvertResult["parts"][number]> = [];
  const keptFiles = new Map<string, string[]>();

  // The part being written, and the (decoded) offset it starts at.
  let index = options.startIndex ?? 0;
  let partStart = options.startOffset ?? 0;
  // stopAfterPart said stop: no more bytes are taken.
  let stopping = false;
  const seen: { encoding?: ExportEncoding } = {};
  // Decoded bytes taken into the current part (both of its files, blank lines included).
  let written = 0;
  let firstLine: string | undefined;
  let cutsInsideChildren = 0;
  let converting: Promise<void> = Promise.resolve();
  let convertError: unknown;

  // A part is two JSONL files, its root lines and its child lines, so that each entity's COPY
  // parses only the lines it keeps (every line once, not once per entity). Lines are copied into
  // a 1 MiB buffer per file and written when it fills: per-call cost dominates small writes.
  const STAGE_BYTES = 1 << 20;
  interface RoleFile {
    readonly path: string;
    readonly fd: number;
    readonly staged: Buffer;
    used: number;
  }
  const openRole = (role: "roots" | "children"): RoleFile => {
    const file = path.join(partsDir, `part-${index}.${role}.jsonl`);
    return { path: file, fd: fs.openSync(file, "w"), staged: Buffer.allocUnsafe(STAGE_BYTES), used: 0 };
  };
  const writeOut = (fd: number, buffer: Buffer, start: number, end: number) => {
    // A short write leaves the rest to write again.
    for (let at = start; at < end;) at += fs.writeSync(fd, buffer, at, end - at);
  };
  const flush = (target: RoleFile) => {
    writeOut(target.fd, target.staged, 0, target.used);
    target.used = 0;
  };
  let roots = openRole("roots");
  let children = openRole("children");
  const write = (child: boolean, buffer: Buffer, start: number, end: number) => {
    const length = end - start;
    if (length <= 0) return;
    const target = child ? children : roots;
    written += length;
    grow(length);
    if (target.used + length > STAGE_BYTES) flush(target);
    if (length >= STAGE_BYTES) writeOut(target.fd, buffer, start, end);
    else {
      buffer.copy(target.staged, target.used, start, end);
      target.used += length;
    }
  };
  const closeFiles = () => {
    for (const target of [roots, children]) {
      try {
        fs.closeSync(target.fd);
      } catch {
        // already closed
      }
    }
  };

  const convertPart = async (part: { index: number; roots: string; children: string; jsonlBytes: number; endOffset: number; endsAtRoot: boolean }) => {
    const removeJsonl = () => {
      fs.rmSync(part.roots, { force: true });
      fs.rmSync(part.children, { force: true });
    };
    try {
      const fileName = partFileName(part.index, object);
      if (part.jsonlBytes === 0) {
        removeJsonl();
        return;
      }
      if (!object) throw new ConversionFailed(`cannot tell what the export holds from its first line; name the object (${Object.keys(objectSpecs).join(", ")})`);
      const entities = await convertFileWith(converter.connection, {
        input: part.roots,
        childInput: part.children,
        outDir,
        object,
        fileName,
        label: `${options.label ?? "the export"} (part ${part.index})`,
      });
      // The JSONL of this part is no longer needed.
      removeJsonl();
      grow(-part.jsonlBytes);
      const parquetBytes = entities.reduce((sum, entity) => sum + entity.bytes, 0);
      grow(parquetBytes);
      const converted: ConvertedPart = { index: part.index, jsonlBytes: part.jsonlBytes, endOffset: part.endOffset, endsAtRoot: part.endsAtRoot, fileName, entities };
      await options.onPart?.(converted, object, seen.encoding);
      if (options.keepParquet) {
        for (const entity of entities) if (entity.file) keptFiles.set(entity.entity, [...(keptFiles.get(entity.entity) ?? []), entity.file]);
      } else {
        for (const entity of entities) if (entity.file) fs.rmSync(entity.file, { force: true });
      }
      grow(-parquetBytes);
      done.push({
        index: part.index,
        fileName,
        jsonlBytes: part.jsonlBytes,
        endOffset: part.endOffset,
        endsAtRoot: part.endsAtRoot,
        entities: entities.map(({ file: _file, ...rest }) => rest),
      });
    } catch (error) {
      convertError ??= error;
      throw error;
    }
  };

  /** Closes the current part, waits for the previous one's conversion, starts this one's, opens the next. */
  const closePart = async (endsAtRoot: boolean, last = false) => {
    flush(roots);
    flush(children);
    closeFiles();
    const part = { index, roots: roots.path, children: children.path, jsonlBytes: written, endOffset: partStart + written, endsAtRoot };
    partStart = part.endOffset;
    if (!endsAtRoot) cutsInsideChildren += 1;
    // Two parts in flight at most: this one (about to convert) and the next (being written).
    await converting;
    converting = convertPart(part);
    converting.catch(() => undefined);
    if (!last && options.stopAfterPart && written > 0 && !convertError && options.stopAfterPart({ index, endOffset: part.endOffset })) stopping = true;
    index += 1;
    roots = openRole("roots");
    children = openRole("children");
    written = 0;
  };

  // An unfinished line carried from one chunk to the next, in pieces.
  let carry: Buffer[] = [];

  /**
   * Writes the whole lines of `buffer` to the part's files, root lines and child lines apart, and
   * closes the part in front of the first root line once it holds `partBytes` (or in front of any
   * line once it holds `hardPartBytes`); returns the unfinished tail (or, when the stream stops
   * or a conversion failed, the lines not taken).
   */
  const take = async (buffer: Buffer): Promise<Buffer | undefined> => {
    if (firstLine === undefined) {
      const newline = buffer.indexOf(0x0a);
      if (newline !== -1 || buffer.length >= 4096) {
        firstLine = buffer.toString("utf8", 0, Math.min(newline === -1 ? buffer.length : newline, 4096));
        object ??= objectOfLine(firstLine);
      }
    }
    const last = buffer.lastIndexOf(0x0a);
    let position = 0;
    // Lines [runStart, position) are of one role (runChild) and not written yet.
    let runStart = 0;
    let runChild = false;
    // The next `"__parentId"` at or after `position` (-1: none left in the buffer).
    let key = last === -1 ? -1 : buffer.indexOf(PARENT_KEY);
    while (position <= last) {
      const newline = buffer.indexOf(0x0a, position);
      const end = newline > position && buffer[newline - 1] === 0x0d ? newline - 1 : newline;
      // Blank lines stay with the run they are in and never cut a part.
      if (buffer[position] !== 0x7b && isBlank(buffer, position, end)) {
        position = newline + 1;
        continue;
      }
      if (key !== -1 && key < position) key = buffer.indexOf(PARENT_KEY, position);
      const child = key !== -1 && key < end && isChildAt(buffer, position, end, key);
      const before = written + (position - runStart);
      if (child ? before >= hardPartBytes : before >= partBytes) {
        write(runChild, buffer, runStart, position);
        runStart = position;
        await closePart(!child);
        if (convertError || stopping) return buffer.subarray(position);
      } else if (child !== runChild) {
        write(runChild, buffer, runStart, position);
        runStart = position;
      }
      runChild = child;
      position = newline + 1;
    }
    write(runChild, buffer, runStart, position);
    return position < buffer.length ? buffer.subarray(position) : undefined;
  };

  try {
    let skip = options.skipBytes ?? 0;
    try {
      for await (const whole of decode(options.source, seen)) {
        if (convertError || stopping) break;
        let chunk = whole;
        if (skip > 0) {
          // Resuming a gzip export: the bytes before the resume offset were converted already.
          if (whole.length <= skip) {
            skip -= whole.length;
            continue;
          }
          chunk = whole.subarray(skip);
          skip = 0;
        }
        if (carry.length > 0) {
          const newline = chunk.indexOf(0x0a);
          if (newline === -1) {
            carry.push(chunk);
            continue;
          }
          // The carried line, finished: taken alone (one line copied), then the rest of the chunk.
          const tail = await take(Buffer.concat([...carry, chunk.subarray(0, newline + 1)]));
          carry = [];
          if (convertError || stopping) break;
          if (tail) throw new Error(`internal: a finished line was left untaken (${tail.length} bytes)`);
          chunk = chunk.subarray(newline + 1);
        }
        const tail = await take(chunk);
        if (tail) carry.push(tail);
        if (stopping) break;
      }
    } catch (error) {
      if (convertError) throw convertError;
      if (error instanceof SourceBroken) throw new ExportStreamBroken(index, error.bytesRead, error.resumes, error.message);
      throw error;
    }
    if (convertError) throw convertError;
    if (!stopping) {
      if (skip > 0) throw new ExportStreamBroken(index, partStart, 0, `the export ended ${skip} bytes before the offset ${partStart} this download resumes at`);
      // The last line may lack its newline: it stays in the last part, with the lines of its role.
      const lastLine = carry.length > 0 ? Buffer.concat(carry) : undefined;
      if (lastLine && !isBlank(lastLine, 0, lastLine.length)) {
        if (firstLine === undefined) object ??= objectOfLine(lastLine.toString("utf8", 0, Math.min(lastLine.length, 4096)));
        write(isChildLine(lastLine), lastLine, 0, lastLine.length);
      }
      if (written > 0 || index === 0) await closePart(true, true);
    }
    await converting;
  } finally {
    closeFiles();
    await converting.catch(() => undefined);
    converter.close();
    fs.rmSync(partsDir, { recursive: true, force: true });
    fs.rmSync(spillDir, { recursive: true, force: true });
  }

  const parts = done;
  const entityNames = object ? objectSpecs[object].entities.map((entity) => entity.entity) : [];
  const entities = entityNames.map((entity) => {
    const rows = parts.reduce((sum, part) => sum + (part.entities.find((each) => each.entity === entity)?.rows ?? 0), 0);
    const bytes = parts.reduce((sum, part) => sum + (part.entities.find((each) => each.entity === entity)?.bytes ?? 0), 0);
    return { entity, rows, bytes, files: keptFiles.get(entity) ?? [] };
  });
  return {
    object,
    parts,
    entities,
    // JSONL lines accounted for (carrier lines included, rows unnested from lists not): what objectCount counts.
    totalRows: object
      ? linesOf(
          object,
          parts.flatMap((part) => part.entities),
        )
      : 0,
    jsonlBytes: parts.reduce((sum, part) => sum + part.jsonlBytes, 0),
    cutsInsideChildren,
    peakDiskBytes,
    partBytes,
    encoding: seen.encoding,
    stopped: stopping,
    nextIndex: index,
    nextOffset: partStart,
  };
};
