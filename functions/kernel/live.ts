/**
 * Live layers on the AWS SDK v3. The same code serves AWS and the local emulators: the SDK reads
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB, and only the endpoints differ.
 *
 * Configuration (contracts/env-vars.ts, contracts/tables.ts `envVar`) is read through Effect
 * `Config` when a service is first used, so a function only needs the variables of the tables
 * and services it touches.
 *
 * `liveLayer(overrides)` lets the embedded platform swap the EventBus, Alerts and DeadLetters for
 * in-process versions (there is no EventBridge, SNS or SQS emulator there).
 */
import * as fs from "node:fs";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EventBridgeClient, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Config, Effect, Layer, Option, Redacted } from "effect";
import { alertKindTopicEnvVar, envVars } from "../../contracts/env-vars";
import type { SecretKey } from "../../contracts/functions";
import { tableSpecs, type TableKey } from "../../contracts/tables";
import { awsCall, awsCallWithOutcomes, errorName, httpStatusOf } from "./aws-errors";
import { InvalidPayload, SecretUnavailable, Transient } from "./errors";
import { makeIdempotency } from "./idempotency";
import { defaultSink, loggerLayer, type LogSink } from "./logger";
import { redact, redactText, registerSecretValue } from "./redact";
import {
  Alerts,
  DeadLetters,
  EventBus,
  HotStore,
  Idempotency,
  Metrics,
  ObjectStore,
  Secrets,
  type ClaimResult,
  type Item,
  type MetricUnit,
  type UpsertOutcome,
} from "./services";

/** The dead-letter queue an SQS-triggered function sends InvalidPayload records to. */
export const DEAD_LETTER_QUEUE_URL_VAR = envVars.deadLetterQueueUrl;
/** Set to "env" (sdp local) to read secret values from environment variables instead of Secrets Manager. */
export const SECRETS_SOURCE_VAR = "SDP_SECRETS_SOURCE";
/** "true"/"false": whether the S3 endpoint honours `If-None-Match: *` (default: true unless an endpoint override is set). */
export const S3_CONDITIONAL_WRITES_VAR = "SDP_S3_CONDITIONAL_WRITES";
/** The function name on metrics and logs (Lambda sets AWS_LAMBDA_FUNCTION_NAME). */
export const FUNCTION_NAME_VAR = "AWS_LAMBDA_FUNCTION_NAME";

const configValue = (name: string) => Config.string(name).pipe(Effect.orDie);

/** The table name for a logical table, from its env var (a missing variable is a deployment bug). */
export const tableNameOf = (table: TableKey): Effect.Effect<string> => configValue(tableSpecs[table].envVar);

const keyNamesOf = (table: TableKey): string[] => {
  const spec = tableSpecs[table] as { partitionKey: { name: string }; sortKey?: { name: string } };
  return spec.sortKey ? [spec.partitionKey.name, spec.sortKey.name] : [spec.partitionKey.name];
};

const keyOf = (table: TableKey, item: Item): Item => Object.fromEntries(keyNamesOf(table).map((name) => [name, item[name]]));

/** Small memo: clients are built once per container, on first use. */
const lazy = <A>(make: () => A): (() => A) => {
  let value: A | undefined;
  return () => (value ??= make());
};

/*
 * SDK modules are required on first use, not at import: a function loads only the clients it
 * calls, which keeps cold starts short (an ingress never loads SNS, a processor never loads SQS
 * unless a record is invalid).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = {
  s3: lazy(() => require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")),
  dynamodb: lazy(() => require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb")),
  documents: lazy(() => require("@aws-sdk/lib-dynamodb") as typeof import("@aws-sdk/lib-dynamodb")),
  util: lazy(() => require("@aws-sdk/util-dynamodb") as typeof import("@aws-sdk/util-dynamodb")),
  secrets: lazy(() => require("@aws-sdk/client-secrets-manager") as typeof import("@aws-sdk/client-secrets-manager")),
  eventBridge: lazy(() => require("@aws-sdk/client-eventbridge") as typeof import("@aws-sdk/client-eventbridge")),
  sns: lazy(() => require("@aws-sdk/client-sns") as typeof import("@aws-sdk/client-sns")),
  sqs: lazy(() => require("@aws-sdk/client-sqs") as typeof import("@aws-sdk/client-sqs")),
};
/* eslint-enable @typescript-eslint/no-require-imports */

