/**
 * A maintained runtime patch of s3rver 3.7.1, the S3 emulator of the embedded platform.
 * `local/emulators.ts` applies it before it starts s3rver; nothing in node_modules is edited, so
 * a clean `npm ci` needs no install script. It is pinned: s3rver's version and the SHA-256 of
 * every file it replaces functions of are checked, and any difference fails loudly (an upgrade
 * must re-check what is patched here and update the digests).
 *
 * What it fixes:
 * - **ListObjectsV2 pagination.** s3rver builds continuation tokens with DES, which OpenSSL 3
 *   (Node 18 and later) no longer offers, so every listing past one page answered 500 (and so did
 *   HeadBucket on a bucket of more than 1,000 objects, since s3rver answers HEAD by listing).
 *   Tokens are now `s1.` + base64url of `{bucket, key}`; a token that does not decode is a 400.
 * - **Listing order.** s3rver walked its directory tree in file-name order, which is not key order
 *   when a key is a prefix of another ("a" and "a-b", "x.json" and "x/y"), and a continuation then
 *   skipped keys. Keys are now sorted in UTF-8 byte order as S3 does; with a delimiter, common
 *   prefixes count towards MaxKeys and are never repeated on a later page.
 * - **HeadBucket** answers without listing the bucket.
 * - **Stream errors handled, writes atomic.** s3rver's PutObject left its file write stream
 *   without an `error` listener, so one key with a path segment over 255 bytes (ENAMETOOLONG) threw
 *   an unhandled error and killed the whole process; and it answered before the bytes were
 *   written, so a kill could leave an empty object or an empty `._S3rver_metadata.json` that made
 *   every later listing (and HeadBucket) answer 500. Now the body is streamed with `pipeline` (every
 *   error, including a client that hangs up, rejects the request) to a temporary file that is
 *   renamed into place once complete, after its `.md5` and metadata (each written to a temporary
 *   file and renamed); a key the file system cannot hold is answered 400 `KeyTooLongError`, and
 *   reads of such a key answer 404 (it cannot exist). Temporary files are named `.sdp-*.tmp`; the
 *   platform removes stale ones at start (local/recovery.ts).
 * - **Conditional writes.** PutObject with `If-None-Match: *` answers 412 PreconditionFailed when
 *   the key exists (s3rver ignored the header and overwrote), so the kernel's `putIfAbsent` makes
 *   one request instead of HEAD + PUT on the local platform (local/environment.ts turns it on).
 * - **Keys that escape the bucket** (`..` segments) are refused with 400 instead of writing
 *   outside the bucket's directory.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type PinnedPackage, verifyPinnedPackage } from "./pinned-patch";

export const PATCHED_S3RVER_VERSION = "3.7.1";

/** SHA-256 of the s3rver files whose functions are replaced; a mismatch means s3rver changed. */
const PINNED_SOURCES: Record<string, string> = {
  "lib/controllers/bucket.js": "c70b8860c20c524b515b304e5911b443c4f0deec2c3da07e18b186722dc74658",
  "lib/controllers/object.js": "5eb0773debca5938379ac47580b1fc8883c2f9743a16f8044d7857f022e78323",
  "lib/stores/filesystem.js": "d648e3402588df0fc16e6243ee10ff72582e1f6d2ebecfb848c4569bc21a7160",
};

/** File names (not paths) longer than this cannot be created (ext4, xfs, apfs, tmpfs). */
const NAME_MAX_BYTES = 255;
const OBJECT_SUFFIX = "._S3rver_object";
/** The longest of the names s3rver stores next to an object. */
const LONGEST_SUFFIX = "._S3rver_metadata.json";
/** Temporary files of the patched writes: `<dir>/.sdp-<pid>-<random>.tmp`. */
export const S3_TEMP_FILE = /^\.sdp-\d+-[0-9a-f]+\.tmp$/;

export class S3rverPatchMismatch extends Error {
  readonly _tag = "S3rverPatchMismatch";
}

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
type AnyFunction = (...args: any[]) => any;
interface Ctx {
  method: string;
  query: Record<string, string | undefined>;
  params: { bucket: string };
  body: any;
  status: number;
  store: any;
}

const S3RVER_PATCHED = Symbol.for("sdp.s3rver-patched");

const tokenOf = (bucket: string, key: string) => `s1.${Buffer.from(JSON.stringify({ b: bucket, k: key }), "utf8").toString("base64url")}`;

const keyOfToken = (token: string): { bucket: string; key: string } | undefined => {
  if (!token.startsWith("s1.")) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token.slice(3), "base64url").toString("utf8")) as { b?: unknown; k?: unknown };
    return typeof parsed.b === "string" && typeof parsed.k === "string" ? { bucket: parsed.b, key: parsed.k } : undefined;
  } catch {
    return undefined;
  }
};

