/**
 * Start-up check of a data dir, so that `sdp local` always restarts after a kill.
 *
 * A SIGKILL (or a crash, or a full disk) can stop the platform in the middle of any write. What it
 * can leave behind, and what happens to it here, before the emulators or the queues read a byte:
 *
 * | Left behind                                              | Done                                  |
 * |----------------------------------------------------------|---------------------------------------|
 * | `*.tmp` (journal, S3 and counter writes cut off before   | removed: a temporary file is never    |
 * |  their rename; nothing was acknowledged from them)        | the only copy of anything accepted   |
 * | a journal entry (`queues/<route>/*.json`) that is not a   | quarantined                           |
 * |  whole message, or a `*.corrupt` set aside by older runs  |                                       |
 * | a JSON-lines file (`dlq/`, `alerts.jsonl`, `logs/`) whose | the torn lines quarantined, the file  |
 * |  last line was cut off, or (not logs) lines that do not   | rewritten with the whole lines        |
 * |  parse                                                    |                                       |
 * | an S3 object that does not match its `.md5`, or a raw     | the object's files quarantined        |
 * |  event copy that is not JSON (deep check only)            |  (the note says whether it was an     |
 * |                                                          |  accepted event's raw copy, and if    |
 * |                                                          |  the journal still holds the event)   |
 * | an empty or non-JSON `._S3rver_metadata.json`, a torn     | that side file quarantined; the whole |
 * |  `.md5`, of an object that is whole (deep check only)     |  object stays in the lake             |
 * | `counters.json` / `platform.json` not JSON                | quarantined (both are rewritten)      |
 * | dynalite's LevelDB that does not open (an empty or       | the whole directory copied to the     |
 * |  missing CURRENT, a torn MANIFEST)                        |  quarantine, then LevelDB's repair    |
 *
 * Quarantined files keep their path relative to the data dir under
 * `<data-dir>/quarantine/<timestamp>/`; nothing is deleted but temporary files. The caller logs the
 * report in one line. The S3 check reads every object's small side files, so it runs in full
 * ("deep") only after an unclean stop (a `platform.lock` left behind); the rest always runs.
 * Anything that cannot be repaired fails with a DataDirUnusable naming the file and what to do.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export class DataDirUnusable extends Error {
  readonly _tag = "DataDirUnusable";
}

export interface QuarantinedFile {
  /** Relative to the data dir (and, under the quarantine directory, where it now is). */
  readonly file: string;
  readonly reason: string;
  /** Set when the file was an accepted event's raw copy in the lake. */
  readonly rawEvent?: {
    readonly key: string;
    /** Journal entries (relative paths) that still hold the event: it will be re-processed. */
    readonly journaled: readonly string[];
    readonly note: string;
  };
}

export interface RecoveryReport {
  /** `quarantine/<timestamp>` relative to the data dir, when anything was quarantined. */
  readonly quarantineDir?: string;
  readonly quarantined: QuarantinedFile[];
  /** Stale temporary files removed (relative paths). */
  readonly removedTemporary: string[];
  /** JSON-lines files whose torn lines were cut off (relative paths). */
  readonly truncated: string[];
  /** What was repaired in place (LevelDB). */
  readonly repaired: string[];
  /** Whether the S3 objects were checked (after an unclean stop). */
  readonly deep: boolean;
}

export interface RecoveryOptions {
  /** Check every S3 object too (after an unclean stop). */
  readonly deep: boolean;
  /** For tests; default now. */
  readonly now?: Date;
}

const TEMPORARY = /\.tmp$/;
const S3_SUFFIX = /\._S3rver_(object|object\.md5|metadata\.json)$/;
const MD5 = /^[0-9a-f]{32}$/;
/** JSON-lines files up to this size are checked line by line; larger ones only at their end. */
const FULL_CHECK_BYTES = 16 * 1024 * 1024;

const isErrno = (error: unknown, code: string) => (error as NodeJS.ErrnoException)?.code === code;

