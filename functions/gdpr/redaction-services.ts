/**
 * What the redaction workflow needs beyond the kernel's ObjectStore, HotStore and SubjectIndex, as services
 * with a live layer (S3, SQS, the vendors' APIs) and an in-memory one for tests:
 *
 *   LakeVersions    every version (and delete marker) of one key; delete one by its VersionId
 *   DeadLetterStore drop the dead letters that are the subject's
 *   VendorApis      ask Stripe / Recharge to delete a customer
 */
import * as fs from "node:fs";
import { Context, Effect, Layer } from "effect";
import type { InvalidPayload, SecretUnavailable, Throttled, Transient } from "../kernel/errors";
import { ObjectStore, type StoreError } from "../kernel/services";

export interface ObjectVersion {
  readonly versionId: string;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
}

export class LakeVersions extends Context.Tag("sdp/gdpr/LakeVersions")<
  LakeVersions,
  {
    /**
     * Every version and delete marker of exactly `key`. Empty when the bucket never versioned it
     * (an unversioned bucket, or a store without versioning such as s3rver): then a plain delete
     * is the whole of it.
     */
    readonly versions: (key: string) => Effect.Effect<ReadonlyArray<ObjectVersion>, StoreError>;
    readonly deleteVersion: (key: string, versionId: string) => Effect.Effect<void, StoreError>;
  }
>() {}

export class DeadLetterStore extends Context.Tag("sdp/gdpr/DeadLetterStore")<
  DeadLetterStore,
  {
    /** Drops every dead letter whose body `isSubjects` says holds the subject; answers how many were examined and dropped. */
    readonly purge: (isSubjects: (body: string) => boolean) => Effect.Effect<{ readonly examined: number; readonly removed: number }, StoreError>;
  }
>() {}

export type Vendor = "stripe" | "recharge";

export class VendorApis extends Context.Tag("sdp/gdpr/VendorApis")<
  VendorApis,
  {
    /** `absent`: the vendor no longer knows the customer (a repeat, or never there). */
    readonly deleteCustomer: (vendor: Vendor, customerId: string) => Effect.Effect<"deleted" | "absent", Throttled | Transient | InvalidPayload | SecretUnavailable>;
  }
>() {}

/**
 * A versioned bucket in memory over another ObjectStore (tests): every write of a key keeps the
 * previous body as a noncurrent version, a plain delete puts a delete marker on top, and deleting
 * a version by id makes the newest remaining one current again, as S3 does. `bodies` is every
 * version's content, current or not: what a search of "every object version" reads.
 */
export const versionedMemoryStore = (base: ObjectStore["Type"]) => {
  type Version = ObjectVersion & { readonly body?: Uint8Array };
  const versions = new Map<string, Version[]>();
  let counter = 0;
  const push = (key: string, version: Omit<Version, "versionId" | "isLatest">) => {
    counter += 1;
    const older = (versions.get(key) ?? []).map((each) => ({ ...each, isLatest: false }));
    versions.set(key, [{ ...version, versionId: `v${counter}`, isLatest: true }, ...older]);
  };
  const bytes = (body: string | Uint8Array) => (typeof body === "string" ? new Uint8Array(Buffer.from(body, "utf8")) : new Uint8Array(body));
  const objectStore: ObjectStore["Type"] = {
    ...base,
    put: (key, body, options) => Effect.tap(base.put(key, body, options), () => push(key, { deleteMarker: false, body: bytes(body) })),
    putIfAbsent: (key, body, options) =>
      Effect.tap(base.putIfAbsent(key, body, options), ({ created }) => (created ? push(key, { deleteMarker: false, body: bytes(body) }) : undefined)),
    putFile: (key, filePath, options) =>
      Effect.tap(base.putFile(key, filePath, options), () => push(key, { deleteMarker: false, body: new Uint8Array(fs.readFileSync(filePath)) })),
    delete: (key) => Effect.tap(base.delete(key), () => (versions.has(key) ? push(key, { deleteMarker: true }) : undefined)),
  };
  const lakeVersions: LakeVersions["Type"] = {
    versions: (key) => Effect.sync(() => (versions.get(key) ?? []).map(({ versionId, isLatest, deleteMarker }) => ({ versionId, isLatest, deleteMarker }))),
    deleteVersion: (key, versionId) =>
      Effect.suspend(() => {
        const left = (versions.get(key) ?? []).filter((version) => version.versionId !== versionId).map((version, index) => ({ ...version, isLatest: index === 0 }));
        if (left.length === 0) versions.delete(key);
        else versions.set(key, left);
        const current = left[0];
        // The newest remaining version is the object now (none, or a delete marker: no object).
        return current && !current.deleteMarker && current.body ? base.put(key, current.body) : base.delete(key);
      }),
  };
  return {
    objectStore,
    lakeVersions,
    layer: Layer.mergeAll(Layer.succeed(ObjectStore, objectStore), Layer.succeed(LakeVersions, lakeVersions)),
    bodies: (key: string) => (versions.get(key) ?? []).flatMap((version) => (version.body ? [version.body] : [])),
    versionCount: (key: string) => (versions.get(key) ?? []).length,
    keys: () => [...versions.keys()],
  };
};

/** Dead letters in memory (bodies). */
export const makeMemoryDeadLetters = (bodies: string[] = []) => {
  const letters = [...bodies];
  const layer = Layer.succeed(DeadLetterStore, {
    purge: (isSubjects) =>
      Effect.sync(() => {
        const examined = letters.length;
        const kept = letters.filter((body) => !isSubjects(body));
        const removed = examined - kept.length;
        letters.splice(0, letters.length, ...kept);
        return { examined, removed };
      }),
  });
  return { layer, letters: () => [...letters], add: (body: string) => letters.push(body) };
};
