/**
 * Analytics: orders_enriched and the curated views on Athena, and the data-quality checks.
 *
 * WHAT THE ANALYTICS ISSUE ADDS HERE: the daily ETL workflow (Step Functions with the Athena
 * `.sync` integration running etl/sql in the lake stack's workgroup `props.lake.workgroup`) via
 * the `StateMachine` module (modules/state-machine.ts), with `stateMachine.addStatement(...)` and
 * the policies/iam.ts builders: `statements.athenaQuery(sid, props.lake.workgroup.arn)`,
 * `statements.glueCatalog(sid, region, account, props.lake.glueDatabase.name, true)`,
 * `statements.objectsRead/objectsWrite(sid, bucketArn, prefix)` for raw/, snapshots/, processed/,
 * curated/ and athena-results/, plus the lake key; the data-quality function's CloudWatch reads
 * with `fn.addStatement(statements.metricsRead())`. Its schedule through `this.scheduler.grantStartExecution(...)` +
 * `this.scheduler.schedule(...)`; a failure alert with `this.alarms`. Dashboard widgets go in
 * stacks/monitoring.ts (`dashboard.addSection`).
 *
 * Already here: the data-quality function (when functions/data-quality/handler.ts exists) and the
 * nightly payments reconciliation (payments-reconcile) with the grants of their specs, each run
 * daily by EventBridge Scheduler on its own schedule (`functionSchedules`), and the scheduler role.
 */
import { CloudwatchEventRule } from "@cdktn/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktn/provider-aws/lib/cloudwatch-event-target";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import type { Construct } from "constructs";
import { ANALYTICS_SCHEDULE, analyticsWorkflowDefinition, backfillRequestPattern, backfillStateMachineName } from "../contracts/analytics-workflow";
import { envVars } from "../contracts/env-vars";
import { platformBusName, routes } from "../contracts/events";
import { GDPR_REQUEST_EVENT } from "../contracts/gdpr";
import { gdprRedactionDefinition, gdprRedactionStateMachineName } from "../contracts/gdpr-workflow";
import { lakePrefixes, ORDERS_ENRICHED_PREFIX } from "../contracts/lake-layout";
import { athenaWorkflowSql } from "../etl/athena";
import { StateMachine } from "../modules/state-machine";
import { policyDocument, serviceTrustPolicy, statements } from "../policies/iam";
import type { EnvironmentConfig } from "../config/schema";
import { loadRetention } from "../config/retention";
import { AlarmFactory } from "../modules/alarms";
import { EventTargetDlq } from "../modules/event-target-dlq";
import type { EffectFunction } from "../modules/effect-function";
import { SchedulerRole } from "../modules/scheduler-role";
import type { FoundationStack } from "./foundation";
import type { HotStoresStack } from "./hot-stores";
import type { LakeStack } from "./lake";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";
import { buildSpecFunction, specEntry, specFunctionDeps, specsOfLayer, type FunctionEntryResolver } from "./spec-functions";

export interface AnalyticsStackProps {
  readonly foundation: FoundationStack;
  readonly lake: LakeStack;
  readonly hotStores: HotStoresStack;
  readonly functionEntry?: FunctionEntryResolver;
  readonly bundleCacheDir?: string;
}

/** When the daily data-quality run starts (UTC): after the nightly reconciliation. */
export const DATA_QUALITY_SCHEDULE = "cron(30 5 * * ? *)";

/**
 * When the nightly payments reconciliation (payments-reconcile) starts (UTC): after Stripe's and
 * Recharge's day has closed, with the Shopify re-export (stacks/backfill.ts), before the analytics
 * workflow and the data-quality run read the lake.
 */
export const PAYMENTS_RECONCILE_SCHEDULE = "cron(30 2 * * ? *)";

/** The daily GDPR overdue check (the 25-day alarm's metric) and the retention purge (after the nightly jobs, before the analytics run reads the lake). */
export const GDPR_OVERDUE_SCHEDULE = "cron(0 6 * * ? *)";
export const RETENTION_PURGE_SCHEDULE = "cron(0 4 * * ? *)";

/** The schedule of each scheduled function of the layer (a scheduled function without one fails synth). */
export const functionSchedules: Readonly<Record<string, string>> = {
  "data-quality": DATA_QUALITY_SCHEDULE,
  "payments-reconcile": PAYMENTS_RECONCILE_SCHEDULE,
  "gdpr-overdue": GDPR_OVERDUE_SCHEDULE,
  "retention-purge": RETENTION_PURGE_SCHEDULE,
};

