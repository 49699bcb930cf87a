/**
 * Monitoring: the environment's dashboard and the alarms that span layers. Later issues add
 * sections with `this.dashboard.addSection(title, widgets)` and alarms with `this.alarms`
 * (every alarm goes to the alerts topic). Starts with the hot stores, the lake and ingestion.
 */
import { GDPR_DUE_DAYS, GDPR_OVERDUE_ALARM_DAYS, GDPR_OVERDUE_METRIC } from "../contracts/gdpr";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { tableKeys } from "../contracts/tables";
import { AlarmFactory } from "../modules/alarms";
import { Dashboard, type MetricLine } from "../modules/dashboard";
import type { AnalyticsStack } from "./analytics";
import type { BackfillStack } from "./backfill";
import type { FoundationStack } from "./foundation";
import type { HotStoresStack } from "./hot-stores";
import type { IngestionStack } from "./ingestion";
import type { LakeStack } from "./lake";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";

/**
 * DynamoDB publishes SuccessfulRequestLatency per TableName *and* Operation: a line without
 * Operation matches no metric and the widget stays empty. These are the operations the functions
 * call (lib-dynamodb Get/Query/Put/Update commands).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */
export const latencyOperations = { reads: ["GetItem", "Query"], writes: ["PutItem", "UpdateItem"] } as const;

/** CloudWatch namespace of the functions' EMF metrics (functions/kernel/live/metrics.ts METRICS_NAMESPACE; a test keeps them equal). */
export const FUNCTION_METRICS_NAMESPACE = "ShopifyDataPlatform";

export interface MonitoringStackProps {
  readonly foundation: FoundationStack;
  readonly lake: LakeStack;
  readonly hotStores: HotStoresStack;
  readonly ingestion: IngestionStack;
  readonly backfill: BackfillStack;
  readonly analytics: AnalyticsStack;
}

export class MonitoringStack extends PlatformStack {
  readonly dashboard: Dashboard;
  readonly alarms: AlarmFactory;

