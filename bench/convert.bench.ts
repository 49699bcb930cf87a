/**
 * Converter bench: ~1,000,000 orders with ~2,500,000 line items of bulk-export JSONL (generated
 * once into bench/.data/ and reused) -> Parquet with DuckDB, as the backfill download does.
 * Reports seconds and the converting process's peak RSS against the goals (<= 15 s, <= 1.5 GB),
 * then converts a 100,000-order slice with parquetjs-lite (pure JavaScript) and DuckDB and prints
 * the ratio. Each conversion runs in its own child process so its peak RSS is its own.
 *
 *   npm run bench -- convert           (full size)
 *   SDP_BENCH_ORDERS=50000 npx tsx bench/convert.bench.ts   (quick look)
 */
import { runBenchChild } from "./child";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { convertJsonl } from "../functions/backfill/convert/convert";
import { bulkLines } from "../local/shopify-standin/dataset";

const ORDERS = Number(process.env.SDP_BENCH_ORDERS ?? 1_000_000);
const SLICE_ORDERS = Math.min(100_000, ORDERS);
const GOAL_SECONDS = 15;
const GOAL_RSS_BYTES = 1.5 * 1024 ** 3;
const MEMORY_LIMIT = process.env.SDP_BENCH_MEMORY_LIMIT ?? "1GB";
const dataDir = path.join(__dirname, ".data");

interface ChildResult {
  readonly seconds: number;
  /** CPU seconds of the converting process (all its threads): comparable even on a busy machine. */
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly rows: Record<string, number>;
}

const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;

