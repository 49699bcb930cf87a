/**
 * The GDPR redaction workflow, described once: the analytics stack deploys this definition as a
 * Standard state machine, and local/gdpr-state-machine.ts runs the very same JSON with
 * aws-local-stepfunctions (each Task state mapped to the in-process program of `gdpr-redact`).
 *
 *   Lookup          the subject index: every identifier of the request, widened by the ids,
 *                   e-mails and phones the located records link to it (stored on the request)
 *   HotStore        delete the subject's hot-store items
 *   RawObjects      delete the raw objects and every version of them (ListObjectVersions +
 *                   DeleteObject with VersionId)
 *   Parquet         rewrite the Parquet files that hold the subject's rows without them (DuckDB in
 *                   the function, locally and in Lambda), then delete the file's older versions
 *   Idempotency     delete the idempotency records of the subject's events
 *   DeadLetters     drop the subject's dead letters
 *   Vendors?        (only with `vendors` in the request) ask Stripe / Recharge to delete the customer
 *   SubjectIndex    forget the subject's index entries
 *   Complete        status complete, identifiers erased from the request record
 *   any failure     -> MarkFailed (status failed, alert) -> Fail
 *
 * Each step is one invocation `{requestId, step}` of the same function. A step appends its audit
 * entry (request id, step, counts, times; never personal data) under metadata/gdpr-audit/ and adds
 * itself to the request's `stepsDone`; a step already done answers at once, so a repeated or a
 * resumed execution (`StartExecution` again with the same request id) finishes without harm. Every
 * step is itself repeatable: deleting what is gone, or rewriting a file that no longer holds the
 * subject's rows, changes nothing.
 * Plain data: no cdktn, no AWS SDK.
 */

/** `StartExecution` input. */
export interface GdprRedactionInput {
  readonly requestId: string;
}

export const gdprRedactionSteps = ["lookup", "hot-store", "raw", "parquet", "idempotency", "dlq", "vendors", "subject-index", "complete"] as const;
export type GdprRedactionStep = (typeof gdprRedactionSteps)[number];

/** What every step answers (and writes to its audit entry). */
export interface GdprStepOutput {
  readonly requestId: string;
  readonly step: GdprRedactionStep | "failed";
  /** true when the request had this step in `stepsDone` already (nothing was done again). */
  readonly skipped: boolean;
  /** Counts only: objects, versions, items, rows, bytes. */
  readonly counts: Readonly<Record<string, number>>;
}

/** State name of each step. */
export const gdprStates: Readonly<Record<GdprRedactionStep, string>> = {
  lookup: "Lookup",
  "hot-store": "HotStore",
  raw: "RawObjects",
  parquet: "Parquet",
  idempotency: "Idempotency",
  dlq: "DeadLetters",
  vendors: "Vendors",
  "subject-index": "SubjectIndex",
  complete: "Complete",
};
export const GDPR_WANTS_VENDORS_STATE = "WantsVendors";
export const GDPR_MARK_FAILED_STATE = "MarkFailed";

/** Name of the redaction state machine (stacks/analytics.ts): the target of the GDPR request rule. */
export const gdprRedactionStateMachineName = (prefix: string) => `${prefix}-gdpr-redaction`;

export interface GdprWorkflowResources {
  /** ARN (or name) of the `gdpr-redact` function. */
  readonly redactFunction: string;
}

const retryable = ["Throttled", "Transient", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];
const retry = [{ ErrorEquals: retryable, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 60, JitterStrategy: "FULL" }];

export const gdprRedactionDefinition = (resources: GdprWorkflowResources) => {
  const catchAll = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: GDPR_MARK_FAILED_STATE }];
  const task = (step: GdprRedactionStep | "failed", next: string | undefined, extra: Record<string, unknown> = {}) => ({
    Type: "Task",
    Resource: resources.redactFunction,
    Parameters: { "requestId.$": "$.requestId", step, ...extra },
    ResultPath: `$.steps.${step.replace(/-/g, "_")}`,
    Retry: retry,
    ...(step === "failed" ? {} : { Catch: catchAll }),
    ...(next ? { Next: next } : { End: true }),
  });
  return {
    Comment: "GDPR customer redaction: hot store, raw objects and versions, Parquet, idempotency, dead letters, vendors, subject index; audited step by step.",
    StartAt: gdprStates.lookup,
    States: {
      // The lookup answers whether the request asks vendors to delete the customer (counts.vendors).
      [gdprStates.lookup]: task("lookup", gdprStates["hot-store"]),
      [gdprStates["hot-store"]]: task("hot-store", gdprStates.raw),
      [gdprStates.raw]: task("raw", gdprStates.parquet),
      [gdprStates.parquet]: task("parquet", gdprStates.idempotency),
      [gdprStates.idempotency]: task("idempotency", gdprStates.dlq),
      [gdprStates.dlq]: task("dlq", GDPR_WANTS_VENDORS_STATE),
      [GDPR_WANTS_VENDORS_STATE]: {
        Type: "Choice",
        Choices: [{ Variable: "$.steps.lookup.counts.vendors", NumericGreaterThan: 0, Next: gdprStates.vendors }],
        Default: gdprStates["subject-index"],
      },
      [gdprStates.vendors]: task("vendors", gdprStates["subject-index"]),
      [gdprStates["subject-index"]]: task("subject-index", gdprStates.complete),
      [gdprStates.complete]: task("complete", undefined),
      [GDPR_MARK_FAILED_STATE]: { ...task("failed", "RedactionFailed", { "error.$": "$.error" }), ResultPath: null },
      RedactionFailed: { Type: "Fail", Error: "GdprRedactionFailed", Cause: "A step of the GDPR redaction failed; the request is marked failed and resumes where it stopped." },
    },
  };
};
