/**
 * When the current invocation will be cut off. Lambda kills a function at its timeout whatever
 * it is doing, so nothing that this invocation started can still be running after the deadline:
 * an idempotency claim taken now needs to block others only until then (idempotency.ts).
 *
 * The Lambda adapters set it from `context.getRemainingTimeInMillis()`; `sdp local` sets it from
 * the function's timeout in contracts/functions.ts. Outside both (a unit test, a script) it is
 * unset and the claim falls back to the function timeout default.
 */
import { Effect, FiberRef } from "effect";

/** Epoch milliseconds at which the invocation ends, when known. */
export const invocationDeadline: FiberRef.FiberRef<number | undefined> = FiberRef.unsafeMake<number | undefined>(undefined);

/** Runs `effect` as an invocation that ends at `deadlineMs` (epoch milliseconds). */
export const withInvocationDeadline =
  (deadlineMs: number | undefined) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    deadlineMs === undefined ? effect : Effect.locally(effect, invocationDeadline, deadlineMs);
