/** The ObjectStore (the S3 data lake) on the AWS SDK v3; the same code serves AWS and s3rver. */
import * as fs from "node:fs";
import type { S3Client } from "@aws-sdk/client-s3";
import { Effect, Layer, Option } from "effect";
import { envVars } from "../../../contracts/env-vars";
import { awsCall, awsCallWithOutcomes, errorName, httpStatusOf } from "../aws-errors";
import { ObjectStore } from "../services";
import { configValue, optionalConfig } from "../config";
import { scopedClient, sdk } from "./sdk";

/** "true"/"false": whether the S3 endpoint honours `If-None-Match: *` (default: true unless an endpoint override is set). */
export const S3_CONDITIONAL_WRITES_VAR = "SDP_S3_CONDITIONAL_WRITES";
/** The SDK's own endpoint override (the local emulators); an emulator needs path-style addressing. */
const S3_ENDPOINT_VAR = "AWS_ENDPOINT_URL_S3";

const conditionalWritesByDefault = Effect.gen(function* () {
  const configured = yield* optionalConfig(S3_CONDITIONAL_WRITES_VAR);
  if (configured !== undefined) return configured.toLowerCase() !== "false";
  // Emulators (s3rver) ignore If-None-Match on PUT and would overwrite silently.
  return !(yield* optionalConfig(S3_ENDPOINT_VAR));
});

const isNotFound = (error: unknown) => errorName(error) === "NotFound" || errorName(error) === "NoSuchKey" || httpStatusOf(error) === 404;

export const makeS3ObjectStore = (client: () => S3Client): ObjectStore["Type"] => {
  let conditionalWrites: boolean | undefined;
  const bucket = configValue(envVars.lakeBucket);

  const putObject = (
    Bucket: string,
    key: string,
    body: string | Uint8Array | fs.ReadStream,
    options?: { contentType?: string; metadata?: Record<string, string> },
    length?: number,
  ) =>
    awsCall("s3", "PutObject", (abortSignal) =>
      client().send(
        new (sdk.s3().PutObjectCommand)({
          Bucket,
          Key: key,
          Body: body,
          ContentType: options?.contentType ?? (key.endsWith(".json") ? "application/json" : undefined),
          Metadata: options?.metadata,
          ...(length !== undefined ? { ContentLength: length } : {}),
        }),
        { abortSignal },
      ),
    );

  const exists = (Bucket: string, key: string) =>
    awsCallWithOutcomes(
      "s3",
      "HeadObject",
      (abortSignal) =>
        client()
          .send(new (sdk.s3().HeadObjectCommand)({ Bucket, Key: key }), { abortSignal })
          .then(() => true as const),
      (error) => (isNotFound(error) ? (false as const) : undefined),
    );

  const putIfAbsentByHead = (Bucket: string, key: string, body: string | Uint8Array, options?: { contentType?: string; metadata?: Record<string, string> }) =>
    Effect.gen(function* () {
      if (yield* exists(Bucket, key)) return { created: false };
      yield* putObject(Bucket, key, body, options);
      return { created: true };
    });

  const get = (key: string) =>
    Effect.flatMap(bucket, (Bucket) =>
      awsCallWithOutcomes(
        "s3",
        "GetObject",
        async (abortSignal) => {
          const response = await client().send(new (sdk.s3().GetObjectCommand)({ Bucket, Key: key }), { abortSignal });
          return Option.some(await response.Body!.transformToByteArray()) as Option.Option<Uint8Array>;
        },
        (error) => (isNotFound(error) ? Option.none<Uint8Array>() : undefined),
      ),
    );

  return {
    putIfAbsent: (key, body, options) =>
      Effect.gen(function* () {
        const Bucket = yield* bucket;
        conditionalWrites ??= yield* conditionalWritesByDefault;
        if (!conditionalWrites) return yield* putIfAbsentByHead(Bucket, key, body, options);
        const outcome = yield* awsCallWithOutcomes(
          "s3",
          "PutObject(If-None-Match)",
          (abortSignal) =>
            client()
              .send(
                new (sdk.s3().PutObjectCommand)({
                  Bucket,
                  Key: key,
                  Body: body,
                  IfNoneMatch: "*",
                  ContentType: options?.contentType ?? (key.endsWith(".json") ? "application/json" : undefined),
                  Metadata: options?.metadata,
                }),
                { abortSignal },
              )
              .then(() => "created" as const),
          (error) => {
            const status = httpStatusOf(error);
            if (status === 412 || errorName(error) === "PreconditionFailed") return "exists" as const;
            if (status === 501 || errorName(error) === "NotImplemented") return "unsupported" as const;
            return undefined;
          },
        );
        if (outcome === "unsupported") {
          conditionalWrites = false;
          return yield* putIfAbsentByHead(Bucket, key, body, options);
        }
        return { created: outcome === "created" };
      }),
    put: (key, body, options) => Effect.flatMap(bucket, (Bucket) => Effect.asVoid(putObject(Bucket, key, body, options))),
    putFile: (key, filePath, options) =>
      Effect.flatMap(bucket, (Bucket) =>
        Effect.asVoid(
          Effect.suspend(() => {
            const size = fs.statSync(filePath).size;
            return putObject(Bucket, key, fs.createReadStream(filePath), options, size);
          }),
        ),
      ),
    get,
    getText: (key) =>
      Effect.map(
        get(key),
        Option.map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")),
      ),
    list: (prefix) =>
      Effect.flatMap(bucket, (Bucket) =>
        awsCall("s3", "ListObjectsV2", async (abortSignal) => {
          const found: Array<{ key: string; size: number }> = [];
          // The SDK's paginator follows NextContinuationToken; a page that is not truncated is the last, token or not.
          for await (const page of sdk.s3().paginateListObjectsV2({ client: client() }, { Bucket, Prefix: prefix }, { abortSignal })) {
            for (const object of page.Contents ?? []) if (object.Key) found.push({ key: object.Key, size: object.Size ?? 0 });
            if (!page.IsTruncated) break;
          }
          return found;
        }),
      ),
    delete: (key) =>
      Effect.flatMap(bucket, (Bucket) =>
        Effect.asVoid(awsCall("s3", "DeleteObject", (abortSignal) => client().send(new (sdk.s3().DeleteObjectCommand)({ Bucket, Key: key }), { abortSignal }))),
      ),
  };
};

/** The S3 ObjectStore with its own client, destroyed with the layer (path-style against an endpoint override). */
export const ObjectStoreLive: Layer.Layer<ObjectStore> = Layer.scoped(
  ObjectStore,
  Effect.gen(function* () {
    const endpoint = yield* optionalConfig(S3_ENDPOINT_VAR);
    const client = yield* scopedClient(() => new (sdk.s3().S3Client)({ forcePathStyle: Boolean(endpoint) }));
    return makeS3ObjectStore(client);
  }),
);
