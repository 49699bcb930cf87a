/**
 * The daily analytics workflow on Athena, described once (plain data: the SQL text is passed in
 * by the analytics stack from etl/sql, the same files DuckDB runs locally).
 *
 *   ResolveRunDate (input "date" or the execution's UTC start date)
 *   CreateSourceViews   Map: CREATE OR REPLACE VIEW for each source relation (raw_*, snapshot_*)
 *   FindPartitions      Athena .sync: the partitions to rewrite (affected dates, or all with "full")
 *   ReadPartitions      athena:getQueryResults, one page of at most 1,000 rows
 *   RewritePartitions   Distributed Map over the page (one date at a time, each in its own child
 *                       execution): list + delete the partition's objects, then
 *                       INSERT INTO orders_enriched ... WHERE dt = <date> (.sync): idempotent re-runs,
 *                       then IndexPartition (lambda:invoke gdpr-index-parquet, when given): the
 *                       partition's new files into the GDPR subject index
 *   MorePartitions      NextToken present? -> ReadMorePartitions (next page) -> RewritePartitions
 *   CreateViews         Map: CREATE OR REPLACE VIEW for the curated views
 *   QualityQueries      Parallel .sync: order-number gaps, duplicates
 *   DataQuality         lambda:invoke the data-quality function with the result locations
 *   any failure         -> NotifyFailure (SNS alerts topic) -> Fail
 *
 * An Athena INSERT writes at most 100 partitions, so partitions are rewritten one by one; a full
 * rebuild (`{"full": true}`) walks every order date the same way. Ten years are ~3,650 dates:
 * GetQueryResults returns at most 1,000 rows a call, so the dates are read page by page
 * (NextToken), and a Standard execution's history holds at most 25,000 events, which an inline
 * Map spends at ~6 per date. A Distributed Map runs each date as a child execution with its own
 * history; the parent records a handful of events per page, whatever the page holds.
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 *
 * No ItemReader (it would read the Athena result CSV from S3) and no ItemBatcher: the local runner,
 * aws-local-stepfunctions 3.x, supports neither (it runs a Distributed Map's ItemProcessor inline
 * over ItemsPath), and this definition is the one both run (local/analytics-state-machine.ts).
 */

import { ORDERS_ENRICHED_PREFIX } from "./lake-layout";

/** `source` and `detail-type` of the data-quality function's backfill request on the platform bus. */
export const DATA_QUALITY_SOURCE = "sdp.data-quality";
export const BACKFILL_REQUESTED_DETAIL_TYPE = "backfillRequested";

/** Platform-bus pattern of backfill requests: a rule starts the backfill state machine with `$.detail`. */
export const backfillRequestPattern = () => ({
  source: [DATA_QUALITY_SOURCE],
  "detail-type": [BACKFILL_REQUESTED_DETAIL_TYPE],
});

/** Name of the backfill state machine (stacks/backfill.ts): the target of backfill requests. */
export const backfillStateMachineName = (prefix: string) => `${prefix}-backfill`;

/** When the analytics workflow starts (UTC): after the nightly reconciliation backfill. */
export const ANALYTICS_SCHEDULE = "cron(0 5 * * ? *)";

export interface AnalyticsWorkflowResources {
  readonly bucket: string;
  readonly workgroup: string;
  readonly database: string;
  readonly dataQualityFunctionArn: string;
  readonly alertsTopicArn: string;
  /**
   * The function that indexes a rewritten partition's files in the GDPR subject index
   * (functions/gdpr/index-parquet.ts); without it the partition is not indexed. Athena names its
   * files itself, so they are listed and read after the INSERT. The curated views are views (no files).
   */
  readonly indexParquetFunctionArn?: string;
}

export interface AnalyticsWorkflowSql {
  /** SELECT producing orders_enriched's columns in table order, dt last. */
  readonly ordersEnriched: string;
  /** SELECT dt ... with {{run_date}} placeholders. */
  readonly affectedDates: string;
  /** CREATE OR REPLACE VIEW statements over the Glue tables (engine adapters of the sources). */
  readonly sourceViews: ReadonlyArray<string>;
  readonly views: ReadonlyArray<{ readonly name: string; readonly sql: string }>;
  /** SELECTs; the gaps query has {{run_date}} placeholders. */
  readonly quality: { readonly orderNumberGaps: string; readonly processedDuplicates: string };
}

