/**
 * Synthesizes every stack and counts its resources: what `npm start` prints until the demo
 * exists. A plain function; the CLI decides how to print it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp, type BuildAppOptions } from "./app";

export interface StackSummary {
  readonly stack: string;
  readonly resources: number;
}

/** Synthesizes into `outdir` (a temporary directory by default, removed afterwards). */
export const synthesizeSummary = (options: Omit<BuildAppOptions, "app"> = {}): StackSummary[] => {
  const outdir = options.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), "sdp-synth-"));
  try {
    const { app, stacks } = buildApp({ ...options, outdir });
    app.synth();
    return stacks.map((stack) => {
      const file = path.join(outdir, "stacks", stack.node.id, "cdk.tf.json");
      const json = JSON.parse(fs.readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, unknown>> };
      const resources = Object.values(json.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
      return { stack: stack.node.id, resources };
    });
  } finally {
    if (!options.outdir) fs.rmSync(outdir, { recursive: true, force: true });
  }
};
