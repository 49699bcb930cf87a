/**
 * The guardrail rule pack, modelled on Checkov and cdk-nag: one rule per file, grouped by AWS
 * service (policies/rules/<service>/<rule-id>.ts, the file named after the rule id). Each rule
 * inspects the synthesized Terraform JSON of one stack. Rule ids are stable: suppressions and
 * docs refer to them. A new rule: add its file and list it below (the order is the order of the
 * report).
 */
import type { GuardrailRule } from "../guardrails";
import { s3BucketKms } from "./s3/s3-bucket-kms";
import { s3BucketVersioning } from "./s3/s3-bucket-versioning";
import { s3PublicAccessBlock } from "./s3/s3-public-access-block";
import { s3OwnershipEnforced } from "./s3/s3-ownership-enforced";
import { s3TlsOnly } from "./s3/s3-tls-only";
import { s3AccessLogging } from "./s3/s3-access-logging";
import { s3Lifecycle } from "./s3/s3-lifecycle";
import { ddbPitr } from "./dynamodb/ddb-pitr";
import { ddbCmk } from "./dynamodb/ddb-cmk";
import { ddbDeletionProtection } from "./dynamodb/ddb-deletion-protection";
import { lambdaDlq } from "./lambda/lambda-dlq";
import { lambdaTracing } from "./lambda/lambda-tracing";
import { lambdaConcurrency } from "./lambda/lambda-concurrency";
import { lambdaNoSecretsInEnv } from "./lambda/lambda-no-secrets-in-env";
import { lambdaSupportedRuntime } from "./lambda/lambda-supported-runtime";
import { sqsCmk } from "./sqs/sqs-cmk";
import { sqsHasDlq } from "./sqs/sqs-has-dlq";
import { snsCmk } from "./sns/sns-cmk";
import { kmsRotation } from "./kms/kms-rotation";
import { kmsNoStarPrincipal } from "./kms/kms-no-star-principal";
import { iamNoAdmin } from "./iam/iam-no-admin";
import { iamNoStarAction } from "./iam/iam-no-star-action";
import { iamRoleBoundary } from "./iam/iam-role-boundary";
import { iamTrustScoped } from "./iam/iam-trust-scoped";
import { resourcePolicyNotPublic } from "./iam/resource-policy-not-public";
import { logGroupRetention } from "./logs/log-group-retention";
import { logGroupKms } from "./logs/log-group-kms";
import { sfnLogging } from "./step-functions/sfn-logging";
import { sfnTracing } from "./step-functions/sfn-tracing";
import { apigwRouteAuth } from "./api-gateway/apigw-route-auth";
import { apigwAccessLogs } from "./api-gateway/apigw-access-logs";
import { apigwThrottling } from "./api-gateway/apigw-throttling";
import { secretsCmk } from "./secrets-manager/secrets-cmk";
import { secretsOwnerTag } from "./secrets-manager/secrets-owner-tag";
import { athenaWorkgroupEnforced } from "./athena/athena-workgroup-enforced";
import { requiredTagsRule } from "./stack/required-tags";
import { backendS3Locked } from "./stack/backend-s3-locked";
import { suppressionJustified } from "./stack/suppression-justified";

export { requiredTags } from "./stack/required-tags";
export { supportedLambdaRuntimes } from "./lambda/lambda-supported-runtime";

export const rulePack: ReadonlyArray<GuardrailRule> = [
  // S3
  s3BucketKms,
  s3BucketVersioning,
  s3PublicAccessBlock,
  s3OwnershipEnforced,
  s3TlsOnly,
  s3AccessLogging,
  s3Lifecycle,
  // DynamoDB
  ddbPitr,
  ddbCmk,
  ddbDeletionProtection,
  // Lambda
  lambdaDlq,
  lambdaTracing,
  lambdaConcurrency,
  lambdaNoSecretsInEnv,
  lambdaSupportedRuntime,
  // SQS / SNS
  sqsCmk,
  sqsHasDlq,
  snsCmk,
  // KMS
  kmsRotation,
  kmsNoStarPrincipal,
  // IAM
  iamNoAdmin,
  iamNoStarAction,
  iamRoleBoundary,
  iamTrustScoped,
  resourcePolicyNotPublic,
  // Logs
  logGroupRetention,
  logGroupKms,
  // Step Functions
  sfnLogging,
  sfnTracing,
  // API Gateway
  apigwRouteAuth,
  apigwAccessLogs,
  apigwThrottling,
  // Secrets, Athena, tags, backend
  secretsCmk,
  secretsOwnerTag,
  athenaWorkgroupEnforced,
  requiredTagsRule,
  backendS3Locked,
  suppressionJustified,
];