/** What a scheduled function gets beyond `{"source":"schedule"}`: the retention purge its environment's policy (config/retention.ts). */
export const functionScheduleInputs: Readonly<Record<string, (env: EnvironmentConfig) => Record<string, unknown>>> = {
  "retention-purge": (env) => ({ policy: loadRetention(env.name) }),
};

export class AnalyticsStack extends PlatformStack {
  readonly alarms: AlarmFactory;
  readonly functions: Record<string, EffectFunction> = {};
  readonly scheduler: SchedulerRole;
  /** The daily Athena workflow (present when the data-quality function is built). */
  readonly workflow?: StateMachine;
  /** The GDPR redaction workflow (present when the gdpr-redact function is built). */
  readonly gdprRedaction?: StateMachine;

  constructor(
    scope: Construct,
    env: EnvironmentConfig,
    readonly props: AnalyticsStackProps,
    options: PlatformStackOptions = {},
  ) {
    super(scope, env, "analytics", options);
    const { foundation } = props;
    this.alarms = new AlarmFactory(this.prefix, foundation.alertsTopic.arn);
    this.scheduler = new SchedulerRole(this, "scheduler", { roleName: `${this.prefix}-analytics-scheduler`, accountId: env.accountId });

    // The platform bus lives in the ingestion layer; its name and ARN follow from the environment.
    const platformBus = {
      name: platformBusName(env.brand, env.name),
      arn: `arn:aws:events:${env.region}:${env.accountId}:event-bus/${platformBusName(env.brand, env.name)}`,
    };
    for (const { spec, entry } of specsOfLayer("analytics", props.functionEntry ?? specEntry)) {
      const fn = buildSpecFunction(
        this,
        spec,
        entry,
        specFunctionDeps(props, { env, prefix: this.prefix, alarms: this.alarms, platformBus, bundleCacheDir: props.bundleCacheDir }),
      );
      this.functions[spec.name] = fn;
      if (spec.trigger === "schedule") {
        const expression = functionSchedules[spec.name];
        if (expression === undefined) throw new Error(`${spec.name} has trigger "schedule" but no entry in functionSchedules (stacks/analytics.ts)`);
        this.scheduler.grantInvoke(`Invoke${spec.name.replace(/[^A-Za-z0-9]/g, "")}`, fn.arn);
        this.scheduler.schedule(this, `${spec.name}-schedule`, {
          scheduleName: `${this.prefix}-${spec.name}`,
          description: `Runs ${spec.name} daily.`,
          expression,
          targetArn: fn.arn,
          input: { source: "schedule", ...functionScheduleInputs[spec.name]?.(env) },
        });
      }
    }

    // The retention purge alone deletes expired raw/ partitions (a spec grant never deletes on raw/):
    // functions/retention/purge.ts deletes only partitions entirely outside their window.
    this.functions["retention-purge"]?.addStatement({
      Sid: "RetentionDeleteRaw",
      Effect: "Allow",
      Action: ["s3:DeleteObject"],
      Resource: [`${props.lake.lake.bucket.arn}/${lakePrefixes.raw}*`],
    });

    const dataQuality = this.functions["data-quality"];
    if (dataQuality) this.workflow = this.analyticsWorkflow(env, dataQuality.arn, this.functions["gdpr-index-parquet"]?.arn);
    const redact = this.functions["gdpr-redact"];
    if (redact) this.gdprRedaction = this.gdprRedactionWorkflow(env, redact);
  }

  private sharedRuleTargetDlq?: EventTargetDlq;

  /** The layer's one DLQ of rule targets (backfill requests, GDPR requests): made on first use, each rule allowed to send. */
  private ruleTargetDlq(): EventTargetDlq {
    this.sharedRuleTargetDlq ??= new EventTargetDlq(this, "rule-target-dlq", {
      queueName: `${this.prefix}-analytics-events-dlq`,
      kmsKeyArn: this.props.foundation.keys.messaging.arn,
      alarms: this.alarms,
    });
    return this.sharedRuleTargetDlq;
  }