/** The orders_enriched prefix the workflow rewrites (contracts/lake-layout.ts). */
export { ORDERS_ENRICHED_PREFIX };

/** Rows per GetQueryResults call (the API's maximum). */
export const PARTITION_PAGE_SIZE = 1000;

/** How many dates a full rebuild rewrites at once (Athena INSERTs, one partition each). */
export const PARTITION_REWRITE_CONCURRENCY = 1;

/**
 * A string for the States.Format intrinsic: its special characters escaped, {{run_date}} turned
 * into `{}` placeholders. Returns the template and how many arguments it needs.
 */
export const statesFormatTemplate = (text: string): { readonly template: string; readonly placeholders: number } => {
  const parts = text.split("{{run_date}}");
  const escaped = parts.map((part) => part.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\{/g, "\\{").replace(/\}/g, "\\}"));
  return { template: escaped.join("{}"), placeholders: parts.length - 1 };
};

const formatWithRunDate = (sql: string, runDatePath: string) => {
  const { template, placeholders } = statesFormatTemplate(sql);
  return placeholders === 0 ? undefined : `States.Format('${template}'${`, ${runDatePath}`.repeat(placeholders)})`;
};

const retryAthena = [
  {
    ErrorEquals: ["Athena.TooManyRequestsException", "Athena.InternalServerException", "States.Timeout"],
    IntervalSeconds: 5,
    MaxAttempts: 5,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  },
];
const retryLambda = [
  {
    ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Throttled", "Transient"],
    IntervalSeconds: 2,
    MaxAttempts: 4,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  },
];
const retryAws = [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "FULL" }];

const athenaQuery = (resources: AnalyticsWorkflowResources, query: { readonly literal?: string; readonly expression?: string }) => ({
  Type: "Task",
  Resource: "arn:aws:states:::athena:startQueryExecution.sync",
  Parameters: {
    ...(query.expression ? { "QueryString.$": query.expression } : { QueryString: query.literal }),
    WorkGroup: resources.workgroup,
    QueryExecutionContext: { Database: resources.database },
  },
  Retry: retryAthena,
});

const mapOverStatements = (resources: AnalyticsWorkflowResources, itemsPath: string, next: string, stateName: string) => ({
  Type: "Map",
  ItemsPath: itemsPath,
  MaxConcurrency: 1,
  ItemProcessor: {
    ProcessorConfig: { Mode: "INLINE" },
    StartAt: stateName,
    States: { [stateName]: { ...athenaQuery(resources, { expression: "$" }), End: true } },
  },
  ResultPath: null,
  Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" }],
  Next: next,
});

