/**
 * Builds a Lambda bundle from a TypeScript entry file with esbuild and zips it, once per content
 * hash. Three environments synthesize the same function, and tests synthesize it again, so the
 * build is cached twice: in memory for this process and on disk under a per-function directory
 * whose `meta.json` lists every input file with a fingerprint. A bundle is rebuilt only when an
 * input changed.
 *
 * `@aws-sdk/*` stays external: the nodejs22.x runtime ships AWS SDK v3, so bundling it would only
 * add megabytes and cold-start time. Native modules (DuckDB) cannot be bundled; they are copied
 * with their dependencies into the zip's node_modules instead.
 *
 * A native module's binary comes in one npm package per platform (@duckdb/node-bindings-linux-x64,
 * -linux-arm64, -darwin-arm64, ...), and npm installs only the host's. The zip must carry the one
 * for the platform Lambda runs the function on (Amazon Linux, glibc, the function's
 * architecture), whatever machine synthesizes: packages for other platforms are left out, and when
 * the function's own is not installed the bundle fails, naming the package and how to install it.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { filesOf, zipFiles } from "./zip";

export const repoRoot = path.resolve(__dirname, "..");
export const defaultBundleCacheDir = path.join(repoRoot, "node_modules", ".cache", "sdp-functions");

/** The esbuild options every function shares (the cache key includes them). */
export const sharedBuildOptions = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  mainFields: ["module", "main"],
  external: ["@aws-sdk/*"],
} as const satisfies esbuild.BuildOptions;

/** The platform of a Lambda function, in the terms of package.json `os`/`cpu`/`libc`. */
export interface TargetPlatform {
  readonly os: string;
  readonly cpu: string;
  readonly libc: string;
}

export type LambdaArchitecture = "arm64" | "x86_64";

/**
 * arm64 (Graviton: cheaper per GB-second) unless the function ships native modules: those run on
 * x86_64, whose binding a clean `npm ci` installs on the x86_64 Linux machines CI synthesizes on.
 * (An arm64 binding cannot be installed there by npm: it skips optional packages for another cpu.)
 */
export const architectureFor = (nativeModules: ReadonlyArray<string> = []): LambdaArchitecture => (nativeModules.length > 0 ? "x86_64" : "arm64");

export const lambdaPlatform = (architecture: LambdaArchitecture): TargetPlatform => ({ os: "linux", cpu: architecture === "arm64" ? "arm64" : "x64", libc: "glibc" });

/** npm's rule for `os`/`cpu`/`libc` lists: allowed when listed (or not excluded by `!value`). */
const allows = (list: unknown, value: string): boolean => {
  if (!Array.isArray(list) || list.length === 0) return true;
  const values = list.map(String);
  if (values.includes(`!${value}`)) return false;
  const positive = values.filter((entry) => !entry.startsWith("!"));
  return positive.length === 0 || positive.includes(value);
};

const runsOn = (manifest: { os?: unknown; cpu?: unknown; libc?: unknown }, platform: TargetPlatform) =>
  allows(manifest.os, platform.os) && allows(manifest.cpu, platform.cpu) && allows(manifest.libc, platform.libc);