const readIfExists = (file: string): Buffer | undefined => {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
};

const parsesAsJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Every file under `dir` (relative to `root`), not following symlinks; `skip` prunes directories. */
const filesUnder = (root: string, dir: string, skip: (relative: string) => boolean = () => false): string[] => {
  const out: string[] = [];
  const visit = (relative: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, "ENOENT")) return;
      throw error;
    }
    for (const entry of entries) {
      const child = relative === "" ? entry.name : path.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!skip(child)) visit(child);
      } else if (entry.isFile()) out.push(child);
    }
  };
  visit(dir);
  return out;
};

export const recoverDataDir = async (dataDir: string, options: RecoveryOptions): Promise<RecoveryReport> => {
  const root = path.resolve(dataDir);
  const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, "-");
  const quarantineRelative = path.join("quarantine", stamp);
  const quarantined: QuarantinedFile[] = [];
  const removedTemporary: string[] = [];
  const truncated: string[] = [];
  const repaired: string[] = [];

  const quarantinePath = (relative: string) => {
    const target = path.join(root, quarantineRelative, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    return target;
  };
  const quarantine = (relative: string, reason: string, rawEvent?: QuarantinedFile["rawEvent"]) => {
    fs.renameSync(path.join(root, relative), quarantinePath(relative));
    quarantined.push({ file: relative, reason, ...(rawEvent ? { rawEvent } : {}) });
  };

  // Everything but the quarantine itself and dynalite's LevelDB (checked as a whole below).
  const files = filesUnder(root, "", (relative) => relative === "quarantine" || relative === "dynamodb");

  // 1. Stale temporary files.
  for (const relative of files.filter((file) => TEMPORARY.test(file))) {
    fs.rmSync(path.join(root, relative), { force: true });
    removedTemporary.push(relative);
  }
  const remaining = files.filter((file) => !TEMPORARY.test(file));

  // 2. The queue journal: one whole message per file.
  const journal = new Map<string, string>();
  for (const relative of remaining.filter((file) => file.startsWith(`queues${path.sep}`))) {
    if (relative.endsWith(".corrupt")) {
      quarantine(relative, "a journal entry an earlier run could not read");
      continue;
    }
    if (!relative.endsWith(".json")) continue;
    const text = fs.readFileSync(path.join(root, relative), "utf8");
    let whole = false;
    try {
      const message = JSON.parse(text) as { id?: unknown; receiveCount?: unknown; body?: unknown };
      whole = typeof message.id === "string" && typeof message.receiveCount === "number" && message.body !== undefined;
    } catch {
      whole = false;
    }
    if (whole) journal.set(relative, text);
    else quarantine(relative, text.length === 0 ? "an empty journal entry" : "a journal entry that is not a whole message");
  }

  // 3. JSON-lines files: a kill cuts off at most the line being appended.
  for (const relative of remaining.filter((file) => file.endsWith(".jsonl"))) {
    const full = path.join(root, relative);
    const size = fs.statSync(full).size;
    if (size === 0) continue;
    // Dead letters and alerts are read back (every line is checked); logs only at their end.
    if (size <= FULL_CHECK_BYTES && !relative.startsWith(`logs${path.sep}`)) {
      const text = fs.readFileSync(full, "utf8");
      const lines = text.split("\n");
      const tail = lines.pop()!; // "" when the file ends with a newline
      const bad = lines.filter((line) => line.trim() !== "" && !parsesAsJson(line));
      if (tail === "" && bad.length === 0) continue;
      const good = lines.filter((line) => line.trim() === "" || parsesAsJson(line));
      const torn = tail === "" ? bad : [...bad, tail];
      fs.writeFileSync(quarantinePath(relative), `${torn.join("\n")}\n`);
      const temporary = `${full}.recovery.tmp`;
      fs.writeFileSync(temporary, good.length === 0 ? "" : `${good.join("\n")}\n`);
      fs.renameSync(temporary, full);
      quarantined.push({ file: relative, reason: `${torn.length} torn line(s) cut out (the whole lines are kept)` });
      truncated.push(relative);
    } else {
      // Only the end: read back from the last byte to the last newline.
      const fd = fs.openSync(full, "r+");
      try {
        const window = Buffer.alloc(Math.min(size, 1024 * 1024));
        fs.readSync(fd, window, 0, window.length, size - window.length);
        if (window[window.length - 1] === 0x0a) continue;
        const lastNewline = window.lastIndexOf(0x0a);
        const cut = lastNewline === -1 ? size - window.length : size - window.length + lastNewline + 1;
        fs.writeFileSync(quarantinePath(relative), window.subarray(cut - (size - window.length)));
        fs.ftruncateSync(fd, cut);
      } finally {
        fs.closeSync(fd);
      }
      quarantined.push({ file: relative, reason: "its last line was cut off (cut out, the whole lines are kept)" });
      truncated.push(relative);
    }
  }

  // 4. The platform's own JSON files (both rewritten by the next run).
  for (const relative of ["counters.json", "platform.json"]) {
    const content = readIfExists(path.join(root, relative));
    if (content !== undefined && !parsesAsJson(content.toString("utf8"))) quarantine(relative, content.length === 0 ? "empty" : "not JSON");
  }

  // 5. S3 objects (deep): each object's file, its .md5 and its metadata must agree.
  if (options.deep) {
    const groups = new Map<string, string[]>();
    for (const relative of remaining.filter((file) => file.startsWith(`s3${path.sep}`) && S3_SUFFIX.test(file))) {
      const base = relative.replace(S3_SUFFIX, "");
      groups.set(base, [...(groups.get(base) ?? []), relative]);
    }
    const journalTexts = [...journal.entries()];
    for (const [base, members] of groups) {
      const object = readIfExists(path.join(root, `${base}._S3rver_object`));
      const md5 = readIfExists(path.join(root, `${base}._S3rver_object.md5`))?.toString("utf8");
      const metadata = readIfExists(path.join(root, `${base}._S3rver_metadata.json`));
      // <bucket>/raw/<source>/<entity>/dt=<day>/<event-id>.json
      const parts = base.split(path.sep);
      const key = parts.slice(2).join("/");
      const isRawEvent = key.startsWith("raw/") && key.endsWith(".json");
      const metadataTorn = metadata !== undefined && !parsesAsJson(metadata.toString("utf8"));
      const md5Torn = md5 !== undefined && !MD5.test(md5);
      const md5Mismatch = !md5Torn && md5 !== undefined && object !== undefined && createHash("md5").update(object).digest("hex") !== md5;
      const rawNotJson = isRawEvent && object !== undefined && !parsesAsJson(object.toString("utf8"));
      const problems = [
        metadataTorn ? (metadata!.length === 0 ? "its metadata file is empty" : "its metadata file is not JSON") : undefined,
        md5Torn ? "its .md5 file is torn" : undefined,
        md5Mismatch ? "its content does not match its .md5 (cut off while written)" : undefined,
        rawNotJson ? "the raw event copy is not JSON (cut off while written)" : undefined,
      ].filter((problem): problem is string => problem !== undefined);
      if (problems.length === 0) continue;
      if (!md5Mismatch && !rawNotJson) {
        // The object is whole (it matches its .md5, or there is none): only the torn side files go.
        const consequences = [
          metadataTorn ? "it is served without its content type and user metadata" : undefined,
          md5Torn ? "s3rver computes a new .md5 from it" : undefined,
        ].filter((consequence): consequence is string => consequence !== undefined);
        const reason = `S3 object ${parts[1]}/${key}: ${problems.join("; ")}; the object itself is whole and stays in the lake (${consequences.join("; ")})`;
        if (metadataTorn) quarantine(`${base}._S3rver_metadata.json`, reason);
        if (md5Torn) quarantine(`${base}._S3rver_object.md5`, reason);
        continue;
      }
      let rawEvent: QuarantinedFile["rawEvent"];
      if (isRawEvent) {
        const eventId = path.posix.basename(key, ".json");
        const journaled = journalTexts.filter(([, text]) => text.includes(key) || text.includes(JSON.stringify(eventId))).map(([file]) => file);
        rawEvent = {
          key,
          journaled,
          note:
            journaled.length > 0
              ? "an accepted event's raw copy: the event is still in the journal and will be re-processed, which writes its raw copy again"
              : "an event's raw copy whose event is no longer journaled (processed before the kill, or never acknowledged): its hot-store rows are kept; if the provider does not deliver it again, the quarantined copy is the only one",
        };
      }
      const reason = `S3 object ${parts[1]}/${key}: ${problems.join("; ")}`;
      for (const member of members) quarantine(member, reason, rawEvent);
    }
  }

  // 6. dynalite's LevelDB must open; a torn CURRENT or MANIFEST is repaired from a copy kept aside.
  const levelDbRepair = await checkLevelDb(root, quarantinePath);
  if (levelDbRepair) {
    repaired.push(levelDbRepair.repaired);
    quarantined.push({ file: "dynamodb", reason: levelDbRepair.reason });
  }

  return {
    ...(quarantined.length > 0 ? { quarantineDir: quarantineRelative } : {}),
    quarantined,
    removedTemporary,
    truncated,
    repaired,
    deep: options.deep,
  };
};