// ---------------------------------------------------------------------------------------------
// S3

const s3Client = lazy(() => new (sdk.s3().S3Client)({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));

const conditionalWritesByDefault = () => {
  const configured = process.env[S3_CONDITIONAL_WRITES_VAR];
  if (configured !== undefined) return configured.toLowerCase() !== "false";
  // Emulators (s3rver) ignore If-None-Match on PUT and would overwrite silently.
  return !process.env.AWS_ENDPOINT_URL_S3;
};

const isNotFound = (error: unknown) => errorName(error) === "NotFound" || errorName(error) === "NoSuchKey" || httpStatusOf(error) === 404;

export const makeS3ObjectStore = (client: () => S3Client = s3Client): ObjectStore["Type"] => {
  let conditionalWrites: boolean | undefined;
  const bucket = configValue(envVars.lakeBucket);

  const putObject = (Bucket: string, key: string, body: string | Uint8Array | fs.ReadStream, options?: { contentType?: string; metadata?: Record<string, string> }, length?: number) =>
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
      (abortSignal) => client().send(new (sdk.s3().HeadObjectCommand)({ Bucket, Key: key }), { abortSignal }).then(() => true as const),
      (error) => (isNotFound(error) ? (false as const) : undefined),
    );

  const putIfAbsentByHead = (Bucket: string, key: string, body: string | Uint8Array, options?: { contentType?: string; metadata?: Record<string, string> }) =>
    Effect.gen(function* () {
      if (yield* exists(Bucket, key)) return { created: false };
      yield* putObject(Bucket, key, body, options);
      return { created: true };
    });

  return {
    putIfAbsent: (key, body, options) =>
      Effect.gen(function* () {
        const Bucket = yield* bucket;
        conditionalWrites ??= conditionalWritesByDefault();
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
    get: (key) =>
      Effect.flatMap(bucket, (Bucket) =>
        awsCallWithOutcomes(
          "s3",
          "GetObject",
          async (abortSignal) => {
            const response = await client().send(new (sdk.s3().GetObjectCommand)({ Bucket, Key: key }), { abortSignal });
            const bytes = await response.Body!.transformToByteArray();
            return Option.some(bytes) as Option.Option<Uint8Array>;
          },
          (error) => (isNotFound(error) ? Option.none<Uint8Array>() : undefined),
        ),
      ),
    getText: (key) =>
      Effect.flatMap(bucket, (Bucket) =>
        awsCallWithOutcomes(
          "s3",
          "GetObject",
          async (abortSignal) => {
            const response = await client().send(new (sdk.s3().GetObjectCommand)({ Bucket, Key: key }), { abortSignal });
            return Option.some(await response.Body!.transformToString("utf-8")) as Option.Option<string>;
          },
          (error) => (isNotFound(error) ? Option.none<string>() : undefined),
        ),
      ),
    list: (prefix) =>
      Effect.flatMap(bucket, (Bucket) =>
        awsCall("s3", "ListObjectsV2", async (abortSignal) => {
          const found: Array<{ key: string; size: number }> = [];
          let token: string | undefined;
          do {
            const page = await client().send(new (sdk.s3().ListObjectsV2Command)({ Bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal });
            for (const object of page.Contents ?? []) if (object.Key) found.push({ key: object.Key, size: object.Size ?? 0 });
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
          } while (token);
          return found;
        }),
      ),
    delete: (key) => Effect.flatMap(bucket, (Bucket) => Effect.asVoid(awsCall("s3", "DeleteObject", (abortSignal) => client().send(new (sdk.s3().DeleteObjectCommand)({ Bucket, Key: key }), { abortSignal })))),
  };
};

// ---------------------------------------------------------------------------------------------
// DynamoDB

/** How items marshal, wherever a document client is made (Lambda, the local platform, the CLI). */
export const documentClientFor = (client: DynamoDBClient): DynamoDBDocumentClient =>
  sdk.documents().DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    unmarshallOptions: { wrapNumbers: false },
  });

const documentClient = lazy(() => documentClientFor(new (sdk.dynamodb().DynamoDBClient)({})));

const conditionFailed = (error: unknown) => errorName(error) === "ConditionalCheckFailedException";

/** Drops undefined values (DynamoDB has no such type). */
const defined = (item: Item): Item => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

export const makeDynamoHotStore = (client: () => DynamoDBDocumentClient = documentClient): HotStore["Type"] => ({
  putIfNewer: (table, item, versionAttribute) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const [partitionKey] = keyNamesOf(table);
      const names: Record<string, string> = { "#pk": partitionKey!, "#deleted": "deleted" };
      const values: Record<string, unknown> = { ":true": true };
      const notTombstone = "(attribute_not_exists(#deleted) OR #deleted <> :true)";
      let condition: string;
      if (item.deleted === true) {
        condition = `attribute_not_exists(#pk) OR ${notTombstone}`;
      } else if (item[versionAttribute] === undefined) {
        names["#v"] = versionAttribute;
        condition = `attribute_not_exists(#pk) OR (${notTombstone} AND attribute_not_exists(#v))`;
      } else {
        names["#v"] = versionAttribute;
        values[":v"] = item[versionAttribute];
        condition = `attribute_not_exists(#pk) OR (${notTombstone} AND (attribute_not_exists(#v) OR #v < :v))`;
      }
      return awsCallWithOutcomes(
        "dynamodb",
        "PutItem(if newer)",
        (abortSignal) =>
          client()
            .send(new (sdk.documents().PutCommand)({ TableName, Item: defined(item), ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }), { abortSignal })
            .then(() => "written" as UpsertOutcome),
        (error) => (conditionFailed(error) ? ("stale" as UpsertOutcome) : undefined),
      );
    }),
  put: (table, item) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      Effect.asVoid(awsCall("dynamodb", "PutItem", (abortSignal) => client().send(new (sdk.documents().PutCommand)({ TableName, Item: defined(item) }), { abortSignal }))),
    ),
  updateIfExists: (table, key, attributes) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const entries = Object.entries(attributes).filter(([name, value]) => value !== undefined && !keyNamesOf(table).includes(name));
      const names: Record<string, string> = { "#pk": keyNamesOf(table)[0]! };
      const values: Record<string, unknown> = {};
      const sets = entries.map(([name, value], index) => {
        names[`#a${index}`] = name;
        values[`:a${index}`] = value;
        return `#a${index} = :a${index}`;
      });
      if (sets.length === 0) {
        return Effect.map(
          awsCall("dynamodb", "GetItem", (abortSignal) => client().send(new (sdk.documents().GetCommand)({ TableName, Key: keyOf(table, key) }), { abortSignal })),
          (response) => response.Item !== undefined,
        );
      }
      return awsCallWithOutcomes(
        "dynamodb",
        "UpdateItem(if exists)",
        (abortSignal) =>
          client()
            .send(
              new (sdk.documents().UpdateCommand)({
                TableName,
                Key: keyOf(table, key),
                UpdateExpression: `SET ${sets.join(", ")}`,
                ConditionExpression: "attribute_exists(#pk)",
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              }),
              { abortSignal },
            )
            .then(() => true),
        (error) => (conditionFailed(error) ? false : undefined),
      );
    }),
  get: (table, key) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      Effect.map(
        awsCall("dynamodb", "GetItem", (abortSignal) => client().send(new (sdk.documents().GetCommand)({ TableName, Key: keyOf(table, key), ConsistentRead: true }), { abortSignal })),
        (response) => Option.fromNullable(response.Item as Item | undefined),
      ),
    ),
  delete: (table, key) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      Effect.asVoid(awsCall("dynamodb", "DeleteItem", (abortSignal) => client().send(new (sdk.documents().DeleteCommand)({ TableName, Key: keyOf(table, key) }), { abortSignal }))),
    ),
  query: (table, index, keyName, keyValue) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      awsCall("dynamodb", "Query", async (abortSignal) => {
        const items: Item[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client().send(
            new (sdk.documents().QueryCommand)({
              TableName,
              IndexName: index,
              KeyConditionExpression: "#k = :k",
              ExpressionAttributeNames: { "#k": keyName },
              ExpressionAttributeValues: { ":k": keyValue },
              ExclusiveStartKey: start,
            }),
            { abortSignal },
          );
          items.push(...((page.Items ?? []) as Item[]));
          start = page.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    ),
  scan: (table) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      awsCall("dynamodb", "Scan", async (abortSignal) => {
        const items: Item[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client().send(new (sdk.documents().ScanCommand)({ TableName, ExclusiveStartKey: start }), { abortSignal });
          items.push(...((page.Items ?? []) as Item[]));
          start = page.LastEvaluatedKey;
        } while (start);
        return items;
      }),
    ),
  putIfNotExists: (table, item) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      awsCallWithOutcomes(
        "dynamodb",
        "PutItem(if not exists)",
        (abortSignal) =>
          client()
            .send(
              new (sdk.documents().PutCommand)({ TableName, Item: defined(item), ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": keyNamesOf(table)[0]! } }),
              { abortSignal },
            )
            .then(() => true),
        (error) => (conditionFailed(error) ? false : undefined),
      ),
    ),
  claim: (table, item, expiresAttribute, nowSeconds) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const key = keyOf(table, item);
      const taken = { claimed: false } as const;
      return Effect.flatMap(
        awsCallWithOutcomes(
          "dynamodb",
          "PutItem(claim)",
          (abortSignal) =>
            client()
              .send(
                new (sdk.documents().PutCommand)({
                  TableName,
                  Item: defined(item),
                  ConditionExpression: "attribute_not_exists(#pk) OR #exp <= :now",
                  ExpressionAttributeNames: { "#pk": keyNamesOf(table)[0]!, "#exp": expiresAttribute },
                  ExpressionAttributeValues: { ":now": nowSeconds },
                  // The holder comes back with the failed write, saving a read (where the store supports it).
                  ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                }),
                { abortSignal },
              )
              .then((): ClaimResult => ({ claimed: true })),
          (error) => (conditionFailed(error) ? ({ ...taken, holder: holderOf(error) } as ClaimResult) : undefined),
        ),
        (result) =>
          result.claimed || Option.isSome(result.holder)
            ? Effect.succeed(result)
            : Effect.map(
                awsCall("dynamodb", "GetItem", (abortSignal) => client().send(new (sdk.documents().GetCommand)({ TableName, Key: key, ConsistentRead: true }), { abortSignal })),
                (response): ClaimResult => ({ claimed: false, holder: Option.fromNullable(response.Item as Item | undefined) }),
              ),
      );
    }),
});

