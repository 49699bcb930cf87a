/**
 * Streamed backfill bench: 10,000,000 orders with ~25,000,000 line items of bulk-export
 * JSONL (~13 GB, generated once into bench/.data/ and reused), served by a local HTTP server on
 * 127.0.0.1 as Shopify's signed result URL is (its own process; Range requests honoured), and
 * converted by the download's streaming converter (functions/backfill/convert/stream.ts) in parts of
 * `partBytes`, each part's Parquet deleted after its (no-op) upload. In the same run DuckDB
 * converts the same file read directly from disk (convertJsonl), and the bench prints the ratio.
 * Each conversion runs in its own child process, so its peak RSS and CPU are its own; peak disk
 * is the most bytes its work directory held, sampled every 100 ms (and, for the stream, also
 * counted by the converter). The direct conversion runs before and after the stream and the
 * ratio uses their mean, since other work on the machine changes its load while the bench runs;
 * CPU seconds are printed too (they do not stretch with load).
 *
 *   npm run bench -- stream                                   (10M orders, the default)
 *   SDP_BENCH_STREAM_ORDERS=1000000 npx tsx bench/stream.bench.ts   (a smaller run)
 *   SDP_BENCH_PART_MB=512 ...                                 (another part size; default 256)
 *   SDP_BENCH_DIRECT_AFTER=0 ...                              (skip the second direct conversion)
 *
 * Goals: peak disk <= 2 GB, peak RSS <= 1.5 GB, streamed wall time <= 1.5 x direct.
 */
import { runBenchChild } from "./child";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { convertJsonl } from "../functions/backfill/convert/convert";
import { DEFAULT_PART_BYTES, httpSource, streamConvert } from "../functions/backfill/convert/stream";
import { dataDir, ensureOrdersJsonl } from "./bulk-data";

const ORDERS = Number(process.env.SDP_BENCH_STREAM_ORDERS ?? 10_000_000);
const PART_BYTES = process.env.SDP_BENCH_PART_MB ? Number(process.env.SDP_BENCH_PART_MB) * 1024 * 1024 : DEFAULT_PART_BYTES;
const MEMORY_LIMIT = process.env.SDP_BENCH_MEMORY_LIMIT ?? "1GB";
const THREADS = os.cpus().length;
const GOAL_DISK = 2 * 1024 ** 3;
const GOAL_RSS = 1.5 * 1024 ** 3;
const GOAL_RATIO = 1.5;
/** Convert directly again after the stream (default on; SDP_BENCH_DIRECT_AFTER=0 skips it). */
const AFTER = process.env.SDP_BENCH_DIRECT_AFTER !== "0";

interface ChildResult {
  readonly seconds: number;
  /** 1-minute load average at the start and end: other work on the machine stretches wall time. */
  readonly load: readonly [number, number];
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly peakDiskBytes: number;
  readonly countedPeakDiskBytes?: number;
  readonly rows: Record<string, number>;
  readonly parts?: number;
  readonly cutsInsideChildren?: number;
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;

/** Bytes under `dir` now (files only). */
const du = (dir: string): number => {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    try {
      total += entry.isDirectory() ? du(full) : fs.statSync(full).size;
    } catch {
      // deleted while we looked
    }
  }
  return total;
};

const sampleDisk = (dir: string) => {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, du(dir));
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, du(dir));
  };
};

// ------------------------------------------------------------------------------------------
// Children

