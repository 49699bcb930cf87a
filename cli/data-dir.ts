/** Which data dir `sdp query`, `status`, `dq`, `etl`, `replay` and `redrive` read: the flag, or the last run's. */
import * as fs from "node:fs";
import * as path from "node:path";
import { repositoryRoot } from "../local/functions";
import { readLastRun } from "../local/platform";
import { UsageError, type CommandIO } from "./command";

export interface DataDirChoice {
  readonly dataDir: string;
  /** How it was chosen, for the stderr note. */
  readonly origin: "flag" | "last-run";
}

/** `--data-dir` if given (relative to the cwd), else the most recent `sdp demo` / `sdp local` run. */
export const chooseDataDir = (given: string | undefined, io: CommandIO, commandName: string, root: string = repositoryRoot): DataDirChoice => {
  if (given !== undefined) {
    const dataDir = path.resolve(io.cwd, given);
    if (!fs.existsSync(dataDir)) throw new UsageError(`--data-dir ${dataDir} does not exist`);
    return { dataDir, origin: "flag" };
  }
  const last = readLastRun(root);
  if (!last) {
    throw new UsageError("no data dir given and no previous run found: run `npm start` (sdp demo) or `sdp local` first, or pass --data-dir <dir>");
  }
  if (!fs.existsSync(last.dataDir)) {
    throw new UsageError(`the last ${last.kind} run used ${last.dataDir}, which no longer exists: run \`npm start\` again or pass --data-dir`);
  }
  io.stderr.write(`sdp ${commandName}: using ${last.dataDir} (the most recent \`sdp ${last.kind}\` run, started ${last.startedAt}); pass --data-dir to choose another\n`);
  return { dataDir: last.dataDir, origin: "last-run" };
};
