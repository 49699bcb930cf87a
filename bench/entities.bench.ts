/**
 * Backfill of 100,000 orders with every child entity the revenue measures need (issue 16): the
 * orders export (with line items) and the refunds, order transactions, fulfillment orders
 * (fulfillments and their line items) and order metafields exports of the same orders, as the
 * stand-in renders them from one seed, JSONL -> Parquet with the download's streamed converter
 * (functions/backfill/convert/stream.ts), one export per child process so each peak RSS is its
 * own (each is its own backfill-download invocation in AWS). Reports per export: lines, rows
 * per entity, time, CPU and peak RSS, and checks rows accounted == the lines (objectCount).
 *
 *   npm run bench -- entities
 *   SDP_BENCH_ENTITY_ORDERS=20000 npx tsx bench/entities.bench.ts   (quick look)
 */
import { runBenchChild } from "./child";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BulkObject } from "../contracts/bulk-entities";
import { streamConvert } from "../functions/backfill/convert/stream";
import { bulkLines } from "../local/shopify-standin/dataset";

const ORDERS = Number(process.env.SDP_BENCH_ENTITY_ORDERS ?? 100_000);
const MEMORY_LIMIT = process.env.SDP_BENCH_MEMORY_LIMIT ?? "1GB";
const OBJECTS: ReadonlyArray<BulkObject> = ["orders", "refunds", "order_transactions", "fulfillment_orders", "order_metafields"];
const dataDir = path.join(__dirname, ".data", `entities-${ORDERS}`);
const range = { since: "2024-01-01T00:00:00Z", until: "2026-01-01T00:00:00Z", count: ORDERS, seed: 3 };

interface Generated {
  readonly lines: number;
  readonly bytes: number;
}

interface ChildResult {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly totalRows: number;
  readonly rows: Record<string, number>;
  readonly parquetBytes: number;
}

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

/** Writes one export's JSONL unless it is there already; `<file>.lines` holds its line count (Shopify's objectCount). */
const ensureExport = async (object: BulkObject): Promise<Generated> => {
  const file = path.join(dataDir, `${object}.jsonl`);
  const countFile = `${file}.lines`;
  if (fs.existsSync(file) && fs.existsSync(countFile)) return { lines: Number(fs.readFileSync(countFile, "utf8")), bytes: fs.statSync(file).size };
  fs.mkdirSync(dataDir, { recursive: true });
  const out = fs.createWriteStream(`${file}.partial`);
  let buffer = "";
  let lines = 0;
  for (const line of bulkLines(object, range)) {
    buffer += `${line}\n`;
    lines += 1;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      buffer = "";
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  fs.renameSync(`${file}.partial`, file);
  fs.writeFileSync(countFile, String(lines));
  return { lines, bytes: fs.statSync(file).size };
};

const child = async (object: BulkObject, input: string, workDir: string): Promise<ChildResult> => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await streamConvert({ source: fs.createReadStream(input), object, workDir, memoryLimit: MEMORY_LIMIT, threads: os.cpus().length });
  const used = process.cpuUsage(cpu);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    totalRows: result.totalRows,
    rows: Object.fromEntries(result.entities.map((entity) => [entity.entity, entity.rows])),
    parquetBytes: result.entities.reduce((sum, entity) => sum + entity.bytes, 0),
  };
};

const runChild = (object: BulkObject): ChildResult => runBenchChild<ChildResult>(__filename, [object, path.join(dataDir, `${object}.jsonl`)], { label: `entities-${object}` });

const main = async () => {
  const generatedAt = performance.now();
  const generated: Record<string, Generated> = {};
  for (const object of OBJECTS) generated[object] = await ensureExport(object);
  console.log(`input: ${ORDERS.toLocaleString("en")} orders and their child exports in ${dataDir} (ready in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s)`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} (wall times stretch when others share the cores; CPU seconds do not)`);
  let seconds = 0;
  let cpuSeconds = 0;
  let peak = 0;
  let bytes = 0;
  let failed = false;
  for (const object of OBJECTS) {
    const result = runChild(object);
    const input = generated[object]!;
    seconds += result.seconds;
    cpuSeconds += result.cpuSeconds;
    peak = Math.max(peak, result.maxRssBytes);
    bytes += input.bytes;
    const match = result.totalRows === input.lines;
    failed ||= !match;
    const rows = Object.entries(result.rows)
      .map(([entity, count]) => `${entity} ${count.toLocaleString("en")}`)
      .join(", ");
    console.log(
      `${object.padEnd(20)} ${mb(input.bytes).padStart(7)} JSONL -> ${mb(result.parquetBytes).padStart(6)} Parquet  ${result.seconds.toFixed(1).padStart(5)} s  CPU ${result.cpuSeconds.toFixed(1).padStart(5)} s  peak RSS ${mb(result.maxRssBytes).padStart(7)}  lines ${input.lines.toLocaleString("en")} ${match ? "= rows accounted" : `!= rows accounted ${result.totalRows}`}`,
    );
    console.log(`${" ".repeat(21)}${rows}`);
  }
  console.log(
    `total: ${mb(bytes)} of JSONL in ${seconds.toFixed(1)} s (${(bytes / 1024 ** 2 / seconds).toFixed(0)} MB/s), CPU ${cpuSeconds.toFixed(1)} s, largest peak RSS ${mb(peak)} (memory_limit ${MEMORY_LIMIT}); one process per export, as one download each`,
  );
  if (failed) throw new Error("rows accounted differ from the lines of an export");
};

if (process.argv[2] === "--child") {
  const [, , , object, input, workDir] = process.argv;
  child(object as BulkObject, input!, workDir!)
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