const directChild = async (input: string, workDir: string): Promise<ChildResult> => {
  const loadBefore = os.loadavg()[0]!;
  const stop = sampleDisk(workDir);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await convertJsonl({
    input,
    outDir: path.join(workDir, "parquet"),
    object: "orders",
    memoryLimit: MEMORY_LIMIT,
    threads: THREADS,
    tempDir: path.join(workDir, "spill"),
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    seconds,
    load: [loadBefore, os.loadavg()[0]!],
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakDiskBytes: stop(),
    rows: Object.fromEntries(result.entities.map((entity) => [entity.entity, entity.rows])),
  };
};

const streamChild = async (url: string, workDir: string): Promise<ChildResult> => {
  const loadBefore = os.loadavg()[0]!;
  const stop = sampleDisk(workDir);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let uploadedBytes = 0;
  const result = await streamConvert({
    source: httpSource(url),
    object: "orders",
    workDir,
    partBytes: PART_BYTES,
    memoryLimit: MEMORY_LIMIT,
    threads: THREADS,
    // The upload is a no-op here (the S3 PUT is not what is measured); the stream deletes each part after it.
    onPart: async (part) => {
      uploadedBytes += part.entities.reduce((sum, entity) => sum + entity.bytes, 0);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    seconds,
    load: [loadBefore, os.loadavg()[0]!],
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakDiskBytes: stop(),
    countedPeakDiskBytes: result.peakDiskBytes,
    rows: { ...Object.fromEntries(result.entities.map((entity) => [entity.entity, entity.rows])), parquetBytes: uploadedBytes },
    parts: result.parts.length,
    cutsInsideChildren: result.cutsInsideChildren,
  };
};

/** Serves one file like a signed bulk URL: GET with Content-Length, ETag and Range support. */
const serve = (file: string) => {
  const size = fs.statSync(file).size;
  const etag = `"${size}-${Math.floor(fs.statSync(file).mtimeMs)}"`;
  const server = http.createServer((request, response) => {
    if (request.url === "/cpu") {
      const used = process.cpuUsage();
      response.end(JSON.stringify({ cpuSeconds: (used.user + used.system) / 1e6 }));
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const headers = { "content-type": "application/jsonl", etag, "accept-ranges": "bytes", "content-length": String(size - start) };
    if (range) response.writeHead(206, { ...headers, "content-range": `bytes ${start}-${size - 1}/${size}` });
    else response.writeHead(200, headers);
    fs.createReadStream(file, { start, highWaterMark: 1 << 20 }).pipe(response);
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bulk/result.jsonl` })}\n`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
};

// ------------------------------------------------------------------------------------------

const runChild = (kind: "direct" | "stream", target: string): ChildResult => runBenchChild<ChildResult>(__filename, [kind, target], { label: `work-${kind}`, workParent: dataDir });

const startServer = async (file: string) => {
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), __filename, "--serve", file], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve((JSON.parse(text.split("\n")[0]!) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the file server exited with ${code}`)));
  });
  const base = new URL(url).origin;
  const cpuSeconds = async () => ((await (await fetch(`${base}/cpu`)).json()) as { cpuSeconds: number }).cpuSeconds;
  return { url, child, cpuSeconds };
};

const main = async () => {
  const free = fs.statfsSync(dataDir.replace(/\/\.data$/, "")) as fs.StatsFs;
  const { file, counts, generatedSeconds } = await ensureOrdersJsonl(ORDERS);
  console.log(
    `input: ${file} (${ORDERS.toLocaleString("en")} orders, ${(counts.objectCount - counts.rootObjectCount).toLocaleString("en")} line items, ${gb(counts.bytes)}; ${generatedSeconds === undefined ? "reused" : `generated in ${generatedSeconds.toFixed(0)} s`}; ${gb(free.bavail * free.bsize)} free before)`,
  );
  console.log(
    `machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; DuckDB threads ${THREADS}, memory_limit ${MEMORY_LIMIT}; part size ${(PART_BYTES / 1024 ** 2).toFixed(0)} MiB`,
  );

  // Direct before and after the stream: the machine's load changes while the bench runs, so the
  // stream is compared with the mean of the two (each printed, with the load average around it).
  const directBefore = runChild("direct", file);
  const server = await startServer(file);
  let stream: ChildResult;
  let serverCpu: number;
  try {
    const serverCpuBefore = await server.cpuSeconds();
    stream = runChild("stream", server.url);
    serverCpu = (await server.cpuSeconds()) - serverCpuBefore;
  } finally {
    server.child.kill("SIGTERM");
  }
  const directAfter = AFTER ? runChild("direct", file) : undefined;
  const expected = { orders: counts.rootObjectCount, order_line_items: counts.objectCount - counts.rootObjectCount };
  for (const [name, result] of [
    ["direct", directBefore],
    ["stream", stream],
    ["direct after", directAfter],
  ] as const) {
    if (result && (result.rows.orders !== expected.orders || result.rows.order_line_items !== expected.order_line_items)) {
      throw new Error(`${name}: rows ${JSON.stringify(result.rows)} differ from the export's counts ${JSON.stringify(expected)}`);
    }
  }
  const line = (label: string, result: ChildResult) =>
    `  ${label.padEnd(40)} wall ${result.seconds.toFixed(1).padStart(7)} s   CPU ${result.cpuSeconds.toFixed(1).padStart(7)} s   peak RSS ${gb(result.maxRssBytes)}   peak disk ${gb(result.peakDiskBytes)}   load ${result.load[0].toFixed(1)} -> ${result.load[1].toFixed(1)}`;
  console.log(`rows: ${expected.orders} orders + ${expected.order_line_items} line items = ${counts.objectCount} (objectCount), equal in every conversion`);
  console.log(line("DuckDB reading the file directly", directBefore));
  console.log(line(`streamed from http://127.0.0.1 (${stream.parts} parts)`, stream));
  if (directAfter) console.log(line("DuckDB reading the file directly, again", directAfter));
  const direct = directAfter ? { seconds: (directBefore.seconds + directAfter.seconds) / 2, cpuSeconds: (directBefore.cpuSeconds + directAfter.cpuSeconds) / 2 } : directBefore;
  console.log(
    `  stream: converter counted peak disk ${gb(stream.countedPeakDiskBytes ?? 0)} (JSONL parts + Parquet), ${stream.cutsInsideChildren} cut(s) not at a root line, file server CPU ${serverCpu.toFixed(1)} s`,
  );
  console.log(
    `  throughput: direct ${(counts.bytes / 1024 ** 2 / direct.seconds).toFixed(0)} MB/s${directAfter ? " (mean of both)" : ""}, streamed ${(counts.bytes / 1024 ** 2 / stream.seconds).toFixed(0)} MB/s of JSONL`,
  );
  const ratio = stream.seconds / direct.seconds;
  const verdict = (ok: boolean) => (ok ? "OK" : "MISSED");
  console.log(`goals (streamed):`);
  console.log(`  peak disk  ${gb(stream.peakDiskBytes)} <= ${gb(GOAL_DISK)}   ${verdict(stream.peakDiskBytes <= GOAL_DISK)}`);
  console.log(`  peak RSS   ${gb(stream.maxRssBytes)} <= ${gb(GOAL_RSS)}   ${verdict(stream.maxRssBytes <= GOAL_RSS)}`);
  console.log(
    `  wall ratio ${ratio.toFixed(2)}x of direct <= ${GOAL_RATIO}x   ${verdict(ratio <= GOAL_RATIO)}   (CPU ratio ${(stream.cpuSeconds / direct.cpuSeconds).toFixed(2)}x)`,
  );
};

if (process.argv[2] === "--child") {
  const [, , , kind, target, workDir] = process.argv;
  (kind === "direct" ? directChild(target!, workDir!) : streamChild(target!, workDir!))
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
} else if (process.argv[2] === "--serve") {
  serve(process.argv[3]!);
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
