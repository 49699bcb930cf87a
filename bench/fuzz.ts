/**
 * `npm run fuzz`: the door fuzzing of __tests__/fuzz/doors.test.ts at scale, with the same
 * generators (__tests__/support/door-fuzz.ts): 100,000 cases per door on the in-memory layers
 * (FUZZ_RUNS overrides), then FUZZ_HTTP_RUNS (default 500) per door through a real `sdp local`
 * HTTP server with its emulators. Prints cases and 5xx per door; exits 1 on any broken rule
 * (with fast-check's seed and counterexample). FUZZ_SEED picks the cases.
 *
 *   npm run fuzz
 *   FUZZ_RUNS=20000 FUZZ_HTTP_RUNS=0 npm run fuzz
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startLocalPlatform } from "../local/platform";
import {
  doors,
  fuzzDoorInMemory,
  fuzzDoorOverHttp,
  fuzzPlatformEnv,
  makeMemoryDoors,
  newCounters,
  sendRaw,
  summary,
  validDelivery,
  type FuzzCounters,
} from "../__tests__/support/door-fuzz";

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 500);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_007);

const main = async () => {
  console.log(`door fuzzing: ${RUNS} cases per door in memory, ${HTTP_RUNS} per door over HTTP, seed ${SEED}`);
  const rows: Array<{ door: string; where: string; cases: number; fiveXX: number; unsignedAccepted: number; seconds: number; result: string }> = [];
  let failed = false;
  for (const [index, door] of doors.entries()) {
    const memory = makeMemoryDoors();
    const started = Date.now();
    let result = "ok";
    try {
      await fuzzDoorInMemory(memory, door, RUNS, SEED + index);
    } catch (error) {
      failed = true;
      result = (error as Error).message.split("\n").slice(0, 6).join(" ");
    }
    rows.push({
      door,
      where: "memory",
      cases: memory.counters.cases,
      fiveXX: memory.counters.fiveXX,
      unsignedAccepted: memory.counters.unsignedAccepted,
      seconds: Math.round((Date.now() - started) / 1000),
      result,
    });
    console.log(`  ${door} (memory): ${summary(memory.counters)}`);
    await memory.close();
  }

  if (HTTP_RUNS > 0) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-fuzz-http-"));
    const platform = await startLocalPlatform({ dataDir, port: 0, env: fuzzPlatformEnv, maxReceiveCount: 2, backoffBaseMs: 5, backoffMaxMs: 20 });
    const port = Number(new URL(platform.ready.ingress).port);
    try {
      for (const [index, door] of doors.entries()) {
        const counters: FuzzCounters = newCounters();
        const started = Date.now();
        let result = "ok";
        try {
          await fuzzDoorOverHttp(port, door, HTTP_RUNS, SEED + 100 + index, counters);
          const valid = await sendRaw(port, validDelivery(door));
          if (valid.status !== 200) throw new Error(`a valid delivery was answered ${valid.status} after fuzzing`);
        } catch (error) {
          failed = true;
          result = (error as Error).message.split("\n").slice(0, 6).join(" ");
        }
        rows.push({
          door,
          where: "http",
          cases: counters.cases,
          fiveXX: counters.fiveXX,
          unsignedAccepted: counters.unsignedAccepted,
          seconds: Math.round((Date.now() - started) / 1000),
          result,
        });
        console.log(`  ${door} (http): ${summary(counters)}`);
      }
      await Promise.race([platform.drain(), new Promise((resolve) => setTimeout(resolve, 60_000))]);
    } finally {
      await platform.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  console.table(rows);
  const total = rows.reduce((sum, row) => ({ cases: sum.cases + row.cases, fiveXX: sum.fiveXX + row.fiveXX }), { cases: 0, fiveXX: 0 });
  console.log(`total: ${total.cases} cases, ${total.fiveXX} answered 5xx; ${failed ? "FAILED" : "every rule held"}`);
  process.exitCode = failed ? 1 : 0;
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
