/**
 * Idempotency on top of the HotStore's `idempotency` table, shared by the live and in-memory
 * layers so both behave alike (the approach of Powertools for AWS Lambda: one conditional write
 * claims a key, and an in-progress claim lasts only as long as its holder can still be running).
 *
 * The state machine of one key:
 *
 *                 claim (one conditional write: no item, or its expires_at has passed)
 *     (absent) ─────────────────────────────────────────────▶ IN-PROGRESS { expires_at = deadline }
 *        ▲                                                        │  │
 *        │  the run failed or was interrupted: delete (release)   │  │ the run succeeded:
 *        └────────────────────────────────────────────────────────┘  │ put COMPLETED
 *        ▲                                                           ▼ { expires_at = now + retention }
 *        │  expires_at passed (DynamoDB TTL removes it later)     COMPLETED
 *        └───────────────────────────────────────────────────────────┘
 *
 *   - `deadline` is the moment the holder's invocation is cut off (deadline.ts: Lambda's remaining
 *     time, or the function's timeout): after it nothing the holder started can still write, so a
 *     crashed or timed-out holder blocks the key no longer than that, never 15 minutes.
 *   - Another run that meets IN-PROGRESS before its deadline fails with `InProgress` (retryable):
 *     a queue redelivers the message later, a webhook door answers 503 with Retry-After. It is
 *     never acknowledged as a duplicate: the holder may yet die, and then nobody would finish it.
 *   - Only COMPLETED makes a redelivery a `duplicate`.
 *   - The claim carries a token of the run that wrote it, so a retry of a claim whose write
 *     succeeded but whose answer was lost recognises its own claim instead of waiting it out.
 *   - A claim met after its deadline is taken over by the same conditional write (the holder died
 *     without releasing it); two runs racing for it cannot both win.
 *   - The effect itself must be safe to repeat (raw writes are If-None-Match, upserts are guarded
 *     by `updated_at`): a crash after the effect and before COMPLETED runs it again.
 */
import { randomUUID } from "node:crypto";
import { Clock, Effect, Exit, FiberRef, Layer, Option } from "effect";
import { DEFAULT_FUNCTION_TIMEOUT_SECONDS } from "../../contracts/functions";
import { invocationDeadline } from "./deadline";
import { InProgress } from "./errors";
import { withRetry } from "./retry";
import { HotStore, Idempotency, type IdempotencyOutcome, type Item, type StoreError } from "./services";

export interface IdempotencyOptions {
  /**
   * How long a claim lasts when the invocation's deadline is unknown (a unit test, a script):
   * the function timeout. Lambda and `sdp local` give the real deadline.
   */
  readonly inProgressSeconds?: number;
  /** How long a completed key is remembered (duplicates within it are skipped). */
  readonly retentionSeconds?: number;
}

const TABLE = "idempotency" as const;
const EXPIRES = "expires_at";
export const DEFAULT_IN_PROGRESS_SECONDS = DEFAULT_FUNCTION_TIMEOUT_SECONDS;

export type IdempotencyRecord = { readonly key: string; readonly status: "in-progress" | "completed"; readonly expires_at: number };

export const isCompletedRecord = (item: Item | undefined): boolean => item?.status === "completed";

export const makeIdempotency = (store: HotStore["Type"], options: IdempotencyOptions = {}): Idempotency["Type"] => {
  const fallbackSeconds = options.inProgressSeconds ?? DEFAULT_IN_PROGRESS_SECONDS;
  const retentionSeconds = options.retentionSeconds ?? 7 * 24 * 3600;

  /** Seconds since the epoch, rounded up: a claim must never lapse before its holder's deadline. */
  const claimExpiry = (nowMs: number) =>
    Effect.map(FiberRef.get(invocationDeadline), (deadline) => Math.ceil((deadline !== undefined && deadline > nowMs ? deadline : nowMs + fallbackSeconds * 1000) / 1000));

  const inProgress = (key: string, holder: Item, nowMs: number) => {
    const expires = typeof holder[EXPIRES] === "number" ? (holder[EXPIRES] as number) : Math.ceil(nowMs / 1000) + fallbackSeconds;
    return new InProgress({ key, retryAfterMs: Math.max(1000, expires * 1000 - nowMs) });
  };

  /**
   * Takes the claim, or says why not: "duplicate" (completed) or an InProgress failure. The claim
   * carries a token of this run: when the write succeeded but its answer was lost and the retry
   * (the SDK's or ours) meets the item, the token says the holder is this run itself.
   */
  const acquire = (key: string): Effect.Effect<"claimed" | "duplicate", StoreError | InProgress> =>
    Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
      Effect.flatMap(claimExpiry(nowMs), (expiresAt) => {
        const nowSeconds = Math.floor(nowMs / 1000);
        const token = randomUUID();
        const attempt = (retriesLeft: number): Effect.Effect<"claimed" | "duplicate", StoreError | InProgress> =>
          Effect.flatMap(store.claim(TABLE, { key, status: "in-progress", [EXPIRES]: expiresAt, claim_token: token }, EXPIRES, nowSeconds), (result) => {
            if (result.claimed) return Effect.succeed("claimed" as const);
            // The holder was removed between the failed write and the read: try once more.
            if (Option.isNone(result.holder)) return retriesLeft > 0 ? attempt(retriesLeft - 1) : Effect.fail(inProgress(key, {}, nowMs));
            const holder = result.holder.value;
            if (isCompletedRecord(holder)) return Effect.succeed("duplicate" as const);
            return holder.claim_token === token ? Effect.succeed("claimed" as const) : Effect.fail(inProgress(key, holder, nowMs));
          });
        // A lost answer of a claim that was written: retried here, where the token recognises it.
        return withRetry()(attempt(1));
      }),
    );

  const complete = (key: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
      store.put(TABLE, { key, status: "completed", completed_at: new Date(nowMs).toISOString(), [EXPIRES]: Math.floor(nowMs / 1000) + retentionSeconds }),
    );

  return {
    once: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        if ((yield* acquire(key)) === "duplicate") return { status: "duplicate" } as IdempotencyOutcome<A>;
        const exit = yield* Effect.exit(effect);
        if (Exit.isFailure(exit)) {
          // Released so the retry runs again; if the release itself fails, the claim lapses at the deadline.
          yield* Effect.ignore(store.delete(TABLE, { key }));
          return yield* Effect.failCause(exit.cause);
        }
        yield* complete(key);
        return { status: "processed", value: exit.value } as IdempotencyOutcome<A>;
      }),
  };
};

/** Idempotency layer over whatever HotStore is provided. */
export const IdempotencyFromHotStore = (options?: IdempotencyOptions) =>
  Layer.effect(
    Idempotency,
    Effect.map(HotStore, (store) => makeIdempotency(store, options)),
  );
