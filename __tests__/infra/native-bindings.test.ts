/**
 * The download function's zip carries DuckDB's native binding for the platform Lambda runs it on
 * (Amazon Linux, glibc, its architecture), whatever platform synthesizes; without that binding
 * installed, the bundle fails naming the package to install (modules/bundle.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { architectureFor, bundleFunction, lambdaPlatform, NativeBindingMissing } from "../../modules/bundle";
import { functionSpec } from "../../contracts/functions";
import { fixtureHandler, readZip } from "./helpers";

/** ELF e_machine: which cpu a shared object is built for. */
const elfMachine = (binary: Buffer) => {
  expect(binary.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return ({ 0x3e: "x64", 0xb7: "arm64" } as Record<number, string>)[binary.readUInt16LE(18)] ?? `unknown ${binary.readUInt16LE(18)}`;
};

describe("native bindings in a function's zip", () => {
  const temp: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temp.push(dir);
    return dir;
  };
  afterAll(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it("backfill-download ships @duckdb/node-bindings-linux-x64 (an x86-64 ELF) and no other platform's binding", () => {
    const native = functionSpec("backfill-download").nativeModules!;
    expect(architectureFor(native)).toBe("x86_64");
    const bundle = bundleFunction({ name: "backfill-download-binding-test", entry: fixtureHandler, nativeModules: native, cacheDir: tempDir("sdp-bundle-") });
    const entries = readZip(bundle.zipPath);
    const bindings = new Set([...entries.keys()].filter((name) => name.startsWith("node_modules/@duckdb/node-bindings-")).map((name) => name.split("/")[2]));
    expect([...bindings]).toEqual(["node-bindings-linux-x64"]);
    expect(elfMachine(entries.get("node_modules/@duckdb/node-bindings-linux-x64/duckdb.node")!)).toBe(lambdaPlatform("x86_64").cpu);
  });

  /** A package root with a native module whose bindings exist for the given platforms (and a lockfile listing all). */
  const fakeRoot = (installed: ReadonlyArray<string>) => {
    const root = tempDir("sdp-native-root-");
    const platforms: Record<string, { os: string[]; cpu: string[]; libc?: string[] }> = {
      "linux-x64": { os: ["linux"], cpu: ["x64"], libc: ["glibc"] },
      "linux-x64-musl": { os: ["linux"], cpu: ["x64"], libc: ["musl"] },
      "linux-arm64": { os: ["linux"], cpu: ["arm64"], libc: ["glibc"] },
      "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
    };
    const write = (pkg: string, manifest: object, files: Record<string, string> = {}) => {
      const dir = path.join(root, "node_modules", pkg);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: pkg, version: "1.2.3", ...manifest }));
      for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    };
    write("fake-native", { optionalDependencies: Object.fromEntries(Object.keys(platforms).map((p) => [`fake-native-${p}`, "1.2.3"])) }, { "index.js": "module.exports = 1;" });
    for (const platform of installed) write(`fake-native-${platform}`, platforms[platform]!, { "binding.node": platform });
    const lock = {
      packages: Object.fromEntries(Object.entries(platforms).map(([p, fields]) => [`node_modules/fake-native-${p}`, { version: "1.2.3", optional: true, ...fields }])),
    };
    fs.writeFileSync(path.join(root, "package-lock.json"), JSON.stringify(lock));
    return root;
  };

  it("picks the function's platform from what a Mac host installed, leaving the host's binding out", () => {
    const packageRoot = fakeRoot(["darwin-arm64", "linux-x64"]);
    const bundle = bundleFunction({
      name: "fake-x64",
      entry: fixtureHandler,
      nativeModules: ["fake-native"],
      architecture: "x86_64",
      packageRoot,
      cacheDir: tempDir("sdp-bundle-"),
    });
    const packages = [...new Set([...readZip(bundle.zipPath).keys()].filter((name) => name.startsWith("node_modules/")).map((name) => name.split("/")[1]))].sort();
    expect(packages).toEqual(["fake-native", "fake-native-linux-x64"]);
  });

  it("fails, naming the package and how to install it, when the function's binding is not installed", () => {
    const packageRoot = fakeRoot(["darwin-arm64", "linux-x64"]);
    const build = () =>
      bundleFunction({ name: "fake-arm64", entry: fixtureHandler, nativeModules: ["fake-native"], architecture: "arm64", packageRoot, cacheDir: tempDir("sdp-bundle-") });
    expect(build).toThrow(NativeBindingMissing);
    expect(build).toThrow(/function fake-arm64 runs on Lambda linux\/arm64 \(glibc\), but node_modules has no fake-native-linux-arm64@1\.2\.3/);
    expect(build).toThrow(/npm pack fake-native-linux-arm64@1\.2\.3 && mkdir -p node_modules\/fake-native-linux-arm64 && tar -xzf fake-native-linux-arm64-1\.2\.3\.tgz/);
  });
});
