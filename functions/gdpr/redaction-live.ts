/**
 * Live layers of the redaction's own services (functions/gdpr/redaction-services.ts):
 *
 *   LakeVersions     S3 ListObjectVersions (Prefix = the key, only exact matches kept, every page)
 *                    and DeleteObject with VersionId. An endpoint without versioning (s3rver)
 *                    answers the listing with an error or with nothing: then there are no versions,
 *                    and the program's plain DeleteObject is the whole deletion.
 *   DeadLetterStore  SQS dead-letter queues (envVars.gdprDeadLetterQueueUrls, comma-separated):
 *                    receive, delete the subject's letters, make the others visible again at once.
 *   VendorApis       Stripe `DELETE /v1/customers/{id}`, Recharge `DELETE /customers/{id}`, with
 *                    the API keys from Secrets (stripeApi, rechargeApi); 404 is "absent" (a repeat).
 */
import { Config, Effect, Layer, Redacted } from "effect";
import { envVars } from "../../contracts/env-vars";
import { awsCall, awsCallWithOutcomes, errorName, httpStatusOf } from "../kernel/aws-errors";
import { configValue, optionalConfig } from "../kernel/config";
import { InvalidPayload, Throttled, Transient } from "../kernel/errors";
import { scopedClient, sdk } from "../kernel/live/sdk";
import { Secrets } from "../kernel/services";
import { RECHARGE_API_URL_VAR, RECHARGE_API_VERSION } from "../reconcile/recharge";
import { STRIPE_API_URL_VAR } from "../reconcile/stripe";
import { DeadLetterStore, LakeVersions, VendorApis, type ObjectVersion, type Vendor } from "./redaction-services";

const notVersioned = (error: unknown) => ["NotImplemented", "MethodNotAllowed", "InvalidRequest"].includes(errorName(error) ?? "") || httpStatusOf(error) === 501;

export const LakeVersionsLive: Layer.Layer<LakeVersions> = Layer.scoped(
  LakeVersions,
  Effect.map(
    Effect.flatMap(optionalConfig("AWS_ENDPOINT_URL_S3"), (endpoint) => scopedClient(() => new (sdk.s3().S3Client)({ forcePathStyle: Boolean(endpoint) }))),
    (client): LakeVersions["Type"] => ({
      versions: (key) =>
        Effect.flatMap(configValue(envVars.lakeBucket), (Bucket) =>
          Effect.gen(function* () {
            const found: ObjectVersion[] = [];
            let KeyMarker: string | undefined;
            let VersionIdMarker: string | undefined;
            for (;;) {
              const page = yield* awsCallWithOutcomes(
                "s3",
                "ListObjectVersions",
                (abortSignal) => client().send(new (sdk.s3().ListObjectVersionsCommand)({ Bucket, Prefix: key, KeyMarker, VersionIdMarker }), { abortSignal }),
                (error) => (notVersioned(error) ? { Versions: [], DeleteMarkers: [], IsTruncated: false, NextKeyMarker: undefined, NextVersionIdMarker: undefined } : undefined),
              );
              for (const version of page.Versions ?? [])
                if (version.Key === key && version.VersionId) found.push({ versionId: version.VersionId, isLatest: version.IsLatest === true, deleteMarker: false });
              for (const marker of page.DeleteMarkers ?? [])
                if (marker.Key === key && marker.VersionId) found.push({ versionId: marker.VersionId, isLatest: marker.IsLatest === true, deleteMarker: true });
              if (!page.IsTruncated) break;
              KeyMarker = page.NextKeyMarker;
              VersionIdMarker = page.NextVersionIdMarker;
              // Past our key: the rest of the prefix is other keys.
              if (KeyMarker !== undefined && KeyMarker !== key) break;
            }
            // An unversioned bucket lists its objects with VersionId "null": a plain delete removes them.
            return found.filter((version) => version.versionId !== "null");
          }),
        ),
      deleteVersion: (key, versionId) =>
        Effect.flatMap(configValue(envVars.lakeBucket), (Bucket) =>
          Effect.asVoid(
            awsCall("s3", "DeleteObject", (abortSignal) => client().send(new (sdk.s3().DeleteObjectCommand)({ Bucket, Key: key, VersionId: versionId }), { abortSignal })),
          ),
        ),
    }),
  ),
);