/** The stored item a ConditionalCheckFailedException carries with ReturnValuesOnConditionCheckFailure. */
const holderOf = (error: unknown): Option.Option<Item> => {
  const raw = (error as { Item?: Record<string, unknown> } | undefined)?.Item;
  if (raw === undefined || raw === null || typeof raw !== "object") return Option.none();
  return Option.some(sdk.util().unmarshall(raw as Parameters<typeof import("@aws-sdk/util-dynamodb").unmarshall>[0]) as Item);
};

// ---------------------------------------------------------------------------------------------
// Secrets

/** Where each secret lives: the ARN variable in AWS, the value variable locally. */
export const secretVariables: Record<SecretKey, { readonly arn: string; readonly value: string }> = {
  shopifyWebhook: { arn: envVars.shopifyWebhookSecretArn, value: envVars.shopifyWebhookSecret },
  shopifyAdmin: { arn: envVars.shopifyAdminSecretArn, value: envVars.shopifyAdminToken },
  rechargeWebhook: { arn: envVars.rechargeWebhookSecretArn, value: envVars.rechargeWebhookSecret },
  rechargeApi: { arn: envVars.rechargeApiSecretArn, value: "RECHARGE_API_TOKEN" },
  stripeWebhook: { arn: envVars.stripeWebhookSecretArn, value: envVars.stripeWebhookSecret },
  stripeApi: { arn: envVars.stripeApiSecretArn, value: "STRIPE_API_KEY" },
};