  constructor(
    scope: Construct,
    env: EnvironmentConfig,
    readonly props: MonitoringStackProps,
    options: PlatformStackOptions = {},
  ) {
    super(scope, env, "monitoring", options);
    this.alarms = new AlarmFactory(this.prefix, props.foundation.alertsTopic.arn);
    this.dashboard = new Dashboard(this, "dashboard", { name: `${this.prefix}-platform`, region: env.region });

    const tables = tableKeys.map((key) => props.hotStores.tables[key].name);
    const perTable = (metricName: string, stat = "Sum"): MetricLine[] => tables.map((name) => ["AWS/DynamoDB", metricName, "TableName", name, { stat }]);
    const latencyPerTable = (operations: ReadonlyArray<string>): MetricLine[] =>
      tables.flatMap((name) =>
        operations.map((operation): MetricLine => ["AWS/DynamoDB", "SuccessfulRequestLatency", "TableName", name, "Operation", operation, { stat: "Average" }]),
      );
    this.dashboard.addSection("Hot stores (DynamoDB)", [
      { title: "Consumed read capacity", metrics: perTable("ConsumedReadCapacityUnits") },
      { title: "Consumed write capacity", metrics: perTable("ConsumedWriteCapacityUnits") },
      { title: "Throttled reads", metrics: perTable("ReadThrottleEvents") },
      { title: "Throttled writes", metrics: perTable("WriteThrottleEvents") },
      { title: "Conditional check failures (stale updates)", metrics: perTable("ConditionalCheckFailedRequests") },
      { title: "Successful request latency: reads", metrics: latencyPerTable(latencyOperations.reads), stat: "Average" },
      { title: "Successful request latency: writes", metrics: latencyPerTable(latencyOperations.writes), stat: "Average" },
    ]);

    const bucket = props.lake.lake.bucket.bucket;
    const storage = (metricName: string, storageType: string): MetricLine => ["AWS/S3", metricName, "BucketName", bucket, "StorageType", storageType, { stat: "Average" }];
    const requests = (metricName: string): MetricLine => ["AWS/S3", metricName, "BucketName", bucket, "FilterId", "EntireBucket", { stat: "Sum" }];
    this.dashboard.addSection("Data lake (S3)", [
      {
        title: "Bucket size by storage class",
        metrics: [storage("BucketSizeBytes", "StandardStorage"), storage("BucketSizeBytes", "StandardIAStorage"), storage("BucketSizeBytes", "GlacierInstantRetrievalStorage")],
        stat: "Average",
        periodSeconds: 86400,
      },
      { title: "Objects", metrics: [storage("NumberOfObjects", "AllStorageTypes")], stat: "Average", periodSeconds: 86400 },
      { title: "Requests", metrics: [requests("PutRequests"), requests("GetRequests")] },
      { title: "Errors", metrics: [requests("4xxErrors"), requests("5xxErrors")] },
    ]);
    this.alarms.metric(this, "lake-5xx", {
      name: "lake-5xx-errors",
      description: "S3 returns server errors for the data lake: raw writes retry, but sustained errors delay ingestion.",
      namespace: "AWS/S3",
      metricName: "5xxErrors",
      dimensions: { BucketName: bucket, FilterId: "EntireBucket" },
      threshold: 10,
    });

    const functionNames = [...Object.values(props.ingestion.functions), ...Object.values(props.backfill.functions), ...Object.values(props.analytics.functions)].map(
      (fn) => fn.props.functionName,
    );
    if (functionNames.length > 0) {
      const perFunction = (metricName: string, stat = "Sum"): MetricLine[] => functionNames.map((name) => ["AWS/Lambda", metricName, "FunctionName", name, { stat }]);
      this.dashboard.addSection("Functions", [
        { title: "Invocations", metrics: perFunction("Invocations") },
        { title: "Errors", metrics: perFunction("Errors") },
        { title: "Throttles", metrics: perFunction("Throttles") },
        { title: "Duration p95", metrics: perFunction("Duration", "p95"), stat: "p95" },
      ]);
    }
    const queues = Object.values(props.ingestion.processorQueues).map((queue) => queue.props.queueName);
    if (queues.length > 0) {
      this.dashboard.addSection("Ingestion queues", [
        {
          title: "Dead-letter queue depth",
          metrics: queues.map((name) => ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", `${name}-dlq`, { stat: "Maximum" }]),
          stat: "Maximum",
        },
        {
          title: "Age of oldest message (s)",
          metrics: queues.map((name) => ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", name, { stat: "Maximum" }]),
          stat: "Maximum",
        },
      ]);
    }

    // Backfill runs and the analytics workflow (ETL), from Step Functions' own metrics.
    const stateMachineLines = (arn: string): MetricLine[] => [
      ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", arn, { stat: "Sum" }],
      ["AWS/States", "ExecutionsFailed", "StateMachineArn", arn, { stat: "Sum" }],
      ["AWS/States", "ExecutionsTimedOut", "StateMachineArn", arn, { stat: "Sum" }],
    ];
    const backfillArn = props.backfill.workflow?.arn;
    if (backfillArn) {
      this.dashboard.addSection("Backfill runs", [
        { title: "Backfill executions", metrics: stateMachineLines(backfillArn), periodSeconds: 3600 },
        { title: "Backfill run time (ms)", metrics: [["AWS/States", "ExecutionTime", "StateMachineArn", backfillArn, { stat: "Maximum" }]], stat: "Maximum", periodSeconds: 3600 },
      ]);
    }
    const analyticsArn = props.analytics.workflow?.arn;
    if (analyticsArn) {
      this.dashboard.addSection("Analytics ETL (Athena workflow)", [
        { title: "ETL executions", metrics: stateMachineLines(analyticsArn), periodSeconds: 86400 },
        { title: "ETL run time (ms)", metrics: [["AWS/States", "ExecutionTime", "StateMachineArn", analyticsArn, { stat: "Maximum" }]], stat: "Maximum", periodSeconds: 86400 },
      ]);
    }
    // Data quality: the EMF metrics of functions/data-quality/handler-program.ts (dimension FunctionName).
    const dataQuality = props.analytics.functions["data-quality"]?.props.functionName;
    if (dataQuality) {
      const dq = (metricName: string): MetricLine => [FUNCTION_METRICS_NAMESPACE, metricName, "FunctionName", dataQuality, { stat: "Maximum" }];
      this.dashboard.addSection("Data quality", [
        { title: "Failed checks (error / warning)", metrics: [dq("DataQualityErrors"), dq("DataQualityWarnings")], stat: "Maximum", periodSeconds: 86400 },
        { title: "Missing Shopify order numbers", metrics: [dq("MissingOrderNumbers")], stat: "Maximum", periodSeconds: 86400 },
      ]);
      // Not "data-quality-errors": that is the data-quality function's own Lambda Errors alarm
      // (EffectFunction names it <function>-errors in the analytics stack).
      this.alarms.metric(this, "data-quality-errors", {
        name: "data-quality-failed-checks",
        description: "A data-quality check failed with severity error (gaps, short bulk export, stale source, duplicates): see metadata/data-quality/.",
        namespace: FUNCTION_METRICS_NAMESPACE,
        metricName: "DataQualityErrors",
        dimensions: { FunctionName: dataQuality },
        statistic: "Maximum",
        threshold: 1,
        periodSeconds: 86400,
      });
    }
    // The 25-day alarm: GDPR requests older than GDPR_OVERDUE_ALARM_DAYS and not complete,
    // counted daily by the gdpr-overdue function (functions/gdpr/overdue.ts, EMF, dimension FunctionName).
    const gdprOverdue = props.analytics.functions["gdpr-overdue"]?.props.functionName;
    if (gdprOverdue) {
      this.dashboard.addSection("GDPR requests", [
        {
          title: `Requests older than ${GDPR_OVERDUE_ALARM_DAYS} days, not complete`,
          metrics: [[FUNCTION_METRICS_NAMESPACE, GDPR_OVERDUE_METRIC, "FunctionName", gdprOverdue, { stat: "Maximum" }]],
          stat: "Maximum",
          periodSeconds: 86400,
        },
      ]);
      this.alarms.metric(this, "gdpr-requests-overdue", {
        name: "gdpr-requests-overdue",
        description: `A GDPR request is older than ${GDPR_OVERDUE_ALARM_DAYS} days and not complete (legal window ${GDPR_DUE_DAYS} days): run \`sdp gdpr requests\` and finish or resume it (docs/data-classification.md).`,
        namespace: FUNCTION_METRICS_NAMESPACE,
        metricName: GDPR_OVERDUE_METRIC,
        dimensions: { FunctionName: gdprOverdue },
        statistic: "Maximum",
        threshold: 1,
        periodSeconds: 86400,
      });
    }
  }
}
