/**
 * The kernel's ObjectStore over a local lake directory (etl/lake.ts), for `sdp dq` and the tests
 * on fixture lakes: the same data-quality program that reads S3 in AWS reads the files here.
 */
import * as fs from "node:fs";
import { Effect, Layer, Option } from "effect";
import { ObjectStore } from "../functions/kernel/services";
import type { LakeDir } from "./lake";

export const lakeObjectStore = (lake: LakeDir): ObjectStore["Type"] => ({
  putIfAbsent: (key, body) =>
    Effect.sync(() => {
      if (lake.read(key) !== undefined) return { created: false };
      lake.write(key, body);
      return { created: true };
    }),
  put: (key, body) => Effect.sync(() => lake.write(key, body)),
  putFile: (key, filePath) => Effect.sync(() => lake.write(key, fs.readFileSync(filePath))),
  get: (key) => Effect.sync(() => (fs.existsSync(lake.pathOf(key)) ? Option.some(new Uint8Array(fs.readFileSync(lake.pathOf(key)))) : Option.none())),
  getText: (key) => Effect.sync(() => Option.fromNullable(lake.read(key))),
  list: (prefix) => Effect.sync(() => lake.list(prefix).map((key) => ({ key, size: fs.statSync(lake.pathOf(key)).size }))),
  delete: (key) => Effect.sync(() => fs.rmSync(lake.pathOf(key), { force: true })),
});

export const lakeObjectStoreLayer = (lake: LakeDir) => Layer.succeed(ObjectStore, lakeObjectStore(lake));
