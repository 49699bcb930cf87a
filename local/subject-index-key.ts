/**
 * The GDPR subject index's HMAC key under `sdp local` (in AWS: the Secrets Manager secret
 * `<brand>/<env>/gdpr/subject-index-key`). SDP_SUBJECT_INDEX_KEY when set; otherwise a random key
 * generated once per data dir in `<data dir>/subject-index.key` (mode 0600), so the platform, a
 * later run on the same data dir and `sdp gdpr` hash identifiers alike. Without a data dir, the
 * documented local default.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { envVars } from "../contracts/env-vars";

export const LOCAL_DEFAULT_SUBJECT_INDEX_KEY = "local-dev-subject-index-key";

export const subjectIndexKeyFile = (dataDir: string) => path.join(dataDir, "subject-index.key");

export const localSubjectIndexKey = (inherited: NodeJS.ProcessEnv, dataDir?: string): string => {
  const given = inherited[envVars.subjectIndexKey];
  if (given !== undefined && given.trim() !== "") return given.trim();
  if (dataDir === undefined) return LOCAL_DEFAULT_SUBJECT_INDEX_KEY;
  const file = subjectIndexKeyFile(dataDir);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  if (existing !== "") return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  // Written whole to a temporary name, then renamed: a crash never leaves half a key.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, `${key}\n`, { mode: 0o600 });
  try {
    fs.linkSync(partial, file);
  } catch (error) {
    // Another process wrote it first: theirs is the key.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return fs.readFileSync(file, "utf8").trim();
};
