/**
 * Bench input: `orders` orders with their line items as bulk-export JSONL (the seeded stand-in
 * dataset, lean field selection: ~1.1 GB per million orders), generated once into bench/.data/
 * (gitignored) and reused. A `<file>.counts.json` next to it holds Shopify's objectCount and
 * rootObjectCount for the file, counted while writing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { bulkLines } from "../local/shopify-standin/dataset";

export const dataDir = path.join(__dirname, ".data");

export interface InputCounts {
  readonly objectCount: number;
  readonly rootObjectCount: number;
  readonly bytes: number;
}

export const ensureOrdersJsonl = async (orders: number): Promise<{ file: string; counts: InputCounts; generatedSeconds?: number }> => {
  const file = path.join(dataDir, `orders-${orders}.jsonl`);
  const countsFile = `${file}.counts.json`;
  if (fs.existsSync(file) && fs.existsSync(countsFile)) return { file, counts: JSON.parse(fs.readFileSync(countsFile, "utf8")) as InputCounts };
  const started = performance.now();
  fs.mkdirSync(dataDir, { recursive: true });
  const partial = `${file}.partial`;
  const out = fs.createWriteStream(partial);
  let buffer = "";
  let objectCount = 0;
  let rootObjectCount = 0;
  for (const line of bulkLines("orders", { since: "2020-01-01T00:00:00Z", until: "2026-01-01T00:00:00Z", count: orders, seed: 1, compact: true })) {
    buffer += `${line}\n`;
    objectCount += 1;
    if (!line.includes('"__parentId"')) rootObjectCount += 1;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      buffer = "";
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  fs.renameSync(partial, file);
  const counts: InputCounts = { objectCount, rootObjectCount, bytes: fs.statSync(file).size };
  fs.writeFileSync(countsFile, JSON.stringify(counts));
  return { file, counts, generatedSeconds: (performance.now() - started) / 1000 };
};
