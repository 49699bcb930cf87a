/**
 * One row per Terraform resource type the stacks create: the ARN the resource gets, and the AWS
 * API calls (as IAM actions) the hashicorp/aws provider (~> 6) makes to create, read (refresh),
 * update and delete it. policies/ci-simulation.ts simulates every call against the CI roles with
 * every resource's real ARN; a resource type without a row fails the simulation test, so a new
 * type cannot slip past the CI roles.
 *
 * Sources: the provider's resource code in hashicorp/terraform-provider-aws (internal/service/<svc>/
 * <resource>.go: the Create/Read/Update/Delete functions and the tags interceptor, which calls
 * the service's ListTags/TagResource/UntagResource), and the IAM Service Authorization Reference
 * for the action names of calls whose API name differs (S3 `DeleteBucketLifecycle` is authorized
 * as `s3:PutLifecycleConfiguration`, API Gateway v2 by HTTP verb on the resource path).
 * Per-row notes name what was checked where the code is not obvious.
 */
import type { ArnBuilder, ResolvedResource } from "./terraform-model";

export interface Call {
  readonly action: string;
  /** Resources the call is authorized on (default: the resource's ARN; `*` for wildcard-only actions). */
  readonly resources?: (r: ResolvedResource) => ReadonlyArray<string>;
  /** Request context beyond the defaults (tags, TLS). */
  readonly context?: (r: ResolvedResource) => Record<string, string | string[]>;
}

export type CallSpec = string | Call;

export interface TerraformResourceType extends ArnBuilder {
  readonly create: ReadonlyArray<CallSpec>;
  readonly read: ReadonlyArray<CallSpec>;
  readonly update: ReadonlyArray<CallSpec>;
  readonly delete: ReadonlyArray<CallSpec>;
  /** What a reader checks these calls against. */
  readonly source: string;
}

const arn = (r: ResolvedResource, service: string, resource: string) => `arn:aws:${service}:${r.env.region}:${r.env.account}:${resource}`;
const iamArn = (r: ResolvedResource, resource: string) => `arn:aws:iam::${r.env.account}:${resource}`;
const provider = (path: string) => `hashicorp/terraform-provider-aws internal/service/${path}`;

/** A call authorized on another resource than the row's own. */
const on = (action: string, resources: (r: ResolvedResource) => ReadonlyArray<string>, context?: Call["context"]): Call => ({ action, resources, ...(context ? { context } : {}) });

const passRole = (attribute: string, service: string): Call => ({
  action: "iam:PassRole",
  resources: (r) => [r.getPath(attribute) ?? ""].filter((value) => value.startsWith("arn:")),
  context: () => ({ "iam:PassedToService": service }),
});

/** Role calls carry the boundary the role is created with (iam:PermissionsBoundary). */
const boundaryContext = (role: ResolvedResource | undefined): Record<string, string> => {
  const boundary = role?.get("permissions_boundary");
  return boundary ? { "iam:PermissionsBoundary": boundary } : {};
};
const withRoleBoundary = (action: string): Call => ({ action, context: (r) => boundaryContext(r.type === "aws_iam_role" ? r : r.ref("role")) });

const tableKey = (r: ResolvedResource) => [r.getPath("server_side_encryption.kms_key_arn") ?? ""].filter((key) => key.startsWith("arn:"));
const viaDynamoDb = (r: ResolvedResource) => ({ "kms:ViaService": `dynamodb.${r.env.region}.amazonaws.com`, "kms:GrantIsForAWSResource": "true" });
const tableKeyCalls: Call[] = [on("kms:DescribeKey", tableKey, viaDynamoDb), on("kms:CreateGrant", tableKey, viaDynamoDb)];

const bucketArn = (r: ResolvedResource) => `arn:aws:s3:::${r.get("bucket")}`;
/** A bucket configuration resource: every call is authorized on the bucket. */
const bucketConfig = (put: string, get: string, del: string = put): TerraformResourceType => ({
  arn: bucketArn,
  id: (r) => r.get("bucket"),
  create: [put],
  read: [get],
  update: [put],
  delete: [del],
  source: `${provider("s3")} (the API's Delete* of a bucket configuration is authorized as the Put* action, IAM Service Authorization Reference for Amazon S3)`,
});

