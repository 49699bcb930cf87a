/**
 * bulk-finish: the `bulk_operations/finish` webhook (partner bus or HTTPS door, through SQS).
 * Shopify sends {admin_graphql_api_id, status, error_code, completed_at, type}; we record the
 * finish on the lease that holds the operation (`finished_status`, `finished_at`,
 * `finished_error_code`) and, when the run waits in its AwaitFinish state (a task token stored on
 * the lease), sends SendTaskSuccess so the run polls and downloads at once.
 * Operations we do not hold (another app's, or one started by hand) are ignored, never touched.
 */
import { Effect, Option } from "effect";
import type { PlatformEventDetail } from "../../contracts/events";
import type { BusEnvelope } from "../kernel/function-shape";
import { InvalidPayload } from "../kernel/errors";
import { HotStore, Metrics, ObjectStore } from "../kernel/services";
import { findLeaseByOperation } from "./lease";
import { TaskTokens } from "./task-tokens";

interface FinishPayload {
  readonly admin_graphql_api_id?: unknown;
  readonly status?: unknown;
  readonly error_code?: unknown;
  readonly completed_at?: unknown;
  readonly type?: unknown;
}

const headerValue = (metadata: unknown, name: string): string | undefined => {
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const entry = Object.entries(metadata).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === "string" ? entry[1] : undefined;
};

/** Payload and shop from either bus shape: partner ({payload, metadata}) or platform (PlatformEventDetail). */
const extract = (event: BusEnvelope) =>
  Effect.gen(function* () {
    const detail = event.detail as Partial<PlatformEventDetail> & { readonly metadata?: unknown };
    if (typeof detail !== "object" || detail === null) return yield* Effect.fail(new InvalidPayload({ reason: "event has no detail" }));
    let payload = detail.payload as FinishPayload | undefined;
    if (payload === undefined && typeof detail.rawKey === "string") {
      const raw = yield* Effect.flatMap(ObjectStore, (store) => store.getText(detail.rawKey!));
      if (Option.isNone(raw)) return yield* Effect.fail(new InvalidPayload({ reason: `raw event ${detail.rawKey} not found` }));
      try {
        payload = JSON.parse(raw.value) as FinishPayload;
      } catch {
        return yield* Effect.fail(new InvalidPayload({ reason: "raw event is not JSON" }));
      }
    }
    const shop = detail.shopDomain ?? headerValue(detail.metadata, "x-shopify-shop-domain");
    return { payload, shop };
  });

export const bulkFinishProgram = (event: BusEnvelope) =>
  Effect.gen(function* () {
    const { payload, shop } = yield* extract(event);
    const operationId = payload?.admin_graphql_api_id;
    if (typeof operationId !== "string" || !operationId.startsWith("gid://shopify/BulkOperation/")) {
      return yield* Effect.fail(new InvalidPayload({ reason: "admin_graphql_api_id must be a BulkOperation GID", field: "admin_graphql_api_id" }));
    }
    if (typeof payload?.status !== "string") return yield* Effect.fail(new InvalidPayload({ reason: "status is required", field: "status" }));
    if (!shop) return yield* Effect.fail(new InvalidPayload({ reason: "the shop domain is missing from the event", field: "shopDomain" }));
    const metrics = yield* Metrics;
    const lease = yield* findLeaseByOperation(shop, operationId);
    if (!lease) {
      yield* metrics.count("backfill.finish-ignored");
      yield* Effect.logInfo("bulk operation finish for an operation we do not hold").pipe(Effect.annotateLogs({ operationId }));
      return;
    }
    const status = payload.status.toUpperCase();
    yield* Effect.flatMap(HotStore, (store) =>
      store.updateIfExists(
        "leases",
        { shop, slot: lease.slot },
        {
          finished_status: status,
          finished_at: typeof payload.completed_at === "string" ? payload.completed_at : event.time,
          ...(typeof payload.error_code === "string" ? { finished_error_code: payload.error_code.toUpperCase() } : {}),
        },
      ),
    );
    // A run waiting in AwaitFinish continues now instead of at its next poll. Where no task
    // token service is provided (the local platform's event router), the poll picks it up.
    const tokens = yield* Effect.serviceOption(TaskTokens);
    if (typeof lease.task_token === "string" && lease.task_token !== "" && tokens._tag === "Some") {
      const sent = yield* tokens.value.succeed(lease.task_token, { operationId, status });
      yield* metrics.count(`backfill.finish-${sent === "sent" ? "woke-run" : "token-stale"}`);
    }
    yield* metrics.count("backfill.finish-recorded", 1, { status });
    yield* metrics.flush;
  });