export const DeadLetterStoreLive: Layer.Layer<DeadLetterStore> = Layer.scoped(
  DeadLetterStore,
  Effect.map(
    scopedClient(() => new (sdk.sqs().SQSClient)({})),
    (client): DeadLetterStore["Type"] => ({
      purge: (isSubjects) =>
        Effect.gen(function* () {
          const urls = ((yield* optionalConfig(envVars.gdprDeadLetterQueueUrls)) ?? "")
            .split(",")
            .map((url) => url.trim())
            .filter(Boolean);
          let examined = 0;
          let removed = 0;
          for (const QueueUrl of urls) {
            const seen = new Set<string>();
            // Every message is received once per pass (kept hidden until the pass ends), so the loop ends when the queue is read through.
            for (let round = 0; round < 1000; round += 1) {
              const received = yield* awsCall("sqs", "ReceiveMessage", (abortSignal) =>
                client().send(new (sdk.sqs().ReceiveMessageCommand)({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 120, WaitTimeSeconds: 1 }), { abortSignal }),
              );
              const messages = (received.Messages ?? []).filter((message) => message.MessageId && !seen.has(message.MessageId));
              if (messages.length === 0) break;
              for (const message of messages) {
                seen.add(message.MessageId!);
                examined += 1;
                if (isSubjects(message.Body ?? "")) {
                  yield* awsCall("sqs", "DeleteMessage", (abortSignal) =>
                    client().send(new (sdk.sqs().DeleteMessageCommand)({ QueueUrl, ReceiptHandle: message.ReceiptHandle! }), { abortSignal }),
                  );
                  removed += 1;
                } else
                  yield* awsCall("sqs", "ChangeMessageVisibility", (abortSignal) =>
                    client().send(new (sdk.sqs().ChangeMessageVisibilityCommand)({ QueueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }), { abortSignal }),
                  );
              }
            }
          }
          return { examined, removed };
        }),
    }),
  ),
);

const vendorCall = (vendor: Vendor, url: string, headers: Record<string, string>) =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { method: "DELETE", headers: { accept: "application/json", ...headers }, signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) }),
    catch: (cause) => new Transient({ service: vendor, reason: `request failed: ${(cause as Error)?.message ?? String(cause)}`, cause }),
  }).pipe(
    Effect.flatMap((response): Effect.Effect<"deleted" | "absent", Throttled | Transient | InvalidPayload> => {
      if (response.status === 404) return Effect.succeed("absent");
      if (response.status === 429) return Effect.fail(new Throttled({ service: vendor }));
      if (response.status >= 500) return Effect.fail(new Transient({ service: vendor, reason: `answered ${response.status}` }));
      if (response.status >= 400)
        return Effect.fail(new InvalidPayload({ reason: `${vendor} refused to delete the customer (HTTP ${response.status}): check the ${vendor} API secret` }));
      return Effect.succeed("deleted");
    }),
  );

export const VendorApisLive: Layer.Layer<VendorApis, never, Secrets> = Layer.effect(
  VendorApis,
  Effect.map(Secrets, (secrets): VendorApis["Type"] => ({
    deleteCustomer: (vendor, customerId) =>
      Effect.gen(function* () {
        const id = encodeURIComponent(customerId);
        if (vendor === "stripe") {
          const key = Redacted.value(yield* secrets.get("stripeApi"));
          const base = (yield* Effect.orDie(Config.string(STRIPE_API_URL_VAR).pipe(Config.withDefault("https://api.stripe.com")))).replace(/\/+$/, "");
          return yield* vendorCall("stripe", `${base}/v1/customers/${id}`, { authorization: `Bearer ${key}` });
        }
        const token = Redacted.value(yield* secrets.get("rechargeApi"));
        const base = (yield* Effect.orDie(Config.string(RECHARGE_API_URL_VAR).pipe(Config.withDefault("https://api.rechargeapps.com")))).replace(/\/+$/, "");
        return yield* vendorCall("recharge", `${base}/customers/${id}`, { "x-recharge-access-token": token, "x-recharge-version": RECHARGE_API_VERSION });
      }),
  })),
);

/** The redaction's services over the kernel's live ones. */
export const redactionLiveLayer = Layer.mergeAll(LakeVersionsLive, DeadLetterStoreLive, VendorApisLive);
