/**
 * record: the end of one object's export. Releases the lease, writes the outcome into the
 * object's reconciliation manifest and alerts (kind backfill-failed) when the export failed or
 * kept only partial data. In summary mode it writes the run manifest
 * (`metadata/reconciliation/run=<id>/manifest.json`) that the workflow's last choice reads.
 */
import { Effect, Option } from "effect";
import type { ObjectOutcome, RecordInput, RecordOutput, SummaryInput, SummaryOutput } from "../../contracts/backfill-workflow";
import { reconciliationManifestKey, reconciliationObjectKey } from "../../contracts/lake-layout";
import { isBulkObject } from "./convert/entities";
import { InvalidPayload } from "../kernel/errors";
import { Alerts, HotStore, Metrics, ObjectStore, type StoreError } from "../kernel/services";
import { releaseLease } from "./lease";

const describeError = (error: NonNullable<RecordInput["error"]>): string => {
  // Lambda puts the error JSON in Cause; keep the message, never a stack trace.
  let cause = error.Cause ?? "";
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) cause = parsed.errorMessage;
  } catch {
    /* Cause was plain text */
  }
  return `${error.Error}${cause ? `: ${cause}` : ""}`.slice(0, 1000);
};

export const outcomeOf = (input: RecordInput): { outcome: ObjectOutcome; reason?: string } => {
  if (input.error) return { outcome: "failed", reason: describeError(input.error) };
  if (input.download?.partial) return { outcome: "partial", reason: `bulk operation ${input.operation?.status} (${input.operation?.errorCode}); partial data kept` };
  if (input.download) return { outcome: "succeeded" };
  if (input.operation) return { outcome: "failed", reason: `bulk operation ${input.operation.status}${input.operation.errorCode ? ` (${input.operation.errorCode})` : ""}` };
  return { outcome: "failed", reason: "the export ended before it started" };
};

export const recordObjectProgram = (input: RecordInput) =>
  Effect.gen(function* () {
    if (!input || typeof input.runId !== "string" || !isBulkObject(String(input.object))) {
      return yield* Effect.fail(new InvalidPayload({ reason: "record needs runId and object" }));
    }
    const store = yield* ObjectStore;
    const alerts = yield* Alerts;
    const metrics = yield* Metrics;
    const { outcome, reason } = outcomeOf(input);
    if (input.shop && input.leaseSlot) yield* releaseLease(input.shop, input.leaseSlot, input.runId);

    const key = reconciliationObjectKey(input.runId, input.object);
    const existing = yield* store.getText(key);
    const manifest = Option.match(existing, {
      onNone: () => ({
        runId: input.runId,
        object: input.object,
        since: input.since,
        until: input.until,
        operationId: input.operationId ?? null,
        status: input.operation?.status ?? null,
        errorCode: input.operation?.errorCode ?? null,
        objectCount: input.operation?.objectCount ?? null,
        totalRows: 0,
        entities: [],
      }),
      onSome: (text) => JSON.parse(text) as Record<string, unknown>,
    });
    yield* store.put(key, JSON.stringify({ ...manifest, outcome, ...(reason ? { reason } : {}), recordedAt: new Date().toISOString() }, null, 2), {
      contentType: "application/json",
    });

    yield* metrics.count(`backfill.${outcome}`, 1, { object: input.object });
    if (outcome !== "succeeded") {
      yield* alerts.publish({
        kind: "backfill-failed",
        severity: outcome === "failed" ? "critical" : "warning",
        subject: `Backfill ${outcome}: ${input.object} (run ${input.runId})`,
        message: `${input.object} ${input.since ?? "?"} .. ${input.until ?? "?"}: ${reason ?? outcome}. Manifest: ${key}`,
        dedupKey: `backfill:${input.runId}:${input.object}`,
      });
    }
    yield* metrics.flush;
    const output: RecordOutput = { object: input.object, outcome, totalRows: input.download?.totalRows ?? 0, ...(reason ? { reason } : {}) };
    return output;
  });

export const summaryProgram = (input: SummaryInput) =>
  Effect.gen(function* () {
    if (!input || typeof input.runId !== "string" || !Array.isArray(input.results)) {
      return yield* Effect.fail(new InvalidPayload({ reason: "summary needs runId and results" }));
    }
    const store = yield* ObjectStore;
    const objects = [];
    for (const result of input.results) {
      const text = yield* store.getText(reconciliationObjectKey(input.runId, result.object));
      objects.push(Option.match(text, { onNone: () => ({ ...result }), onSome: (body) => ({ ...(JSON.parse(body) as object), outcome: result.outcome }) }));
    }
    const tally = (outcome: ObjectOutcome) => input.results.filter((result) => result.outcome === outcome).length;
    const manifestKey = reconciliationManifestKey(input.runId);
    const summary: SummaryOutput = {
      runId: input.runId,
      manifestKey,
      succeeded: tally("succeeded"),
      partial: tally("partial"),
      failed: tally("failed"),
      results: input.results,
    };
    yield* store.put(manifestKey, JSON.stringify({ ...summary, since: input.since, until: input.until, objects, writtenAt: new Date().toISOString() }, null, 2), {
      contentType: "application/json",
    });
    return summary;
  });

/** The record Lambda serves both the per-object record states and the Summarize state. */
export const recordProgram = (
  input: RecordInput | SummaryInput,
): Effect.Effect<RecordOutput | SummaryOutput, InvalidPayload | StoreError, ObjectStore | HotStore | Alerts | Metrics> =>
  (input as SummaryInput)?.mode === "summary" ? summaryProgram(input as SummaryInput) : recordObjectProgram(input as RecordInput);