  /**
   * The GDPR redaction workflow (contracts/gdpr-workflow.ts): every step invokes gdpr-redact. The
   * function alone may delete raw objects and every object version (its spec's grants never delete
   * on raw/), list versions, and drain the processors' dead-letter queues of the subject's letters.
   * A customer-redact request on the platform bus (GDPR_REQUEST_EVENT) starts an execution.
   */
  private gdprRedactionWorkflow(env: EnvironmentConfig, redact: EffectFunction): StateMachine {
    const { foundation, lake } = this.props;
    const bucket = lake.lake.bucket;
    const deadLetterQueues = [...new Set(routes.map((route) => route.processor))].sort().map((processor) => `${this.prefix}-${processor}-dlq`);
    redact
      .addStatement({
        Sid: "GdprListVersions",
        Effect: "Allow",
        Action: ["s3:ListBucketVersions"],
        Resource: [bucket.arn],
        Condition: { StringLike: { "s3:prefix": [lakePrefixes.raw, lakePrefixes.snapshots, lakePrefixes.processed, lakePrefixes.curated].map((prefix) => `${prefix}*`) } },
      })
      .addStatement({
        Sid: "GdprDeleteObjectsAndVersions",
        Effect: "Allow",
        Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
        Resource: [lakePrefixes.raw, lakePrefixes.snapshots, lakePrefixes.processed, lakePrefixes.curated].map((prefix) => `${bucket.arn}/${prefix}*`),
      })
      .addStatement({
        Sid: "GdprDeadLetters",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        Resource: deadLetterQueues.map((name) => `arn:aws:sqs:${env.region}:${env.accountId}:${name}`),
      })
      .addStatement(statements.kmsEncryptDecrypt("GdprMessagingKey", foundation.keys.messaging.arn))
      .addEnvironment(envVars.gdprDeadLetterQueueUrls, deadLetterQueues.map((name) => `https://sqs.${env.region}.amazonaws.com/${env.accountId}/${name}`).join(","));
    const name = gdprRedactionStateMachineName(this.prefix);
    const workflow = new StateMachine(this, "gdpr-redaction", {
      stateMachineName: name,
      definition: gdprRedactionDefinition({ redactFunction: redact.arn }),
      type: "STANDARD",
      accountId: env.accountId,
      logRetentionDays: env.logRetentionDays,
      logsKeyArn: foundation.keys.logs.arn,
      alarms: this.alarms,
    });
    workflow.grantInvoke("InvokeGdprRedact", redact.arn);

    const targetRole = new IamRole(this, "gdpr-request-role", {
      name: `${this.prefix}-gdpr-request`,
      assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", env.accountId),
    });
    new IamRolePolicy(this, "gdpr-request-policy", {
      name: "start-gdpr-redaction",
      role: targetRole.id,
      policy: policyDocument([statements.startExecution("StartGdprRedaction", workflow.arn)]),
    });
    const rule = new CloudwatchEventRule(this, "gdpr-request-rule", {
      name: `${this.prefix}-gdpr-redaction-requests`,
      description: "A customer-redact GDPR request -> a redaction run (shop/redact is never run automatically).",
      eventBusName: platformBusName(env.brand, env.name),
      eventPattern: JSON.stringify({ source: [GDPR_REQUEST_EVENT.source], "detail-type": [GDPR_REQUEST_EVENT.detailType], detail: { kind: ["customer-redact"] } }),
    });
    // The layer's one rule DLQ: a dead request carries RULE_ARN (this rule) and is re-sent from there (docs/runbooks/replaying-events.md).
    const targetDlq = this.ruleTargetDlq();
    new CloudwatchEventTarget(this, "gdpr-request-target", {
      rule: rule.name,
      eventBusName: platformBusName(env.brand, env.name),
      arn: workflow.arn,
      roleArn: targetRole.arn,
      inputPath: "$.detail",
      ...targetDlq.forRule(rule),
    });
    return workflow;
  }