/** S3 orders keys by their UTF-8 bytes (JavaScript's `<` compares UTF-16 code units). */
export const compareKeys = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** Every object key under `bucketPath` whose directory could hold keys starting with `prefix`. */
const listKeys = async (bucketPath: string, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  const visit = async (relative: string) => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(relative === "" ? bucketPath : path.join(bucketPath, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (entry.isDirectory()) {
        if (relative === "" && name === "._S3rver_uploads") continue;
        const dirPrefix = `${relative}${name}/`;
        // Only descend where keys starting with `prefix` can be.
        if (dirPrefix.startsWith(prefix) || prefix.startsWith(dirPrefix)) await visit(dirPrefix);
      } else if (name.endsWith(OBJECT_SUFFIX)) {
        const key = `${relative}${name.slice(0, -OBJECT_SUFFIX.length)}`;
        if (key.startsWith(prefix)) keys.push(key);
      }
    }
  };
  await visit("");
  return keys.sort(compareKeys);
};

const isErrno = (error: unknown, ...codes: string[]) => codes.includes((error as NodeJS.ErrnoException)?.code ?? "");

export interface S3rverModules {
  readonly bucketController: Record<string, AnyFunction>;
  /** The object controller; when given, PutObject honours `If-None-Match: *`. */
  readonly objectController?: Record<string, AnyFunction>;
  readonly FilesystemStore: { prototype: Record<string, AnyFunction> };
  readonly S3Error: new (code: string, message: string, detail?: Record<string, unknown>) => Error;
  readonly S3Object: { ALLOWED_METADATA: string[] };
}

/** s3rver's directory (where its package.json is). */
export const s3rverDirectory = () => path.dirname(require.resolve("s3rver/package.json"));

/** Throws S3rverPatchMismatch unless the installed s3rver is exactly the one this patch was written for. */
const PIN: PinnedPackage = {
  name: "s3rver",
  version: PATCHED_S3RVER_VERSION,
  sources: PINNED_SOURCES,
  patchFile: "local/s3rver-patch.ts",
  recheck: "Re-check each patched function against the new s3rver (continuation tokens, listing, PutObject streams)",
  mismatch: (message) => new S3rverPatchMismatch(message),
};

export const verifyPinnedS3rver = (directory: string = s3rverDirectory()) => verifyPinnedPackage(PIN, directory);

const loadModules = (): S3rverModules => ({
  bucketController: require("s3rver/lib/controllers/bucket"),
  objectController: require("s3rver/lib/controllers/object"),
  FilesystemStore: require("s3rver/lib/stores/filesystem"),
  S3Error: require("s3rver/lib/models/error"),
  S3Object: require("s3rver/lib/models/object"),
});

/**
 * Applies the patch to the s3rver modules of this module registry (once; jest gives each test
 * file its own registry, so it is applied once per registry). Throws S3rverPatchMismatch when
 * s3rver is not the pinned version.
 */
