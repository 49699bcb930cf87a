/**
 * The logic of payments-reconcile (contracts/functions.ts; entry payments.ts beside this file):
 * the nightly completeness job for the payment sources, scheduled by the analytics stack. Stripe: every event of the last `days` (default 3,
 * Stripe's own retry window) that the lake lacks; Recharge: every subscription and charge updated
 * since the last run that the hot store lacks or holds older. Both are fed through the doors' own
 * path (redeliver.ts). The counts go to `metadata/reconciliation/payments/dt=<day>/<run>.json`
 * (ids, never payload values), to metrics, and to one alert per source and day when recovery is
 * above `alertRatio` of what was listed: webhooks are failing and someone should look. Each
 * recovered event also leaves a marker (contracts/webhook-recovery.ts) from which the data-quality
 * run counts, per source and day, the events received by webhook and those recovered.
 */
import { randomUUID } from "node:crypto";
import { Clock, Effect } from "effect";
import { partitionDate } from "../../contracts/lake-layout";
import { Alerts, Metrics, ObjectStore } from "../kernel/services";
import { reconcileRecharge } from "./recharge";
import { reconcileStripe } from "./stripe";
import type { SourceTally } from "./tally";

export interface NightlyInput {
  readonly source?: string;
  /** How far back Stripe events are listed (Stripe keeps 30 days; it retries for 3). */
  readonly days?: number;
  /** Recovered / listed above this raises an alert (default 2%). */
  readonly alertRatio?: number;
  readonly sources?: ReadonlyArray<"stripe" | "recharge">;
  /** The run's "now" (ISO time; default the clock's): `sdp reconcile payments --date` reconciles as of that day's end. */
  readonly asOf?: string;
}

export interface NightlyReport {
  readonly runId: string;
  readonly startedAt: string;
  readonly key: string;
  readonly sources: ReadonlyArray<Omit<SourceTally, "recoveredIds"> & { readonly recoveredIds: ReadonlyArray<string> }>;
  readonly alerted: ReadonlyArray<string>;
}

export const reconciliationReportKey = (day: string, runId: string) => `metadata/reconciliation/payments/dt=${day}/${runId}.json`;

export const nightlyProgram = (input: NightlyInput = {}) =>
  Effect.gen(function* () {
    const nowMs = input.asOf === undefined ? yield* Clock.currentTimeMillis : Date.parse(input.asOf);
    const now = new Date(nowMs);
    const startedAt = now.toISOString();
    const runId = `reconcile-${startedAt.replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
    const days = input.days ?? 3;
    const wanted = input.sources ?? ["stripe", "recharge"];
    const tallies: SourceTally[] = [];
    if (wanted.includes("stripe"))
      tallies.push(yield* reconcileStripe({ fromSeconds: Math.floor(nowMs / 1000) - days * 86_400, toSeconds: Math.floor(nowMs / 1000) }, startedAt, runId));
    if (wanted.includes("recharge")) tallies.push(yield* reconcileRecharge(now, days, runId));

    const metrics = yield* Metrics;
    const alerts = yield* Alerts;
    const alerted: string[] = [];
    const ratio = input.alertRatio ?? 0.02;
    const day = partitionDate(now);
    for (const tally of tallies) {
      yield* metrics.count("ReconciliationListed", tally.listed, { source: tally.source });
      yield* metrics.count("ReconciliationRecovered", tally.recovered, { source: tally.source });
      yield* metrics.count("ReconciliationFailed", tally.failed, { source: tally.source });
      if (tally.listed > 0 && (tally.recovered / tally.listed > ratio || tally.failed > 0)) {
        const { published } = yield* alerts.publish({
          kind: "data-quality",
          severity: "warning",
          subject: `${tally.source}: ${tally.recovered} of ${tally.listed} events recovered by reconciliation`,
          message:
            `The nightly reconciliation found ${tally.recovered} ${tally.source} events the webhooks never delivered ` +
            `(${((100 * tally.recovered) / tally.listed).toFixed(1)}%, threshold ${(100 * ratio).toFixed(1)}%) and could not feed ${tally.failed}. ` +
            `Check the ${tally.source} webhook endpoint's delivery log and the door's 4xx/5xx metrics.`,
          dedupKey: `reconciliation:${tally.source}:${day}`,
        });
        if (published) alerted.push(tally.source);
      }
    }
    const key = reconciliationReportKey(day, runId);
    const report: NightlyReport = { runId, startedAt, key, sources: tallies, alerted };
    yield* (yield* ObjectStore).put(key, JSON.stringify(report, null, 2), { contentType: "application/json" });
    yield* Effect.logInfo("reconciliation finished", { runId, recovered: Object.fromEntries(tallies.map((tally) => [tally.source, tally.recovered])) });
    return report;
  });
