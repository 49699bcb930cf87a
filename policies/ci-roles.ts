/**
 * The policies of the CI roles (GitHub OIDC deploy and plan roles) and of the permissions boundary
 * every other role carries. The bootstrap stack (stacks/bootstrap.ts) creates them with
 * administrator credentials; CI never applies them. policies/ci-simulation.ts proves, with
 * @cloud-copilot/iam-simulate, that they allow every call Terraform makes for the CI-applied
 * stacks (policies/terraform-calls.ts) and none of the privilege-escalation and data-read paths.
 *
 * Design:
 * - The deploy role may create, change and delete roles named `<brand>-<env>-*` only with the workload
 *   boundary attached (`iam:PermissionsBoundary`), attach only listed managed policies
 *   (`iam:PolicyARN`), pass roles only to the services that run them (`iam:PassedToService`),
 *   and never touch the CI roles (`<brand>-<env>-github-*`) or the boundary policy.
 * - It has no sts:AssumeRole, no secret values, no lake or hot-store reads, no kms:Decrypt;
 *   KMS management is limited to keys tagged with the environment's brand and environment
 *   (the provider's default_tags), which it can only create with those tags.
 * - The boundary lets workload roles use the data services of the platform and nothing of IAM,
 *   STS, Organizations or the Terraform state.
 */
import type { EnvironmentConfig } from "../config/schema";
import { githubRoleNamePrefix, permissionsBoundaryArn, permissionsBoundaryName, resourcePrefix } from "../contracts/naming";
import { logDeliveryActions, type PolicyStatement } from "./iam";

/** Services a CI-created role may be passed to (what the stacks' roles are for). */
export const passedToServices = ["lambda.amazonaws.com", "states.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"] as const;

/** The only AWS managed policies a stack may attach to a role (none is attached today). */
export const attachablePolicyArns = ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"] as const;

/** Tags (provider default_tags) that mark a KMS key as this environment's; the deploy role manages only such keys. */
/** Shopify partner event sources of the environment's region (their ARNs carry no account id). */
export const partnerEventSourceArn = (env: EnvironmentConfig) => `arn:aws:events:${env.region}::event-source/aws.partner/shopify.com/*`;

/** The read-only calls `sdp deploy` makes before it deploys (delivery/readiness.ts), for the simulation. */
export const preflightCalls = (env: { readonly region: string }, partnerSource = "aws.partner/shopify.com/1234567/acme") => [
  { action: "events:DescribeEventSource", resource: `arn:aws:events:${env.region}::event-source/${partnerSource}` },
  { action: "lambda:GetAccountSettings", resource: "*" },
];

export const keyOwnershipTags = (env: EnvironmentConfig): Record<string, string> => ({ brand: env.brand, environment: env.name });

const arnOf = (env: EnvironmentConfig) => (service: string, resource: string) => `arn:aws:${service}:${env.region}:${env.accountId}:${resource}`;

/** The environment's buckets (lake, access logs): `<brand>-<purpose>-<account>-<env>`. */
const bucketPattern = (env: EnvironmentConfig) => `arn:aws:s3:::${env.brand}-*-${env.accountId}-${env.name}`;

/** ARN patterns of everything the CI-applied stacks create, per service (no IAM, KMS, secrets, S3: those are scoped apart). */
const serviceResources = (env: EnvironmentConfig): Record<string, string[]> => {
  const arn = arnOf(env);
  const prefix = resourcePrefix(env.brand, env.name);
  const glueName = `${env.brand}_${env.name}`;
  return {
    dynamodb: [arn("dynamodb", `table/${prefix}-*`)],
    lambda: [arn("lambda", `function:${prefix}-*`), arn("lambda", "event-source-mapping:*")],
    sqs: [arn("sqs", `${prefix}-*`)],
    sns: [arn("sns", `${prefix}-*`)],
    states: [arn("states", `stateMachine:${prefix}-*`)],
    events: [
      arn("events", `event-bus/${prefix}-*`),
      arn("events", "event-bus/aws.partner/shopify.com/*"),
      arn("events", `rule/${prefix}-*`),
      arn("events", `rule/*/${prefix}-*`),
      arn("events", `archive/${prefix}-*`),
    ],
    scheduler: [arn("scheduler", `schedule/default/${prefix}-*`)],
    logs: [arn("logs", `log-group:/aws/lambda/${prefix}-*`), arn("logs", `log-group:/aws/vendedlogs/states/${prefix}-*`), arn("logs", `log-group:/aws/apigateway/${prefix}-*`)],
    cloudwatch: [arn("cloudwatch", `alarm:${prefix}-*`), `arn:aws:cloudwatch::${env.accountId}:dashboard/${prefix}-*`],
    glue: [arn("glue", "catalog"), arn("glue", `database/${glueName}_*`), arn("glue", `table/${glueName}_*/*`)],
    athena: [arn("athena", `workgroup/${prefix}-*`)],
    apigateway: [`arn:aws:apigateway:${env.region}::/apis`, `arn:aws:apigateway:${env.region}::/apis/*`, `arn:aws:apigateway:${env.region}::/tags/*`],
    ssm: [arn("ssm", `parameter/${env.brand}/${env.name}/*`)],
  };
};

