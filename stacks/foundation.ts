/**
 * Foundation: the KMS keys every other layer encrypts with, the Secrets Manager secrets (values
 * are set out of band, never in code), rotation reminders, the alerts topic, and the GitHub OIDC
 * deploy role pinned to one repository and environment.
 */
import { IamOpenidConnectProvider } from "@cdktn/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktn/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktn/provider-aws/lib/kms-key";
import { SchedulerSchedule } from "@cdktn/provider-aws/lib/scheduler-schedule";
import { SecretsmanagerSecret } from "@cdktn/provider-aws/lib/secretsmanager-secret";
import { SnsTopic } from "@cdktn/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktn/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktn/provider-aws/lib/sns-topic-subscription";
import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { secretNames } from "../contracts/env-vars";
import { githubDeployRoleName, githubOidcAudience, githubOidcProviderUrl, githubOidcSubjects, githubPlanRoleName } from "../contracts/naming";
import type { SecretKey } from "../contracts/functions";
import { suppress } from "../policies/guardrails";
import { accountRootArn, logDeliveryActions, policyDocument, serviceTrustPolicy, statements, type PolicyStatement } from "../policies/iam";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";

export type KeyPurpose = "lake" | "tables" | "logs" | "messaging" | "secrets";
export const keyPurposes: ReadonlyArray<KeyPurpose> = ["lake", "tables", "logs", "messaging", "secrets"];

const GITHUB_OIDC_HOST = new URL(githubOidcProviderUrl).host;

/** How often the rotation reminder fires. */
export const SECRET_ROTATION_DAYS = 90;

/**
 * The ARNs of this environment's EventBridge rules: `rule/<name>` on the default bus,
 * `rule/<bus>/<name>` on any other (the partner bus name itself contains slashes, which `*`
 * matches in ArnLike).
 */
export const eventRuleArnPatterns = (env: EnvironmentConfig, prefix: string): string[] => [
  `arn:aws:events:${env.region}:${env.accountId}:rule/${prefix}-*`,
  `arn:aws:events:${env.region}:${env.accountId}:rule/*/${prefix}-*`,
];

export class FoundationStack extends PlatformStack {
  readonly keys: Record<KeyPurpose, KmsKey>;
  readonly secrets: Record<SecretKey, SecretsmanagerSecret>;
  readonly alertsTopic: SnsTopic;
  readonly deployRole: IamRole;
  /** Read-only role for pull-request plans (a pull request runs code nobody reviewed yet). */
  readonly planRole: IamRole;

