/**
 * The platform's data dir: the one-platform lock, the start-up check for torn files (run before
 * anything reads the directory; local/recovery.ts), atomic writes of its JSON files, and
 * `.sdp/last-run.json`, which `sdp query` and `sdp status` read.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { repositoryRoot } from "./functions";
import type { PlatformLog } from "./log";
import { PlatformStartFailed, type ReadyInfo } from "./platform-types";
import { DataDirUnusable, recoverDataDir, type RecoveryReport } from "./recovery";

export const isProcessAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

export const lockFileOf = (dataDir: string) => path.join(dataDir, "platform.lock");

/** One platform per data dir: LevelDB allows a single opener, and two routers would double-deliver. */
export const takeDataDirLock = (dataDir: string): (() => void) => {
  const lockFile = lockFileOf(dataDir);
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(fs.readFileSync(lockFile, "utf8").trim());
    // An empty lock (a kill between creating and writing it) names no one: pid 0 would be our group.
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
      throw new PlatformStartFailed(`${dataDir} is in use by another sdp local (pid ${holder}); stop it or choose another --data-dir (if none runs, delete ${lockFile})`);
    }
    // A stale lock from a run that was killed: take it over.
    fs.writeFileSync(lockFile, String(process.pid));
  }
  return () => fs.rmSync(lockFile, { force: true });
};

/** Write then rename: a kill leaves the old file or the new one (and a *.tmp the next start removes). */
export const writeFileAtomically = (file: string, content: string) => {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
};

/** One line for everything the start-up check did (nothing when the data dir was whole). */
const logRecovery = (log: PlatformLog, dataDir: string, report: RecoveryReport) => {
  if (report.quarantined.length === 0 && report.removedTemporary.length === 0) return;
  const rawEvents = report.quarantined.flatMap((entry) => (entry.rawEvent && entry.file.endsWith("._S3rver_object") ? [entry.rawEvent] : []));
  log(report.quarantined.length > 0 ? "warn" : "info", report.quarantined.length > 0 ? "torn files left by an unclean stop were quarantined" : "stale temporary files removed", {
    dataDir,
    ...(report.quarantineDir ? { quarantine: path.join(dataDir, report.quarantineDir) } : {}),
    quarantined: report.quarantined.map((entry) => ({ file: entry.file, reason: entry.reason })),
    ...(rawEvents.length > 0 ? { rawEventCopies: rawEvents.map((event) => ({ key: event.key, stillJournaled: event.journaled.length > 0, note: event.note })) } : {}),
    ...(report.repaired.length > 0 ? { repaired: report.repaired } : {}),
    removedTemporaryFiles: report.removedTemporary,
  });
};

/** Before anything reads the data dir: torn files a kill left are set aside (deeply after an unclean stop). */
export const checkDataDir = async (dataDir: string, uncleanStop: boolean, log: PlatformLog): Promise<void> => {
  const recovery = await recoverDataDir(dataDir, { deep: uncleanStop }).catch((error: unknown) => {
    if (error instanceof DataDirUnusable) throw new PlatformStartFailed(error.message);
    // A file system error names its file (EACCES, ENOSPC, EIO ...).
    throw new PlatformStartFailed(
      `could not check ${dataDir} for files a kill left torn: ${(error as Error)?.message ?? String(error)}. Fix the file named (permissions, free space) or move the data dir aside and start again.`,
    );
  });
  logRecovery(log, dataDir, recovery);
};

export interface LastRun {
  readonly dataDir: string;
  readonly kind: "local" | "demo";
  readonly startedAt: string;
}

/** `.sdp/last-run.json` under the repository root; SDP_LAST_RUN_FILE moves it (tests use that). */
export const lastRunFile = (root: string = repositoryRoot, env: NodeJS.ProcessEnv = process.env) =>
  env.SDP_LAST_RUN_FILE !== undefined && env.SDP_LAST_RUN_FILE !== "" ? path.resolve(env.SDP_LAST_RUN_FILE) : path.join(root, ".sdp", "last-run.json");

export const recordLastRun = (root: string, dataDir: string, kind: LastRun["kind"], env: NodeJS.ProcessEnv = process.env) => {
  const file = lastRunFile(root, env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const record: LastRun = { dataDir, kind, startedAt: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
};

export const readLastRun = (root: string = repositoryRoot, env: NodeJS.ProcessEnv = process.env): LastRun | undefined => {
  try {
    const parsed = JSON.parse(fs.readFileSync(lastRunFile(root, env), "utf8")) as Partial<LastRun>;
    if (typeof parsed.dataDir !== "string" || (parsed.kind !== "local" && parsed.kind !== "demo")) return undefined;
    return parsed as LastRun;
  } catch {
    return undefined;
  }
};

/** The ready info of a platform running on `dataDir`, if one is (platform.json and a live pid). */
export const readRunningPlatform = (dataDir: string): ReadyInfo | undefined => {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, "platform.json"), "utf8")) as ReadyInfo;
    return info.ready === true && typeof info.pid === "number" && isProcessAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
};
