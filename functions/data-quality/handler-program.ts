/**
 * One data-quality run for a date: gather the facts, run every check, then
 *   - write the report as JSON to metadata/data-quality/dt=<date>/<run-id>.json,
 *   - emit EMF metrics (checks failed per severity, events per stream, missing order numbers),
 *   - publish one alert per failed check (de-duplicated per date, check and subject),
 *   - report per source the events received by webhook and recovered by the nightly reconciliation
 *     (`webhooks`; the webhook-recovery check alerts when recovery passes the configured share),
 *   - ask for a backfill of the days with order-number gaps: a `backfillRequested` event on the
 *     platform bus whose detail is the backfill workflow's execution input (a rule in the
 *     analytics stack starts the backfill state machine with it), so reconciliation closes the loop.
 */
import { Effect } from "effect";
import { BACKFILL_REQUESTED_DETAIL_TYPE, DATA_QUALITY_SOURCE } from "../../contracts/analytics-workflow";
import type { BackfillExecutionInput } from "../../contracts/backfill-workflow";
import { dataQualityResultKey } from "../../contracts/lake-layout";
import { shopDayStartUtc } from "../../contracts/shop-time-zone";
import { Alerts, EventBus, Metrics, ObjectStore } from "../kernel/services";
import type { WebhookRecoveryAlert } from "../../contracts/webhook-recovery";
import { runChecks, webhookDeliveryCounts, type CheckResult, type WebhookDeliveryCount } from "./checks";
import { addDays } from "./dates";
import { gatherFacts, queryFactsFromResults, type QueryFacts, type QueryResultKeys } from "./facts";

export interface DataQualityInput {
  /** Run date (YYYY-MM-DD, UTC); the handler defaults it to yesterday. */
  readonly date: string;
  readonly runId: string;
  readonly checkedAt: string;
  /** Facts computed by SQL already (DuckDB locally). */
  readonly queryFacts?: QueryFacts;
  /** Or the keys of Athena result CSVs for them (AWS). */
  readonly queryResults?: QueryResultKeys;
  readonly hotStore: "counts" | "cloudwatch" | "none";
  /** Publish the backfill request for gap days (default true). */
  readonly requestBackfill?: boolean;
  /** When webhook recovery alerts (config/ webhookRecoveryAlert; default contracts/webhook-recovery.ts). */
  readonly webhookRecoveryAlert?: WebhookRecoveryAlert;
  /** The shop's IANA time zone (config shopTimezone, default UTC): the zone of the gap check's order dates, so of the backfill's window. */
  readonly shopTimezone?: string;
}

export interface DataQualityReport {
  readonly date: string;
  readonly runId: string;
  readonly checkedAt: string;
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly errors: number; readonly warnings: number };
  readonly results: ReadonlyArray<CheckResult>;
  /** Days (order dates, the shop's local days) with order-number gaps: what the nightly backfill re-exports. */
  readonly backfillDays: ReadonlyArray<string>;
  readonly backfillRequest?: BackfillExecutionInput;
  /** Per source: events of the date received by webhook and recovered by the nightly reconciliation (the webhook-recovery check). */
  readonly webhooks: ReadonlyArray<WebhookDeliveryCount>;
  readonly resultKey: string;
}

const summarise = (results: ReadonlyArray<CheckResult>) => ({
  passed: results.filter((r) => r.status === "pass").length,
  failed: results.filter((r) => r.status === "fail").length,
  skipped: results.filter((r) => r.status === "skipped").length,
  errors: results.filter((r) => r.status === "fail" && r.severity === "error").length,
  warnings: results.filter((r) => r.status === "fail" && r.severity === "warning").length,
});

const backfillDaysOf = (results: ReadonlyArray<CheckResult>): string[] =>
  [...new Set(results.flatMap((r) => (r.check === "order-number-gaps" && r.status === "fail" ? ((r.details?.backfillDays as string[] | undefined) ?? []) : [])))].sort();

export const backfillRequestFor = (date: string, days: ReadonlyArray<string>, shopTimezone?: string): BackfillExecutionInput | undefined =>
  days.length === 0
    ? undefined
    : {
        runId: `dq-${date}`,
        objects: ["orders"],
        // The bulk query filters on updated_at: every order created on those days was updated on or after them.
        // The days are the shop's local days; the backfill takes UTC instants, so each bound is a local midnight in UTC.
        since: shopDayStartUtc(days[0]!, shopTimezone),
        until: shopDayStartUtc(addDays(date, 1), shopTimezone),
      };

export const dataQualityProgram = (input: DataQualityInput) =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const metrics = yield* Metrics;
    const alerts = yield* Alerts;
    const queryFacts = input.queryFacts ?? (input.queryResults ? yield* queryFactsFromResults(input.queryResults) : undefined);
    const facts = yield* gatherFacts({ date: input.date, queryFacts, hotStore: input.hotStore, webhookRecoveryAlert: input.webhookRecoveryAlert });
    const webhooks = webhookDeliveryCounts(facts.webhookDelivery ?? []);
    const results = runChecks(facts);
    const backfillDays = backfillDaysOf(results);
    const backfillRequest = input.requestBackfill === false ? undefined : backfillRequestFor(input.date, backfillDays, input.shopTimezone);
    const resultKey = dataQualityResultKey(input.date, input.runId);
    const report: DataQualityReport = {
      date: input.date,
      runId: input.runId,
      checkedAt: input.checkedAt,
      summary: summarise(results),
      results,
      backfillDays,
      ...(backfillRequest ? { backfillRequest } : {}),
      webhooks,
      resultKey,
    };
    yield* store.put(resultKey, JSON.stringify(report, null, 2), { contentType: "application/json" });

    for (const result of results) {
      yield* metrics.record("DataQualityCheckFailed", result.status === "fail" ? 1 : 0, "Count", { Check: result.check, Severity: result.severity ?? "none" });
    }
    for (const stream of facts.streams) {
      yield* metrics.record("RawEventsPerDay", stream.counts[input.date] ?? 0, "Count", { Source: stream.stream.source, Entity: stream.stream.entity });
    }
    for (const count of webhooks) {
      yield* metrics.record("WebhookEventsReceived", count.received, "Count", { Source: count.source });
      if (count.recovered !== null) yield* metrics.record("WebhookEventsRecovered", count.recovered, "Count", { Source: count.source });
    }
    const missingNumbers = results.find((r) => r.check === "order-number-gaps")?.details?.missingCount;
    yield* metrics.record("MissingOrderNumbers", typeof missingNumbers === "number" ? missingNumbers : 0, "Count");
    yield* metrics.record(
      "PayloadDecodeFailures",
      (facts.decodeFailures ?? []).reduce((sum, failure) => sum + failure.count, 0),
      "Count",
    );
    yield* metrics.record("DataQualityErrors", report.summary.errors, "Count");
    yield* metrics.record("DataQualityWarnings", report.summary.warnings, "Count");
    yield* metrics.flush;

    for (const result of results) {
      if (result.status !== "fail") continue;
      yield* alerts.publish({
        kind: "data-quality",
        severity: result.severity === "error" ? "critical" : "warning",
        subject: `Data quality ${result.severity}: ${result.check} ${result.subject} (${input.date})`,
        message: result.message,
        dedupKey: `data-quality:${input.date}:${result.check}:${result.subject}`,
      });
    }
    if (backfillRequest) {
      const bus = yield* EventBus;
      yield* bus.publish([{ source: DATA_QUALITY_SOURCE, detailType: BACKFILL_REQUESTED_DETAIL_TYPE, detail: backfillRequest }]);
    }
    return report;
  });