/** The zip would lack the native binding of the platform the function runs on. */
export class NativeBindingMissing extends Error {
  readonly _tag = "NativeBindingMissing";
  constructor(
    functionName: string,
    platform: TargetPlatform,
    readonly packages: ReadonlyArray<{ name: string; version: string }>,
  ) {
    const host = `${process.platform}/${process.arch}`;
    const install = packages.map(({ name, version }) => {
      const tarball = `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
      return `  npm pack ${name}@${version} && mkdir -p node_modules/${name} && tar -xzf ${tarball} --strip-components=1 -C node_modules/${name} && rm ${tarball}`;
    });
    super(
      `function ${functionName} runs on Lambda ${platform.os}/${platform.cpu} (${platform.libc}), but node_modules has no ${packages.map((p) => `${p.name}@${p.version}`).join(", ")} ` +
        `(npm installs only the native binding of the machine it runs on, here ${host}). Install it without changing package.json, from the repository root:\n${install.join("\n")}`,
    );
  }
}

export interface BundleRequest {
  /** Function name, used for the cache directory. */
  readonly name: string;
  /** Entry file, absolute or relative to the repository root. */
  readonly entry: string;
  /** npm packages loaded at run time from the zip's node_modules instead of being bundled. */
  readonly nativeModules?: ReadonlyArray<string>;
  /** Where the function runs (default: architectureFor(nativeModules)); picks native bindings. */
  readonly architecture?: LambdaArchitecture;
  readonly cacheDir?: string;
  /** Whose node_modules (and package-lock.json) native modules come from (tests use a fixture). */
  readonly packageRoot?: string;
}

export interface Bundle {
  /** Path of the zip, named by its content hash. */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip (Lambda's `source_code_hash`). */
  readonly sourceCodeHash: string;
  readonly zipBytes: number;
  /** Size of the bundled index.js (excluding copied native modules). */
  readonly bundleBytes: number;
  /** true when the zip came from the cache. */
  readonly cached: boolean;
}

interface Meta {
  readonly inputs: Record<string, string>;
  readonly zipFile: string;
  readonly sourceCodeHash: string;
  readonly zipBytes: number;
  readonly bundleBytes: number;
}

const memo = new Map<string, Bundle>();

/** esbuild could not bundle a function: names the function, its entry and each error's location. */
export class BundleFailed extends Error {
  readonly _tag = "BundleFailed";
  constructor(functionName: string, entry: string, cause: unknown) {
    const errors = (cause as { errors?: esbuild.Message[] }).errors ?? [];
    const lines = errors.map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ""}${e.text}`);
    super(`bundling function ${functionName} from ${entry} failed:\n${lines.length > 0 ? lines.join("\n") : `  ${String(cause)}`}`);
  }
}

/** A function's entry file is missing, or does not export the handler Lambda is told to call. */
export class EntryInvalid extends Error {
  readonly _tag = "EntryInvalid";
  constructor(functionName: string, entry: string, reason: string) {
    super(`function ${functionName}: ${reason} (entry ${entry}; fix the file or the function's spec in contracts/functions.ts)`);
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Fails unless `entry` exists and exports `handler` (as `export const|let|var|function|async
 * function <handler>`, `export { ... <handler> ... }` or `export { x as <handler> }`). An entry that
 * re-exports with `export * from` is taken at its word.
 */
export const checkEntry = (functionName: string, entry: string, handler: string): void => {
  const file = path.resolve(repoRoot, entry);
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch {
    throw new EntryInvalid(functionName, entry, `its entry file ${path.relative(repoRoot, file)} does not exist`);
  }
  if (exportsName(source, handler)) return;
  throw new EntryInvalid(functionName, entry, `its entry file does not export \`${handler}\`, the handler Lambda calls (index.${handler})`);
};

const exportsName = (source: string, exported: string): boolean => {
  const name = escapeRegExp(exported);
  const declared = new RegExp(`\\bexport\\s+(?:const|let|var|(?:async\\s+)?function\\*?)\\s+${name}\\b`);
  const listed = new RegExp(`\\bexport\\s*\\{[^}]*\\b${name}\\b\\s*(?:,[^}]*)?\\}`);
  return declared.test(source) || listed.test(source) || /\bexport\s*\*\s*from\b/.test(source);
};

/** Fails unless the handler module a spec names exists and exports its topic-handler map. */
const checkHandlerModule = (functionName: string, module: { readonly path: string; readonly topicHandlers: string }): void => {
  let source: string;
  try {
    source = fs.readFileSync(path.resolve(repoRoot, module.path), "utf8");
  } catch {
    throw new EntryInvalid(functionName, module.path, `its handler module ${module.path} does not exist`);
  }
  if (!exportsName(source, module.topicHandlers))
    throw new EntryInvalid(functionName, module.path, `its handler module does not export \`${module.topicHandlers}\` (its topic handlers)`);
};

/** What a generated family entry needs of a function spec (contracts/functions.ts FunctionSpec). */
export interface FamilyEntrySpec {
  readonly name: string;
  /** The frame exporting `familyProcessor` (SHOPIFY_FAMILY_ENTRY). */
  readonly entry: string;
  /** The export Lambda calls (`index.<handler>`). */
  readonly handler: string;
  readonly handlerModule: { readonly path: string; readonly topicHandlers: string };
}

const importPathOf = (file: string) => JSON.stringify(path.resolve(repoRoot, file).replace(/\.ts$/, ""));

/**
 * The entry of a Shopify family processor, generated from its spec: it imports the frame and the
 * family's handler module, nothing else, so the bundle holds that family's code only. `sdp local`
 * builds the same program from the same two modules (local/functions.ts).
 */
export const familyEntrySource = (spec: FamilyEntrySpec): string =>
  [
    // Strict, as the TypeScript entries are (the file lives outside the repository's tsconfig).
    `"use strict";`,
    `// Generated by modules/bundle.ts from the spec of ${spec.name} (contracts/functions.ts); not edited by hand.`,
    `import { ${spec.handlerModule.topicHandlers} as handlers } from ${importPathOf(spec.handlerModule.path)};`,
    `import { familyProcessor } from ${importPathOf(spec.entry)};`,
    `const entry = familyProcessor(${JSON.stringify(spec.name)}, handlers);`,
    `export const program = entry.program;`,
    `export const ${spec.handler} = entry.handler;`,
    "",
  ].join("\n");

/**
 * Checks the frame and the handler module the spec names (a missing file or export fails synth,
 * naming the function), writes the generated entry under the bundle cache (only when its text
 * changed: the bundle cache fingerprints it by mtime) and returns its path, for bundleFunction.
 */
export const familyEntryFile = (spec: FamilyEntrySpec, cacheDir = defaultBundleCacheDir): string => {
  checkEntry(spec.name, spec.entry, "familyProcessor");
  checkHandlerModule(spec.name, spec.handlerModule);
  const source = familyEntrySource(spec);
  // One checkout's entries apart from another's (node_modules may be shared): they import by absolute path.
  const file = path.join(cacheDir, "entries", `${sha(repoRoot).slice(0, 8)}-${spec.name}.ts`);
  let current: string | undefined;
  try {
    current = fs.readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== source) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, source);
    fs.renameSync(temporary, file);
  }
  return file;
};

const sha = (data: string | Buffer, encoding: "hex" | "base64" = "hex") => crypto.createHash("sha256").update(data).digest(encoding);

/** node_modules files are fingerprinted by size and mtime (fast); our sources by content. */
const fingerprint = (file: string): string | undefined => {
  try {
    if (file.includes(`${path.sep}node_modules${path.sep}`)) {
      const stat = fs.statSync(file);
      return `${stat.size}:${stat.mtimeMs}`;
    }
    return sha(fs.readFileSync(file));
  } catch {
    return undefined;
  }
};

const unchanged = (meta: Meta): boolean => Object.entries(meta.inputs).every(([file, print]) => fingerprint(path.resolve(repoRoot, file)) === print);

interface Manifest {
  readonly version?: string;
  readonly os?: unknown;
  readonly cpu?: unknown;
  readonly libc?: unknown;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
};

/**
 * The package and everything it depends on at run time on `platform`, as installed under `root`:
 * packages built for another platform are skipped; an optional package built for this one that
 * npm did not install (the lockfile knows its os/cpu/libc) is reported in `missing`.
 */
const packageClosure = (
  pkg: string,
  platform: TargetPlatform,
  root: string,
  result = { packages: new Set<string>(), missing: new Map<string, string>() },
): { packages: Set<string>; missing: Map<string, string> } => {
  if (result.packages.has(pkg)) return result;
  const json = readJson<Manifest>(path.join(root, "node_modules", pkg, "package.json"));
  if (!json || !runsOn(json, platform)) return result;
  result.packages.add(pkg);
  for (const dep of Object.keys(json.dependencies ?? {})) packageClosure(dep, platform, root, result);
  const lock = readJson<{ packages?: Record<string, Manifest> }>(path.join(root, "package-lock.json"));
  for (const [dep, range] of Object.entries(json.optionalDependencies ?? {})) {
    if (fs.existsSync(path.join(root, "node_modules", dep, "package.json"))) packageClosure(dep, platform, root, result);
    else {
      const locked = lock?.packages?.[`node_modules/${dep}`];
      if (locked && runsOn(locked, platform)) result.missing.set(dep, locked.version ?? range);
    }
  }
  return result;
};

const readMeta = (file: string): Meta | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Meta;
  } catch {
    return undefined;
  }
};

