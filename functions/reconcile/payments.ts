/**
 * The payments-reconcile function (contracts/functions.ts "payments-reconcile"): EventBridge
 * Scheduler invokes it nightly with `{"source": "schedule"}` (stacks/analytics.ts,
 * PAYMENTS_RECONCILE_SCHEDULE); locally `sdp reconcile payments` runs `program` inside the running
 * platform. The input is checked here, the work is payments-program.ts: Stripe's events of the
 * last `days`, Recharge's subscriptions and charges updated since the last run, each one the lake
 * lacks fed through its door's path, the counts to metadata/reconciliation/payments/.
 */
import { Effect } from "effect";
import { taskHandler } from "../kernel/adapters";
import { InvalidPayload } from "../kernel/errors";
import { liveLayer } from "../kernel/live";
import { nightlyProgram, type NightlyInput } from "./payments-program";

const SOURCES = ["stripe", "recharge"] as const;

/** Stripe keeps events for 30 days: a longer window lists nothing more. */
export const MAX_RECONCILE_DAYS = 30;

const invalid = (field: string, reason: string) => Effect.fail(new InvalidPayload({ field, reason }));

export const program = (event: NightlyInput | null | undefined) =>
  Effect.gen(function* () {
    const input = event ?? {};
    if (typeof input !== "object" || Array.isArray(input)) return yield* invalid("input", "the input must be a JSON object");
    if (input.days !== undefined && !(Number.isInteger(input.days) && input.days >= 1 && input.days <= MAX_RECONCILE_DAYS)) {
      return yield* invalid("days", `days must be a whole number from 1 to ${MAX_RECONCILE_DAYS}, got ${String(input.days)}`);
    }
    if (input.alertRatio !== undefined && !(typeof input.alertRatio === "number" && input.alertRatio >= 0 && input.alertRatio <= 1)) {
      return yield* invalid("alertRatio", `alertRatio must be a number from 0 to 1, got ${String(input.alertRatio)}`);
    }
    if (
      input.sources !== undefined &&
      !(Array.isArray(input.sources) && input.sources.length > 0 && input.sources.every((source) => (SOURCES as ReadonlyArray<unknown>).includes(source)))
    ) {
      return yield* invalid("sources", `sources must be a non-empty list of ${SOURCES.join(", ")}`);
    }
    if (input.asOf !== undefined && !(typeof input.asOf === "string" && Number.isFinite(Date.parse(input.asOf)))) {
      return yield* invalid("asOf", `asOf must be an ISO time, got ${String(input.asOf)}`);
    }
    return yield* nightlyProgram(input);
  });

export const handler = taskHandler(program, liveLayer());
