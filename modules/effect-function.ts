/**
 * A Lambda function built from an Effect program's TypeScript entry file.
 *
 * What every function gets, so no stack can forget it: an esbuild bundle in a zip asset
 * (modules/bundle.ts), nodejs22.x on arm64 (x86_64 when it ships native modules), its own role
 * with only what its `grant...` calls add, a log group with retention and the logs CMK, JSON
 * logs, X-Ray tracing, reserved concurrency, a dead-letter queue for failed async invocations,
 * and alarms on errors and throttles.
 *
 * Each `grant...` adds the IAM statement and the environment variable the function reads
 * (names from contracts/env-vars.ts and contracts/tables.ts) in one call, so the two cannot
 * drift apart.
 */
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { LambdaEventSourceMapping } from "@cdktn/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktn/provider-aws/lib/lambda-function";
import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";
import * as path from "node:path";
import { AssetType, Lazy, TerraformAsset } from "cdktn";
import { Construct } from "constructs";
import { envVars, secretEnvVars } from "../contracts/env-vars";
import { tableSpecs, type TableKey } from "../contracts/tables";
import { DEFAULT_RESERVED_CONCURRENCY, functionTimeoutSeconds, type SecretKey } from "../contracts/functions";
import { policyDocument, serviceTrustPolicy, statements, type PolicyStatement } from "../policies/iam";
import type { AlarmFactory } from "./alarms";
import { architectureFor, bundleFunction, checkEntry, type Bundle } from "./bundle";
import { encryptedLogGroup } from "./log-group";
import type { QueueWithDlq } from "./queue-with-dlq";
import type { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";

export interface FunctionKeys {
  readonly logs: string;
  readonly messaging: string;
  readonly tables: string;
  readonly lake: string;
  readonly secrets: string;
}

export interface EffectFunctionProps {
  /** Full function name, e.g. acme-dev-shopify-ingress. */
  readonly functionName: string;
  readonly description: string;
  /** Entry file relative to the repository root (or absolute). */
  readonly entry: string;
  /** Exported handler name in the entry file. */
  readonly handler?: string;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  readonly reservedConcurrency?: number;
  /** /tmp size in MB; Lambda's default (512) when unset. */
  readonly ephemeralStorageMb?: number;
  readonly logRetentionDays: number;
  /** Region of the function (scopes the secrets key to use through Secrets Manager only). */
  readonly region: string;
  /** KMS key ARNs the grants and the log group/DLQ use. */
  readonly keys: FunctionKeys;
  readonly alarms: AlarmFactory;
  /**
   * Packages that cannot be bundled (native addons such as @duckdb/node-api): copied into the
   * zip's node_modules, in their build for Lambda's Linux on x86_64 (modules/bundle.ts
   * architectureFor), whatever the host installed for itself.
   */
  readonly nativeModules?: ReadonlyArray<string>;
  /** Variables every function of the environment reads (SDP_ENV, SDP_BRAND, ...). */
  readonly environment?: Record<string, string>;
  readonly bundleCacheDir?: string;
}

export interface TableRef {
  readonly arn: string;
  readonly name: string;
}
export interface BucketRef {
  readonly arn: string;
  readonly bucket: string;
}
export interface ArnRef {
  readonly arn: string;
}
export interface BusRef {
  readonly arn: string;
  readonly name: string;
}

const sidOf = (...parts: string[]) =>
  parts
    .join("-")
    .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))
    .replace(/^./, (c) => c.toUpperCase());