/** A secret string may be the value itself or a JSON object holding it (`secret`, `value`, `token` or `secrets`). */
export const secretValueOf = (secretString: string): string => {
  const trimmed = secretString.trim();
  if (!trimmed.startsWith("{")) return trimmed;
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    for (const field of ["secrets", "secret", "value", "token", "apiKey", "api_key"]) {
      const value = parsed[field];
      if (typeof value === "string") return value;
      if (Array.isArray(value) && value.every((entry) => typeof entry === "string")) return value.join(",");
    }
  } catch {
    // Not JSON after all: the whole string is the secret.
  }
  return trimmed;
};

const secretsClient = lazy(() => new (sdk.secrets().SecretsManagerClient)({}));

export const makeSecrets = (options: { readonly ttlMs?: number; readonly client?: () => SecretsManagerClient } = {}): Secrets["Type"] => {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const client = options.client ?? secretsClient;
  const cache = new Map<SecretKey, { value: Redacted.Redacted<string>; until: number }>();
  const unavailable = (key: SecretKey, reason: string) => new SecretUnavailable({ secret: key, reason });

  const fromEnv = (key: SecretKey) =>
    Effect.suspend(() => {
      const value = process.env[secretVariables[key].value];
      if (value === undefined || value.trim() === "") return Effect.fail(unavailable(key, `environment variable ${secretVariables[key].value} is not set`));
      registerSecretValue(value);
      return Effect.succeed(Redacted.make(value.trim()));
    });

  const fromSecretsManager = (key: SecretKey) =>
    Effect.gen(function* () {
      const cached = cache.get(key);
      if (cached && cached.until > Date.now()) return cached.value;
      const arn = process.env[secretVariables[key].arn];
      if (arn === undefined || arn === "") return yield* Effect.fail(unavailable(key, `environment variable ${secretVariables[key].arn} is not set`));
      const response = yield* Effect.tryPromise({
        try: () => client().send(new (sdk.secrets().GetSecretValueCommand)({ SecretId: arn })),
        catch: (error) => unavailable(key, `GetSecretValue failed: ${errorName(error)}`),
      });
      if (response.SecretString === undefined) return yield* Effect.fail(unavailable(key, "the secret has no string value"));
      const plain = secretValueOf(response.SecretString);
      registerSecretValue(plain);
      const value = Redacted.make(plain);
      cache.set(key, { value, until: Date.now() + ttlMs });
      return value;
    });

  return { get: (key) => (process.env[SECRETS_SOURCE_VAR] === "env" ? fromEnv(key) : fromSecretsManager(key)) };
};

