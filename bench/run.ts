/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so each
 * measures peak memory and timing without the others in the way. Pass names to run a subset:
 * `npm run bench -- synth convert`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const only = process.argv.slice(2);
const benches = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, file)], { stdio: "inherit" });
  if (result.status !== 0) {
    failed += 1;
    console.log(`!!! ${file} exited with ${result.status}`);
  }
}
console.log(`\n${benches.length - failed} benchmarks finished, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
