/**
 * Idempotency on top of the HotStore's `idempotency` table, shared by the live and in-memory
 * layers so both behave alike. One record per key:
 *   { key, status: "in-progress", expires_at }  while a run holds the claim (expires so a crashed
 *                                                run does not block retries forever)
 *   { key, status: "completed", expires_at, completed_at }   after success (kept for the retention)
 * A failed (or interrupted) run deletes its claim, so the retry runs again.
 */
import { Clock, Effect, Exit, Layer, Option } from "effect";
import { HotStore, Idempotency, type IdempotencyOutcome, type StoreError } from "./services";

export interface IdempotencyOptions {
  /** How long an in-progress claim blocks others (longer than the longest run). */
  readonly inProgressSeconds?: number;
  /** How long a completed key is remembered (duplicates within it are skipped). */
  readonly retentionSeconds?: number;
}

const TABLE = "idempotency" as const;

export const makeIdempotency = (store: HotStore["Type"], options: IdempotencyOptions = {}): Idempotency["Type"] => {
  const inProgressSeconds = options.inProgressSeconds ?? 900;
  const retentionSeconds = options.retentionSeconds ?? 7 * 24 * 3600;

  const claim = (key: string, nowSeconds: number) =>
    store.putIfNotExists(TABLE, { key, status: "in-progress", expires_at: nowSeconds + inProgressSeconds });

  /** True when this run now holds the claim. */
  const acquire = (key: string): Effect.Effect<boolean, StoreError> =>
    // The usual case (a new key) is one conditional put; only a taken key needs the generator below.
    Effect.flatMap(Clock.currentTimeMillis, (millis) => {
      const now = Math.floor(millis / 1000);
      return Effect.flatMap(claim(key, now), (claimed) => (claimed ? Effect.succeed(true) : acquireTaken(key, now)));
    });

  /** The key is already claimed: a duplicate, unless the holder's claim expired. */
  const acquireTaken = (key: string, now: number) =>
    Effect.gen(function* () {
      const existing = yield* store.get(TABLE, { key });
      if (Option.isNone(existing)) return yield* claim(key, now);
      const record = existing.value as { status?: unknown; expires_at?: unknown };
      if (record.status === "in-progress" && typeof record.expires_at === "number" && record.expires_at <= now) {
        // The holder died without releasing: take the claim over (the loser of a race sees a duplicate).
        yield* store.delete(TABLE, { key });
        return yield* claim(key, now);
      }
      return false;
    });

  return {
    once: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        if (!(yield* acquire(key))) return { status: "duplicate" } as IdempotencyOutcome<A>;
        const exit = yield* Effect.exit(effect);
        if (Exit.isFailure(exit)) {
          yield* Effect.ignore(store.delete(TABLE, { key }));
          return yield* Effect.failCause(exit.cause);
        }
        const now = yield* Clock.currentTimeMillis;
        yield* store.put(TABLE, { key, status: "completed", completed_at: new Date(now).toISOString(), expires_at: Math.floor(now / 1000) + retentionSeconds });
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