// ---------------------------------------------------------------------------------------------
// EventBridge

const eventBridgeClient = lazy(() => new (sdk.eventBridge().EventBridgeClient)({}));
const MAX_ENTRY_BYTES = 256 * 1024;

export const makeEventBridgeBus = (client: () => EventBridgeClient = eventBridgeClient): EventBus["Type"] => ({
  publish: (events) =>
    Effect.gen(function* () {
      if (events.length === 0) return;
      const busName = yield* configValue(envVars.eventBusName);
      const entries: PutEventsRequestEntry[] = [];
      for (const event of events) {
        const detail = JSON.stringify(event.detail ?? {});
        const size = Buffer.byteLength(detail) + Buffer.byteLength(event.source) + Buffer.byteLength(event.detailType);
        if (size > MAX_ENTRY_BYTES) return yield* Effect.fail(new InvalidPayload({ reason: `event entry of ${size} bytes exceeds EventBridge's 256 KiB` }));
        entries.push({ EventBusName: busName, Source: event.source, DetailType: event.detailType, Detail: detail });
      }
      // PutEvents takes at most 10 entries; only the entries that failed are sent again.
      for (let start = 0; start < entries.length; start += 10) {
        let pending = entries.slice(start, start + 10);
        for (let attempt = 0; pending.length > 0; attempt += 1) {
          const response = yield* awsCall("eventbridge", "PutEvents", (abortSignal) => client().send(new (sdk.eventBridge().PutEventsCommand)({ Entries: pending }), { abortSignal }));
          if (!response.FailedEntryCount) break;
          const failed = pending.filter((_, index) => response.Entries?.[index]?.ErrorCode !== undefined);
          const codes = [...new Set((response.Entries ?? []).map((entry) => entry.ErrorCode).filter(Boolean))].join(", ");
          if (attempt >= 2) return yield* Effect.fail(new Transient({ service: "eventbridge", reason: `${failed.length} entries failed: ${codes}` }));
          pending = failed;
          yield* Effect.sleep(50 * 2 ** attempt);
        }
      }
    }),
});

