/**
 * The kinds of alert the functions raise (functions/kernel/services.ts `Alert`). A function lists
 * the kinds it raises in its spec (contracts/functions.ts `alertKinds`): that grants it the alerts
 * topic, and, for the kinds with a topic of their own, that topic too (stacks/payment-alerts.ts).
 */
export const alertKinds = [
  "subscription-cancelled",
  "charge-failed",
  "dispute-opened",
  "payment-failed",
  "app-uninstalled",
  "backfill-failed",
  "data-quality",
  "etl-failed",
  /** A GDPR request recorded (shop/redact waits for an operator's confirmation). */
  "gdpr-request",
  /** A GDPR request older than GDPR_OVERDUE_ALARM_DAYS and not complete. */
  "gdpr-overdue",
  /** A GDPR data request's export is ready: the alert carries its presigned link (functions/gdpr/export.ts). */
  "gdpr-export-ready",
] as const;

export type AlertKind = (typeof alertKinds)[number];

/**
 * Payment alert kinds: each has its own SNS topic, mailed to the people who handle churn,
 * disputes and failed payments; the other kinds go to the general alerts topic.
 */
export const paymentAlertKindList = ["subscription-cancelled", "charge-failed", "dispute-opened", "payment-failed"] as const satisfies ReadonlyArray<AlertKind>;
export type PaymentAlertKind = (typeof paymentAlertKindList)[number];
