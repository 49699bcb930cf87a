/**
 * The live kernel: one Layer per AWS service, each holding its own SDK client for the layer's
 * lifetime (live/sdk.ts `scopedClient`). The same code serves AWS and the local emulators: the
 * SDK reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB, and only the endpoints differ.
 *
 *   s3.ts           ObjectStoreLive    the lake bucket
 *   dynamodb.ts     HotStoreLive       the tables of contracts/tables.ts
 *   secrets.ts      SecretsLive        Secrets Manager (environment variables under sdp local)
 *   eventbridge.ts  EventBusLive       PutEvents, failed entries retried on a Schedule
 *   sns.ts          AlertsLive         SNS, one publish per dedupKey (needs a HotStore)
 *   sqs.ts          DeadLettersLive    the function's dead-letter queue
 *   metrics.ts      MetricsLive        CloudWatch Embedded Metric Format on stdout
 *   subject-index.ts SubjectIndexLive  the GDPR subject index (BatchWriteItem; key from Secrets)
 *
 * Configuration (contracts/env-vars.ts, contracts/tables.ts `envVar`) is read through Effect
 * `Config` when a service is first used, so a function only needs the variables of the tables
 * and services it touches.
 *
 * To run with other implementations, compose layers rather than configure this one: build the
 * services that stand on their own, then provide the HotStore that Idempotency and Alerts stand on
 * (the embedded platform, local/kernel-runtime.ts, and the tests do this):
 *
 *   Layer.mergeAll(ObjectStoreLive, SecretsLive, Layer.succeed(EventBus, inProcessBus), ...,
 *                  IdempotencyLive, loggerLayer(sink)).pipe(Layer.provideMerge(HotStoreLive))
 */
import { Layer } from "effect";
import { IdempotencyFromHotStore } from "../idempotency";
import { loggerLayer } from "../logger";
import type { Alerts, DeadLetters, EventBus, HotStore, Idempotency, Metrics, ObjectStore, Secrets } from "../services";
import { DeadLettersLive } from "./sqs";
import { EventBusLive } from "./eventbridge";
import { HotStoreLive } from "./dynamodb";
import { MetricsLive } from "./metrics";
import { ObjectStoreLive } from "./s3";
import { SecretsLive } from "./secrets";
import { AlertsLive } from "./sns";
import { SubjectIndexLive } from "./subject-index";
import type { SubjectIndex } from "../subject-index";

export { documentClientFor, HotStoreLive, makeDynamoHotStore, tableNameOf } from "./dynamodb";
export { EventBusLive, makeEventBridgeBus, partialFailureSchedule } from "./eventbridge";
export { FUNCTION_NAME_VAR, makeEmfMetrics, METRICS_NAMESPACE, MetricsLive } from "./metrics";
export { makeS3ObjectStore, ObjectStoreLive, S3_CONDITIONAL_WRITES_VAR } from "./s3";
export { makeSecrets, SECRETS_SOURCE_VAR, secretValueOf, secretVariables, SecretsLive } from "./secrets";
export { alertTopicOf, AlertsLive, makeSnsAlerts } from "./sns";
export { DEAD_LETTER_QUEUE_URL_VAR, DeadLettersLive, makeSqsDeadLetters } from "./sqs";
export { makeDynamoSubjectIndex, SubjectIndexLive } from "./subject-index";

export type KernelServices = ObjectStore | HotStore | Secrets | Idempotency | EventBus | Alerts | Metrics | DeadLetters | SubjectIndex;

/** Idempotency over whichever HotStore the composition provides. */
export const IdempotencyLive: Layer.Layer<Idempotency, never, HotStore> = IdempotencyFromHotStore();

/** Every kernel service on the AWS SDK, plus the JSON logger (its level read now, from SDP_LOG_LEVEL). */
export const liveLayer = (): Layer.Layer<KernelServices> =>
  Layer.mergeAll(ObjectStoreLive, EventBusLive, AlertsLive, MetricsLive, DeadLettersLive, IdempotencyLive, SubjectIndexLive, loggerLayer()).pipe(
    Layer.provideMerge(Layer.merge(HotStoreLive, SecretsLive)),
  );