// ---------------------------------------------------------------------------------------------
// SNS alerts (one per dedupKey, remembered in the idempotency table)

const snsClient = lazy(() => new (sdk.sns().SNSClient)({}));

/**
 * The topic an alert goes to: its kind's own topic when the stack gave the function one
 * (`SDP_ALERTS_TOPIC_ARN_<KIND>`, payment alerts), otherwise the general alerts topic.
 */
export const alertTopicOf = (kind: string): Effect.Effect<string> =>
  Config.option(Config.string(alertKindTopicEnvVar(kind))).pipe(
    Effect.orElseSucceed(() => Option.none<string>()),
    Effect.flatMap((own) => (Option.isSome(own) && own.value.trim() !== "" ? Effect.succeed(own.value.trim()) : configValue(envVars.alertsTopicArn))),
  );

export const makeSnsAlerts = (store: HotStore["Type"], client: () => SNSClient = snsClient): Alerts["Type"] => {
  const once = makeIdempotency(store, { retentionSeconds: 30 * 24 * 3600, inProgressSeconds: 30 });
  return {
    publish: (alert) =>
      Effect.gen(function* () {
        const TopicArn = yield* alertTopicOf(alert.kind);
        const outcome = yield* once.once(
          `alert:${alert.dedupKey}`,
          awsCall("sns", "Publish", (abortSignal) =>
            client().send(
              new (sdk.sns().PublishCommand)({
                TopicArn,
                Subject: redactText(alert.subject).replace(/[\r\n]+/g, " ").slice(0, 100),
                Message: JSON.stringify(redact({ kind: alert.kind, severity: alert.severity, subject: alert.subject, message: alert.message, dedupKey: alert.dedupKey }), null, 2),
                MessageAttributes: {
                  kind: { DataType: "String", StringValue: alert.kind },
                  severity: { DataType: "String", StringValue: alert.severity },
                },
              }),
              { abortSignal },
            ),
          ),
        ).pipe(
          // Another run is publishing this alert (or died doing so): retry the event later.
          Effect.catchTag("InProgress", (busy) => Effect.fail(new Transient({ service: "sns", reason: `alert ${busy.key} is being published by another run` }))),
        );
        return { published: outcome.status === "processed" };
      }),
  };
};

// ---------------------------------------------------------------------------------------------
// SQS dead letters

const sqsClient = lazy(() => new (sdk.sqs().SQSClient)({}));

export const makeSqsDeadLetters = (client: () => SQSClient = sqsClient): DeadLetters["Type"] => ({
  send: (letter) =>
    Effect.gen(function* () {
      const QueueUrl = yield* configValue(DEAD_LETTER_QUEUE_URL_VAR);
      yield* awsCall("sqs", "SendMessage", (abortSignal) =>
        client().send(
          new (sdk.sqs().SendMessageCommand)({
            QueueUrl,
            MessageBody: letter.body,
            MessageAttributes: {
              reason: { DataType: "String", StringValue: redactText(letter.reason).slice(0, 1000) || "invalid" },
              ...(letter.origin ? { origin: { DataType: "String", StringValue: letter.origin } } : {}),
            },
          }),
          { abortSignal },
        ),
      );
    }),
});

// ---------------------------------------------------------------------------------------------
// Metrics: CloudWatch Embedded Metric Format, one JSON line per flush

export const METRICS_NAMESPACE = "ShopifyDataPlatform";

/** Metrics buffered beyond this many are written at once (a program run without an adapter never flushes). */
const MAX_BUFFERED_METRICS = 100;

