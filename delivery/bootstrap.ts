/**
 * Creates what the S3 backends of every stack expect before the first `cdktn deploy`: the state
 * bucket (versioned, encrypted, private, TLS only) and the DynamoDB lock table (LockID hash key,
 * on demand, point-in-time recovery). Idempotent: existing resources get their settings
 * re-applied, nothing is deleted or replaced. `sdp bootstrap --apply` then applies the bootstrap
 * stack (CI roles, permissions boundary) with the same administrator credentials.
 */
import { CreateTableCommand, DescribeTableCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { EnvironmentConfig } from "../config/schema";
import { bootstrapStackName, bootstrapStateKey } from "../contracts/naming";
import { awsErrorInfo, isAccessDenied, isNotFound } from "./aws";

export interface BootstrapStep {
  readonly resource: "state-bucket" | "lock-table" | "bootstrap-stack";
  readonly action: string;
}

export const bootstrapTags = (config: EnvironmentConfig) => [
  { Key: "brand", Value: config.brand },
  { Key: "environment", Value: config.name },
  { Key: "owner", Value: config.owner },
  { Key: "cost-center", Value: config.costCenter },
  { Key: "managed-by", Value: "sdp-bootstrap" },
];

export const tlsOnlyPolicy = (bucket: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
});

/** What `--apply` does, in order; printed without `--apply`. */
export const bootstrapPlan = (config: EnvironmentConfig): BootstrapStep[] => [
  { resource: "state-bucket", action: `create S3 bucket ${config.stateBucket} in ${config.region} if absent (object ownership: bucket owner enforced)` },
  { resource: "state-bucket", action: "enable versioning (every state revision can be restored)" },
  { resource: "state-bucket", action: "default encryption SSE-KMS (aws/s3 key, bucket key on)" },
  { resource: "state-bucket", action: "block all public access" },
  { resource: "state-bucket", action: "bucket policy: deny any request without TLS (aws:SecureTransport=false)" },
  { resource: "state-bucket", action: "tag brand, environment, owner, cost-center, managed-by" },
  { resource: "lock-table", action: `create DynamoDB table ${config.stateLockTable} if absent: hash key LockID (S), on-demand, encrypted, deletion protection` },
  { resource: "lock-table", action: "enable point-in-time recovery" },
  {
    resource: "bootstrap-stack",
    action: `cdktn deploy ${bootstrapStackName(config.brand, config.name)} (plan, confirm, apply; state ${bootstrapStateKey(config.name)}): the GitHub OIDC provider, the CI deploy and plan roles and the workload permissions boundary. CI never applies this stack`,
  },
];

export interface BootstrapDeps {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxWaitAttempts?: number;
}

export interface BootstrapOutcome {
  readonly resource: BootstrapStep["resource"];
  readonly action: string;
  readonly result: "created" | "exists" | "configured";
}

export class BootstrapFailed extends Error {
  readonly _tag = "BootstrapFailed";
}

const ensureBucket = async (s3: S3Client, config: EnvironmentConfig): Promise<BootstrapOutcome> => {
  const bucket = config.stateBucket;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return { resource: "state-bucket", action: `bucket ${bucket}`, result: "exists" };
  } catch (error) {
    if (isAccessDenied(error)) {
      throw new BootstrapFailed(`bucket ${bucket} exists but this account cannot reach it (another account owns the name?): choose another stateBucket in config/environments.ts`);
    }
    if (!isNotFound(error)) throw error;
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ObjectOwnership: "BucketOwnerEnforced",
      // us-east-1 is the one region that rejects an explicit location constraint.
      ...(config.region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: config.region as BucketLocationConstraint } }),
    }),
  );
  return { resource: "state-bucket", action: `bucket ${bucket}`, result: "created" };
};

const configureBucket = async (s3: S3Client, config: EnvironmentConfig): Promise<BootstrapOutcome[]> => {
  const Bucket = config.stateBucket;
  const done = (action: string): BootstrapOutcome => ({ resource: "state-bucket", action, result: "configured" });
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" }, BucketKeyEnabled: true }] },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(tlsOnlyPolicy(Bucket)) }));
  await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: bootstrapTags(config) } }));
  return [done("versioning enabled"), done("SSE-KMS default encryption"), done("public access blocked"), done("TLS-only bucket policy"), done("tags")];
};

const ensureLockTable = async (deps: BootstrapDeps, config: EnvironmentConfig): Promise<BootstrapOutcome[]> => {
  const TableName = config.stateLockTable;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let result: BootstrapOutcome["result"] = "exists";
  try {
    await deps.dynamodb.send(new DescribeTableCommand({ TableName }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await deps.dynamodb.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
        SSESpecification: { Enabled: true },
        DeletionProtectionEnabled: true,
        Tags: bootstrapTags(config),
      }),
    );
    result = "created";
  }
  // Point-in-time recovery can only be switched on once the table is ACTIVE.
  const attempts = deps.maxWaitAttempts ?? 60;
  for (let attempt = 1; ; attempt++) {
    const described = await deps.dynamodb.send(new DescribeTableCommand({ TableName }));
    if (described.Table?.TableStatus === "ACTIVE") break;
    if (attempt >= attempts) throw new BootstrapFailed(`table ${TableName} is still ${described.Table?.TableStatus ?? "not ready"}; re-run bootstrap in a minute`);
    await sleep(2000);
  }
  await deps.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  return [
    { resource: "lock-table", action: `table ${TableName}`, result },
    { resource: "lock-table", action: "point-in-time recovery enabled", result: "configured" },
  ];
};

export const applyBootstrap = async (deps: BootstrapDeps, config: EnvironmentConfig): Promise<BootstrapOutcome[]> => {
  try {
    const bucket = await ensureBucket(deps.s3, config);
    const bucketSettings = await configureBucket(deps.s3, config);
    const table = await ensureLockTable(deps, config);
    return [bucket, ...bucketSettings, ...table];
  } catch (error) {
    if (error instanceof BootstrapFailed) throw error;
    const info = awsErrorInfo(error);
    throw new BootstrapFailed(
      `${info.name}: ${info.message}${isAccessDenied(error) ? " (the caller needs s3:CreateBucket/PutBucket* and dynamodb:CreateTable/DescribeTable/UpdateContinuousBackups)" : ""}`,
    );
  }
};
