/**
 * Foundation: the KMS keys every other layer encrypts with, the Secrets Manager secrets (values
 * are set out of band, never in code), rotation reminders and the alerts topic. The CI roles are
 * in the bootstrap stack (stacks/bootstrap.ts).
 */
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
import { githubOidcSubjects } from "../contracts/naming";
import type { SecretKey } from "../contracts/functions";
import { accountRootArn, policyDocument, serviceTrustPolicy, statements, type PolicyStatement } from "../policies/iam";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";

export type KeyPurpose = "lake" | "tables" | "logs" | "messaging" | "secrets";
export const keyPurposes: ReadonlyArray<KeyPurpose> = ["lake", "tables", "logs", "messaging", "secrets"];

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
        {
          Sid: "AccountManagesTopic",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:SetTopicAttributes"],
          Resource: this.alertsTopic.arn,
        },
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

    // The GitHub OIDC provider and the CI deploy and plan roles live in the bootstrap stack
    // (stacks/bootstrap.ts), which CI never applies.
    new TerraformOutput(this, "alerts-topic-arn", { value: this.alertsTopic.arn });
  }
}

/** The only OIDC subject the deploy role trusts: one repository, one GitHub environment. */
export const githubSubject = (env: EnvironmentConfig) => githubOidcSubjects(env.githubRepository, env.name).deploy;
