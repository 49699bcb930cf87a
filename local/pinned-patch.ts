/**
 * The pin shared by the runtime patches of local/dynalite-patch.ts and local/s3rver-patch.ts: the
 * installed package's version and the SHA-256 of the files whose behaviour a patch relies on are
 * checked, and any difference fails loudly with the patch's own error and advice.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface PinnedPackage {
  /** The package's name, as in its package.json ("dynalite", "s3rver"). */
  readonly name: string;
  /** The version the patch was written for. */
  readonly version: string;
  /** SHA-256 of each file (relative to the package's directory) the patch relies on. */
  readonly sources: Record<string, string>;
  /** The patch's file, named in the error ("local/dynalite-patch.ts"). */
  readonly patchFile: string;
  /** What to re-check before updating the digests, ending the error's message. */
  readonly recheck: string;
  /** Builds the patch's own error class from the message. */
  readonly mismatch: (message: string) => Error;
}

/** Throws the pin's mismatch error unless the package in `directory` is exactly the pinned one. */
export const verifyPinnedPackage = (pin: PinnedPackage, directory: string) => {
  const version = (JSON.parse(fs.readFileSync(path.join(directory, "package.json"), "utf8")) as { version?: string }).version;
  const problems: string[] = [];
  if (version !== pin.version) problems.push(`${pin.name} is ${version}, the patch is for ${pin.version}`);
  for (const [file, expected] of Object.entries(pin.sources)) {
    const full = path.join(directory, file);
    const actual = fs.existsSync(full) ? createHash("sha256").update(fs.readFileSync(full)).digest("hex") : "missing";
    if (actual !== expected) problems.push(`${file} has SHA-256 ${actual}, expected ${expected}`);
  }
  if (problems.length > 0) {
    throw pin.mismatch(
      `${pin.patchFile} patches ${pin.name} ${pin.version}, but the installed ${pin.name} (${directory}) differs: ${problems.join("; ")}. ` +
        `${pin.recheck} and update PINNED_SOURCES, or reinstall ${pin.name}@${pin.version} with npm ci.`,
    );
  }
};