export const makeEmfMetrics = (sink: (line: string) => void = defaultSink): Metrics["Type"] => {
  type Entry = { name: string; value: number; unit: MetricUnit; dimensions: Record<string, string> };
  const buffer: Entry[] = [];
  const baseDimensions = (): Record<string, string> => {
    const name = process.env[FUNCTION_NAME_VAR];
    return name ? { FunctionName: name } : {};
  };
  const flush = Effect.sync(() => {
    if (buffer.length === 0) return;
    const entries = buffer.splice(0);
    // One EMF document per dimension set: EMF applies each dimension set to every metric in it.
    const groups = new Map<string, Entry[]>();
    for (const entry of entries) {
      const dimensions = { ...baseDimensions(), ...entry.dimensions };
      const groupKey = JSON.stringify(Object.entries(dimensions).sort());
      const group = groups.get(groupKey) ?? [];
      group.push({ ...entry, dimensions });
      groups.set(groupKey, group);
    }
    for (const group of groups.values()) {
      const dimensions = group[0]!.dimensions;
      const totals = new Map<string, { unit: MetricUnit; values: number[] }>();
      for (const entry of group) {
        const total = totals.get(entry.name) ?? { unit: entry.unit, values: [] };
        total.values.push(entry.value);
        totals.set(entry.name, total);
      }
      const document: Record<string, unknown> = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [Object.keys(dimensions)],
              Metrics: [...totals.entries()].map(([name, total]) => ({ Name: name, Unit: total.unit })),
            },
          ],
        },
        ...dimensions,
      };
      for (const [name, total] of totals) document[name] = total.unit === "Count" ? total.values.reduce((a, b) => a + b, 0) : total.values.length === 1 ? total.values[0] : total.values;
      sink(JSON.stringify(document));
    }
  });
  const flushWhenFull = Effect.suspend(() => (buffer.length >= MAX_BUFFERED_METRICS ? flush : Effect.void));
  return {
    count: (name, value = 1, dimensions = {}) => Effect.zipRight(Effect.sync(() => void buffer.push({ name, value, unit: "Count", dimensions })), flushWhenFull),
    record: (name, value, unit, dimensions = {}) => Effect.zipRight(Effect.sync(() => void buffer.push({ name, value, unit, dimensions })), flushWhenFull),
    flush,
  };
};

// ---------------------------------------------------------------------------------------------
// The layer

export type KernelServices = ObjectStore | HotStore | Secrets | Idempotency | EventBus | Alerts | Metrics | DeadLetters;

export interface LiveOverrides {
  readonly eventBus?: EventBus["Type"];
  readonly alerts?: Alerts["Type"];
  readonly deadLetters?: DeadLetters["Type"];
  readonly objectStore?: ObjectStore["Type"];
  readonly hotStore?: HotStore["Type"];
  readonly secrets?: Secrets["Type"];
  readonly metrics?: Metrics["Type"];
  /** Where JSON log lines go (stdout by default). */
  readonly logSink?: LogSink;
}

/** Every kernel service on the AWS SDK (or the given in-process replacements), plus the JSON logger. */
export const liveLayer = (overrides: LiveOverrides = {}): Layer.Layer<KernelServices> => {
  const hotStore = overrides.hotStore ?? makeDynamoHotStore();
  return Layer.mergeAll(
    Layer.succeed(ObjectStore, overrides.objectStore ?? makeS3ObjectStore()),
    Layer.succeed(HotStore, hotStore),
    Layer.succeed(Secrets, overrides.secrets ?? makeSecrets()),
    Layer.succeed(Idempotency, makeIdempotency(hotStore)),
    Layer.succeed(EventBus, overrides.eventBus ?? makeEventBridgeBus()),
    Layer.succeed(Alerts, overrides.alerts ?? makeSnsAlerts(hotStore)),
    Layer.succeed(Metrics, overrides.metrics ?? makeEmfMetrics()),
    Layer.succeed(DeadLetters, overrides.deadLetters ?? makeSqsDeadLetters()),
    loggerLayer(overrides.logSink),
  );
};
