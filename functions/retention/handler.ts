/**
 * Lambda entry of `retention-purge`, run daily by EventBridge Scheduler. The schedule's input
 * carries the environment's retention policy (config/retention.ts, put there by the analytics
 * stack), so the function reads no configuration of its own: `{"source":"schedule","policy":{...}}`.
 * `{"dryRun": true}` plans without deleting.
 */
import { randomUUID } from "node:crypto";
import { Effect } from "effect";
import { parseRetentionPolicy } from "../../contracts/retention";
import { taskHandler } from "../kernel/adapters";
import { InvalidPayload } from "../kernel/errors";
import { liveLayer } from "../kernel/live";
import { retentionPurge } from "./purge";

export interface RetentionEvent {
  readonly source?: string;
  readonly policy?: unknown;
  readonly dryRun?: boolean;
}

export const program = (event: RetentionEvent | null | undefined) =>
  Effect.gen(function* () {
    const parsed = parseRetentionPolicy(event?.policy === undefined ? undefined : JSON.stringify(event.policy));
    if ("problem" in parsed) return yield* Effect.fail(new InvalidPayload({ reason: parsed.problem, field: "policy" }));
    const now = new Date();
    return yield* retentionPurge({
      policy: parsed.policy,
      now,
      runId: `${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`,
      dryRun: event?.dryRun === true,
    });
  });

export const handler = taskHandler(program, liveLayer());
