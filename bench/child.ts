/**
 * A bench measuring one conversion in a process of its own (so its peak memory and CPU are its
 * own): `runBenchChild` runs the bench file again with `--child ...args <work dir>`, in a fresh
 * work dir removed afterwards, and returns the JSON of the child's last stdout line.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const runBenchChild = <R>(benchFile: string, args: ReadonlyArray<string>, options: { readonly label: string; readonly workParent?: string }): R => {
  const workDir = fs.mkdtempSync(path.join(options.workParent ?? os.tmpdir(), `sdp-bench-${options.label}-`));
  try {
    const child = spawnSync(process.execPath, [require.resolve("tsx/cli"), benchFile, "--child", ...args, workDir], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (child.status !== 0) throw new Error(`${options.label} conversion exited with ${child.status}`);
    return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as R;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
};
