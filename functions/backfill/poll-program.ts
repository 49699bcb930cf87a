/**
 * poll: `bulkOperation(id:)` mapped to the workflow's OperationState JSON. While the operation
 * runs, the run's lease is renewed so it outlives long exports.
 */
import { Effect } from "effect";
import type { OperationState, SubmitOutput } from "../../contracts/backfill-workflow";
import { InvalidPayload } from "../kernel/errors";
import { BULK_OPERATION_QUERY } from "./queries";
import { toOperationState, type ShopifyBulkOperation } from "./operation";
import { ShopifyAdmin, ShopifyRequestRejected, type ShopifyError } from "./shopify-graphql";
import { renewLease } from "./lease";
import { HotStore as HotStoreTag, type HotStore, type StoreError } from "../kernel/services";
import { TaskTokens } from "./task-tokens";

export const pollProgram = (
  input: Pick<SubmitOutput, "operationId"> & Partial<Pick<SubmitOutput, "shop" | "leaseSlot" | "runId">>,
): Effect.Effect<OperationState, InvalidPayload | ShopifyError | StoreError, ShopifyAdmin | HotStore> =>
  Effect.gen(function* () {
    if (typeof input?.operationId !== "string" || !input.operationId.startsWith("gid://")) {
      return yield* Effect.fail(new InvalidPayload({ reason: "operationId must be a bulk operation GID", field: "operationId" }));
    }
    const admin = yield* ShopifyAdmin;
    const data = yield* admin.graphql<{ bulkOperation: ShopifyBulkOperation | null }>(BULK_OPERATION_QUERY, { id: input.operationId });
    if (!data?.bulkOperation) return yield* Effect.fail(new ShopifyRequestRejected({ reason: `bulk operation ${input.operationId} not found` }));
    const state = yield* Effect.try({
      try: () => toOperationState(data.bulkOperation!),
      catch: (error) => (error instanceof ShopifyRequestRejected ? error : new ShopifyRequestRejected({ reason: String(error) })),
    });
    if ((state.status === "CREATED" || state.status === "RUNNING") && input.shop && input.leaseSlot && input.runId) {
      yield* renewLease(input.shop, input.leaseSlot, input.runId);
    }
    yield* Effect.logDebug("bulk operation polled").pipe(Effect.annotateLogs({ operationId: state.id, status: state.status, objectCount: state.objectCount }));
    return state;
  });

export interface AwaitInput extends Pick<SubmitOutput, "operationId" | "shop" | "leaseSlot" | "runId"> {
  readonly mode: "await";
  readonly taskToken: string;
}

/**
 * The AwaitFinish state (lambda:invoke.waitForTaskToken): stores the task token on the lease so
 * the bulk_operations/finish webhook can wake the run, then looks once: an operation that has
 * already finished wakes it right away (the webhook may have come before the token was stored).
 */
export const awaitProgram = (input: AwaitInput) =>
  Effect.gen(function* () {
    if (typeof input?.taskToken !== "string" || input.taskToken.length === 0) {
      return yield* Effect.fail(new InvalidPayload({ reason: "taskToken is required", field: "taskToken" }));
    }
    const store = yield* HotStoreTag;
    const lease = yield* store.get("leases", { shop: input.shop, slot: input.leaseSlot });
    if (lease._tag === "Some" && lease.value.runId === input.runId) {
      yield* store.updateIfExists("leases", { shop: input.shop, slot: input.leaseSlot }, { task_token: input.taskToken });
    }
    const state = yield* pollProgram(input);
    if (state.status !== "CREATED" && state.status !== "RUNNING") {
      yield* Effect.flatMap(TaskTokens, (tokens) => tokens.succeed(input.taskToken, { status: state.status }));
    }
    return { status: state.status };
  });
