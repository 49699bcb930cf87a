/** Shared by the infra tests: synthesize into a temporary directory and read what was written. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { buildApp, type BuildAppOptions, type BuiltApp } from "../../stacks/app";
import type { TfJson } from "../../policies/guardrails";

export const fixtureHandler = path.join(__dirname, "..", "fixtures", "tiny-handler.ts");

export interface Synthesized extends BuiltApp {
  readonly outdir: string;
  /** The cdk.tf.json cdktn wrote for a stack (with its `//` metadata). */
  stack(name: string): TfJson;
  cleanup(): void;
}

export const synthesize = (options: Omit<BuildAppOptions, "app" | "outdir"> = {}): Synthesized => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-infra-test-"));
  const built = buildApp({ ...options, outdir });
  built.app.synth();
  const cache = new Map<string, TfJson>();
  return {
    ...built,
    outdir,
    stack: (name) => {
      if (!cache.has(name)) cache.set(name, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson);
      return cache.get(name)!;
    },
    cleanup: () => fs.rmSync(outdir, { recursive: true, force: true }),
  };
};

export type Resources = Record<string, Record<string, any>>;

export const resourcesOf = (stack: TfJson, type: string): any[] => Object.values((stack.resource ?? {})[type] ?? {});

/** Reads every entry of a zip (stored or deflated) from its central directory. */
export const readZip = (file: string): Map<string, Buffer> => {
  const zip = fs.readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString("utf8");
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};
