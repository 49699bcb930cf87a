/**
 * `sdp local` does not start when a spec's entry file is missing (it used to start and
 * dead-letter that processor's events, or answer 503 at that door): the error names the function
 * and the file, as synth does (__tests__/infra/missing-entry.test.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { functionSpec } from "../../contracts/functions";
import { FunctionEntryInvalid, repositoryRoot } from "../../local/functions";
import { startLocalPlatform } from "../../local/platform";

/** A copy of the repository made of symlinks, without one file. */
const rootWithout = (missing: string): string => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-root-"));
  const link = (relative: string) => {
    const target = path.join(repositoryRoot, relative);
    const isAncestor = missing === relative || missing.startsWith(`${relative}/`);
    if (!isAncestor) return fs.symlinkSync(target, path.join(root, relative));
    if (missing === relative) return;
    fs.mkdirSync(path.join(root, relative));
    for (const name of fs.readdirSync(target)) link(path.join(relative, name));
  };
  for (const name of fs.readdirSync(repositoryRoot)) if (name !== ".git" && name !== ".sdp") link(name);
  return root;
};

describe("sdp local with a spec whose entry file is missing", () => {
  const spec = functionSpec("shopify-customers");
  // A Shopify family processor's own file is its handler module (its entry is generated from the spec).
  const missing = spec.handlerModule!.path;
  const root = rootWithout(missing);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-missing-entry-"));
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("fails to start, naming the function and its entry file", async () => {
    const started = startLocalPlatform({ dataDir, port: 0, env: {}, repositoryRoot: root, ttlSweepIntervalMs: 0 });
    await expect(started).rejects.toBeInstanceOf(FunctionEntryInvalid);
    await expect(started).rejects.toThrow(`function shopify-customers (contracts/functions.ts): its handler module ${missing} does not exist`);
    // Nothing was left running or half-announced.
    expect(fs.existsSync(path.join(dataDir, "platform.json"))).toBe(false);
  });
});
