/**
 * Synth time for every stack of every deployed environment (goal: under 30 s on this machine),
 * measured twice: with an empty bundle cache (every function bundled and zipped) and with the
 * warm cache a developer normally has. Also prints each function's bundle and zip size.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { functionSpecs } from "../contracts/functions";
import { bundleFunction } from "../modules/bundle";
import { specEntry } from "../stacks/spec-functions";
import { synthesizeSummary } from "../stacks/summary";

const GOAL_SECONDS = 30;
const time = <T>(run: () => T): [T, number] => {
  const started = process.hrtime.bigint();
  const result = run();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
};

const coldCache = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-bench-bundles-"));
try {
  const [summary, cold] = time(() => synthesizeSummary({ bundleCacheDir: coldCache }));
  const [, warm] = time(() => synthesizeSummary({ bundleCacheDir: coldCache }));
  const resources = summary.reduce((sum, stack) => sum + stack.resources, 0);
  console.log(`stacks: ${summary.length}, resources: ${resources}`);
  console.log(`synth all stacks, cold bundle cache: ${cold.toFixed(1)} s (goal < ${GOAL_SECONDS} s) ${cold < GOAL_SECONDS ? "OK" : "MISSED"}`);
  console.log(`synth all stacks, warm bundle cache: ${warm.toFixed(1)} s (goal < ${GOAL_SECONDS} s) ${warm < GOAL_SECONDS ? "OK" : "MISSED"}`);

  console.log("function bundles:");
  for (const spec of functionSpecs) {
    const entry = specEntry(spec)!;
    const bundle = bundleFunction({ name: spec.name, entry, nativeModules: spec.nativeModules, cacheDir: coldCache });
    console.log(`  ${spec.name.padEnd(22)} index.js ${(bundle.bundleBytes / 1024).toFixed(0).padStart(6)} KiB, zip ${(bundle.zipBytes / 1024).toFixed(0).padStart(7)} KiB`);
  }
  if (cold >= GOAL_SECONDS || warm >= GOAL_SECONDS) process.exitCode = 1;
} finally {
  fs.rmSync(coldCache, { recursive: true, force: true });
}