export const patchS3rver = (modules: S3rverModules = loadModules()) => {
  const { bucketController, FilesystemStore, S3Error, S3Object } = modules;
  const proto = FilesystemStore.prototype;
  if ((proto as Record<symbol, unknown>)[S3RVER_PATCHED]) return;
  verifyPinnedS3rver();

  const keyTooLong = (key: string) =>
    new S3Error("KeyTooLongError", "Your key is too long for the local S3 emulator's file system (a path segment over 255 bytes)", { Key: key.slice(0, 1024) });
  const badKey = (key: string) =>
    new S3Error("InvalidArgument", "Object keys with '.' or '..' path segments are not supported by the local S3 emulator", { Key: key.slice(0, 1024) });

  /** The object's file path, refused before anything is written when the file system cannot hold it. */
  const writablePath = (store: any, bucket: string, key: string, resource = "object"): string => {
    const segments = key.split("/");
    if (segments.some((segment) => segment === "." || segment === "..")) throw badKey(key);
    const name = segments[segments.length - 1]!;
    if (segments.some((segment) => Buffer.byteLength(segment, "utf8") > NAME_MAX_BYTES) || Buffer.byteLength(name + LONGEST_SUFFIX, "utf8") > NAME_MAX_BYTES) {
      throw keyTooLong(key);
    }
    const file = store.getResourcePath(bucket, key, resource) as string;
    const bucketPath = store.getBucketPath(bucket) as string;
    if (!file.startsWith(bucketPath + path.sep)) throw badKey(key);
    return file;
  };

  const temporaryNext = (target: string) => path.join(path.dirname(target), `.sdp-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);

  const writeAtomically = async (target: string, content: string) => {
    const temporary = temporaryNext(target);
    try {
      await fs.promises.writeFile(temporary, content, { flag: "wx" });
      await fs.promises.rename(temporary, target);
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw error;
    }
  };

  const mapWriteError = (key: string, error: unknown) => (isErrno(error, "ENAMETOOLONG") ? keyTooLong(key) : error);

  proto.putMetadata = async function putMetadata(this: any, bucket: string, key: string, metadata: Record<string, string>, md5?: string) {
    const metadataPath = writablePath(this, bucket, key, "metadata.json");
    const json: Record<string, string> = {};
    for (const name of S3Object.ALLOWED_METADATA) if (metadata[name] !== undefined) json[name] = metadata[name]!;
    for (const [name, value] of Object.entries(metadata)) if (name.startsWith("x-amz-meta-")) json[name] = value;
    try {
      if (md5) await writeAtomically(this.getResourcePath(bucket, key, "object.md5"), md5);
      await writeAtomically(metadataPath, JSON.stringify(json, null, 2));
    } catch (error) {
      throw mapWriteError(key, error);
    }
  };

  proto.putObject = async function putObject(this: any, object: { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: Record<string, string> }) {
    const objectPath = writablePath(this, object.bucket, object.key);
    const temporary = temporaryNext(objectPath);
    const md5 = createHash("md5");
    let size = 0;
    try {
      await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(source, hashing, fs.createWriteStream(temporary, { flags: "wx" }));
      const digest = md5.digest("hex");
      // The object file appears last, complete: a kill before this leaves only a temporary file.
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
      await fs.promises.rename(temporary, objectPath);
      return { size, md5: digest };
    } catch (error) {
      await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
      throw mapWriteError(object.key, error);
    }
  };

  const originalCopyObject = proto.copyObject!;
  proto.copyObject = async function copyObject(this: any, srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacement?: unknown) {
    writablePath(this, destBucket, destKey);
    try {
      return await originalCopyObject.call(this, srcBucket, srcKey, destBucket, destKey, replacement);
    } catch (error) {
      throw mapWriteError(destKey, error);
    }
  };

  proto.putPart = async function putPart(this: any, bucket: string, uploadId: string, partNumber: number, content: NodeJS.ReadableStream) {
    const partPath = path.join(this.getResourcePath(bucket, undefined, "uploads"), uploadId, String(partNumber));
    const bucketPath = this.getBucketPath(bucket) as string;
    if (!partPath.startsWith(bucketPath + path.sep)) throw new S3Error("NoSuchUpload", "The specified upload does not exist", { UploadId: uploadId });
    const temporary = temporaryNext(partPath);
    const md5 = createHash("md5");
    let size = 0;
    try {
      await fs.promises.mkdir(path.dirname(partPath), { recursive: true });
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(content, hashing, fs.createWriteStream(temporary, { flags: "wx" }));
      const digest = md5.digest("hex");
      await writeAtomically(`${partPath}.md5`, digest);
      await fs.promises.rename(temporary, partPath);
      return { size, md5: digest };
    } catch (error) {
      await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  };

  // Reads of a key the file system cannot hold: it cannot exist.
  const notFoundOnLongName = (name: string, fallback: () => unknown) => {
    const original = proto[name]!;
    proto[name] = async function (this: unknown, ...args: unknown[]) {
      try {
        return await original.apply(this, args);
      } catch (error) {
        if (isErrno(error, "ENAMETOOLONG")) return fallback();
        throw error;
      }
    };
  };
  notFoundOnLongName("getObject", () => null);
  notFoundOnLongName("existsObject", () => false);
  notFoundOnLongName("deleteObject", () => undefined);
  const originalGetMetadata = proto.getMetadata!;
  proto.getMetadata = async function getMetadata(this: unknown, ...args: unknown[]) {
    try {
      return await originalGetMetadata.apply(this, args);
    } catch (error) {
      if (isErrno(error, "ENAMETOOLONG")) throw Object.assign(new Error((error as Error).message), { code: "ENOENT" });
      throw error;
    }
  };

  /**
   * Keys in S3's order. Returns s3rver's shape plus `nextStartAfter`: where the next page starts
   * (the last key or common prefix of this page) when truncated.
   */
  proto.listObjects = async function listObjects(this: any, bucket: string, options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number }) {
    const delimiter = options.delimiter ?? "";
    const startAfter = options.startAfter ?? "";
    const prefix = options.prefix ?? "";
    const maxKeys = options.maxKeys ?? Infinity;
    const all = await listKeys(this.getBucketPath(bucket), prefix);
    const keys: string[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    let isTruncated = false;
    for (const key of all) {
      if (compareKeys(key, startAfter) <= 0) continue;
      let entry = key;
      let isPrefix = false;
      if (delimiter !== "") {
        const at = key.indexOf(delimiter, prefix.length);
        if (at !== -1) {
          entry = key.slice(0, at + delimiter.length);
          isPrefix = true;
          // A common prefix is listed once: not again on this page, nor after a token that ends at it.
          if (entry === last || compareKeys(entry, startAfter) <= 0) continue;
        }
      }
      if (keys.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (isPrefix) commonPrefixes.push(entry);
      else keys.push(key);
      last = entry;
    }
    const metadata = await Promise.all(
      keys.map((key) =>
        this.getMetadata(bucket, key).catch((error: unknown) => {
          if (isErrno(error, "ENOENT")) return undefined;
          throw error;
        }),
      ),
    );
    const S3ObjectClass = S3Object as unknown as new (bucket: string, key: string, content: null, metadata: unknown) => unknown;
    return {
      objects: keys.flatMap((key, index) => (metadata[index] === undefined ? [] : [new S3ObjectClass(bucket, key, null, metadata[index])])),
      commonPrefixes,
      isTruncated,
      nextStartAfter: isTruncated ? last : undefined,
    };
  };

  const originalGetBucket = bucketController.getBucket!;
  bucketController.getBucket = async function getBucket(ctx: Ctx) {
    // HeadBucket is routed here (Koa answers HEAD with the GET route): the bucket exists (checked
    // before), and listing it only to throw the listing away costs a walk of the whole bucket.
    if (ctx.method === "HEAD") {
      ctx.status = 200;
      ctx.body = "";
      return;
    }
    if (ctx.query["list-type"] !== "2") return originalGetBucket(ctx);
    const token = ctx.query["continuation-token"];
    if (token) {
      const decoded = keyOfToken(token);
      if (!decoded || decoded.bucket !== ctx.params.bucket) {
        throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
      }
      // s3rver's own decoding (DES) is bypassed: the token becomes the start-after it stands for.
      const query: Record<string, string | undefined> = { ...ctx.query, "start-after": decoded.key };
      delete query["continuation-token"];
      ctx.query = query;
    }
    // s3rver would build the next token itself (with DES) when the listing is truncated: it sees
    // an untruncated listing, and the token is added here.
    const store = ctx.store;
    let page: { isTruncated: boolean; nextStartAfter?: string } = { isTruncated: false };
    ctx.store = Object.create(store, {
      listObjects: {
        value: async (bucket: string, options: unknown) => {
          const result = await store.listObjects(bucket, options);
          page = result;
          return { ...result, isTruncated: false };
        },
      },
    });
    try {
      await originalGetBucket(ctx);
    } finally {
      ctx.store = store;
    }
    const result = ctx.body?.ListBucketResult as Record<string, unknown> | undefined;
    if (!result) return;
    if (token) {
      result.StartAfter = undefined;
      result.ContinuationToken = token;
    }
    if (page.isTruncated && page.nextStartAfter !== undefined) {
      result.NextContinuationToken = tokenOf(ctx.params.bucket, page.nextStartAfter);
      result.IsTruncated = true;
    }
  };

  // Conditional PutObject (one conditional write instead of HEAD + PUT per raw event).
  // `If-None-Match: *` answers 412 PreconditionFailed when the key exists, as S3 does; writes of
  // one key are serialized so that of two concurrent conditional PUTs exactly one creates it.
  if (modules.objectController) {
    const controller = modules.objectController;
    const originalPutObject = controller.putObject!;
    const lanes = new Map<string, Promise<unknown>>();
    controller.putObject = async function putObject(this: unknown, ctx: any) {
      const condition = ctx.headers?.["if-none-match"];
      if (condition === undefined) return originalPutObject.call(this, ctx);
      if (String(condition).trim() !== "*") throw new S3Error("NotImplemented", "The local S3 emulator supports If-None-Match: * only", { Header: "If-None-Match" });
      const id = `${ctx.params.bucket}/${ctx.params.key}`;
      const before = lanes.get(id) ?? Promise.resolve();
      const mine = before
        .catch(() => undefined)
        .then(async () => {
          if (await ctx.store.existsObject(ctx.params.bucket, ctx.params.key)) {
            throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-None-Match" });
          }
          return originalPutObject.call(this, ctx);
        });
      lanes.set(id, mine);
      try {
        return await mine;
      } finally {
        if (lanes.get(id) === mine) lanes.delete(id);
      }
    };
  }
  (proto as Record<symbol, unknown>)[S3RVER_PATCHED] = true;
};
