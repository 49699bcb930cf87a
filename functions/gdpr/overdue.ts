/**
 * The 25-day alarm's input. Scheduled daily (contracts/functions.ts "gdpr-overdue"): counts the
 * requests older than GDPR_OVERDUE_ALARM_DAYS and not complete, emits the count as the EMF metric
 * GDPR_OVERDUE_METRIC (the monitoring stack's CloudWatch alarm fires on >= 1) and raises one alert
 * per overdue request (de-duplicated per request, so the daily run does not repeat it). Locally
 * `sdp gdpr requests` runs the same check against the local records and clock, and its alerts go
 * to the data dir's alerts.jsonl.
 *
 * The clock is an input (`now`), so tests move it across the 25-day edge.
 */
import { Effect } from "effect";
import { GDPR_DUE_DAYS, GDPR_OVERDUE_ALARM_DAYS, GDPR_OVERDUE_METRIC, type GdprRequestRecord } from "../../contracts/gdpr";
import { Alerts, type HotStore, Metrics, type StoreError } from "../kernel/services";
import { ageDays, isOverdue, listRequests } from "./requests";

export interface OverdueReport {
  readonly checkedAt: string;
  readonly open: number;
  readonly overdue: ReadonlyArray<{
    readonly requestId: string;
    readonly kind: GdprRequestRecord["kind"];
    readonly status: GdprRequestRecord["status"];
    readonly ageDays: number;
    readonly dueAt: string;
  }>;
}

export const overdueCheck = (now: Date): Effect.Effect<OverdueReport, StoreError, HotStore | Metrics | Alerts> =>
  Effect.gen(function* () {
    const records = yield* listRequests();
    const open = records.filter((record) => record.status !== "complete");
    const overdue = open.filter((record) => isOverdue(record, now));
    const metrics = yield* Metrics;
    // Emitted on every run, 0 included, so the alarm has data points and clears when the backlog does.
    yield* metrics.record(GDPR_OVERDUE_METRIC, overdue.length, "Count");
    const alerts = yield* Alerts;
    for (const record of overdue) {
      const age = Math.floor(ageDays(record, now));
      yield* alerts.publish({
        kind: "gdpr-overdue",
        severity: "critical",
        subject: `GDPR request ${record.requestId} is ${age} days old and not complete (due ${record.dueAt.slice(0, 10)})`,
        message: `GDPR ${record.kind} request ${record.requestId} was received ${record.receivedAt} and is ${record.status} after ${age} days (alarm at ${GDPR_OVERDUE_ALARM_DAYS}, legal window ${GDPR_DUE_DAYS}). Steps done: ${record.stepsDone.join(", ") || "none"}. See \`sdp gdpr requests\`.`,
        dedupKey: `gdpr-overdue:${record.requestId}`,
      });
    }
    if (overdue.length > 0) yield* Effect.logWarning("GDPR requests overdue", { overdue: overdue.map((record) => record.requestId) });
    return {
      checkedAt: now.toISOString(),
      open: open.length,
      overdue: overdue.map((record) => ({ requestId: record.requestId, kind: record.kind, status: record.status, ageDays: Math.floor(ageDays(record, now)), dueAt: record.dueAt })),
    };
  });
