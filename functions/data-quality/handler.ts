/**
 * The data-quality function (contracts/functions.ts "data-quality"). In AWS the analytics
 * workflow invokes it after the transforms with the keys of the Athena results of the quality
 * queries; the daily schedule may also invoke it alone (`{"source": "schedule"}`), in which case the
 * SQL-based checks report "skipped". Locally `sdp dq` runs `program` with DuckDB-computed facts.
 */
import { randomUUID } from "node:crypto";
import { Effect } from "effect";
import { envVars } from "../../contracts/env-vars";
import { DEFAULT_SHOP_TIMEZONE, shopTimeZoneProblem } from "../../contracts/shop-time-zone";
import { defaultWebhookRecoveryAlert } from "../../contracts/webhook-recovery";
import { taskHandler } from "../kernel/adapters";
import { optionalConfig } from "../kernel/config";
import { InvalidPayload } from "../kernel/errors";
import { liveLayer } from "../kernel/live";
import { isIsoDate, yesterday } from "./dates";
import type { QueryFacts, QueryResultKeys } from "./facts";
import { dataQualityProgram, type DataQualityReport } from "./handler-program";

export interface DataQualityEvent {
  readonly date?: string;
  readonly runId?: string;
  readonly queryResults?: QueryResultKeys;
  readonly queryFacts?: QueryFacts;
  readonly hotStore?: "counts" | "cloudwatch" | "none";
  readonly requestBackfill?: boolean;
  readonly source?: string;
}

const isKey = (value: unknown) => value === undefined || (typeof value === "string" && value.length > 0 && !value.startsWith("/"));

/** `s3://bucket/key` (Athena's OutputLocation) or a plain key -> the key. */
const keyOf = (location: string | undefined) => (location?.startsWith("s3://") ? location.replace(/^s3:\/\/[^/]+\//, "") : location);

/**
 * The environment's webhook-recovery threshold (config/ webhookRecoveryAlert, set on the function
 * by the analytics stack); a variable that is absent or not a number leaves the default.
 */
const webhookRecoveryAlertConfig = Effect.gen(function* () {
  const share = Number((yield* optionalConfig(envVars.webhookRecoveryMaxShare)) ?? Number.NaN);
  const min = Number((yield* optionalConfig(envVars.webhookRecoveryMinCount)) ?? Number.NaN);
  return {
    maxRecoveredShare: Number.isFinite(share) && share >= 0 && share <= 1 ? share : defaultWebhookRecoveryAlert.maxRecoveredShare,
    minRecovered: Number.isInteger(min) && min >= 0 ? min : defaultWebhookRecoveryAlert.minRecovered,
  };
});

/**
 * The shop's time zone (config shopTimezone, set on the function by the analytics stack): the order
 * dates of the gap check are its local days. Absent means UTC; a name that is not a zone is a
 * deployment bug, not a reason to ask for the wrong window.
 */
const shopTimezoneConfig = Effect.gen(function* () {
  const zone = (yield* optionalConfig(envVars.shopTimezone)) ?? DEFAULT_SHOP_TIMEZONE;
  const problem = shopTimeZoneProblem(zone);
  return problem === undefined ? zone : yield* Effect.dieMessage(`${envVars.shopTimezone} ${problem}`);
});

export const program = (event: DataQualityEvent | null | undefined) =>
  Effect.gen(function* () {
    const input = event ?? {};
    if (input.date !== undefined && !isIsoDate(input.date)) {
      return yield* Effect.fail(new InvalidPayload({ reason: `date must be YYYY-MM-DD, got ${String(input.date)}`, field: "date" }));
    }
    const queryResults = input.queryResults
      ? { orderNumberGaps: keyOf(input.queryResults.orderNumberGaps), processedDuplicates: keyOf(input.queryResults.processedDuplicates) }
      : undefined;
    if (queryResults && (!isKey(queryResults.orderNumberGaps) || !isKey(queryResults.processedDuplicates))) {
      return yield* Effect.fail(new InvalidPayload({ reason: "queryResults must be lake keys or s3:// locations", field: "queryResults" }));
    }
    const checkedAt = new Date().toISOString();
    const report: DataQualityReport = yield* dataQualityProgram({
      date: input.date ?? yesterday(),
      runId: input.runId ?? `${checkedAt.replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`,
      checkedAt,
      queryFacts: input.queryFacts,
      queryResults,
      hotStore: input.hotStore ?? ((yield* optionalConfig(envVars.environment)) === "local" ? "counts" : "cloudwatch"),
      requestBackfill: input.requestBackfill,
      webhookRecoveryAlert: yield* webhookRecoveryAlertConfig,
      shopTimezone: yield* shopTimezoneConfig,
    });
    return report;
  });

export const handler = taskHandler(program, liveLayer());