const eventBusSegment = (r: ResolvedResource) => {
  const bus = r.get("event_bus_name");
  return bus && bus !== "default" ? `${bus}/` : "";
};

const apiArn = (r: ResolvedResource, path = "") => `arn:aws:apigateway:${r.env.region}::/apis/${r.get("api_id")}${path}`;
/** API Gateway v2 tags are authorized as HTTP verbs on /tags/<resource arn>. */
const apiTags = (r: ResolvedResource, resourceArn: string) => [`arn:aws:apigateway:${r.env.region}::/tags/${encodeURIComponent(resourceArn)}`];

export const terraformResourceTypes: Readonly<Record<string, TerraformResourceType>> = {
  // ------------------------------------------------------------------ IAM
  aws_iam_role: {
    arn: (r) => iamArn(r, `role/${r.get("name")}`),
    id: (r) => r.get("name"),
    create: [withRoleBoundary("iam:CreateRole"), "iam:TagRole", withRoleBoundary("iam:PutRolePermissionsBoundary")],
    // Read: GetRole, and the inline_policy / managed_policy_arns attributes (ListRolePolicies + GetRolePolicy, ListAttachedRolePolicies).
    read: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
    update: [
      withRoleBoundary("iam:UpdateRole"),
      withRoleBoundary("iam:UpdateRoleDescription"),
      withRoleBoundary("iam:UpdateAssumeRolePolicy"),
      "iam:TagRole",
      "iam:UntagRole",
      withRoleBoundary("iam:PutRolePermissionsBoundary"),
    ],
    // Delete lists and removes instance profiles and policies first (deleteRole / deleteRoleInstanceProfiles).
    delete: ["iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", withRoleBoundary("iam:DeleteRole")],
    source: provider("iam/role.go"),
  },
  aws_iam_role_policy: {
    arn: (r) => iamArn(r, `role/${r.get("role")}`),
    id: (r) => `${r.get("role")}:${r.get("name")}`,
    create: [withRoleBoundary("iam:PutRolePolicy")],
    read: ["iam:GetRolePolicy"],
    update: [withRoleBoundary("iam:PutRolePolicy")],
    delete: [withRoleBoundary("iam:DeleteRolePolicy")],
    source: provider("iam/role_policy.go"),
  },
  aws_iam_policy: {
    arn: (r) => iamArn(r, `policy/${r.get("name")}`),
    create: ["iam:CreatePolicy", "iam:TagPolicy"],
    read: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListPolicyTags"],
    update: ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:ListPolicyVersions", "iam:TagPolicy", "iam:UntagPolicy"],
    delete: ["iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:DeletePolicy"],
    source: provider("iam/policy.go"),
  },
  aws_iam_openid_connect_provider: {
    arn: (r) => iamArn(r, `oidc-provider/${new URL(r.get("url")).host}`),
    create: ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"],
    read: ["iam:GetOpenIDConnectProvider"],
    update: [
      "iam:UpdateOpenIDConnectProviderThumbprint",
      "iam:AddClientIDToOpenIDConnectProvider",
      "iam:RemoveClientIDFromOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider",
      "iam:UntagOpenIDConnectProvider",
    ],
    delete: ["iam:DeleteOpenIDConnectProvider"],
    source: provider("iam/openid_connect_provider.go"),
  },
  // ------------------------------------------------------------------ KMS
  aws_kms_key: {
    arn: (r) => arn(r, "kms", `key/${r.generated("uuid")}`),
    id: (r) => r.generated("uuid"),
    // CreateKey carries the tags (aws:RequestTag); the key policy is set by CreateKey, then re-put and rotation enabled.
    create: ["kms:CreateKey", "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DescribeKey"],
    read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
    update: ["kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource"],
    delete: ["kms:ScheduleKeyDeletion"],
    source: provider("kms/key.go"),
  },
  aws_kms_alias: {
    arn: (r) => arn(r, "kms", r.get("name")),
    id: (r) => r.get("name"),
    // CreateAlias/UpdateAlias/DeleteAlias are authorized on the alias and on the key (IAM reference: both resource types required).
    create: [on("kms:CreateAlias", (r) => [arn(r, "kms", r.get("name")), arn(r, "kms", `key/${r.get("target_key_id")}`)])],
    read: ["kms:ListAliases"],
    update: [on("kms:UpdateAlias", (r) => [arn(r, "kms", r.get("name")), arn(r, "kms", `key/${r.get("target_key_id")}`)])],
    delete: [on("kms:DeleteAlias", (r) => [arn(r, "kms", r.get("name")), arn(r, "kms", `key/${r.get("target_key_id")}`)])],
    source: provider("kms/alias.go"),
  },
  // ------------------------------------------------------------------ Secrets Manager (no value calls: values are set out of band)
  aws_secretsmanager_secret: {
    arn: (r) => arn(r, "secretsmanager", `secret:${r.get("name")}-${r.generated("suffix")}`),
    create: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
    read: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
    update: ["secretsmanager:UpdateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource"],
    delete: ["secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret"],
    source: provider("secretsmanager/secret.go"),
  },
  // ------------------------------------------------------------------ SNS
  aws_sns_topic: {
    arn: (r) => arn(r, "sns", r.get("name")),
    create: ["sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource"],
    read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
    update: ["sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"],
    delete: ["sns:DeleteTopic"],
    source: provider("sns/topic.go"),
  },
  aws_sns_topic_policy: {
    arn: (r) => r.get("arn"),
    create: ["sns:SetTopicAttributes"],
    read: ["sns:GetTopicAttributes"],
    update: ["sns:SetTopicAttributes"],
    delete: ["sns:SetTopicAttributes"],
    source: provider("sns/topic_policy.go"),
  },
  aws_sns_topic_subscription: {
    arn: (r) => `${r.get("topic_arn")}:${r.generated("uuid")}`,
    create: [on("sns:Subscribe", (r) => [r.get("topic_arn")])],
    // Get/SetSubscriptionAttributes and Unsubscribe take the subscription ARN; IAM authorizes them on the topic (their only resource type).
    read: [on("sns:GetSubscriptionAttributes", (r) => [r.get("topic_arn")])],
    update: [on("sns:SetSubscriptionAttributes", (r) => [r.get("topic_arn")])],
    delete: [on("sns:Unsubscribe", (r) => [r.get("topic_arn")])],
    source: provider("sns/topic_subscription.go"),
  },
  // ------------------------------------------------------------------ SQS
  aws_sqs_queue: {
    arn: (r) => arn(r, "sqs", r.get("name")),
    id: (r) => `https://sqs.${r.env.region}.amazonaws.com/${r.env.account}/${r.get("name")}`,
    create: ["sqs:CreateQueue", "sqs:TagQueue", "sqs:GetQueueAttributes"],
    read: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
    update: ["sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
    delete: ["sqs:DeleteQueue"],
    source: provider("sqs/queue.go"),
  },
  aws_sqs_queue_policy: {
    arn: (r) => {
      const url = r.get("queue_url");
      return arn(r, "sqs", url.slice(url.lastIndexOf("/") + 1));
    },
    create: ["sqs:SetQueueAttributes", "sqs:GetQueueAttributes"],
    read: ["sqs:GetQueueAttributes"],
    update: ["sqs:SetQueueAttributes"],
    delete: ["sqs:SetQueueAttributes"],
    source: provider("sqs/queue_policy.go (attributes.go: Policy attribute via SetQueueAttributes)"),
  },
  // ------------------------------------------------------------------ DynamoDB
  aws_dynamodb_table: {
    arn: (r) => arn(r, "dynamodb", `table/${r.get("name")}`),
    // A table encrypted with a customer managed key: DynamoDB describes the key and creates a grant in the caller's name
    // (DynamoDB developer guide, "How Amazon DynamoDB uses AWS KMS": kms:CreateGrant and kms:DescribeKey via dynamodb.<region>.amazonaws.com).
    create: ["dynamodb:CreateTable", "dynamodb:TagResource", "dynamodb:DescribeTable", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive", ...tableKeyCalls],
    // Read (resourceTableRead): DescribeTable, DescribeContinuousBackups, DescribeTimeToLive, tags. Its kms:DescribeKey of
    // alias/aws/dynamodb (clearSSEDefaultKey) is allowed to fail: the provider ignores the error, so it is not listed.
    read: ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"],
    update: ["dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTimeToLive", "dynamodb:TagResource", "dynamodb:UntagResource", ...tableKeyCalls],
    delete: ["dynamodb:DeleteTable", "dynamodb:DescribeTable"],
    source: provider("dynamodb/table.go"),
  },
  // ------------------------------------------------------------------ Lambda
  aws_lambda_function: {
    arn: (r) => arn(r, "lambda", `function:${r.get("function_name")}`),
    id: (r) => r.get("function_name"),
    // Create and update wait for the function's state with GetFunctionConfiguration (waitFunctionUpdated).
    create: ["lambda:CreateFunction", passRole("role", "lambda.amazonaws.com"), "lambda:PutFunctionConcurrency", "lambda:GetFunction", "lambda:GetFunctionConfiguration"],
    // Read (resourceFunctionRead): GetFunction (configuration, concurrency, tags), ListVersionsByFunction (latest
    // version, qualified ARN), GetFunctionCodeSigningConfig (zip packages); ListTags for the tags interceptor.
    read: ["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:ListTags"],
    update: [
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:GetFunctionConfiguration",
      passRole("role", "lambda.amazonaws.com"),
      "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency",
      "lambda:TagResource",
      "lambda:UntagResource",
    ],
    delete: ["lambda:DeleteFunction"],
    source: provider("lambda/function.go"),
  },
  aws_lambda_permission: {
    arn: (r) => arn(r, "lambda", `function:${r.get("function_name")}`),
    create: ["lambda:AddPermission"],
    read: ["lambda:GetPolicy"],
    update: ["lambda:AddPermission", "lambda:RemovePermission"],
    delete: ["lambda:RemovePermission", "lambda:GetPolicy"],
    source: provider("lambda/permission.go"),
  },
  aws_lambda_event_source_mapping: {
    arn: (r) => arn(r, "lambda", `event-source-mapping:${r.generated("uuid")}`),
    id: (r) => r.generated("uuid"),
    // CreateEventSourceMapping is wildcard-only in IAM (scoped by lambda:FunctionArn); the rest name the mapping.
    create: [{ action: "lambda:CreateEventSourceMapping", context: (r) => ({ "lambda:FunctionArn": r.get("function_name") }) }, "lambda:GetEventSourceMapping"],
    read: ["lambda:GetEventSourceMapping", "lambda:ListTags"],
    update: [{ action: "lambda:UpdateEventSourceMapping", context: (r) => ({ "lambda:FunctionArn": r.get("function_name") }) }, "lambda:TagResource", "lambda:UntagResource"],
    delete: [{ action: "lambda:DeleteEventSourceMapping", context: (r) => ({ "lambda:FunctionArn": r.get("function_name") }) }, "lambda:GetEventSourceMapping"],
    source: provider("lambda/event_source_mapping.go (tags since provider 5.8x: ListTags/TagResource on the mapping ARN)"),
  },
  // ------------------------------------------------------------------ SSM
  aws_ssm_parameter: {
    arn: (r) => arn(r, "ssm", `parameter${r.get("name").startsWith("/") ? "" : "/"}${r.get("name")}`),
    id: (r) => r.get("name"),
    create: ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:GetParameter"],
    // Read: GetParameter (WithDecryption), DescribeParameters (wildcard-only, for description/tier/allowed_pattern), ListTagsForResource.
    read: ["ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource"],
    update: ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
    delete: ["ssm:DeleteParameter"],
    source: provider("ssm/parameter.go"),
  },
  // ------------------------------------------------------------------ Step Functions, Scheduler
  aws_sfn_state_machine: {
    arn: (r) => arn(r, "states", `stateMachine:${r.get("name")}`),
    // Logging to CloudWatch Logs makes Step Functions set up a vended log delivery in the caller's name (wildcard-only logs:*LogDelivery).
    create: [
      "states:CreateStateMachine",
      passRole("role_arn", "states.amazonaws.com"),
      "states:TagResource",
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ],
    // Read: DescribeStateMachine, ListStateMachineVersions, tags. Plan: a changed definition is checked by
    // ValidateStateMachineDefinition (CustomizeDiff stateMachineDefinitionValidate; wildcard-only), so plans need it too.
    read: ["states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource", "states:ValidateStateMachineDefinition"],
    update: [
      "states:UpdateStateMachine",
      passRole("role_arn", "states.amazonaws.com"),
      "states:TagResource",
      "states:UntagResource",
      "logs:UpdateLogDelivery",
      "logs:GetLogDelivery",
    ],
    delete: ["states:DeleteStateMachine", "states:DescribeStateMachine", "logs:DeleteLogDelivery"],
    source: `${provider("sfn/state_machine.go")}; log delivery permissions: Step Functions developer guide, "IAM policies for logging to CloudWatch Logs"`,
  },
  aws_scheduler_schedule: {
    arn: (r) => arn(r, "scheduler", `schedule/${r.get("group_name") || "default"}/${r.get("name")}`),
    create: ["scheduler:CreateSchedule", passRole("target.role_arn", "scheduler.amazonaws.com")],
    read: ["scheduler:GetSchedule"],
    update: ["scheduler:UpdateSchedule", passRole("target.role_arn", "scheduler.amazonaws.com")],
    delete: ["scheduler:DeleteSchedule"],
    source: provider("scheduler/schedule.go (schedules have no tags)"),
  },
  // ------------------------------------------------------------------ EventBridge
  aws_cloudwatch_event_bus: {
    arn: (r) => arn(r, "events", `event-bus/${r.get("name")}`),
    id: (r) => r.get("name"),
    create: ["events:CreateEventBus", "events:TagResource"],
    read: ["events:DescribeEventBus", "events:ListTagsForResource"],
    update: ["events:UpdateEventBus", "events:TagResource", "events:UntagResource"],
    delete: ["events:DeleteEventBus"],
    source: provider("events/bus.go"),
  },
  aws_cloudwatch_event_rule: {
    arn: (r) => arn(r, "events", `rule/${eventBusSegment(r)}${r.get("name")}`),
    id: (r) => r.get("name"),
    create: ["events:PutRule", "events:TagResource", "events:DescribeRule"],
    read: ["events:DescribeRule", "events:ListTagsForResource"],
    update: ["events:PutRule", "events:TagResource", "events:UntagResource"],
    delete: ["events:DeleteRule"],
    source: provider("events/rule.go"),
  },
  aws_cloudwatch_event_target: {
    arn: (r) => arn(r, "events", `rule/${eventBusSegment(r)}${r.get("rule")}`),
    create: ["events:PutTargets", passRole("role_arn", "events.amazonaws.com")],
    read: ["events:ListTargetsByRule"],
    update: ["events:PutTargets", passRole("role_arn", "events.amazonaws.com")],
    delete: ["events:RemoveTargets"],
    source: provider("events/target.go (a role_arn is passed to events.amazonaws.com)"),
  },
  aws_cloudwatch_event_archive: {
    arn: (r) => arn(r, "events", `archive/${r.get("name")}`),
    // CreateArchive is authorized on the archive and on the source event bus.
    create: [on("events:CreateArchive", (r) => [arn(r, "events", `archive/${r.get("name")}`), r.get("event_source_arn")])],
    read: ["events:DescribeArchive"],
    update: ["events:UpdateArchive"],
    delete: ["events:DeleteArchive"],
    source: provider("events/archive.go"),
  },
  // ------------------------------------------------------------------ CloudWatch, Logs
  aws_cloudwatch_log_group: {
    arn: (r) => arn(r, "logs", `log-group:${r.get("name")}`),
    id: (r) => r.get("name"),
    create: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"],
    read: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
    update: ["logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource"],
    delete: ["logs:DeleteLogGroup"],
    source: provider("logs/group.go"),
  },
  aws_cloudwatch_metric_alarm: {
    arn: (r) => arn(r, "cloudwatch", `alarm:${r.get("alarm_name")}`),
    id: (r) => r.get("alarm_name"),
    create: ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    update: ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
    delete: ["cloudwatch:DeleteAlarms"],
    source: provider("cloudwatch/metric_alarm.go"),
  },
  aws_cloudwatch_dashboard: {
    arn: (r) => `arn:aws:cloudwatch::${r.env.account}:dashboard/${r.get("dashboard_name")}`,
    create: ["cloudwatch:PutDashboard"],
    read: ["cloudwatch:GetDashboard"],
    update: ["cloudwatch:PutDashboard"],
    delete: ["cloudwatch:DeleteDashboards"],
    source: provider("cloudwatch/dashboard.go"),
  },
  // ------------------------------------------------------------------ API Gateway v2 (IAM authorizes HTTP verbs on resource paths)
  aws_apigatewayv2_api: {
    arn: (r) => `arn:aws:apigateway:${r.env.region}::/apis/${r.generated("short")}`,
    id: (r) => r.generated("short"),
    create: [on("apigateway:POST", (r) => [`arn:aws:apigateway:${r.env.region}::/apis`]), "apigateway:GET"],
    read: ["apigateway:GET", on("apigateway:GET", (r) => apiTags(r, `arn:aws:apigateway:${r.env.region}::/apis/${r.generated("short")}`))],
    update: [
      "apigateway:PATCH",
      on("apigateway:POST", (r) => apiTags(r, `arn:aws:apigateway:${r.env.region}::/apis/${r.generated("short")}`)),
      on("apigateway:DELETE", (r) => apiTags(r, `arn:aws:apigateway:${r.env.region}::/apis/${r.generated("short")}`)),
    ],
    delete: ["apigateway:DELETE"],
    source: `${provider("apigatewayv2/api.go")}; IAM: "Control access to the API Gateway v2 management API" (apigateway:<HTTP verb> on arn:aws:apigateway:<region>::/apis/...)`,
  },
  aws_apigatewayv2_integration: {
    arn: (r) => apiArn(r, `/integrations/${r.generated("short")}`),
    id: (r) => r.generated("short"),
    create: [on("apigateway:POST", (r) => [apiArn(r, "/integrations")])],
    read: ["apigateway:GET"],
    update: ["apigateway:PATCH"],
    delete: ["apigateway:DELETE"],
    source: provider("apigatewayv2/integration.go"),
  },
  aws_apigatewayv2_route: {
    arn: (r) => apiArn(r, `/routes/${r.generated("short")}`),
    id: (r) => r.generated("short"),
    create: [on("apigateway:POST", (r) => [apiArn(r, "/routes")])],
    read: ["apigateway:GET"],
    update: ["apigateway:PATCH"],
    delete: ["apigateway:DELETE"],
    source: provider("apigatewayv2/route.go"),
  },
  aws_apigatewayv2_stage: {
    arn: (r) => apiArn(r, `/stages/${r.get("name")}`),
    id: (r) => r.get("name"),
    // Access logs to CloudWatch Logs: API Gateway sets up a vended log delivery in the caller's name.
    create: [
      on("apigateway:POST", (r) => [apiArn(r, "/stages")]),
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ],
    read: ["apigateway:GET", on("apigateway:GET", (r) => apiTags(r, apiArn(r, `/stages/${r.get("name")}`)))],
    update: ["apigateway:PATCH", "logs:UpdateLogDelivery", on("apigateway:POST", (r) => apiTags(r, apiArn(r, `/stages/${r.get("name")}`)))],
    delete: ["apigateway:DELETE", "logs:DeleteLogDelivery"],
    source: `${provider("apigatewayv2/stage.go")}; access-log permissions: API Gateway developer guide, "Configure logging for HTTP APIs"`,
  },
  // ------------------------------------------------------------------ Glue, Athena
  aws_glue_catalog_database: {
    arn: (r) => arn(r, "glue", `database/${r.get("name")}`),
    id: (r) => `${r.env.account}:${r.get("name")}`,
    create: [on("glue:CreateDatabase", (r) => [arn(r, "glue", "catalog"), arn(r, "glue", `database/${r.get("name")}`)]), "glue:TagResource"],
    read: [on("glue:GetDatabase", (r) => [arn(r, "glue", "catalog"), arn(r, "glue", `database/${r.get("name")}`)]), "glue:GetTags"],
    update: [on("glue:UpdateDatabase", (r) => [arn(r, "glue", "catalog"), arn(r, "glue", `database/${r.get("name")}`)]), "glue:TagResource", "glue:UntagResource"],
    delete: [on("glue:DeleteDatabase", (r) => [arn(r, "glue", "catalog"), arn(r, "glue", `database/${r.get("name")}`)])],
    source: provider("glue/catalog_database.go"),
  },
  aws_glue_catalog_table: {
    arn: (r) => arn(r, "glue", `table/${r.get("database_name")}/${r.get("name")}`),
    ...(() => {
      const all = (r: ResolvedResource) => [
        arn(r, "glue", "catalog"),
        arn(r, "glue", `database/${r.get("database_name")}`),
        arn(r, "glue", `table/${r.get("database_name")}/${r.get("name")}`),
      ];
      return {
        create: [on("glue:CreateTable", all), on("glue:GetTable", all)],
        // Read: GetTable, and GetPartitionIndexes on every refresh (partition_index attribute).
        read: [on("glue:GetTable", all), on("glue:GetPartitionIndexes", all)],
        update: [on("glue:UpdateTable", all), on("glue:GetTable", all)],
        delete: [on("glue:DeleteTable", all)],
      };
    })(),
    source: provider("glue/catalog_table.go (resourceCatalogTableRead calls GetPartitionIndexes)"),
  },
  aws_athena_workgroup: {
    arn: (r) => arn(r, "athena", `workgroup/${r.get("name")}`),
    id: (r) => r.get("name"),
    create: ["athena:CreateWorkGroup", "athena:TagResource"],
    read: ["athena:GetWorkGroup", "athena:ListTagsForResource"],
    update: ["athena:UpdateWorkGroup", "athena:TagResource", "athena:UntagResource"],
    delete: ["athena:DeleteWorkGroup"],
    source: provider("athena/workgroup.go"),
  },
  // ------------------------------------------------------------------ S3
  aws_s3_bucket: {
    arn: (r) => `arn:aws:s3:::${r.get("bucket")}`,
    id: (r) => r.get("bucket"),
    create: ["s3:CreateBucket", "s3:PutBucketTagging", "s3:ListBucket"],
    // Read (resourceBucketRead): HeadBucket, then every bucket sub-configuration the resource still exposes.
    read: [
      "s3:ListBucket",
      "s3:GetBucketPolicy",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketWebsite",
      "s3:GetBucketVersioning",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketLogging",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketTagging",
    ],
    update: ["s3:PutBucketTagging"],
    delete: ["s3:DeleteBucket"],
    source: provider("s3/bucket.go"),
  },
  aws_s3_bucket_lifecycle_configuration: bucketConfig("s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
  aws_s3_bucket_logging: bucketConfig("s3:PutBucketLogging", "s3:GetBucketLogging"),
  aws_s3_bucket_metric: bucketConfig("s3:PutMetricsConfiguration", "s3:GetMetricsConfiguration"),
  aws_s3_bucket_ownership_controls: bucketConfig("s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
  aws_s3_bucket_policy: bucketConfig("s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"),
  aws_s3_bucket_public_access_block: bucketConfig("s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
  aws_s3_bucket_server_side_encryption_configuration: bucketConfig("s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"),
  aws_s3_bucket_versioning: bucketConfig("s3:PutBucketVersioning", "s3:GetBucketVersioning"),
};

export const callsOf = (row: TerraformResourceType, phase: "create" | "read" | "update" | "delete"): ReadonlyArray<Call> =>
  row[phase].map((spec) => (typeof spec === "string" ? { action: spec } : spec));