interface Planned {
  readonly request: BundleRequest;
  readonly entry: string;
  readonly native: string[];
  readonly platform: TargetPlatform;
  readonly packageRoot: string;
  readonly memoKey: string;
  readonly dir: string;
}

const plan = (request: BundleRequest): Planned => {
  const entry = path.resolve(repoRoot, request.entry);
  const native = [...(request.nativeModules ?? [])].sort();
  const platform = lambdaPlatform(request.architecture ?? architectureFor(native));
  const packageRoot = request.packageRoot ?? repoRoot;
  const key = sha(
    JSON.stringify({ entry: path.relative(repoRoot, entry), native, platform, packageRoot: path.relative(repoRoot, packageRoot), sharedBuildOptions, esbuild: esbuild.version }),
  ).slice(0, 16);
  return {
    request,
    entry,
    native,
    platform,
    packageRoot,
    memoKey: `${request.cacheDir ?? ""}|${key}`,
    dir: path.join(request.cacheDir ?? defaultBundleCacheDir, `${request.name}-${key}`),
  };
};

/** The bundle from memory or from a valid on-disk cache entry, if there is one. */
const cachedBundle = (planned: Planned): Bundle | undefined => {
  const known = memo.get(planned.memoKey);
  if (known && fs.existsSync(known.zipPath)) return known;
  const previous = readMeta(path.join(planned.dir, "meta.json"));
  if (previous && fs.existsSync(path.join(planned.dir, previous.zipFile)) && unchanged(previous)) {
    const bundle: Bundle = { ...pickBundle(planned.dir, previous), cached: true };
    memo.set(planned.memoKey, bundle);
    return bundle;
  }
  return undefined;
};