  constructor(scope: Construct, env: EnvironmentConfig, options: PlatformStackOptions = {}) {
    super(scope, env, "foundation", options);
    const root = accountRootArn(env.accountId);
    const rootStatement: PolicyStatement = { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" };
    const sourceAccount = { StringEquals: { "aws:SourceAccount": env.accountId } };
    const serviceStatements: Record<KeyPurpose, PolicyStatement[]> = {
      lake: [],
      tables: [],
      secrets: [],
      logs: [
        {
          Sid: "CloudWatchLogsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: `logs.${env.region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${env.region}:${env.accountId}:log-group:*` } },
        },
      ],
      messaging: [
        {
          // CloudWatch alarms and Scheduler publish to the encrypted alerts topic.
          Sid: "AwsServicesOfThisAccount",
          Effect: "Allow",
          Principal: { Service: ["cloudwatch.amazonaws.com", "scheduler.amazonaws.com"] },
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: "*",
          Condition: sourceAccount,
        },
        {
          // EventBridge rules deliver to the encrypted processor queues and their target DLQs.
          // Not aws:SourceAccount: the SNS guide says EventBridge deliveries to encrypted topics
          // do not support it, the SQS guide does not list it for EventBridge either, and a
          // StringEquals on a key the request lacks denies every delivery (events dropped after
          // 24 h). The SQS guide lists CloudWatch Events (EventBridge) among the services that
          // support aws:SourceArn for SSE queues; for a rule target that is the rule's ARN, and
          // this environment's rules are all named <prefix>-..., on any bus:
          // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#sqs-adding-confused-deputy-protection
          Sid: "EventBridgeRulesOfThisEnvironment",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: "*",
          Condition: { ArnLike: { "aws:SourceArn": eventRuleArnPatterns(env, this.prefix) } },
        },
      ],
    };
    this.keys = Object.fromEntries(
      keyPurposes.map((purpose) => {
        const key = new KmsKey(this, `key-${purpose}`, {
          description: `${this.prefix} ${purpose} key`,
          enableKeyRotation: true,
          deletionWindowInDays: env.name === "prod" ? 30 : 7,
          policy: policyDocument([rootStatement, ...serviceStatements[purpose]]),
        });
        new KmsAlias(this, `key-${purpose}-alias`, { name: `alias/${this.prefix}-${purpose}`, targetKeyId: key.keyId });
        return [purpose, key];
      }),
    ) as Record<KeyPurpose, KmsKey>;

    // ---------------------------------------------------------------- alerts
    this.alertsTopic = new SnsTopic(this, "alerts", { name: `${this.prefix}-alerts`, kmsMasterKeyId: this.keys.messaging.arn });
    new SnsTopicPolicy(this, "alerts-policy", {
      arn: this.alertsTopic.arn,
      policy: policyDocument([
        { Sid: "AccountManagesTopic", Effect: "Allow", Principal: { AWS: root }, Action: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes"], Resource: this.alertsTopic.arn },
        {
          Sid: "AwsServicesPublishAlerts",
          Effect: "Allow",
          Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com"] },
          Action: "sns:Publish",
          Resource: this.alertsTopic.arn,
          Condition: sourceAccount,
        },
      ]),
    });
    env.alertEmails.forEach((email, index) => {
      new SnsTopicSubscription(this, `alerts-email-${index}`, { topicArn: this.alertsTopic.arn, protocol: "email", endpoint: email });
    });

    // ---------------------------------------------------------------- secrets + rotation reminders
    const names = secretNames(env.brand, env.name);
    const schedulerRole = new IamRole(this, "rotation-reminder-role", {
      name: `${this.prefix}-rotation-reminders`,
      assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", env.accountId),
    });
    new IamRolePolicy(this, "rotation-reminder-policy", {
      role: schedulerRole.id,
      name: "publish-alerts",
      policy: policyDocument([statements.snsPublish("AlertsTopic", this.alertsTopic.arn), statements.kmsEncryptDecrypt("MessagingKey", this.keys.messaging.arn)]),
    });
    this.secrets = Object.fromEntries(
      (Object.keys(names) as SecretKey[]).map((key) => {
        const secret = new SecretsmanagerSecret(this, `secret-${key}`, {
          name: names[key],
          description: `${key} for ${env.brand} ${env.name}. Set the value with \`aws secretsmanager put-secret-value\`; never in code.`,
          kmsKeyId: this.keys.secrets.arn,
          recoveryWindowInDays: env.name === "prod" ? 30 : 7,
          tags: { owner: env.owner, "rotation-days": String(SECRET_ROTATION_DAYS) },
        });
        // Third-party credentials (Shopify, Recharge, Stripe) cannot be rotated by a Lambda
        // without their dashboards, so the platform reminds a human instead.
        new SchedulerSchedule(this, `secret-${key}-rotation-reminder`, {
          name: `${this.prefix}-rotate-${key}`,
          description: `Reminds ${env.owner} to rotate ${names[key]} every ${SECRET_ROTATION_DAYS} days.`,
          scheduleExpression: `rate(${SECRET_ROTATION_DAYS} days)`,
          flexibleTimeWindow: { mode: "FLEXIBLE", maximumWindowInMinutes: 240 },
          target: {
            arn: this.alertsTopic.arn,
            roleArn: schedulerRole.arn,
            input: JSON.stringify({
              severity: "info",
              check: "secret-rotation",
              message: `Rotate ${names[key]} (owner: ${env.owner}); see docs/runbooks/rotating-secrets.md.`,
            }),
          },
        });
        return [key, secret];
      }),
    ) as Record<SecretKey, SecretsmanagerSecret>;

    // ---------------------------------------------------------------- GitHub OIDC deploy and plan roles
    const oidc = new IamOpenidConnectProvider(this, "github-oidc", { url: githubOidcProviderUrl, clientIdList: [githubOidcAudience] });
    const subjects = githubOidcSubjects(env.githubRepository, env.name);
    const githubTrust = (subject: string) =>
      policyDocument([
        {
          Effect: "Allow",
          Principal: { Federated: oidc.arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: githubOidcAudience, [`${GITHUB_OIDC_HOST}:sub`]: subject } },
        },
      ]);
    this.deployRole = new IamRole(this, "deploy-role", {
      name: githubDeployRoleName(env.brand, env.name),
      description: `Assumed by GitHub Actions of ${env.githubRepository} in its "${env.name}" environment to run cdktf deploy.`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrust(subjects.deploy),
    });
    const deployPolicy = new IamRolePolicy(this, "deploy-policy", {
      role: this.deployRole.id,
      name: "deploy-this-environment",
      policy: policyDocument(deployStatements(env, this.prefix, this.deployRole.arn)),
    });
    suppress(
      deployPolicy,
      "IAM_NO_STAR_ACTION",
      "Terraform creates, updates and deletes every resource of these services for this environment; each service wildcard is limited to the environment's own name prefix.",
    );
    suppress(
      deployPolicy,
      "IAM_NO_STAR_RESOURCE",
      "kms:CreateKey, key/alias listing and vended-log delivery setup (state machine logging) have no resource ARN; everything else names the environment's resources.",
    );

    this.planRole = new IamRole(this, "plan-role", {
      name: githubPlanRoleName(env.brand, env.name),
      description: `Assumed by pull-request workflows of ${env.githubRepository} to run a read-only terraform plan (-lock=false).`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrust(subjects.plan),
    });
    const planPolicy = new IamRolePolicy(this, "plan-policy", {
      role: this.planRole.id,
      name: "plan-this-environment",
      policy: policyDocument(planStatements(env, this.prefix)),
    });
    suppress(
      planPolicy,
      "IAM_NO_STAR_RESOURCE",
      "Refreshing KMS aliases needs kms:ListAliases and kms:ListKeys, which have no resource-level scoping; both are read-only.",
    );

    new TerraformOutput(this, "deploy-role-arn", { value: this.deployRole.arn, description: "Role deploy workflows assume (aws-actions/configure-aws-credentials role-to-assume)." });
    new TerraformOutput(this, "plan-role-arn", { value: this.planRole.arn, description: "Read-only role pull-request plans assume." });
    new TerraformOutput(this, "alerts-topic-arn", { value: this.alertsTopic.arn });
  }
}

/** The only OIDC subject the deploy role trusts: one repository, one GitHub environment. */
export const githubSubject = (env: EnvironmentConfig) => githubOidcSubjects(env.githubRepository, env.name).deploy;

/** Every resource ARN pattern of one environment (its account, region and name prefix). */
const environmentResourceArns = (env: EnvironmentConfig, prefix: string): string[] => {
  const arn = (service: string, resource: string, region = env.region) => `arn:aws:${service}:${region}:${env.accountId}:${resource}`;
  const glueName = `${env.brand}_${env.name}`;
  return [
    `arn:aws:s3:::${env.brand}-*-${env.accountId}-${env.name}`,
    `arn:aws:s3:::${env.brand}-*-${env.accountId}-${env.name}/*`,
    arn("dynamodb", `table/${prefix}-*`),
    arn("lambda", `function:${prefix}-*`),
    arn("lambda", "event-source-mapping:*"),
    arn("sqs", `${prefix}-*`),
    arn("sns", `${prefix}-*`),
    arn("states", `stateMachine:${prefix}-*`),
    arn("events", `event-bus/${prefix}-*`),
    arn("events", "event-bus/aws.partner/shopify.com/*"),
    arn("events", `rule/${prefix}-*`),
    arn("events", `rule/*/${prefix}-*`),
    arn("events", `archive/${prefix}-*`),
    arn("scheduler", `schedule/default/${prefix}-*`),
    arn("logs", `log-group:/aws/lambda/${prefix}-*`),
    arn("logs", `log-group:/aws/vendedlogs/states/${prefix}-*`),
    arn("logs", `log-group:/aws/apigateway/${prefix}-*`),
    arn("secretsmanager", `secret:${env.brand}/${env.name}/*`),
    arn("cloudwatch", `alarm:${prefix}-*`),
    `arn:aws:cloudwatch::${env.accountId}:dashboard/${prefix}-*`,
    arn("glue", "catalog"),
    arn("glue", `database/${glueName}_*`),
    arn("glue", `table/${glueName}_*/*`),
    arn("athena", `workgroup/${prefix}-*`),
    `arn:aws:apigateway:${env.region}::/apis`,
    `arn:aws:apigateway:${env.region}::/apis/*`,
    `arn:aws:apigateway:${env.region}::/tags/*`,
    `arn:aws:iam::${env.accountId}:role/${prefix}-*`,
    `arn:aws:iam::${env.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
    arn("kms", "key/*"),
    arn("kms", `alias/${prefix}-*`),
  ];
};

/**
 * Read-only: what `terraform plan` needs to refresh the environment's resources, and the state
 * (no lock: plans run with -lock=false). No data-plane reads: no lake objects, no secret values.
 */
const planStatements = (env: EnvironmentConfig, prefix: string): PolicyStatement[] => [
  { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [`arn:aws:s3:::${env.stateBucket}`, `arn:aws:s3:::${env.stateBucket}/${env.name}/*`] },
  {
    Sid: "DescribeEnvironment",
    Effect: "Allow",
    Action: [
      "s3:GetBucket*", "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration", "s3:GetMetricsConfiguration", "s3:ListBucket",
      "dynamodb:Describe*", "dynamodb:ListTagsOfResource",
      "lambda:GetFunction*", "lambda:GetPolicy", "lambda:GetEventSourceMapping", "lambda:ListTags", "lambda:ListVersionsByFunction",
      "sqs:GetQueueAttributes", "sqs:ListQueueTags",
      "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic",
      "states:Describe*", "states:ListTagsForResource",
      "events:Describe*", "events:ListTagsForResource", "events:ListTargetsByRule",
      "scheduler:GetSchedule",
      "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
      "cloudwatch:DescribeAlarms", "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource",
      "glue:GetDatabase", "glue:GetTable", "glue:GetTags",
      "athena:GetWorkGroup", "athena:ListTagsForResource",
      "apigateway:GET",
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:GetOpenIDConnectProvider",
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags",
    ],
    Resource: environmentResourceArns(env, prefix),
  },
  { Sid: "ListWithoutResourceScope", Effect: "Allow", Action: ["kms:ListAliases", "kms:ListKeys", "logs:DescribeLogGroups"], Resource: "*" },
  // Scheduler tags live on schedule groups, not schedules (the Service Authorization Reference lists
  // schedule-group as ListTagsForResource's only resource type); the schedules are in "default".
  {
    Sid: "ScheduleGroupTags",
    Effect: "Allow",
    Action: ["scheduler:ListTagsForResource"],
    Resource: `arn:aws:scheduler:${env.region}:${env.accountId}:schedule-group/default`,
  },
];

const deployStatements = (env: EnvironmentConfig, prefix: string, selfArn: string): PolicyStatement[] => {
  const arn = (service: string, resource: string, region = env.region) => `arn:aws:${service}:${region}:${env.accountId}:${resource}`;
  return [
    {
      Sid: "TerraformState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${env.stateBucket}`, `arn:aws:s3:::${env.stateBucket}/${env.name}/*`],
    },
    { Sid: "TerraformLock", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: arn("dynamodb", `table/${env.stateLockTable}`) },
    {
      Sid: "EnvironmentResources",
      Effect: "Allow",
      Action: ["s3:*", "dynamodb:*", "lambda:*", "sqs:*", "sns:*", "states:*", "events:*", "scheduler:*", "logs:*", "secretsmanager:*", "cloudwatch:*", "glue:*", "athena:*", "apigateway:*", "iam:*"],
      Resource: environmentResourceArns(env, prefix).filter((pattern) => !pattern.includes(":kms:")),
    },
    {
      // Keys get generated ids, but they all live in this environment's account.
      Sid: "EnvironmentKeys",
      Effect: "Allow",
      Action: [
        "kms:CreateAlias",
        "kms:DeleteAlias",
        "kms:UpdateAlias",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:PutKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:EnableKeyRotation",
        "kms:ListResourceTags",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CreateGrant",
        "kms:ListGrants",
        "kms:RevokeGrant",
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:GenerateDataKey",
      ],
      Resource: [arn("kms", "key/*"), arn("kms", `alias/${prefix}-*`)],
    },
    {
      // Creating keys, listing, and vended-log delivery (state machine logging) have no resource ARN.
      Sid: "CreateAndDiscover",
      Effect: "Allow",
      Action: [
        "kms:CreateKey",
        "kms:ListAliases",
        "kms:ListKeys",
        "logs:DescribeLogGroups",
        ...logDeliveryActions,
        // API Gateway has no TagResource/UntagResource actions: tagging is apigateway:PUT and
        // apigateway:DELETE on arn:aws:apigateway:<region>::/tags/<arn>, which EnvironmentResources
        // grants through apigateway:* on /tags/*.
      ],
      Resource: "*",
    },
    {
      // The role must not widen its own permissions or trust.
      Sid: "NoSelfEscalation",
      Effect: "Deny",
      Action: ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"],
      Resource: selfArn,
    },
  ];
};
