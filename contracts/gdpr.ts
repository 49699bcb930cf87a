/**
 * GDPR requests as plain data, shared by the intake (compliance webhooks, `sdp gdpr`), the
 * subject index, the redaction workflow, the data-request export and monitoring. Nothing here
 * holds personal data: a request's identifiers live in its record only until it completes, and
 * the subject index stores keyed hashes (functions/gdpr/subject.ts `subjectKey`), never values.
 */

export type GdprRequestKind = "customer-redact" | "customer-export" | "shop-redact";

/** Where a request came from: Shopify's compliance webhooks, or an operator (`sdp gdpr ...`) for Recharge, Stripe or e-mail requests. */
export type GdprRequestOrigin = "shopify-webhook" | "cli";

/** `awaiting-confirmation`: shop/redact is recorded and alerted, never executed until `sdp gdpr shop-redact --confirm`. */
export type GdprRequestStatus = "received" | "running" | "complete" | "failed" | "awaiting-confirmation";

/** Legal window: one month from receipt. */
export const GDPR_DUE_DAYS = 30;
/** The alarm fires for a request older than this and not complete. */
export const GDPR_OVERDUE_ALARM_DAYS = 25;

export type GdprIdentifierKind = "customer-id" | "email" | "phone";

/** A normalised identifier (functions/gdpr/subject.ts). Held in the request record until the request completes, then erased. */
export interface GdprSubjectIdentifier {
  readonly kind: GdprIdentifierKind;
  readonly value: string;
}

export interface GdprRequestRecord {
  readonly requestId: string;
  readonly kind: GdprRequestKind;
  readonly origin: GdprRequestOrigin;
  readonly shopDomain?: string;
  /** ISO-8601. */
  readonly receivedAt: string;
  /** receivedAt + GDPR_DUE_DAYS. */
  readonly dueAt: string;
  readonly status: GdprRequestStatus;
  /** Names of the workflow steps finished so far, in order (a resumed request skips them). */
  readonly stepsDone: ReadonlyArray<string>;
  /** Keyed hashes of the identifiers: what remains once the request is complete. */
  readonly subjectKeys: ReadonlyArray<string>;
  /** Present until completion only. */
  readonly identifiers?: ReadonlyArray<GdprSubjectIdentifier>;
  /** Shopify order ids named by the request (orders_requested / orders_to_redact). */
  readonly orderIds?: ReadonlyArray<string>;
  /** Vendor deletions asked for (`--vendors stripe,recharge`); none by default. */
  readonly vendors?: ReadonlyArray<"stripe" | "recharge">;
  /** ISO-8601, set once when the status became `complete` (functions/gdpr/requests.ts `completeRequest`). */
  readonly completedAt?: string;
}

/** The metric the scheduled overdue check emits (EMF, the functions' namespace, dimension FunctionName) and the monitoring stack alarms on: requests older than GDPR_OVERDUE_ALARM_DAYS and not complete. */
export const GDPR_OVERDUE_METRIC = "GdprRequestsOverdue";

/** Published on the platform bus when a request is recorded; the workflow's rule starts a run for customer-redact and customer-export. */
export const GDPR_REQUEST_EVENT = { source: "sdp.gdpr", detailType: "GDPR request received" } as const;
export interface GdprRequestEventDetail {
  readonly requestId: string;
  readonly kind: GdprRequestKind;
}

/** Every place the subject index can point at. */
export type SubjectLocation =
  | { readonly store: "raw"; readonly key: string }
  | { readonly store: "parquet"; readonly layer: "snapshots" | "processed" | "curated"; readonly table: string; readonly key: string }
  | { readonly store: "hot"; readonly table: string; readonly key: Readonly<Record<string, string>> }
  | { readonly store: "idempotency"; readonly key: string }
  | { readonly store: "dlq"; readonly key: string };
