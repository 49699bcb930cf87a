/**
 * The runtime patch of s3rver (local/s3rver-patch.ts) against the real emulator and the AWS SDK:
 * ListObjectsV2 pages past 1,000 objects (s3rver's DES tokens answered 500 on Node 18+), keys in
 * S3's order, stream errors answered instead of crashing the process, atomic writes.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Effect } from "effect";
import { envVars } from "../../contracts/env-vars";
import { makeS3ObjectStore } from "../../functions/kernel/live";
import { compareKeys, PATCHED_S3RVER_VERSION, S3rverPatchMismatch, s3rverDirectory, verifyPinnedS3rver } from "../../local/s3rver-patch";
import { emulatorsForTests, tempDataDir, withConfig } from "../support";

jest.setTimeout(90_000);

const fixture = emulatorsForTests("s3rver-patch");

const put = (key: string, body = `{"key":${JSON.stringify(key)}}`) => fixture.aws.s3.send(new PutObjectCommand({ Bucket: fixture.emulators.bucket, Key: key, Body: body }));

const statusOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
    throw error;
  }
};

/** Runs `work` over `items` with at most `width` at a time. */
const inParallel = async <T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
};

describe("s3rver patch", () => {
  it("is pinned to s3rver's exact version and fails loudly, naming what differs, when s3rver changes", () => {
    expect(() => verifyPinnedS3rver()).not.toThrow();
    // A copy of s3rver with one patched file edited, as an upgrade would.
    const copy = tempDataDir("s3rver-copy");
    try {
      fs.cpSync(path.join(s3rverDirectory(), "package.json"), path.join(copy, "package.json"));
      fs.mkdirSync(path.join(copy, "lib", "controllers"), { recursive: true });
      fs.mkdirSync(path.join(copy, "lib", "stores"), { recursive: true });
      fs.cpSync(path.join(s3rverDirectory(), "lib", "stores", "filesystem.js"), path.join(copy, "lib", "stores", "filesystem.js"));
      fs.writeFileSync(
        path.join(copy, "lib", "controllers", "bucket.js"),
        `${fs.readFileSync(path.join(s3rverDirectory(), "lib", "controllers", "bucket.js"), "utf8")}\n// changed\n`,
      );
      expect(() => verifyPinnedS3rver(copy)).toThrow(S3rverPatchMismatch);
      expect(() => verifyPinnedS3rver(copy)).toThrow(/lib\/controllers\/bucket\.js has SHA-256/);
      const manifest = JSON.parse(fs.readFileSync(path.join(copy, "package.json"), "utf8"));
      fs.writeFileSync(path.join(copy, "package.json"), JSON.stringify({ ...manifest, version: "3.7.2" }));
      expect(() => verifyPinnedS3rver(copy)).toThrow(`s3rver is 3.7.2, the patch is for ${PATCHED_S3RVER_VERSION}`);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("lists 3,000 objects with the SDK's paginator and as `aws s3 ls --recursive` does: every key once, in order", async () => {
    const keys = Array.from({ length: 3_000 }, (_, index) => `bulk/dt=2026-01-${String(1 + (index % 28)).padStart(2, "0")}/event-${index}.json`);
    // 100 through PutObject, the rest written straight into s3rver's layout (as PutObject leaves
    // it: the object, its .md5 and its metadata), which is quicker than 2,900 more requests.
    await inParallel(keys.slice(0, 100), 8, (key) => put(key));
    const bucketDir = path.join(fixture.dataDir, "s3", fixture.emulators.bucket);
    for (const key of keys.slice(100)) {
      const body = `{"key":${JSON.stringify(key)}}`;
      const file = path.join(bucketDir, `${key}._S3rver_object`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body);
      fs.writeFileSync(`${file}.md5`, createHash("md5").update(body).digest("hex"));
      fs.writeFileSync(path.join(bucketDir, `${key}._S3rver_metadata.json`), JSON.stringify({ "content-type": "application/json" }));
    }

    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: fixture.aws.s3 }, { Bucket: fixture.emulators.bucket, Prefix: "bulk/" })) {
      pages++;
      listed.push(...(page.Contents ?? []).map((object) => object.Key!));
    }
    expect(pages).toBe(3);
    expect(listed).toHaveLength(keys.length);
    expect(new Set(listed).size).toBe(keys.length);
    expect(listed).toEqual([...keys].sort(compareKeys));

    // The kernel's live ObjectStore.list (the same paginator inside awsCall) reads all three pages.
    const live = await Effect.runPromise(
      makeS3ObjectStore(() => fixture.aws.s3)
        .list("bulk/")
        .pipe(withConfig({ [envVars.lakeBucket]: fixture.emulators.bucket })),
    );
    expect(live.map((entry) => entry.key)).toEqual(listed);
    expect(live.every((entry) => entry.size === Buffer.byteLength(`{"key":${JSON.stringify(entry.key)}}`))).toBe(true);

    // `aws s3 ls s3://<bucket>/ --recursive` pages ListObjectsV2 without a delimiter, 1,000 keys a
    // page, with EncodingType=url, until IsTruncated is false.
    const cli: string[] = [];
    let token: string | undefined;
    let requests = 0;
    do {
      const page = await fixture.aws.s3.send(
        new ListObjectsV2Command({ Bucket: fixture.emulators.bucket, Prefix: "bulk/", EncodingType: "url", MaxKeys: 1000, ContinuationToken: token }),
      );
      requests++;
      cli.push(...(page.Contents ?? []).map((object) => decodeURIComponent(object.Key!)));
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) expect(token).toEqual(expect.any(String));
    } while (token);
    expect(requests).toBe(3);
    expect(cli).toEqual(listed);

    // HeadBucket on a bucket with more than a page of objects (s3rver answered it by listing).
    expect(await statusOf(fixture.aws.s3.send(new HeadBucketCommand({ Bucket: fixture.emulators.bucket })))).toBe(200);
  });

  it("pages in S3's key order even where file names sort otherwise, and a delimiter's common prefixes appear once", async () => {
    // "a" < "a-b" < "a.json" < "a/x" as keys, not as s3rver's file names ("a" is also a directory).
    const keys = ["order/a", "order/a-b", "order/a.json", "order/a/x", "order/a/y", "order/b", "order/z/1", "order/é"];
    for (const key of keys) await put(key);
    const byOne: string[] = [];
    for await (const page of paginateListObjectsV2({ client: fixture.aws.s3, pageSize: 1 }, { Bucket: fixture.emulators.bucket, Prefix: "order/" })) {
      byOne.push(...(page.Contents ?? []).map((object) => object.Key!));
    }
    expect(byOne).toEqual(keys);

    const entries: string[] = [];
    for await (const page of paginateListObjectsV2({ client: fixture.aws.s3, pageSize: 2 }, { Bucket: fixture.emulators.bucket, Prefix: "order/", Delimiter: "/" })) {
      entries.push(...(page.Contents ?? []).map((object) => object.Key!), ...(page.CommonPrefixes ?? []).map((prefix) => `prefix:${prefix.Prefix}`));
    }
    expect(entries.sort()).toEqual(["order/a", "order/a-b", "order/a.json", "order/b", "order/é", "prefix:order/a/", "prefix:order/z/"].sort());
  });

  it("answers a continuation token it did not issue with 400, not 500", async () => {
    const answer = await statusOf(fixture.aws.s3.send(new ListObjectsV2Command({ Bucket: fixture.emulators.bucket, ContinuationToken: "bm90IGEgdG9rZW4=" })));
    expect(answer).toBe(400);
    const otherBucket = Buffer.from(JSON.stringify({ b: "another-bucket", k: "x" })).toString("base64url");
    expect(await statusOf(fixture.aws.s3.send(new ListObjectsV2Command({ Bucket: fixture.emulators.bucket, ContinuationToken: `s1.${otherBucket}` })))).toBe(400);
  });

  it("answers a key the file system cannot hold with 400 KeyTooLongError and keeps running (s3rver's write stream threw ENAMETOOLONG unhandled)", async () => {
    const longId = "x".repeat(300);
    const error = await fixture.aws.s3
      .send(new PutObjectCommand({ Bucket: fixture.emulators.bucket, Key: `raw/shopify/orders/dt=2026-01-31/${longId}.json`, Body: "{}" }))
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(400);
    expect((error as S3ServiceException).name).toBe("KeyTooLongError");
    expect(await statusOf(fixture.aws.s3.send(new PutObjectCommand({ Bucket: fixture.emulators.bucket, Key: `${"d".repeat(300)}/x.json`, Body: "{}" })))).toBe(400);
    // Reads and deletes of such a key: it cannot exist.
    expect(await statusOf(fixture.aws.s3.send(new GetObjectCommand({ Bucket: fixture.emulators.bucket, Key: `raw/${longId}.json` })))).toBe(404);
    expect(await statusOf(fixture.aws.s3.send(new HeadObjectCommand({ Bucket: fixture.emulators.bucket, Key: `raw/${longId}.json` })))).toBe(404);
    expect(await statusOf(fixture.aws.s3.send(new DeleteObjectCommand({ Bucket: fixture.emulators.bucket, Key: `raw/${longId}.json` })))).toBe(200);
    // A key that would escape the bucket's directory.
    expect(await statusOf(fixture.aws.s3.send(new PutObjectCommand({ Bucket: fixture.emulators.bucket, Key: "raw/../../escape.json", Body: "{}" })))).toBe(400);
    expect(fs.existsSync(path.join(fixture.dataDir, "s3", "escape.json._S3rver_object"))).toBe(false);

    // The emulator still serves, and nothing was left behind.
    await put("after/long-key.json", '{"ok":true}');
    const body = await (await fixture.aws.s3.send(new GetObjectCommand({ Bucket: fixture.emulators.bucket, Key: "after/long-key.json" }))).Body!.transformToString();
    expect(body).toBe('{"ok":true}');
    const leftovers = fs
      .readdirSync(path.join(fixture.dataDir, "s3"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".tmp") || file.includes("x".repeat(100)));
    expect(leftovers).toEqual([]);
  });

  it("writes an object with its .md5 and metadata, nothing temporary left, and serves it back with its content type", async () => {
    const key = "raw/shopify/orders/dt=2026-01-31/w-atomic.json";
    await fixture.aws.s3.send(
      new PutObjectCommand({ Bucket: fixture.emulators.bucket, Key: key, Body: '{"id":1}', ContentType: "application/json", Metadata: { topic: "orders/create" } }),
    );
    const directory = path.join(fixture.dataDir, "s3", fixture.emulators.bucket, "raw", "shopify", "orders", "dt=2026-01-31");
    expect(
      fs
        .readdirSync(directory)
        .filter((file) => file.startsWith("w-atomic"))
        .sort(),
    ).toEqual(["w-atomic.json._S3rver_metadata.json", "w-atomic.json._S3rver_object", "w-atomic.json._S3rver_object.md5"]);
    expect(fs.readdirSync(directory).filter((file) => file.endsWith(".tmp"))).toEqual([]);
    const got = await fixture.aws.s3.send(new GetObjectCommand({ Bucket: fixture.emulators.bucket, Key: key }));
    expect(got.ContentType).toBe("application/json");
    expect(got.Metadata).toEqual({ topic: "orders/create" });
    expect(got.ETag).toBe(JSON.stringify(createHash("md5").update('{"id":1}').digest("hex")));
    expect(await got.Body!.transformToString()).toBe('{"id":1}');
  });
});
