/**
 * The backfill workflow, described once: the backfill stack deploys this definition as a
 * Standard state machine, and local/state-machine.ts runs the very same JSON with
 * aws-local-stepfunctions (each Task state mapped to the in-process program).
 *
 *   ExportEachObject (Map over objects, one bulk operation each)
 *     Submit -> WaitForOperation -> AwaitFinish -> Poll -> OperationStatus?
 *        CREATED / RUNNING / CANCELING        -> WaitForOperation
 *        COMPLETED                            -> Download -> DownloadDone? -> RecordSuccess
 *        FAILED + INTERNAL_SERVER_ERROR/TIMEOUT with partialDataUrl -> Download (partial, flagged)
 *        FAILED (other) / CANCELED / EXPIRED  -> RecordFailure (alert)
 *     Download that ran out of invocation time -> DownloadDone? -> Download (resumes where it stopped)
 *     refunds only: DownloadDone -> RefundDetailsNeeded? -> FetchRefundDetails -> RefundDetailsDone?
 *        (paginated refund(id:) queries for each refund's line items and order adjustments, which
 *        no bulk query can select; loops while it answers `continue: true`) -> RecordSuccess
 *     any task error (after its retries)      -> RecordFailure (alert, lease released)
 *   Summarize (run manifest) -> AnyFailed? -> Succeed | Fail
 *
 * AwaitFinish hands a task token to the poll function, which stores it on the lease; the
 * bulk_operations/finish webhook wakes the run with SendTaskSuccess as soon as Shopify is done.
 * Without a webhook the state times out after `awaitFinishSeconds` and the run polls anyway.
 *
 * A Lambda invocation lasts 15 minutes at most, too short for the largest exports: the download
 * stops at a part boundary when its remaining time runs low, records its progress in the lake
 * (reconciliationProgressKey) after every part, and answers `continue: true`; DownloadDone loops
 * back to Download, which resumes from the recorded progress, until it answers `continue: false`.
 *
 * Retries: Throttled / Transient (and Lambda's own transient errors) with exponential backoff
 * and full jitter; LeaseUnavailable (the shop's bulk slots are busy) waits longer. Everything
 * else is caught so the lease is released and someone is alerted.
 * Plain data: no cdktn, no AWS SDK.
 */

import { bulkObjects, type BulkObject } from "./bulk-entities";

/** Every object of contracts/bulk-entities.ts. */
export type BulkObjectName = BulkObject;

/**
 * `StartExecution` input. `since` inclusive, `until` exclusive, ISO-8601 UTC; `since` may also be
 * a day count before `until` ("P3D"), which the nightly schedule uses.
 */
export interface BackfillExecutionInput {
  readonly runId: string;
  readonly objects: ReadonlyArray<BulkObjectName>;
  readonly since: string;
  readonly until: string;
}

/** What each Map iteration starts with. */
export interface ObjectExportInput {
  readonly runId: string;
  readonly object: BulkObjectName;
  readonly since: string;
  readonly until: string;
}

export interface SubmitOutput extends ObjectExportInput {
  readonly shop: string;
  readonly apiVersion: string;
  readonly leaseSlot: string;
  readonly operationId: string;
}

export const bulkOperationStatuses = ["CREATED", "RUNNING", "COMPLETED", "FAILED", "CANCELING", "CANCELED", "EXPIRED"] as const;
export type BulkOperationStatus = (typeof bulkOperationStatuses)[number];

/** `bulkOperation(id:)` as Step Functions JSON (counts as numbers; Shopify sends strings). */
export interface OperationState {
  readonly id: string;
  readonly status: BulkOperationStatus;
  readonly errorCode: string | null;
  readonly objectCount: number;
  readonly rootObjectCount: number;
  readonly fileSize: number | null;
  readonly url: string | null;
  readonly partialDataUrl: string | null;
  /** FAILED with INTERNAL_SERVER_ERROR or TIMEOUT and a partialDataUrl: keep what exists. */
  readonly partialAvailable: boolean;
}

