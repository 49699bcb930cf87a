/**
 * A local data lake on disk, in one of two layouts, so DuckDB can read and write it by path:
 *   - "plain": a directory whose files are the S3 keys (`<dir>/raw/shopify/orders/dt=.../x.json`);
 *     the fixture lakes in the tests and the bench use it.
 *   - "s3rver": the embedded platform's S3 emulator directory, where the object of `<key>` in a
 *     bucket is the file `<dir>/<bucket>/<key>._S3rver_object` (s3rver's FilesystemStore), with
 *     optional `._S3rver_metadata.json` / `.md5` side files that s3rver recreates when missing.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** s3rver stores the object of `<key>` as the file `<bucket dir>/<key>._S3rver_object`. */
export const S3RVER_OBJECT_SUFFIX = "._S3rver_object";

export interface LakeDir {
  readonly layout: "plain" | "s3rver";
  /** The directory that holds the keys (for s3rver: `<s3 dir>/<bucket>`). */
  readonly root: string;
  /** File path of an object key. */
  readonly pathOf: (key: string) => string;
  /** A DuckDB glob for keys matching a key glob (`raw/shopify/orders/dt=*\/*.json`). */
  readonly glob: (keyGlob: string) => string;
  /** Keys under a prefix, sorted. */
  readonly list: (prefix: string) => ReadonlyArray<string>;
  readonly read: (key: string) => string | undefined;
  readonly write: (key: string, body: string | Uint8Array) => void;
  /** Moves a local file into the lake as `key` (same file system: a rename). */
  readonly moveIn: (key: string, filePath: string) => void;
  /** Deletes every object under a prefix (and its side files). */
  readonly deletePrefix: (prefix: string) => void;
}

const walk = (dir: string): string[] => {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
};

/** The deepest directory of a prefix: listing walks only below it. */
const prefixDir = (root: string, prefix: string) => path.join(root, prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "");

const moveFile = (from: string, to: string) => {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.renameSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
    fs.rmSync(from, { force: true });
  }
};

const removeEmptyDirs = (dir: string, stopAt: string) => {
  let current = dir;
  while (current.startsWith(stopAt) && current !== stopAt && fs.existsSync(current) && fs.readdirSync(current).length === 0) {
    fs.rmdirSync(current);
    current = path.dirname(current);
  }
};

export const plainLake = (root: string): LakeDir => {
  const absolute = path.resolve(root);
  const pathOf = (key: string) => path.join(absolute, ...key.split("/"));
  return {
    layout: "plain",
    root: absolute,
    pathOf,
    glob: (keyGlob) => path.join(absolute, keyGlob),
    list: (prefix) =>
      walk(prefixDir(absolute, prefix))
        .map((file) => path.relative(absolute, file).split(path.sep).join("/"))
        .filter((key) => key.startsWith(prefix))
        .sort(),
    read: (key) => (fs.existsSync(pathOf(key)) ? fs.readFileSync(pathOf(key), "utf8") : undefined),
    write: (key, body) => {
      fs.mkdirSync(path.dirname(pathOf(key)), { recursive: true });
      fs.writeFileSync(pathOf(key), body);
    },
    moveIn: (key, filePath) => moveFile(filePath, pathOf(key)),
    deletePrefix: (prefix) => {
      const dir = prefixDir(absolute, prefix);
      for (const file of walk(dir)) {
        const key = path.relative(absolute, file).split(path.sep).join("/");
        if (key.startsWith(prefix)) fs.rmSync(file, { force: true });
      }
      for (const sub of fs.existsSync(dir) ? [dir] : []) removeEmptyDirs(sub, absolute);
    },
  };
};

export const s3rverLake = (s3Dir: string, bucket: string): LakeDir => {
  const root = path.join(path.resolve(s3Dir), bucket);
  const pathOf = (key: string) => path.join(root, ...key.split("/")) + S3RVER_OBJECT_SUFFIX;
  const keyOf = (file: string) => path.relative(root, file).split(path.sep).join("/").slice(0, -S3RVER_OBJECT_SUFFIX.length);
  const sideFiles = (key: string) => {
    const base = path.join(root, ...key.split("/"));
    return [`${base}._S3rver_object.md5`, `${base}._S3rver_metadata.json`];
  };
  return {
    layout: "s3rver",
    root,
    pathOf,
    glob: (keyGlob) => path.join(root, keyGlob) + S3RVER_OBJECT_SUFFIX,
    list: (prefix) =>
      walk(prefixDir(root, prefix))
        .filter((file) => file.endsWith(S3RVER_OBJECT_SUFFIX))
        .map(keyOf)
        .filter((key) => key.startsWith(prefix))
        .sort(),
    read: (key) => (fs.existsSync(pathOf(key)) ? fs.readFileSync(pathOf(key), "utf8") : undefined),
    write: (key, body) => {
      fs.mkdirSync(path.dirname(pathOf(key)), { recursive: true });
      for (const side of sideFiles(key)) fs.rmSync(side, { force: true });
      fs.writeFileSync(pathOf(key), body);
    },
    moveIn: (key, filePath) => {
      for (const side of sideFiles(key)) fs.rmSync(side, { force: true });
      moveFile(filePath, pathOf(key));
    },
    deletePrefix: (prefix) => {
      const dir = prefixDir(root, prefix);
      for (const file of walk(dir)) {
        const rel = path.relative(root, file).split(path.sep).join("/");
        if (rel.startsWith(prefix)) fs.rmSync(file, { force: true });
      }
      if (fs.existsSync(dir)) removeEmptyDirs(dir, root);
    },
  };
};

/**
 * `--data-dir` of the CLI: an `sdp local` data dir (it has `s3/<bucket>/`), an s3rver directory
 * (it has `<bucket>/`), or a plain lake directory (it has `raw/`, `snapshots/` or `processed/`).
 */
export const openLakeDir = (dataDir: string, bucket?: string): LakeDir => {
  const absolute = path.resolve(dataDir);
  if (!fs.existsSync(absolute)) throw new Error(`data dir ${absolute} does not exist`);
  const topLevel = fs.readdirSync(absolute);
  if (["raw", "snapshots", "processed", "curated", "metadata"].some((name) => topLevel.includes(name))) return plainLake(absolute);
  const s3Dir = topLevel.includes("s3") && fs.statSync(path.join(absolute, "s3")).isDirectory() ? path.join(absolute, "s3") : absolute;
  const buckets = fs.readdirSync(s3Dir).filter((name) => fs.statSync(path.join(s3Dir, name)).isDirectory() && !name.startsWith("."));
  const chosen = bucket ?? (buckets.length === 1 ? buckets[0] : buckets.find((name) => name.includes("data-lake")));
  if (!chosen) throw new Error(`cannot tell which bucket in ${s3Dir} is the lake (found: ${buckets.join(", ") || "none"})`);
  return s3rverLake(s3Dir, chosen);
};
