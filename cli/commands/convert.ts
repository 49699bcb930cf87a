/**
 * `sdp convert`: the backfill's JSONL -> Parquet converter on its own (DuckDB), streaming a file
 * or an http(s) URL in bounded parts like the download (functions/backfill/convert/stream.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { DEFAULT_PART_BYTES, fileSource, httpSource, isUrl, objectOfLine, parseByteSize, streamConvert } from "../../functions/backfill/convert/stream";
import { bulkObjects, isBulkObject, type BulkObject } from "../../functions/backfill/convert/entities";

const help = `
Usage: sdp convert --input <file.jsonl[.gz] | http(s)://url> --out <dir>
                   [--entity orders|customers|products] [--part-size 256MB]
                   [--memory-limit 1GB] [--threads <n>] [--json]

Converts a Shopify bulk-operation export (JSONL, plain or gzip) into zstd Parquet per entity:
orders -> orders + order_line_items (split by __parentId), customers -> customers, products ->
products + product_variants. Ids stay VARCHAR (GIDs, exact legacy ids), money is DECIMAL(18,4),
timestamps TIMESTAMPTZ. The export is streamed (a file, or a bulk operation's signed result URL)
and converted in parts of about --part-size of JSONL that end in front of a root line, as the
backfill download does: disk and memory stay bounded whatever its size. A broken download is
resumed with HTTP Range requests.

Options:
  --input <file|url>   the JSONL export, a file or an http(s):// URL (gzip is detected from the bytes)
  --out <dir>          output directory; writes <dir>/<entity>/part-00000.parquet, part-00001...
  --entity <object>    what the export holds (default: from the first line's id)
  --part-size <n>      JSONL per part (default 256MB); temp disk peaks near 2x this
  --memory-limit <n>   DuckDB memory limit (default 1GB); larger inputs spill to a temp dir
  --threads <n>        DuckDB threads (default: CPU count, at most 4)
  --json               print the result as JSON

Examples:
  npx sdp convert --input orders.jsonl.gz --out ./parquet --entity orders
  npx sdp convert --input "$BULK_URL" --out ./parquet --entity orders --part-size 512MB
    (BULK_URL: the url or partialDataUrl a bulkOperation query returned)
`;

const isGzip = (file: string) => {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
};

/** The export's object from its first line's GID (gid://shopify/Order/1 -> orders). */
export const detectObject = (file: string): BulkObject | undefined => {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(4096);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    if (read >= 2 && head[0] === 0x1f && head[1] === 0x8b) return undefined;
    const text = head.subarray(0, read).toString("utf8");
    const newline = text.indexOf("\n");
    return objectOfLine(newline === -1 ? text : text.slice(0, newline));
  } finally {
    fs.closeSync(fd);
  }
};

const command: Command = {
  summary: "Convert a Shopify bulk JSONL export to Parquet (DuckDB)",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, {
      input: { type: "string" },
      out: { type: "string" },
      entity: { type: "string" },
      "memory-limit": { type: "string" },
      "part-size": { type: "string" },
      threads: { type: "string" },
      json: { type: "boolean" },
    });
    if (!values.input) throw new UsageError("--input <file.jsonl[.gz] | http(s)://url> is required");
    if (!values.out) throw new UsageError("--out <dir> is required");
    const remote = isUrl(values.input);
    const input = remote ? values.input : path.resolve(io.cwd, values.input);
    if (!remote && (!fs.existsSync(input) || !fs.statSync(input).isFile())) throw new UsageError(`--input ${input} is not a file`);
    if (values.entity !== undefined && !isBulkObject(values.entity)) {
      throw new UsageError(`--entity must be one of ${bulkObjects.join(", ")}, got "${values.entity}"`);
    }
    // A file's object is known before reading it all (gzip files and URLs: from the first line, while streaming).
    const object = (values.entity as BulkObject | undefined) ?? (remote ? undefined : detectObject(input));
    if (!object && !remote && !isGzip(input)) throw new UsageError(`cannot tell what ${path.basename(input)} holds from its first line; pass --entity ${bulkObjects.join("|")}`);
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError("--threads must be a positive whole number");
    if (values["memory-limit"] !== undefined && !/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(values["memory-limit"])) {
      throw new UsageError(`--memory-limit must look like 512MB or 2GB, got "${values["memory-limit"]}"`);
    }
    const partBytes = values["part-size"] === undefined ? DEFAULT_PART_BYTES : parseByteSize(values["part-size"]);
    if (partBytes === undefined || partBytes < 1024) throw new UsageError(`--part-size must look like 256MB or 1GB (at least 1KB), got "${values["part-size"]}"`);
    const out = path.resolve(io.cwd, values.out);
    const started = Date.now();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-convert-"));
    let converted;
    try {
      converted = await streamConvert({
        source: remote ? httpSource(input) : fileSource(input),
        object: object ?? "detect",
        workDir: work,
        outDir: out,
        keepParquet: true,
        partBytes,
        label: remote ? new URL(input).pathname.split("/").pop() || "the export" : path.basename(input),
        ...(values["memory-limit"] ? { memoryLimit: values["memory-limit"] } : {}),
        ...(threads ? { threads } : {}),
      });
    } catch (error) {
      throw new CommandFailed((error as Error).message);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    const result = {
      object: converted.object,
      entities: converted.entities.map((entity) => ({
        entity: entity.entity,
        rows: entity.rows,
        bytes: entity.bytes,
        ...(entity.files[0] ? { file: entity.files[0] } : {}),
        files: entity.files,
      })),
      totalRows: converted.totalRows,
      parts: converted.parts.length,
      partBytes: converted.partBytes,
      jsonlBytes: converted.jsonlBytes,
      peakDiskBytes: converted.peakDiskBytes,
    };
    const seconds = (Date.now() - started) / 1000;
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...result, seconds }, null, 2)}\n`);
    } else {
      for (const entity of result.entities) {
        const where = entity.files.length === 0 ? "(no rows, no file)" : entity.files.length === 1 ? entity.files[0] : `${entity.files.length} files: ${entity.files[0]} ...`;
        io.stdout.write(`${entity.entity.padEnd(18)} ${String(entity.rows).padStart(10)} rows  ${where}\n`);
      }
      io.stdout.write(`${result.totalRows} rows from ${remote ? input.split("?")[0] : path.basename(input)} in ${result.parts} part(s), ${seconds.toFixed(1)} s\n`);
    }
    return 0;
  },
};

export default command;