export interface DownloadOutput {
  /** False: the export is converted and checked (DownloadDone goes on to RecordSuccess). */
  readonly continue: false;
  readonly manifestKey: string;
  readonly partial: boolean;
  readonly totalRows: number;
  readonly rows: Readonly<Record<string, number>>;
}

/** The invocation ran low on time and stopped at a part boundary: DownloadDone runs Download again. */
export interface DownloadContinue {
  readonly continue: true;
  /** Where the progress is recorded (the next invocation reads it from there, not from here). */
  readonly progressKey: string;
  readonly partsDone: number;
  readonly nextOffset: number;
  readonly rowsSoFar: number;
  readonly invocations: number;
}

/** FetchRefundDetails' answer: done (rows per entity) or out of time with refunds left (`continue: true`). */
export interface RefundDetailsOutput {
  readonly continue: boolean;
  readonly progressKey: string;
  readonly refundsDone: number;
  readonly refunds: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly invocations: number;
}

export type ObjectOutcome = "succeeded" | "partial" | "failed";

export interface RecordInput extends Partial<SubmitOutput> {
  readonly runId: string;
  readonly object: BulkObjectName;
  readonly operation?: OperationState;
  readonly download?: DownloadOutput;
  /** Set by a Catch: { Error, Cause }. */
  readonly error?: { readonly Error: string; readonly Cause?: string };
}

export interface RecordOutput {
  readonly object: BulkObjectName;
  readonly outcome: ObjectOutcome;
  readonly totalRows: number;
  readonly reason?: string;
}

export interface SummaryInput {
  readonly mode: "summary";
  readonly runId: string;
  readonly since: string;
  readonly until: string;
  readonly results: ReadonlyArray<RecordOutput>;
}

export interface SummaryOutput {
  readonly runId: string;
  readonly manifestKey: string;
  readonly succeeded: number;
  readonly partial: number;
  readonly failed: number;
  readonly results: ReadonlyArray<RecordOutput>;
}

/** Lambda function ARNs (or names) of the four task functions. */
export interface BackfillTaskResources {
  readonly submit: string;
  readonly poll: string;
  readonly download: string;
  readonly record: string;
}

export interface BackfillWorkflowOptions {
  /** Seconds between polls (default 30). */
  readonly pollIntervalSeconds?: number;
  /** Bulk operations in flight per run; the per-shop lease is the real limit (default 5). */
  readonly maxConcurrency?: number;
  /** How long AwaitFinish waits for the bulk_operations/finish webhook before polling (default 900). */
  readonly awaitFinishSeconds?: number;
}

/** State names the local runner and tests refer to. */
export const backfillStates = {
  exportEach: "ExportEachObject",
  submit: "Submit",
  wait: "WaitForOperation",
  awaitFinish: "AwaitFinish",
  poll: "Poll",
  status: "OperationStatus",
  download: "Download",
  downloadDone: "DownloadDone",
  refundDetailsNeeded: "RefundDetailsNeeded",
  fetchRefundDetails: "FetchRefundDetails",
  refundDetailsDone: "RefundDetailsDone",
  recordSuccess: "RecordSuccess",
  recordFailure: "RecordFailure",
  recordUnavailable: "RecordUnavailable",
  summarize: "Summarize",
  anyFailed: "AnyFailed",
  succeeded: "BackfillSucceeded",
  failed: "BackfillFailed",
} as const;

/** Which task function each Task state invokes. */
export const backfillTaskStates: Readonly<Record<string, keyof BackfillTaskResources>> = {
  [backfillStates.submit]: "submit",
  [backfillStates.awaitFinish]: "poll",
  [backfillStates.poll]: "poll",
  [backfillStates.download]: "download",
  // The download function also serves the refunds' follow-up fetch (mode "refund-details").
  [backfillStates.fetchRefundDetails]: "download",
  [backfillStates.recordSuccess]: "record",
  [backfillStates.recordFailure]: "record",
  [backfillStates.summarize]: "record",
};

