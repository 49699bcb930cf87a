/**
 * Demo bench: wall-clock time of a full `sdp demo` (= `npm start`) run as a user runs it, a child
 * process from `bin/sdp` including tsx start-up, with per-stage times from its JSON summary.
 * Goal: under 120 s on this 2-core machine.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DemoSummary } from "../demo/run";

const GOAL_SECONDS = 120;
const root = path.resolve(__dirname, "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-demo-bench-"));

const started = process.hrtime.bigint();
const result = spawnSync(process.execPath, [path.join(root, "bin", "sdp"), "demo", "--json", "--data-dir", dataDir], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, CI: "1", SDP_RECORD_LAST_RUN: "0" },
  maxBuffer: 64 * 1024 * 1024,
  timeout: 10 * 60_000,
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
fs.rmSync(dataDir, { recursive: true, force: true });

let summary: DemoSummary | undefined;
try {
  summary = JSON.parse(result.stdout) as DemoSummary;
} catch {
  summary = undefined;
}

console.log(`sdp demo (child process, full run): ${seconds.toFixed(1)} s (goal < ${GOAL_SECONDS} s) ${seconds < GOAL_SECONDS ? "OK" : "OVER GOAL"}`);
if (summary) {
  for (const stage of summary.stages) console.log(`  ${stage.name.padEnd(13)} ${(stage.durationMs / 1000).toFixed(1).padStart(6)} s  ${stage.status}`);
  console.log(
    `  events accepted ${summary.events.accepted}, raw objects ${summary.events.rawObjects}, Parquet rows ${Object.values(summary.parquetRows).reduce((sum, rows) => sum + rows, 0)}`,
  );
  if (!summary.ok) console.log(`  demo reported failed stages: ${summary.failedStages.join(", ")}`);
} else {
  console.log(`  no JSON summary (exit ${result.status}); stderr tail:\n${(result.stderr ?? "").slice(-2000)}`);
}
process.exitCode = result.status === 0 && seconds < GOAL_SECONDS ? 0 : 1;