export class EffectFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly deadLetterQueue: SqsQueue;
  readonly bundle: Bundle;
  readonly architecture: "arm64" | "x86_64";
  private readonly statementsBySid = new Map<string, PolicyStatement>();
  private readonly variables = new Map<string, string>();
  private readonly keys: FunctionKeys;

  constructor(
    scope: Construct,
    id: string,
    readonly props: EffectFunctionProps,
  ) {
    super(scope, id);
    this.keys = props.keys;
    checkEntry(id, props.entry, props.handler ?? "handler");
    this.architecture = architectureFor(props.nativeModules);
    // The zip carries the native bindings of this architecture on Lambda's Linux, not the host's.
    this.bundle = bundleFunction({ name: id, entry: props.entry, nativeModules: props.nativeModules, architecture: this.architecture, cacheDir: props.bundleCacheDir });
    // The zip is named by its content hash already; passing it saves cdktn re-hashing the file
    // (24 MB for the DuckDB function) in every stack of every environment.
    const asset = new TerraformAsset(this, "code", { path: this.bundle.zipPath, type: AssetType.FILE, assetHash: path.basename(this.bundle.zipPath, ".zip") });

    this.logGroup = encryptedLogGroup(this, "logs", { name: `/aws/lambda/${props.functionName}`, retentionDays: props.logRetentionDays, kmsKeyArn: props.keys.logs });
    this.role = new IamRole(this, "role", {
      name: props.functionName,
      description: `Execution role of ${props.functionName}: only what its grants add.`,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
    });
    // "-async-dlq": a queue-triggered function's queue is named like the function, and that
    // queue's own DLQ already takes `<queue>-dlq` (QueueWithDlq).
    this.deadLetterQueue = new SqsQueue(this, "dlq", {
      name: `${props.functionName}-async-dlq`,
      kmsMasterKeyId: props.keys.messaging,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 3600,
    });

    this.addStatement(statements.logsWrite("Logs", this.logGroup.arn));
    this.addStatement(statements.xrayWrite());
    this.addStatement(statements.sqsSend("DeadLetterQueue", this.deadLetterQueue.arn));
    this.addStatement(statements.kmsEncryptDecrypt("MessagingKey", props.keys.messaging));
    const policy = new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument([...this.statementsBySid.values()]) }),
    });

    for (const [name, value] of Object.entries(props.environment ?? {})) this.addEnvironment(name, value);
    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      filename: asset.path,
      sourceCodeHash: this.bundle.sourceCodeHash,
      handler: `index.${props.handler ?? "handler"}`,
      runtime: "nodejs22.x",
      architectures: [this.architecture],
      memorySize: props.memoryMb ?? 512,
      ...(props.ephemeralStorageMb === undefined ? {} : { ephemeralStorage: { size: props.ephemeralStorageMb } }),
      timeout: functionTimeoutSeconds(props),
      reservedConcurrentExecutions: this.reservedConcurrency,
      role: this.role.arn,
      tracingConfig: { mode: "Active" },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: {
        variables: Lazy.anyValue({ produce: () => Object.fromEntries([...this.variables].sort(([a], [b]) => a.localeCompare(b))) }) as unknown as Record<string, string>,
      },
      dependsOn: [policy, this.logGroup],
    });

    const dimensions = { FunctionName: props.functionName };
    props.alarms.metric(this, "errors", {
      name: `${id}-errors`,
      description: `${props.functionName} failed invocations (errors or timeouts).`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions,
      threshold: 1,
    });
    props.alarms.metric(this, "throttles", {
      name: `${id}-throttles`,
      description: `${props.functionName} invocations throttled: its reserved concurrency is exhausted.`,
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions,
      threshold: 1,
    });
  }

  /** Concurrent executions reserved for the function. */
  get reservedConcurrency(): number {
    return this.props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY;
  }

  get arn(): string {
    return this.function.arn;
  }

  get functionName(): string {
    return this.function.functionName;
  }

  /** The policy statements granted so far (for tests and reviews). */
  get grantedStatements(): ReadonlyArray<PolicyStatement> {
    return [...this.statementsBySid.values()];
  }

  get environmentVariables(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.variables);
  }

  addStatement(statement: PolicyStatement): this {
    const sid = statement.Sid ?? `S${this.statementsBySid.size}`;
    this.statementsBySid.set(sid, { ...statement, Sid: sid });
    return this;
  }

  addEnvironment(name: string, value: string): this {
    this.variables.set(name, value);
    return this;
  }

  grantTableRead(key: TableKey, table: TableRef): this {
    this.addStatement(statements.tableRead(sidOf("Read", key, "table"), table.arn));
    this.addStatement(statements.kmsDecrypt("TablesKeyDecrypt", this.keys.tables));
    return this.addEnvironment(tableSpecs[key].envVar, table.name);
  }

  grantTableReadWrite(key: TableKey, table: TableRef): this {
    this.statementsBySid.delete(sidOf("Read", key, "table"));
    this.addStatement(statements.tableReadWrite(sidOf("ReadWrite", key, "table"), table.arn));
    this.addStatement(statements.kmsEncryptDecrypt("TablesKey", this.keys.tables));
    return this.addEnvironment(tableSpecs[key].envVar, table.name);
  }

  grantLakeRead(prefix: string, bucket: BucketRef): this {
    for (const statement of statements.objectsRead(sidOf("LakeRead", prefix), bucket.arn, prefix)) this.addStatement(statement);
    this.addStatement(statements.kmsDecrypt("LakeKeyDecrypt", this.keys.lake));
    return this.addEnvironment(envVars.lakeBucket, bucket.bucket);
  }

  grantLakeWrite(prefix: string, bucket: BucketRef): this {
    for (const statement of statements.objectsWrite(sidOf("LakeWrite", prefix), bucket.arn, prefix)) this.addStatement(statement);
    this.addStatement(statements.kmsEncryptDecrypt("LakeKey", this.keys.lake));
    return this.addEnvironment(envVars.lakeBucket, bucket.bucket);
  }

  grantLakeDelete(prefix: string, bucket: BucketRef): this {
    if (prefix.startsWith("raw/")) throw new Error(`${this.props.functionName}: raw/ is never deleted by a function (requested ${prefix})`);
    this.addStatement(statements.objectsDelete(sidOf("LakeDelete", prefix), bucket.arn, prefix));
    return this.addEnvironment(envVars.lakeBucket, bucket.bucket);
  }

  grantSecretRead(key: SecretKey, secret: ArnRef): this {
    this.addStatement(statements.secretRead(sidOf("Secret", key), secret.arn));
    this.addStatement({
      ...statements.kmsDecrypt("SecretsKeyDecrypt", this.keys.secrets),
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${this.props.region}.amazonaws.com` } },
    });
    return this.addEnvironment(secretEnvVars[key].arn, secret.arn);
  }

  grantPutEvents(bus: BusRef): this {
    this.addStatement(statements.putEvents("PlatformBus", bus.arn));
    return this.addEnvironment(envVars.eventBusName, bus.name);
  }

  grantPublishAlerts(topic: ArnRef): this {
    this.addStatement(statements.snsPublish("AlertsTopic", topic.arn));
    return this.addEnvironment(envVars.alertsTopicArn, topic.arn);
  }

  /**
   * Consumes a queue in batches, reporting per-message failures so one bad event does not retry the batch.
   *
   * `maximumConcurrency` caps how many concurrent invocations the queue's pollers start. Without it
   * the pollers scale past the function's reserved concurrency; the throttled batches go back to
   * the queue, and each such return counts as a receive, so healthy messages reach maxReceiveCount
   * and land in the DLQ. Capped at the reserved concurrency (SQS accepts 2..1000), throttles stop.
   * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
   */
  addQueueSource(queue: QueueWithDlq, options: { batchSize?: number; maxBatchingWindowSeconds?: number; maximumConcurrency?: number } = {}): LambdaEventSourceMapping {
    this.addStatement(statements.sqsConsume(sidOf("Consume", queue.node.id), queue.queue.arn));
    // An invalid event is sent straight to the queue's DLQ by the kernel's SQS adapter (no retries).
    this.addStatement(statements.sqsSend(sidOf("DeadLetter", queue.node.id), queue.dlq.arn));
    this.addEnvironment(envVars.deadLetterQueueUrl, queue.dlq.url);
    return new LambdaEventSourceMapping(this, `source-${queue.node.id}`, {
      eventSourceArn: queue.queue.arn,
      functionName: this.function.arn,
      batchSize: options.batchSize ?? 10,
      maximumBatchingWindowInSeconds: options.maxBatchingWindowSeconds ?? 1,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: options.maximumConcurrency ?? Math.min(1000, Math.max(2, this.reservedConcurrency)) },
    });
  }
}
