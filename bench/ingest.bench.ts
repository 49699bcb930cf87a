/**
 * Real-time ingestion figures:
 *   1. events per second per core: `orders/updated` deliveries with 10 line items through the
 *      orders processor (partner-bus door: raw write, idempotency, decode, enrich, guarded upsert,
 *      checkout recovery) on the in-memory layers; CPU time of this process, after a warm-up.
 *   2. each function's esbuild bundle size (the options of modules/bundle.ts: minified, @aws-sdk/*
 *      external) for every entry in contracts/functions.ts that exists;
 *   3. cold module-load time of each bundle in a fresh node process.
 *
 * `npm run bench -- ingest`
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { functionSpecs } from "../contracts/functions";
import { familyEntryFile, sharedBuildOptions } from "../modules/bundle";

const root = path.resolve(__dirname, "..");
const GOALS = { eventsPerSecondPerCore: 5000, bundleBytes: 1024 * 1024, coldLoadMs: 200 };
const mark = (ok: boolean) => (ok ? "ok  " : "MISS");

// ---------------------------------------------------------------------------------------------
// 1. Throughput: the harness is bundled like a Lambda (minified esbuild bundle) and run in its own
// node process, so the figure is for the code as it ships, not as tsx transpiles it.

const measureThroughput = (): { perCore: number; wall: number; processed: number } => {
  const outfile = path.join(root, "bench", ".data", "ingest-throughput.js");
  esbuild.buildSync({
    ...sharedBuildOptions,
    mainFields: [...sharedBuildOptions.mainFields],
    external: [...sharedBuildOptions.external],
    entryPoints: [path.join(__dirname, "ingest-throughput.ts")],
    outfile,
    logLevel: "silent",
  });
  const result = spawnSync(process.execPath, [outfile, root], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`throughput harness failed: ${result.stderr.slice(0, 800)}`);
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
};

// ---------------------------------------------------------------------------------------------
// 2 + 3. Bundles

const outDir = path.join(root, "bench", ".data", "bundles");
const NATIVE_MODULES = ["@duckdb/node-api", "@duckdb/node-api/*", "@duckdb/node-bindings", "@duckdb/node-bindings/*"];

const bundleAndLoad = (entry: string, name: string) => {
  const outfile = path.join(outDir, `${name}.js`);
  // Native modules (DuckDB) ship beside the bundle in the zip, as modules/bundle.ts does; the size is the JavaScript bundle's.
  esbuild.buildSync({
    ...sharedBuildOptions,
    mainFields: [...sharedBuildOptions.mainFields],
    external: [...sharedBuildOptions.external, ...NATIVE_MODULES],
    entryPoints: [path.resolve(root, entry)],
    outfile,
    logLevel: "silent",
  });
  const bytes = fs.statSync(outfile).size;
  // A fresh process per load: nothing cached. The median of three removes scheduling noise.
  const loads: Array<{ wall: number; cpu: number }> = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const script = `const c=process.cpuUsage();const t=process.hrtime.bigint();const m=require(${JSON.stringify(outfile)});const ms=Number(process.hrtime.bigint()-t)/1e6;const u=process.cpuUsage(c);if(typeof m.handler!=="function")throw new Error("no handler export");process.stdout.write(JSON.stringify({wall:ms,cpu:(u.user+u.system)/1000}));`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: root, env: { ...process.env, AWS_REGION: "us-east-1" }, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${name}: loading the bundle failed: ${result.stderr.slice(0, 500)}`);
    loads.push(JSON.parse(result.stdout) as { wall: number; cpu: number });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
  return { bytes, loadMs: median(loads.map((load) => load.wall)), loadCpuMs: median(loads.map((load) => load.cpu)) };
};

const main = async () => {
  console.log(
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}`,
  );
  const throughput = measureThroughput();
  console.log(`orders/updated (10 line items) through the orders processor, in-memory layers, ${throughput.processed} events:`);
  console.log(
    `  ${mark(throughput.perCore >= GOALS.eventsPerSecondPerCore)} ${Math.round(throughput.perCore).toLocaleString("en-US")} events/s per core (CPU time; goal >= ${GOALS.eventsPerSecondPerCore.toLocaleString("en-US")}); wall clock ${Math.round(throughput.wall).toLocaleString("en-US")} events/s`,
  );

  fs.mkdirSync(outDir, { recursive: true });
  console.log("\nFunction bundles (esbuild, minified, @aws-sdk/* external) and cold module load in a fresh node process:");
  let failures = throughput.perCore >= GOALS.eventsPerSecondPerCore ? 0 : 1;
  for (const spec of functionSpecs) {
    if (!fs.existsSync(path.join(root, spec.entry))) {
      console.log(`  skip ${spec.name.padEnd(22)} ${spec.entry} does not exist yet`);
      continue;
    }
    try {
      // A Shopify family processor is bundled from the entry generated from its spec, as synth does.
      const entry = spec.handlerModule ? familyEntryFile({ ...spec, handlerModule: spec.handlerModule }) : spec.entry;
      const { bytes, loadMs, loadCpuMs } = bundleAndLoad(entry, spec.name);
      const sizeOk = bytes < GOALS.bundleBytes;
      // Judged on the CPU time of the load: wall time on a shared, busy machine measures the queue for the CPU.
      const loadOk = loadCpuMs < GOALS.coldLoadMs;
      if (!sizeOk || !loadOk) failures += 1;
      console.log(
        `  ${mark(sizeOk && loadOk)} ${spec.name.padEnd(22)} ${(bytes / 1024).toFixed(0).padStart(5)} KiB (goal < 1024 KiB)  cold load ${loadCpuMs.toFixed(0).padStart(4)} ms CPU, ${loadMs.toFixed(0).padStart(4)} ms wall (goal < ${GOALS.coldLoadMs} ms)`,
      );
    } catch (error) {
      failures += 1;
      console.log(`  FAIL ${spec.name.padEnd(22)} ${(error as Error).message.split("\n")[0]}`);
    }
  }
  console.log(failures === 0 ? "\nall ingestion goals met" : `\n${failures} ingestion figure(s) miss their goal`);
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