  /**
   * The daily Athena workflow (contracts/analytics-workflow.ts over the etl/sql files), its
   * schedule, and the rule that turns the data-quality function's backfill requests into backfill
   * executions (reconciliation closes the loop). Failures alert through the workflow's own
   * NotifyFailure state and the StateMachine module's ExecutionsFailed alarm.
   */
  private analyticsWorkflow(env: EnvironmentConfig, dataQualityArn: string, indexParquetArn: string | undefined): StateMachine {
    const { foundation, lake } = this.props;
    const bucket = lake.lake.bucket;
    const workgroupArn = `arn:aws:athena:${env.region}:${env.accountId}:workgroup/${lake.workgroup.name}`;
    const glue = `arn:aws:glue:${env.region}:${env.accountId}`;
    const workflowName = `${this.prefix}-analytics`;
    const workflow = new StateMachine(this, "analytics-workflow", {
      stateMachineName: workflowName,
      definition: analyticsWorkflowDefinition(
        {
          bucket: bucket.bucket,
          workgroup: lake.workgroup.name,
          database: lake.glueDatabase.name,
          dataQualityFunctionArn: dataQualityArn,
          alertsTopicArn: foundation.alertsTopic.arn,
          // Each rewritten partition's files into the GDPR subject index (IndexPartition).
          ...(indexParquetArn !== undefined ? { indexParquetFunctionArn: indexParquetArn } : {}),
        },
        // Days (dt) in the shop's time zone: the environment's shopTimezone (config/schema.ts), bound into every statement.
        athenaWorkflowSql(env.shopTimezone),
      ),
      type: "STANDARD",
      accountId: env.accountId,
      logRetentionDays: env.logRetentionDays,
      logsKeyArn: foundation.keys.logs.arn,
      alarms: this.alarms,
    });
    workflow
      // The Distributed Map (RewritePartitions) runs each date as a child execution of this state
      // machine; ARNs built from the name, since the role cannot refer to the machine it runs.
      // (the IAM section of https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html)
      .addStatement({
        Sid: "DistributedMapStartChildren",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [`arn:aws:states:${env.region}:${env.accountId}:stateMachine:${workflowName}`],
      })
      .addStatement({
        Sid: "DistributedMapManageChildren",
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:StopExecution"],
        Resource: [`arn:aws:states:${env.region}:${env.accountId}:execution:${workflowName}/*`],
      })
      .addStatement({
        Sid: "AthenaQueries",
        Effect: "Allow",
        Action: ["athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup"],
        Resource: [workgroupArn],
      })
      .addStatement({
        Sid: "GlueCatalog",
        Effect: "Allow",
        // CREATE OR REPLACE VIEW writes the view's table in the catalogue.
        Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:CreateTable", "glue:UpdateTable"],
        Resource: [`${glue}:catalog`, `${glue}:database/${lake.glueDatabase.name}`, `${glue}:table/${lake.glueDatabase.name}/*`],
      })
      .addStatement({ Sid: "LakeList", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucket.arn] })
      .addStatement({
        Sid: "LakeRead",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [lakePrefixes.raw, lakePrefixes.snapshots, lakePrefixes.processed, lakePrefixes.athenaResults].map((prefix) => `${bucket.arn}/${prefix}*`),
      })
      .addStatement({
        Sid: "LakeWrite",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: [`${bucket.arn}/${ORDERS_ENRICHED_PREFIX}*`, `${bucket.arn}/${lakePrefixes.athenaResults}*`],
      })
      .addStatement(statements.kmsEncryptDecrypt("LakeKey", foundation.keys.lake.arn))
      .addStatement(statements.snsPublish("Alerts", foundation.alertsTopic.arn))
      .addStatement(statements.kmsEncryptDecrypt("MessagingKey", foundation.keys.messaging.arn))
      .grantInvoke("InvokeDataQuality", dataQualityArn);
    if (indexParquetArn !== undefined) workflow.grantInvoke("InvokeGdprIndexParquet", indexParquetArn);

    this.scheduler.grantStartExecution("StartAnalytics", workflow.arn);
    this.scheduler.schedule(this, "analytics-schedule", {
      scheduleName: `${this.prefix}-analytics`,
      description: "Runs the analytics workflow daily: orders_enriched partitions, views, data-quality checks.",
      expression: ANALYTICS_SCHEDULE,
      targetArn: workflow.arn,
      input: { source: "schedule" },
    });

    // Backfill requests from the data-quality function start the backfill workflow with $.detail.
    const backfillArn = `arn:aws:states:${env.region}:${env.accountId}:stateMachine:${backfillStateMachineName(this.prefix)}`;
    const targetRole = new IamRole(this, "backfill-request-role", {
      name: `${this.prefix}-backfill-request`,
      assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", env.accountId),
    });
    new IamRolePolicy(this, "backfill-request-policy", {
      name: "start-backfill",
      role: targetRole.id,
      policy: policyDocument([statements.startExecution("StartBackfill", backfillArn)]),
    });
    const rule = new CloudwatchEventRule(this, "backfill-request-rule", {
      name: `${this.prefix}-backfill-requests`,
      description: "Data-quality gaps -> a backfill of those days.",
      eventBusName: platformBusName(env.brand, env.name),
      eventPattern: JSON.stringify(backfillRequestPattern()),
    });
    const targetDlq = this.ruleTargetDlq();
    new CloudwatchEventTarget(this, "backfill-request-target", {
      rule: rule.name,
      eventBusName: platformBusName(env.brand, env.name),
      arn: backfillArn,
      roleArn: targetRole.arn,
      inputPath: "$.detail",
      ...targetDlq.forRule(rule),
    });
    return workflow;
  }
}
