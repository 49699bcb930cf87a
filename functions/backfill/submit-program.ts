/**
 * submit: takes a per-shop lease and starts the bulk query for one object and date range.
 * A retried submit (same run and object) finds its lease and operation and starts nothing new.
 * When Shopify says a bulk query is already running (ours or started by hand), the lease is
 * given back and the workflow waits (LeaseUnavailable): we never cancel an operation.
 */
import { Effect } from "effect";
import type { ObjectExportInput, SubmitOutput } from "../../contracts/backfill-workflow";
import { bulkObjects, isBulkObject } from "./convert/entities";
import { InvalidPayload } from "../kernel/errors";
import { HotStore } from "../kernel/services";
import { acquireLease, attachOperation, LeaseUnavailable, releaseLease } from "./lease";
import { bulkQuery, RUN_QUERY_MUTATION } from "./queries";
import { bulkQueryLimit, failOnUserErrors, ShopifyAdmin, ShopifyUserErrors } from "./shopify-graphql";
import type { ShopifyBulkOperation } from "./operation";

const BUSY_CODES = ["OPERATION_IN_PROGRESS", "LIMIT_REACHED"];

const DAY_MS = 86_400_000;

/**
 * `since` may be relative to `until` as whole days ("P3D"): the nightly reconciliation schedule
 * passes until = <aws.scheduler.scheduled-time> and since = "P3D", since Step Functions cannot do
 * date arithmetic. Both come out as absolute ISO-8601 timestamps.
 */
export const validateExportInput = (input: unknown): Effect.Effect<ObjectExportInput, InvalidPayload> => {
  const value = (input ?? {}) as Partial<Record<keyof ObjectExportInput, unknown>>;
  if (typeof value.runId !== "string" || value.runId.length === 0) return Effect.fail(new InvalidPayload({ reason: "runId is required", field: "runId" }));
  if (typeof value.object !== "string" || !isBulkObject(value.object))
    return Effect.fail(new InvalidPayload({ reason: `object must be one of ${bulkObjects.join(", ")}`, field: "object" }));
  if (typeof value.until !== "string" || Number.isNaN(Date.parse(value.until))) {
    return Effect.fail(new InvalidPayload({ reason: "until must be an ISO-8601 timestamp", field: "until" }));
  }
  const until = new Date(Date.parse(value.until));
  const relative = typeof value.since === "string" ? /^P(\d{1,4})D$/.exec(value.since) : null;
  const since = relative ? new Date(until.getTime() - Number(relative[1]) * DAY_MS) : typeof value.since === "string" ? new Date(Date.parse(value.since)) : new Date(Number.NaN);
  if (Number.isNaN(since.getTime())) return Effect.fail(new InvalidPayload({ reason: "since must be an ISO-8601 timestamp or a day count like P3D", field: "since" }));
  if (since.getTime() >= until.getTime()) return Effect.fail(new InvalidPayload({ reason: "since must be before until", field: "since" }));
  const iso = (at: Date) => at.toISOString().replace(".000Z", "Z");
  return Effect.succeed({ runId: value.runId, object: value.object, since: iso(since), until: iso(until) });
};

export const submitProgram = (input: ObjectExportInput) =>
  Effect.gen(function* () {
    const request = yield* validateExportInput(input);
    const admin = yield* ShopifyAdmin;
    const { shop, apiVersion } = yield* admin.config;
    const limit = bulkQueryLimit(apiVersion);
    const lease = yield* acquireLease({ shop, runId: request.runId, object: request.object, limit });
    const output = (operationId: string): SubmitOutput => ({ ...request, shop, apiVersion, leaseSlot: lease.slot, operationId });
    if (lease.operationId) return output(lease.operationId);

    const started = yield* admin
      .graphql<{ bulkOperationRunQuery: { bulkOperation: ShopifyBulkOperation | null; userErrors: ShopifyUserErrors["errors"] } | null }>(RUN_QUERY_MUTATION, {
        query: bulkQuery(request.object, request.since, request.until),
      })
      .pipe(
        Effect.flatMap((data) => failOnUserErrors(data.bulkOperationRunQuery, "bulkOperationRunQuery")),
        Effect.catchTag("ShopifyUserErrors", (error): Effect.Effect<never, LeaseUnavailable | ShopifyUserErrors> =>
          error.errors.some((userError) => userError.code && BUSY_CODES.includes(userError.code))
            ? Effect.fail(new LeaseUnavailable({ shop, limit, reason: error.message }))
            : Effect.fail(error),
        ),
        // Nothing started: give the slot back before the workflow retries or gives up.
        Effect.tapError(() => releaseLease(shop, lease.slot, request.runId).pipe(Effect.ignore)),
      );
    const operationId = started.bulkOperation?.id;
    if (!operationId) return yield* Effect.fail(new ShopifyUserErrors({ errors: [{ field: null, message: "bulkOperationRunQuery returned no operation" }] }));
    yield* attachOperation(lease, operationId);
    yield* Effect.logInfo("bulk query started").pipe(Effect.annotateLogs({ runId: request.runId, object: request.object, operationId, slot: lease.slot }));
    return output(operationId);
  });

export type SubmitRequirements = ShopifyAdmin | HotStore;