export const analyticsWorkflowDefinition = (resources: AnalyticsWorkflowResources, sql: AnalyticsWorkflowSql) => {
  const insertTemplate = statesFormatTemplate(`INSERT INTO orders_enriched SELECT * FROM (${sql.ordersEnriched}) enriched WHERE enriched.dt = '{{run_date}}'`);
  const allDates = `SELECT DISTINCT dt FROM (${sql.ordersEnriched}) enriched ORDER BY dt`;
  const catchAll = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyFailure" }];
  return {
    Comment: "Daily analytics: orders_enriched partitions, curated views and data-quality checks on Athena.",
    StartAt: "HasRunDate",
    States: {
      HasRunDate: {
        Type: "Choice",
        Choices: [{ Variable: "$.date", IsPresent: true, Next: "UseGivenDate" }],
        Default: "UseStartDate",
      },
      UseGivenDate: {
        Type: "Pass",
        Parameters: { "value.$": "$.date" },
        ResultPath: "$.runDate",
        Next: "CreateSourceViewsInput",
      },
      UseStartDate: {
        Type: "Pass",
        Parameters: { "value.$": "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)" },
        ResultPath: "$.runDate",
        Next: "CreateSourceViewsInput",
      },
      CreateSourceViewsInput: {
        Type: "Pass",
        Result: [...sql.sourceViews],
        ResultPath: "$.sourceViews",
        Next: "CreateSourceViews",
      },
      CreateSourceViews: mapOverStatements(resources, "$.sourceViews", "FullRebuild", "CreateSourceView"),
      FullRebuild: {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.full", IsPresent: true },
              { Variable: "$.full", BooleanEquals: true },
            ],
            Next: "FindAllPartitions",
          },
        ],
        Default: "FindAffectedPartitions",
      },
      FindAffectedPartitions: {
        ...athenaQuery(resources, { expression: formatWithRunDate(sql.affectedDates, "$.runDate.value") ?? "$.missingRunDatePlaceholder" }),
        ResultSelector: { "QueryExecutionId.$": "$.QueryExecution.QueryExecutionId" },
        ResultPath: "$.partitionsQuery",
        Catch: catchAll,
        Next: "ReadPartitions",
      },
      FindAllPartitions: {
        ...athenaQuery(resources, { literal: allDates }),
        ResultSelector: { "QueryExecutionId.$": "$.QueryExecution.QueryExecutionId" },
        ResultPath: "$.partitionsQuery",
        Catch: catchAll,
        Next: "ReadPartitions",
      },
      // The page is kept whole: NextToken is absent on the last page, which a ResultSelector
      // path cannot express.
      ReadPartitions: {
        Type: "Task",
        Resource: "arn:aws:states:::athena:getQueryResults",
        Parameters: { "QueryExecutionId.$": "$.partitionsQuery.QueryExecutionId", MaxResults: PARTITION_PAGE_SIZE },
        ResultPath: "$.page",
        Retry: retryAthena,
        Catch: catchAll,
        Next: "RewritePartitions",
      },
      ReadMorePartitions: {
        Type: "Task",
        Resource: "arn:aws:states:::athena:getQueryResults",
        Parameters: { "QueryExecutionId.$": "$.partitionsQuery.QueryExecutionId", MaxResults: PARTITION_PAGE_SIZE, "NextToken.$": "$.page.NextToken" },
        ResultPath: "$.page",
        Retry: retryAthena,
        Catch: catchAll,
        Next: "RewritePartitions",
      },
      MorePartitions: {
        Type: "Choice",
        Choices: [{ Variable: "$.page.NextToken", IsPresent: true, Next: "ReadMorePartitions" }],
        Default: "CreateViewsInput",
      },
      RewritePartitions: {
        Type: "Map",
        Label: "RewritePartition",
        ItemsPath: "$.page.ResultSet.Rows",
        ItemSelector: { "dt.$": "$$.Map.Item.Value.Data[0].VarCharValue" },
        MaxConcurrency: PARTITION_REWRITE_CONCURRENCY,
        ItemProcessor: {
          // STANDARD children: Express workflows cannot wait on Athena (.sync).
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "IsHeader",
          States: {
            // The first row of Athena results is the header ("dt").
            IsHeader: { Type: "Choice", Choices: [{ Variable: "$.dt", StringEquals: "dt", Next: "SkipHeader" }], Default: "ListPartitionObjects" },
            SkipHeader: { Type: "Succeed" },
            ListPartitionObjects: {
              Type: "Task",
              Resource: "arn:aws:states:::aws-sdk:s3:listObjectsV2",
              Parameters: { Bucket: resources.bucket, "Prefix.$": `States.Format('${ORDERS_ENRICHED_PREFIX}dt={}/', $.dt)` },
              ResultPath: "$.listed",
              Retry: retryAws,
              Next: "PartitionHasObjects",
            },
            // An empty listing has no Contents at all.
            PartitionHasObjects: {
              Type: "Choice",
              Choices: [{ Variable: "$.listed.Contents", IsPresent: true, Next: "DeletePartitionObjects" }],
              Default: "InsertPartition",
            },
            DeletePartitionObjects: {
              Type: "Map",
              ItemsPath: "$.listed.Contents",
              ItemSelector: { "key.$": "$$.Map.Item.Value.Key" },
              MaxConcurrency: 10,
              ItemProcessor: {
                ProcessorConfig: { Mode: "INLINE" },
                StartAt: "DeleteObject",
                States: {
                  DeleteObject: {
                    Type: "Task",
                    Resource: "arn:aws:states:::aws-sdk:s3:deleteObject",
                    Parameters: { Bucket: resources.bucket, "Key.$": "$.key" },
                    Retry: retryAws,
                    End: true,
                  },
                },
              },
              ResultPath: null,
              Next: "InsertPartition",
            },
            InsertPartition: {
              ...athenaQuery(resources, { expression: `States.Format('${insertTemplate.template}'${", $.dt".repeat(insertTemplate.placeholders)})` }),
              ResultPath: null,
              ...(resources.indexParquetFunctionArn ? { Next: "IndexPartition" } : { End: true }),
            },
            ...(resources.indexParquetFunctionArn
              ? {
                  // Repeatable (index writes are puts of fixed keys): a retry or a re-run of the date indexes the same files again.
                  IndexPartition: {
                    Type: "Task",
                    Resource: "arn:aws:states:::lambda:invoke",
                    Parameters: {
                      FunctionName: resources.indexParquetFunctionArn,
                      Payload: { source: "analytics-workflow", "prefix.$": `States.Format('${ORDERS_ENRICHED_PREFIX}dt={}/', $.dt)` },
                    },
                    ResultSelector: { "files.$": "$.Payload.files" },
                    ResultPath: null,
                    Retry: retryLambda,
                    End: true,
                  },
                }
              : {}),
          },
        },
        ResultPath: null,
        Catch: catchAll,
        Next: "MorePartitions",
      },
      CreateViewsInput: {
        Type: "Pass",
        Result: sql.views.map((view) => `CREATE OR REPLACE VIEW ${view.name} AS ${view.sql}`),
        ResultPath: "$.views",
        Next: "CreateViews",
      },
      CreateViews: mapOverStatements(resources, "$.views", "QualityQueries", "CreateView"),
      QualityQueries: {
        Type: "Parallel",
        Branches: [
          {
            StartAt: "OrderNumberGaps",
            States: {
              OrderNumberGaps: {
                ...athenaQuery(resources, { expression: formatWithRunDate(sql.quality.orderNumberGaps, "$.runDate.value") ?? "$.missingRunDatePlaceholder" }),
                ResultSelector: { "location.$": "$.QueryExecution.ResultConfiguration.OutputLocation" },
                End: true,
              },
            },
          },
          {
            StartAt: "ProcessedDuplicates",
            States: {
              ProcessedDuplicates: {
                ...athenaQuery(resources, { literal: sql.quality.processedDuplicates }),
                ResultSelector: { "location.$": "$.QueryExecution.ResultConfiguration.OutputLocation" },
                End: true,
              },
            },
          },
        ],
        ResultSelector: { "orderNumberGaps.$": "$[0].location", "processedDuplicates.$": "$[1].location" },
        ResultPath: "$.qualityResults",
        Catch: catchAll,
        Next: "DataQuality",
      },
      DataQuality: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: resources.dataQualityFunctionArn,
          Payload: { source: "analytics-workflow", "queryResults.$": "$.qualityResults", hotStore: "cloudwatch" },
        },
        ResultSelector: { "summary.$": "$.Payload.summary", "resultKey.$": "$.Payload.resultKey", "backfillDays.$": "$.Payload.backfillDays" },
        ResultPath: "$.dataQuality",
        Retry: retryLambda,
        Catch: catchAll,
        Next: "Done",
      },
      Done: { Type: "Succeed" },
      NotifyFailure: {
        Type: "Task",
        Resource: "arn:aws:states:::sns:publish",
        Parameters: {
          TopicArn: resources.alertsTopicArn,
          Subject: "Analytics workflow failed",
          "Message.$": "States.Format('The analytics run for {} failed: {}', $.runDate.value, $.error.Error)",
        },
        ResultPath: null,
        Next: "Failed",
      },
      Failed: { Type: "Fail", Error: "AnalyticsFailed", Cause: "A transform, view or data-quality step failed; see the execution history." },
    },
  };
};