/** Error names (the programs' `_tag`s) the workflow treats as worth retrying. */
export const retryableErrors = ["Throttled", "Transient", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

const retry = [{ ErrorEquals: retryableErrors, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 120, JitterStrategy: "FULL" }];
const catchToFailure = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: backfillStates.recordFailure }];

/** A long task of one export (a Lambda's 15 minutes at most), retried, any error to RecordFailure. */
const exportTask = (resource: string, resultPath: string, next: string, parameters?: Record<string, unknown>) => ({
  Type: "Task",
  Resource: resource,
  ...(parameters ? { Parameters: parameters } : {}),
  ResultPath: resultPath,
  TimeoutSeconds: 900,
  Retry: retry,
  Catch: catchToFailure,
  Next: next,
});

/** A task that answered `continue: true` ran out of invocation time with work left: run it again. */
const untilDone = (resultPath: string, again: string, done: string) => ({
  Type: "Choice",
  Choices: [
    {
      And: [
        { Variable: `${resultPath}.continue`, IsPresent: true },
        { Variable: `${resultPath}.continue`, BooleanEquals: true },
      ],
      Next: again,
    },
  ],
  Default: done,
});

/** Records the iteration's outcome; if even that fails, the iteration still ends as failed. */
const recordTask = (resource: string) => ({
  Type: "Task",
  Resource: resource,
  Retry: retry,
  Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: backfillStates.recordUnavailable }],
  End: true,
});

