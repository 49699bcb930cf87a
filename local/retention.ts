/**
 * The retention purge over a local lake (`sdp retention`), with the same program the scheduled
 * function runs in AWS (functions/retention/purge.ts) and the local environment's policy
 * (config/retention.ts). Objects are the data dir's files; a deleted s3rver object takes its
 * side files (.md5, metadata) with it.
 */
import * as fs from "node:fs";
import { Effect, Layer } from "effect";
import { loadRetention } from "../config/retention";
import type { RetentionPolicy } from "../contracts/retention";
import { openLakeDir, S3RVER_OBJECT_SUFFIX, type LakeDir } from "../etl/lake";
import { lakeObjectStore } from "../etl/lake-object-store";
import { makeTestPlatform } from "../functions/kernel/memory";
import { ObjectStore } from "../functions/kernel/services";
import { retentionPurge, type RetentionReport } from "../functions/retention/purge";

const withSideFiles = (lake: LakeDir): ObjectStore["Type"] => {
  const store = lakeObjectStore(lake);
  return {
    ...store,
    delete: (key) =>
      Effect.sync(() => {
        const file = lake.pathOf(key);
        fs.rmSync(file, { force: true });
        if (lake.layout === "s3rver" && file.endsWith(S3RVER_OBJECT_SUFFIX)) {
          const base = file.slice(0, -S3RVER_OBJECT_SUFFIX.length);
          for (const side of [`${base}._S3rver_object.md5`, `${base}._S3rver_metadata.json`]) fs.rmSync(side, { force: true });
        }
      }),
  };
};

export interface LocalRetentionOptions {
  readonly dryRun: boolean;
  readonly now?: Date;
  readonly policy?: RetentionPolicy;
}

export const runRetentionLocally = async (dataDir: string, options: LocalRetentionOptions): Promise<RetentionReport> => {
  const lake = openLakeDir(dataDir);
  const now = options.now ?? new Date();
  // Metrics have no reader locally: they land in memory.
  const platform = makeTestPlatform();
  const program = retentionPurge({
    policy: options.policy ?? loadRetention("local"),
    now,
    runId: `local-${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}`,
    dryRun: options.dryRun,
  });
  return Effect.runPromise(program.pipe(Effect.provide(Layer.succeed(ObjectStore, withSideFiles(lake))), Effect.provide(platform.layers.metrics)));
};