/** Writes `orders` orders (and their line items) as JSONL unless the file is already there. */
const ensureInput = async (file: string, orders: number) => {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const out = fs.createWriteStream(partial);
  let buffer = "";
  for (const line of bulkLines("orders", { since: "2020-01-01T00:00:00Z", until: "2026-01-01T00:00:00Z", count: orders, seed: 1, compact: true })) {
    buffer += `${line}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      buffer = "";
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  fs.renameSync(partial, file);
};

/** The first `orders` orders of a JSONL export, with their line items. */
const writeSlice = async (source: string, target: string, orders: number) => {
  if (fs.existsSync(target)) return;
  const out = fs.createWriteStream(`${target}.partial`);
  let seen = 0;
  for await (const line of readline.createInterface({ input: fs.createReadStream(source), crlfDelay: Infinity })) {
    if (!line.includes('"__parentId"')) {
      seen += 1;
      if (seen > orders) break;
    }
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
  fs.renameSync(`${target}.partial`, target);
};

// ------------------------------------------------------------------------------------------
// Children: one conversion each, reporting {seconds, maxRssBytes, rows} as JSON on stdout.

const duckdbChild = async (input: string, outDir: string): Promise<ChildResult> => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await convertJsonl({ input, outDir, object: "orders", memoryLimit: MEMORY_LIMIT, threads: os.cpus().length, tempDir: path.join(outDir, ".spill") });
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    cpuSeconds: cpuSecondsSince(cpu),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rows: Object.fromEntries(result.entities.map((entity) => [entity.entity, entity.rows])),
  };
};

const parquetjsChild = async (input: string, outDir: string): Promise<ChildResult> => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parquet = require("parquetjs-lite") as any;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const moneyField = { type: "UTF8", optional: true };
  const orders = await parquet.ParquetWriter.openFile(
    new parquet.ParquetSchema({
      id: { type: "UTF8" },
      legacy_resource_id: { type: "UTF8", optional: true },
      name: { type: "UTF8", optional: true },
      email: { type: "UTF8", optional: true },
      customer_id: { type: "UTF8", optional: true },
      created_at: { type: "TIMESTAMP_MILLIS", optional: true },
      updated_at: { type: "TIMESTAMP_MILLIS", optional: true },
      currency: { type: "UTF8", optional: true },
      total_price: moneyField,
      subtotal_price: moneyField,
      total_tax: moneyField,
    }),
    path.join(outDir, "orders.parquet"),
  );
  const items = await parquet.ParquetWriter.openFile(
    new parquet.ParquetSchema({
      id: { type: "UTF8" },
      order_id: { type: "UTF8" },
      name: { type: "UTF8", optional: true },
      sku: { type: "UTF8", optional: true },
      quantity: { type: "INT64", optional: true },
      variant_id: { type: "UTF8", optional: true },
      product_id: { type: "UTF8", optional: true },
      unit_price: moneyField,
    }),
    path.join(outDir, "order_line_items.parquet"),
  );
  const rows = { orders: 0, order_line_items: 0 };
  const time = (value: unknown) => (typeof value === "string" ? new Date(value) : undefined);
  for await (const line of readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity })) {
    if (line === "") continue;
    const value = JSON.parse(line);
    if (value.__parentId) {
      await items.appendRow({
        id: value.id,
        order_id: value.__parentId,
        name: value.name ?? undefined,
        sku: value.sku ?? undefined,
        quantity: value.quantity ?? undefined,
        variant_id: value.variant?.id ?? undefined,
        product_id: value.product?.id ?? undefined,
        unit_price: value.originalUnitPriceSet?.shopMoney?.amount ?? undefined,
      });
      rows.order_line_items += 1;
    } else {
      await orders.appendRow({
        id: value.id,
        legacy_resource_id: value.legacyResourceId ?? undefined,
        name: value.name ?? undefined,
        email: value.email ?? undefined,
        customer_id: value.customer?.id ?? undefined,
        created_at: time(value.createdAt),
        updated_at: time(value.updatedAt),
        currency: value.currencyCode ?? undefined,
        total_price: value.totalPriceSet?.shopMoney?.amount ?? undefined,
        subtotal_price: value.subtotalPriceSet?.shopMoney?.amount ?? undefined,
        total_tax: value.totalTaxSet?.shopMoney?.amount ?? undefined,
      });
      rows.orders += 1;
    }
  }
  await orders.close();
  await items.close();
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSecondsSince(cpu), maxRssBytes: process.resourceUsage().maxRSS * 1024, rows };
};

const runChild = (kind: "duckdb" | "parquetjs", input: string): ChildResult => runBenchChild<ChildResult>(__filename, [kind, input], { label: kind });

const main = async () => {
  const input = path.join(dataDir, `orders-${ORDERS}.jsonl`);
  const slice = path.join(dataDir, `orders-${ORDERS}-slice-${SLICE_ORDERS}.jsonl`);
  const generating = !fs.existsSync(input);
  const generatedAt = performance.now();
  await ensureInput(input, ORDERS);
  await writeSlice(input, slice, SLICE_ORDERS);
  const size = fs.statSync(input).size;
  console.log(`input: ${input} (${gb(size)}, ${generating ? `generated in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s` : "reused"})`);

  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} (wall times stretch when others share the cores; CPU seconds do not)`);
  const full = runChild("duckdb", input);
  const items = full.rows.order_line_items ?? 0;
  console.log(`DuckDB full: ${full.rows.orders} orders + ${items} line items -> Parquet (zstd)`);
  console.log(`  time      ${full.seconds.toFixed(1)} s   (goal <= ${GOAL_SECONDS} s)   ${full.seconds <= GOAL_SECONDS ? "OK" : "MISSED"}`);
  console.log(`  CPU       ${full.cpuSeconds.toFixed(1)} s over ${os.cpus().length} threads (${(full.cpuSeconds / os.cpus().length).toFixed(1)} s if the cores were ours alone)`);
  console.log(`  peak RSS  ${gb(full.maxRssBytes)}   (goal <= ${gb(GOAL_RSS_BYTES)}, memory_limit ${MEMORY_LIMIT})   ${full.maxRssBytes <= GOAL_RSS_BYTES ? "OK" : "MISSED"}`);
  console.log(`  throughput ${(size / 1024 ** 2 / full.seconds).toFixed(0)} MB/s of JSONL`);

  const duckSlice = runChild("duckdb", slice);
  const jsSlice = runChild("parquetjs", slice);
  console.log(`Slice of ${SLICE_ORDERS} orders (${gb(fs.statSync(slice).size)}):`);
  console.log(`  DuckDB          ${duckSlice.seconds.toFixed(2)} s (CPU ${duckSlice.cpuSeconds.toFixed(2)} s), peak RSS ${gb(duckSlice.maxRssBytes)}`);
  console.log(`  parquetjs-lite  ${jsSlice.seconds.toFixed(2)} s (CPU ${jsSlice.cpuSeconds.toFixed(2)} s), peak RSS ${gb(jsSlice.maxRssBytes)} (pure-JS baseline, fewer columns)`);
  console.log(
    `  ratio           DuckDB is ${(jsSlice.seconds / duckSlice.seconds).toFixed(1)}x faster (wall), ${(jsSlice.cpuSeconds / duckSlice.cpuSeconds).toFixed(1)}x less CPU`,
  );
  if (jsSlice.rows.orders !== duckSlice.rows.orders || jsSlice.rows.order_line_items !== duckSlice.rows.order_line_items) {
    throw new Error(`row counts differ between writers: ${JSON.stringify(jsSlice.rows)} vs ${JSON.stringify(duckSlice.rows)}`);
  }
};

if (process.argv[2] === "--child") {
  const [, , , kind, input, outDir] = process.argv;
  (kind === "duckdb" ? duckdbChild(input!, outDir!) : parquetjsChild(input!, outDir!))
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