const stateResources = (env: EnvironmentConfig) => ({
  bucket: `arn:aws:s3:::${env.stateBucket}`,
  // Only the CI-applied stacks' state: the bootstrap stack keeps its state under bootstrap/.
  objects: `arn:aws:s3:::${env.stateBucket}/${env.name}/*`,
});

const roleArns = (env: EnvironmentConfig) => ({
  workload: `arn:aws:iam::${env.accountId}:role/${resourcePrefix(env.brand, env.name)}-*`,
  ci: `arn:aws:iam::${env.accountId}:role/${githubRoleNamePrefix(env.brand, env.name)}*`,
});

const keyTagCondition = (env: EnvironmentConfig, kind: "ResourceTag" | "RequestTag") =>
  Object.fromEntries(Object.entries(keyOwnershipTags(env)).map(([tag, value]) => [`aws:${kind}/${tag}`, value]));

export const deployStatements = (env: EnvironmentConfig): PolicyStatement[] => {
  const arn = arnOf(env);
  const state = stateResources(env);
  const roles = roleArns(env);
  const services = serviceResources(env);
  const boundary = permissionsBoundaryArn(env.accountId, env.brand, env.name);
  const withBoundary = { StringEquals: { "iam:PermissionsBoundary": boundary } };
  const scopedServices = ["dynamodb", "lambda", "sqs", "sns", "states", "events", "scheduler", "logs", "cloudwatch", "glue", "athena", "apigateway"];
  return [
    { Sid: "TerraformState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [state.objects] },
    { Sid: "TerraformStateList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [state.bucket] },
    { Sid: "TerraformLock", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: [arn("dynamodb", `table/${env.stateLockTable}`)] },
    {
      Sid: "EnvironmentResources",
      Effect: "Allow",
      Action: scopedServices.map((service) => `${service}:*`),
      Resource: scopedServices.flatMap((service) => services[service] ?? []),
    },
    {
      Sid: "EnvironmentParameters",
      Effect: "Allow",
      Action: [
        "ssm:PutParameter",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:DeleteParameter",
        "ssm:AddTagsToResource",
        "ssm:RemoveTagsFromResource",
        "ssm:ListTagsForResource",
      ],
      Resource: services.ssm!,
    },
    {
      // Bucket configuration only: no object actions on the environment's buckets.
      Sid: "EnvironmentBuckets",
      Effect: "Allow",
      Action: [
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:ListBucket",
        "s3:GetBucket*",
        "s3:PutBucket*",
        "s3:DeleteBucketPolicy",
        "s3:GetLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:GetAccelerateConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:GetMetricsConfiguration",
        "s3:PutMetricsConfiguration",
      ],
      Resource: [bucketPattern(env)],
    },
    {
      Sid: "EnvironmentSecretsWithoutValues",
      Effect: "Allow",
      Action: [
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:UpdateSecret",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
        "secretsmanager:DeleteSecret",
      ],
      Resource: [arn("secretsmanager", `secret:${env.brand}/${env.name}/*`)],
    },
    // ---------------------------------------------------------------- IAM: workload roles only, always bounded
    {
      Sid: "RolesOnlyWithTheBoundary",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
      ],
      Resource: [roles.workload],
      Condition: withBoundary,
    },
    {
      Sid: "AttachOnlyListedPolicies",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy"],
      Resource: [roles.workload],
      Condition: { ...withBoundary, ArnEquals: { "iam:PolicyARN": [...attachablePolicyArns] } },
    },
    {
      Sid: "ManageWorkloadRoles",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        // Tagging takes no iam:PermissionsBoundary condition key.
        "iam:TagRole",
        "iam:UntagRole",
      ],
      Resource: [roles.workload],
    },
    {
      Sid: "PassWorkloadRolesToTheirServices",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [roles.workload],
      Condition: { StringEquals: { "iam:PassedToService": [...passedToServices] } },
    },
    // ---------------------------------------------------------------- KMS: only keys tagged as this environment's
    { Sid: "CreateKeysTaggedAsOwn", Effect: "Allow", Action: ["kms:CreateKey"], Resource: "*", Condition: { StringEquals: keyTagCondition(env, "RequestTag") } },
    {
      Sid: "ManageOwnKeys",
      Effect: "Allow",
      Action: [
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:EnableKeyRotation",
        "kms:DisableKeyRotation",
        "kms:UpdateKeyDescription",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CreateAlias",
        "kms:UpdateAlias",
        "kms:DeleteAlias",
      ],
      Resource: [arn("kms", "key/*")],
      Condition: { StringEquals: keyTagCondition(env, "ResourceTag") },
    },
    {
      Sid: "OwnAliases",
      Effect: "Allow",
      Action: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
      Resource: [arn("kms", `alias/${resourcePrefix(env.brand, env.name)}-*`)],
    },
    {
      // DynamoDB tables encrypted with the tables key: DynamoDB creates a grant in the caller's name.
      Sid: "TableKeyGrantsViaDynamoDB",
      Effect: "Allow",
      Action: ["kms:CreateGrant"],
      Resource: [arn("kms", "key/*")],
      Condition: {
        StringEquals: { ...keyTagCondition(env, "ResourceTag"), "kms:ViaService": `dynamodb.${env.region}.amazonaws.com` },
        Bool: { "kms:GrantIsForAWSResource": "true" },
      },
    },
    {
      Sid: "CreateEventSourceMappingsForOwnFunctions",
      Effect: "Allow",
      Action: ["lambda:CreateEventSourceMapping"],
      Resource: "*",
      Condition: { ArnLike: { "lambda:FunctionArn": arn("lambda", `function:${resourcePrefix(env.brand, env.name)}-*`) } },
    },
    // sdp deploy's preflight (delivery/readiness.ts): does the Shopify partner event source exist yet?
    { Sid: "PreflightPartnerEventSource", Effect: "Allow", Action: ["events:DescribeEventSource"], Resource: [partnerEventSourceArn(env)] },
    {
      // These actions have no resource-level permissions (the IAM catalogue says so; the guardrails check it).
      Sid: "ActionsWithoutResourceScope",
      Effect: "Allow",
      Action: [
        "kms:ListAliases",
        "kms:ListKeys",
        "ssm:DescribeParameters",
        "logs:DescribeLogGroups",
        "states:ValidateStateMachineDefinition",
        "lambda:GetAccountSettings",
        ...logDeliveryActions,
      ],
      Resource: "*",
    },
    // ---------------------------------------------------------------- explicit denies (win over any allow)
    {
      Sid: "NeverTheCiRoles",
      Effect: "Deny",
      Action: ["iam:*"],
      Resource: [roles.ci],
    },
    {
      Sid: "NeverTheBoundary",
      Effect: "Deny",
      Action: ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"],
      Resource: [boundary],
    },
    { Sid: "NeverRemoveABoundary", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: "*" },
    {
      Sid: "NoDataReads",
      Effect: "Deny",
      // ... nor run the workloads' code with their roles (Terraform never invokes or starts them).
      Action: [
        "secretsmanager:GetSecretValue",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "sqs:ReceiveMessage",
        "lambda:InvokeFunction",
        "states:StartExecution",
        "states:StartSyncExecution",
      ],
      Resource: [
        arn("secretsmanager", "secret:*"),
        `${bucketPattern(env)}/*`,
        arn("dynamodb", `table/${resourcePrefix(env.brand, env.name)}-*`),
        arn("sqs", "*"),
        arn("lambda", "function:*"),
        arn("states", "stateMachine:*"),
      ],
    },
  ];
};