export const backfillWorkflowDefinition = (resources: BackfillTaskResources, options: BackfillWorkflowOptions = {}) => ({
  Comment: "Shopify bulk export -> Parquet snapshots with a reconciliation manifest (contracts/backfill-workflow.ts).",
  StartAt: backfillStates.exportEach,
  States: {
    [backfillStates.exportEach]: {
      Type: "Map",
      ItemsPath: "$.objects",
      ItemSelector: {
        "runId.$": "$.runId",
        "since.$": "$.since",
        "until.$": "$.until",
        "object.$": "$$.Map.Item.Value",
      },
      MaxConcurrency: options.maxConcurrency ?? 5,
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: backfillStates.submit,
        States: {
          [backfillStates.submit]: {
            Type: "Task",
            Resource: resources.submit,
            Retry: [
              // The shop's bulk slots are busy (our other runs or an operation in progress): wait, never cancel.
              { ErrorEquals: ["LeaseUnavailable"], IntervalSeconds: 60, BackoffRate: 1.5, MaxAttempts: 20, MaxDelaySeconds: 900, JitterStrategy: "FULL" },
              ...retry,
            ],
            Catch: catchToFailure,
            Next: backfillStates.wait,
          },
          [backfillStates.wait]: {
            Type: "Wait",
            Seconds: options.pollIntervalSeconds ?? 30,
            Next: backfillStates.awaitFinish,
          },
          // Woken by the bulk_operations/finish webhook (SendTaskSuccess); a timeout or any
          // error just means: poll now.
          [backfillStates.awaitFinish]: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Parameters: {
              FunctionName: resources.poll,
              Payload: {
                mode: "await",
                "taskToken.$": "$$.Task.Token",
                "runId.$": "$.runId",
                "shop.$": "$.shop",
                "leaseSlot.$": "$.leaseSlot",
                "operationId.$": "$.operationId",
              },
            },
            TimeoutSeconds: options.awaitFinishSeconds ?? 900,
            ResultPath: null,
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: backfillStates.poll }],
            Next: backfillStates.poll,
          },
          [backfillStates.poll]: {
            Type: "Task",
            Resource: resources.poll,
            ResultPath: "$.operation",
            Retry: retry,
            Catch: catchToFailure,
            Next: backfillStates.status,
          },
          [backfillStates.status]: {
            Type: "Choice",
            Choices: [
              { Variable: "$.operation.status", StringEquals: "COMPLETED", Next: backfillStates.download },
              { Variable: "$.operation.partialAvailable", BooleanEquals: true, Next: backfillStates.download },
              {
                Or: [
                  { Variable: "$.operation.status", StringEquals: "CREATED" },
                  { Variable: "$.operation.status", StringEquals: "RUNNING" },
                  { Variable: "$.operation.status", StringEquals: "CANCELING" },
                ],
                Next: backfillStates.wait,
              },
            ],
            // FAILED without usable partial data, CANCELED, EXPIRED.
            Default: backfillStates.recordFailure,
          },
          [backfillStates.download]: exportTask(resources.download, "$.download", backfillStates.downloadDone),
          // The download stopped before its invocation's end with more to do: run it again.
          [backfillStates.downloadDone]: untilDone("$.download", backfillStates.download, backfillStates.refundDetailsNeeded),
          // Refund line items and order adjustments: not selectable in bulk (connections inside the Order.refunds list).
          [backfillStates.refundDetailsNeeded]: {
            Type: "Choice",
            Choices: [{ Variable: "$.object", StringEquals: "refunds", Next: backfillStates.fetchRefundDetails }],
            Default: backfillStates.recordSuccess,
          },
          [backfillStates.fetchRefundDetails]: exportTask(resources.download, "$.refundDetails", backfillStates.refundDetailsDone, {
            mode: "refund-details",
            "runId.$": "$.runId",
            "object.$": "$.object",
            "since.$": "$.since",
            "until.$": "$.until",
            "shop.$": "$.shop",
            "apiVersion.$": "$.apiVersion",
          }),
          // Out of invocation time with refunds left: fetch again (it resumes from its checkpoint).
          [backfillStates.refundDetailsDone]: untilDone("$.refundDetails", backfillStates.fetchRefundDetails, backfillStates.recordSuccess),
          [backfillStates.recordSuccess]: recordTask(resources.record),
          [backfillStates.recordFailure]: recordTask(resources.record),
          // Even recording failed: still end the iteration as failed so the run fails visibly.
          [backfillStates.recordUnavailable]: {
            Type: "Pass",
            Parameters: { "object.$": "$.object", outcome: "failed", totalRows: 0, "reason.$": "$.error.Error" },
            End: true,
          },
        },
      },
      ResultPath: "$.results",
      Next: backfillStates.summarize,
    },
    [backfillStates.summarize]: {
      Type: "Task",
      Resource: resources.record,
      Parameters: { mode: "summary", "runId.$": "$.runId", "since.$": "$.since", "until.$": "$.until", "results.$": "$.results" },
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.summaryError", Next: backfillStates.failed }],
      Retry: retry,
      Next: backfillStates.anyFailed,
    },
    [backfillStates.anyFailed]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.failed", NumericGreaterThan: 0, Next: backfillStates.failed },
        { Variable: "$.partial", NumericGreaterThan: 0, Next: backfillStates.failed },
      ],
      Default: backfillStates.succeeded,
    },
    [backfillStates.succeeded]: { Type: "Succeed" },
    [backfillStates.failed]: {
      Type: "Fail",
      Error: "BackfillIncomplete",
      Cause: "At least one object failed or exported only partial data; see the run manifest in metadata/reconciliation/.",
    },
  },
});

export type BackfillWorkflowDefinition = ReturnType<typeof backfillWorkflowDefinition>;

/** Execution input of the nightly reconciliation (EventBridge Scheduler fills in the placeholders). */
export const nightlyReconciliationInput = (lookbackDays: number) => ({
  runId: "<aws.scheduler.execution-id>",
  // Every object: refunds, transactions, fulfillments, inventory, discounts, metafields and draft orders are reconciled too.
  objects: [...bulkObjects],
  since: `P${lookbackDays}D`,
  until: "<aws.scheduler.scheduled-time>",
});

/** SSM parameter holding the deployed state machine's ARN (published by the backfill stack). */
export const backfillStateMachineArnParameter = (brand: string, env: string) => `/${brand}/${env}/backfill/state-machine-arn`;