const LEVELDB_DATA = /^(MANIFEST-\d+|\d+\.(log|ldb|sst))$/;

interface ClassicLevelClass {
  new (location: string, options: Record<string, unknown>): { open(): Promise<void>; close(): Promise<void> };
  repair(location: string): Promise<void>;
}

const tryOpen = async (Level: ClassicLevelClass, dir: string): Promise<Error | undefined> => {
  const db = new Level(dir, { createIfMissing: false });
  try {
    await db.open();
    await db.close();
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    return cause instanceof Error ? cause : (error as Error);
  }
};

/** Opens dynalite's LevelDB once; if it will not open, copies it aside and repairs it. */
const checkLevelDb = async (root: string, quarantinePath: (relative: string) => string): Promise<{ repaired: string; reason: string } | undefined> => {
  const dir = path.join(root, "dynamodb");
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  // A new data dir (or one dynalite never wrote to): nothing to check.
  if (!entries.some((name) => LEVELDB_DATA.test(name))) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Level = (require("classic-level") as { ClassicLevel: ClassicLevelClass }).ClassicLevel;
  const problem = await tryOpen(Level, dir);
  if (!problem) return undefined;
  if (/lock/i.test(problem.message) && /unavailable|held|busy/i.test(problem.message)) {
    throw new DataDirUnusable(`${dir} is locked by another process (${problem.message}); stop whatever else uses this data dir`);
  }
  // Without CURRENT, LevelDB (as dynalite opens it, creating what is missing) would start an
  // empty database over the data: repair it from its tables and log instead.
  const copy = quarantinePath("dynamodb");
  fs.cpSync(dir, copy, { recursive: true });
  try {
    await Level.repair(dir);
  } catch (error) {
    throw new DataDirUnusable(
      `DynamoDB data in ${dir} does not open (${problem.message}) and LevelDB's repair failed (${(error as Error).message}). ` +
        `A copy is in ${copy}. To start afresh, stop sdp local and move ${dir} aside (the lake in ${path.join(root, "s3")} is kept).`,
    );
  }
  const after = await tryOpen(Level, dir);
  if (after) {
    throw new DataDirUnusable(
      `DynamoDB data in ${dir} does not open even after LevelDB's repair (${after.message}). ` +
        `A copy of it as found is in ${copy}. To start afresh, stop sdp local and move ${dir} aside (the lake in ${path.join(root, "s3")} is kept).`,
    );
  }
  return {
    repaired: "dynamodb",
    reason: `dynalite's LevelDB did not open (${problem.message}); repaired with LevelDB's repair, the directory as found is kept here`,
  };
};