/**
 * Read-only: what `terraform plan` needs to refresh the CI-applied stacks' resources, and their
 * state (no lock: plans run with -lock=false, but the backend still reads the state's digest item
 * from the lock table). No data-plane reads: no lake objects, no secret values.
 */
export const planStatements = (env: EnvironmentConfig): PolicyStatement[] => {
  const arn = arnOf(env);
  const state = stateResources(env);
  const services = serviceResources(env);
  const roles = roleArns(env);
  return [
    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [state.objects] },
    { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [state.bucket] },
    {
      // -lock=false skips the lock, not the state digest: the S3 backend reads `<bucket>/<key>-md5` from the lock table.
      Sid: "ReadStateDigest",
      Effect: "Allow",
      Action: ["dynamodb:GetItem"],
      Resource: [arn("dynamodb", `table/${env.stateLockTable}`)],
    },
    {
      Sid: "DescribeEnvironment",
      Effect: "Allow",
      Action: [
        "dynamodb:Describe*",
        "dynamodb:ListTagsOfResource",
        "lambda:GetFunction*",
        "lambda:GetPolicy",
        "lambda:GetEventSourceMapping",
        "lambda:ListTags",
        "lambda:ListVersionsByFunction",
        "sqs:GetQueueAttributes",
        "sqs:ListQueueTags",
        "sns:GetTopicAttributes",
        "sns:GetSubscriptionAttributes",
        "sns:ListTagsForResource",
        "states:DescribeStateMachine",
        "states:ListStateMachineVersions",
        "states:ListTagsForResource",
        "events:Describe*",
        "events:ListTagsForResource",
        "events:ListTargetsByRule",
        "scheduler:GetSchedule",
        "logs:ListTagsForResource",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:GetDashboard",
        "cloudwatch:ListTagsForResource",
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetPartitionIndexes",
        "glue:GetTags",
        "athena:GetWorkGroup",
        "athena:ListTagsForResource",
        "apigateway:GET",
        "ssm:GetParameter",
        "ssm:ListTagsForResource",
      ],
      Resource: Object.values(services).flat(),
    },
    {
      Sid: "DescribeBuckets",
      Effect: "Allow",
      Action: [
        "s3:ListBucket",
        "s3:GetBucket*",
        "s3:GetLifecycleConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:GetAccelerateConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:GetMetricsConfiguration",
      ],
      Resource: [bucketPattern(env)],
    },
    {
      Sid: "DescribeSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
      Resource: [arn("secretsmanager", `secret:${env.brand}/${env.name}/*`)],
    },
    { Sid: "DescribeRoles", Effect: "Allow", Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"], Resource: [roles.workload] },
    { Sid: "DescribeKeys", Effect: "Allow", Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"], Resource: [arn("kms", "key/*")] },
    // sdp deploy's preflight (delivery/readiness.ts): does the Shopify partner event source exist yet?
    { Sid: "PreflightPartnerEventSource", Effect: "Allow", Action: ["events:DescribeEventSource"], Resource: [partnerEventSourceArn(env)] },
    {
      // No resource-level permissions; ValidateStateMachineDefinition is how a plan checks a changed workflow definition.
      Sid: "ActionsWithoutResourceScope",
      Effect: "Allow",
      Action: ["kms:ListAliases", "kms:ListKeys", "logs:DescribeLogGroups", "ssm:DescribeParameters", "states:ValidateStateMachineDefinition", "lambda:GetAccountSettings"],
      Resource: "*",
    },
  ];
};

/**
 * The permissions boundary of every role the CI-applied stacks create: the ceiling of what a
 * workload role can ever do, whatever policy the deploy role writes into it. Data services of
 * the platform yes; IAM, STS, Organizations, key administration and the Terraform state never.
 */
export const boundaryStatements = (env: EnvironmentConfig): PolicyStatement[] => {
  const arn = arnOf(env);
  const state = stateResources(env);
  return [
    {
      Sid: "PlatformDataServices",
      Effect: "Allow",
      Action: ["logs:*", "xray:*", "sqs:*", "dynamodb:*", "events:*", "sns:*", "states:*", "glue:*", "athena:*", "cloudwatch:*", "lambda:InvokeFunction"],
      Resource: "*",
    },
    { Sid: "EnvironmentBuckets", Effect: "Allow", Action: ["s3:*"], Resource: [bucketPattern(env), `${bucketPattern(env)}/*`] },
    {
      Sid: "UseKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
      Resource: [arn("kms", "key/*")],
    },
    {
      Sid: "ReadEnvironmentSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: [arn("secretsmanager", `secret:${env.brand}/${env.name}/*`)],
    },
    { Sid: "NeverTheState", Effect: "Deny", Action: ["s3:*"], Resource: [state.bucket, `arn:aws:s3:::${env.stateBucket}/*`] },
  ];
};

export const boundaryPolicyName = (env: EnvironmentConfig) => permissionsBoundaryName(env.brand, env.name);
