/**
 * `sdp convert`: the backfill's JSONL -> Parquet converter on its own (DuckDB).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { convertJsonl } from "../../etl/convert/convert";
import { bulkObjects, isBulkObject, type BulkObject } from "../../etl/convert/entities";

const help = `
Usage: sdp convert --input <file.jsonl[.gz]> --out <dir> [--entity orders|customers|products]
                   [--memory-limit 1GB] [--threads <n>] [--json]

Converts a Shopify bulk-operation export (JSONL, plain or gzip) into one zstd Parquet file per
entity: orders -> orders + order_line_items (split by __parentId), customers -> customers,
products -> products + product_variants. Ids stay VARCHAR (GIDs, exact legacy ids), money is
DECIMAL(18,4), timestamps TIMESTAMPTZ.

Options:
  --input <file>       the JSONL export (gzip is detected from its content)
  --out <dir>          output directory; writes <dir>/<entity>/part-00000.parquet
  --entity <object>    what the export holds (default: from the first line's id)
  --memory-limit <n>   DuckDB memory limit (default 1GB); larger inputs spill to a temp dir
  --threads <n>        DuckDB threads (default: CPU count, at most 4)
  --json               print the result as JSON

Example:
  npx sdp convert --input orders.jsonl.gz --out ./parquet --entity orders
`;

const objectOfGid: Record<string, BulkObject> = { Order: "orders", Customer: "customers", Product: "products" };

/** The export's object from its first line's GID (gid://shopify/Order/1 -> orders). */
export const detectObject = (file: string): BulkObject | undefined => {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(4096);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    if (read >= 2 && head[0] === 0x1f && head[1] === 0x8b) return undefined;
    const match = /"id"\s*:\s*"gid:\/\/shopify\/([A-Za-z]+)\//.exec(head.subarray(0, read).toString("utf8"));
    return match ? objectOfGid[match[1]!] : undefined;
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
      threads: { type: "string" },
      json: { type: "boolean" },
    });
    if (!values.input) throw new UsageError("--input <file.jsonl[.gz]> is required");
    if (!values.out) throw new UsageError("--out <dir> is required");
    const input = path.resolve(io.cwd, values.input);
    if (!fs.existsSync(input) || !fs.statSync(input).isFile()) throw new UsageError(`--input ${input} is not a file`);
    if (values.entity !== undefined && !isBulkObject(values.entity)) {
      throw new UsageError(`--entity must be one of ${bulkObjects.join(", ")}, got "${values.entity}"`);
    }
    const object = (values.entity as BulkObject | undefined) ?? detectObject(input);
    if (!object) throw new UsageError(`cannot tell what ${path.basename(input)} holds from its first line; pass --entity ${bulkObjects.join("|")}`);
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError("--threads must be a positive whole number");
    if (values["memory-limit"] !== undefined && !/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(values["memory-limit"])) {
      throw new UsageError(`--memory-limit must look like 512MB or 2GB, got "${values["memory-limit"]}"`);
    }
    const started = Date.now();
    let result;
    try {
      result = await convertJsonl({
        input,
        outDir: path.resolve(io.cwd, values.out),
        object,
        ...(values["memory-limit"] ? { memoryLimit: values["memory-limit"] } : {}),
        ...(threads ? { threads } : {}),
      });
    } catch (error) {
      throw new CommandFailed((error as Error).message);
    }
    const seconds = (Date.now() - started) / 1000;
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...result, seconds }, null, 2)}\n`);
    } else {
      for (const entity of result.entities) io.stdout.write(`${entity.entity.padEnd(18)} ${String(entity.rows).padStart(10)} rows  ${entity.file ?? "(no rows, no file)"}\n`);
      io.stdout.write(`${result.totalRows} rows from ${path.basename(input)} in ${seconds.toFixed(1)} s\n`);
    }
    return 0;
  },
};

export default command;
