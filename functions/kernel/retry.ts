/**
 * The retry policy for Throttled / Transient failures: exponential backoff with jitter, each
 * delay capped, a bounded number of attempts. Nothing else is retried (InvalidPayload is final,
 * a defect is a bug). Inside a Lambda the policy stays short; the queue's redrive handles the
 * long tail.
 */
import { Duration, Effect, Schedule } from "effect";
import { isRetryable } from "./errors";

export interface RetryOptions {
  readonly baseMs?: number;
  readonly maxDelayMs?: number;
  readonly maxRetries?: number;
}

export const retrySchedule = (options: RetryOptions = {}) => {
  const cap = Duration.millis(options.maxDelayMs ?? 2_000);
  return Schedule.exponential(Duration.millis(options.baseMs ?? 50), 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((delay) => Duration.min(delay, cap)),
    Schedule.intersect(Schedule.recurs(options.maxRetries ?? 4)),
  );
};

/** Retries `effect` on Throttled / Transient only. */
export const withRetry =
  (options?: RetryOptions) =>
  <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.retry(effect, { schedule: retrySchedule(options), while: (error: E) => typeof error === "object" && error !== null && isRetryable(error) });
