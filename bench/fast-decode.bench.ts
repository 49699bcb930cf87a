/**
 * Does kernel/fast-decode.ts earn its keep? The end-to-end harness (fast-decode-harness.ts:
 * signed `orders/updated` through the Shopify HTTPS door to the orders hot store, in-memory
 * layers) is bundled as a Lambda is (modules/bundle.ts options) twice: as the code ships, and
 * with fast-decode.ts replaced by a stub that never answers (Effect's Schema decoder for every
 * payload). The two run alternately in fresh processes; the medians are compared.
 *
 * `npm run bench -- fast-decode`
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { sharedBuildOptions } from "../modules/bundle";

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "bench", ".data");
/** Keep the fast path only if it saves at least this share of the end-to-end CPU time. */
const WORTH_KEEPING = 0.05;

const stubFastDecode: esbuild.Plugin = {
  name: "stub-fast-decode",
  setup(build) {
    build.onResolve({ filter: /(^|\/)fast-decode$/ }, () => ({ path: "fast-decode-stub", namespace: "stub" }));
    build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "exports.fastDecoder = () => undefined;", loader: "js" }));
  },
};

const build = (name: string, plugins: esbuild.Plugin[]) => {
  const outfile = path.join(outDir, `${name}.js`);
  return esbuild
    .build({
      ...sharedBuildOptions,
      mainFields: [...sharedBuildOptions.mainFields],
      external: [...sharedBuildOptions.external],
      entryPoints: [path.join(__dirname, "fast-decode-harness.ts")],
      outfile,
      logLevel: "silent",
      plugins,
    })
    .then(() => outfile);
};

interface Run {
  readonly microsPerEvent: number;
  readonly decodeMicrosPerEvent: number;
}

const runOnce = (file: string): Run => {
  const result = spawnSync(process.execPath, [file, root], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${path.basename(file)} failed: ${result.stderr.slice(0, 800)}`);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as Run;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const main = async () => {
  fs.mkdirSync(outDir, { recursive: true });
  console.log(
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")}`,
  );
  const withFast = await build("fast-decode-on", []);
  const withoutFast = await build("fast-decode-off", [stubFastDecode]);
  const on: Run[] = [];
  const off: Run[] = [];
  const runs = Number(process.env.FAST_DECODE_BENCH_RUNS ?? "4");
  // Alternating, and in both orders, so a change in the machine's load falls on both alike.
  for (let attempt = 0; attempt < runs; attempt++) {
    if (attempt % 2 === 0) {
      on.push(runOnce(withFast));
      off.push(runOnce(withoutFast));
    } else {
      off.push(runOnce(withoutFast));
      on.push(runOnce(withFast));
    }
  }
  const list = (values: Run[]) => values.map((run) => run.microsPerEvent.toFixed(0)).join(", ");
  console.log(`runs, µs per event end to end: with fast-decode ${list(on)}; Schema decode only ${list(off)}`);
  const endOn = median(on.map((run) => run.microsPerEvent));
  const endOff = median(off.map((run) => run.microsPerEvent));
  const decodeOn = median(on.map((run) => run.decodeMicrosPerEvent));
  const decodeOff = median(off.map((run) => run.decodeMicrosPerEvent));
  const saved = (endOff - endOn) / endOff;
  console.log("orders/updated (10 line items), HTTPS door -> orders processor -> hot store, in-memory layers, CPU time per event (median of", runs, "runs each):");
  console.log(`  with fast-decode      ${endOn.toFixed(1).padStart(7)} µs end to end   ${decodeOn.toFixed(1).padStart(6)} µs decoding alone`);
  console.log(`  Schema decode only    ${endOff.toFixed(1).padStart(7)} µs end to end   ${decodeOff.toFixed(1).padStart(6)} µs decoding alone`);
  console.log(
    `  the fast path saves ${(saved * 100).toFixed(1)}% end to end (${(endOff - endOn).toFixed(1)} µs per event); worth keeping at >= ${WORTH_KEEPING * 100}%: ${saved >= WORTH_KEEPING ? "yes" : "no"}`,
  );
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