const externalsOf = (native: ReadonlyArray<string>) => [...sharedBuildOptions.external, ...native, ...native.map((name) => `${name}/*`)];

export const bundleFunction = (request: BundleRequest): Bundle => {
  const planned = plan(request);
  const cached = cachedBundle(planned);
  if (cached) return cached;

  // Build in a private staging directory and publish with renames, so parallel synths (jest
  // workers, a bench next to a test run) never see a half-written zip or meta.json.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), `sdp-bundle-${request.name}-`));
  try {
    let result: esbuild.BuildResult<{ metafile: true }>;
    const outfile = path.join(staging, "build", "index.js");
    try {
      result = esbuild.buildSync({
        ...sharedBuildOptions,
        external: externalsOf(planned.native),
        entryPoints: [planned.entry],
        outfile,
        absWorkingDir: repoRoot,
        metafile: true,
        logLevel: "silent",
      });
    } catch (error) {
      throw new BundleFailed(request.name, path.relative(repoRoot, planned.entry), error);
    }
    return publish(planned, staging, outfile, Object.keys(result.metafile!.inputs));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
};

/**
 * Bundles many functions with one esbuild run per set of externals, sharing the parsing of
 * common modules (effect, the kernel): several times faster than one build per function on a
 * cold cache. Fills the cache that `bundleFunction` then reads. If the batch fails, nothing is
 * cached and each `bundleFunction` call reports its own error.
 */
export const prebundleFunctions = (requests: ReadonlyArray<BundleRequest>): void => {
  const pending = new Map<string, Planned>();
  for (const request of requests) {
    const planned = plan(request);
    if (!pending.has(planned.memoKey) && !cachedBundle(planned)) pending.set(planned.memoKey, planned);
  }
  const groups = new Map<string, Planned[]>();
  for (const planned of pending.values()) {
    const group = JSON.stringify(planned.native);
    groups.set(group, [...(groups.get(group) ?? []), planned]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue; // a single build gains nothing from batching
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-bundle-batch-"));
    try {
      const outdir = path.join(staging, "out");
      let result: esbuild.BuildResult<{ metafile: true }>;
      try {
        result = esbuild.buildSync({
          ...sharedBuildOptions,
          external: externalsOf(group[0]!.native),
          entryPoints: group.map((planned, index) => ({ in: planned.entry, out: `f${index}` })),
          outdir,
          absWorkingDir: repoRoot,
          metafile: true,
          logLevel: "silent",
        });
      } catch {
        continue;
      }
      group.forEach((planned, index) => {
        const output = Object.entries(result.metafile!.outputs).find(([file]) => path.resolve(repoRoot, file) === path.join(outdir, `f${index}.js`));
        if (!output) return;
        const functionStaging = path.join(staging, `f${index}`);
        const outfile = path.join(functionStaging, "build", "index.js");
        fs.mkdirSync(path.dirname(outfile), { recursive: true });
        fs.renameSync(path.join(outdir, `f${index}.js`), outfile);
        publish(planned, functionStaging, outfile, Object.keys(output[1].inputs));
      });
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
};

/** Adds the native modules, zips, and publishes zip + meta.json into the cache directory. */
const publish = (planned: Planned, staging: string, outfile: string, inputFiles: ReadonlyArray<string>): Bundle => {
  const buildDir = path.dirname(outfile);
  const inputs: Record<string, string> = {};
  for (const input of inputFiles) {
    const abs = path.resolve(repoRoot, input);
    const print = fingerprint(abs);
    if (print) inputs[path.relative(repoRoot, abs)] = print;
  }
  const files = filesOf(buildDir);
  const closure = { packages: new Set<string>(), missing: new Map<string, string>() };
  for (const name of planned.native) packageClosure(name, planned.platform, planned.packageRoot, closure);
  if (closure.missing.size > 0) {
    throw new NativeBindingMissing(
      planned.request.name,
      planned.platform,
      [...closure.missing].map(([name, version]) => ({ name, version })),
    );
  }
  for (const pkg of [...closure.packages].sort()) {
    // Zipped straight from node_modules: no 70 MB copy of the DuckDB binary first.
    const from = fs.realpathSync(path.join(planned.packageRoot, "node_modules", pkg));
    files.push(...filesOf(from, `node_modules/${pkg}`));
    const manifest = path.join(from, "package.json");
    inputs[path.relative(repoRoot, path.join(planned.packageRoot, "node_modules", pkg, "package.json"))] = fingerprint(manifest)!;
  }

  const stagedZip = path.join(staging, "code.zip");
  zipFiles(files, stagedZip);
  const zip = fs.readFileSync(stagedZip);
  const zipFile = `code-${sha(zip).slice(0, 16)}.zip`;
  const meta: Meta = {
    inputs,
    zipFile,
    sourceCodeHash: sha(zip, "base64"),
    zipBytes: zip.length,
    bundleBytes: fs.statSync(outfile).size,
  };
  fs.mkdirSync(planned.dir, { recursive: true });
  moveFile(stagedZip, path.join(planned.dir, zipFile));
  const stagedMeta = path.join(staging, "meta.json");
  fs.writeFileSync(stagedMeta, JSON.stringify(meta, null, 2));
  moveFile(stagedMeta, path.join(planned.dir, "meta.json"));
  pruneOldZips(planned.dir, zipFile);
  const bundle: Bundle = { ...pickBundle(planned.dir, meta), cached: false };
  memo.set(planned.memoKey, bundle);
  return bundle;
};

/** rename(2) is atomic within a file system; across file systems (tmpdir elsewhere) copy then rename. */
const moveFile = (from: string, to: string) => {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    const temporary = `${to}.${process.pid}.tmp`;
    fs.copyFileSync(from, temporary);
    fs.renameSync(temporary, to);
  }
};

/** Zips of earlier builds stay a while (a parallel synth may still copy one), then go. */
const pruneOldZips = (dir: string, current: string) => {
  const cutoff = Date.now() - 10 * 60 * 1000;
  for (const file of fs.readdirSync(dir)) {
    if (!/^code-[0-9a-f]+\.zip$/.test(file) || file === current) continue;
    const full = path.join(dir, file);
    try {
      if (fs.statSync(full).mtimeMs < cutoff) fs.rmSync(full, { force: true });
    } catch {
      // another process pruned it first
    }
  }
};

const pickBundle = (dir: string, meta: Meta) => ({
  zipPath: path.join(dir, meta.zipFile),
  sourceCodeHash: meta.sourceCodeHash,
  zipBytes: meta.zipBytes,
  bundleBytes: meta.bundleBytes,
});
