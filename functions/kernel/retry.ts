/**
 * The retry policy for Throttled / Transient failures: exponential backoff with jitter, each
 * delay capped, a bounded number of attempts. Nothing else is retried (InvalidPayload is final,
 * a defect is a bug). Inside a Lambda the policy stays short; the queue's redrive handles the
 * long tail.
 *
 * Every retry is counted (`Retried`, by the error's service) on the Metrics service when the
 * program has one, so retries under faults (faults.ts) are visible and bounded.
 */
import { Duration, Effect, Option, Schedule, ScheduleDecision } from "effect";
import { isRetryable } from "./errors";
import { Metrics } from "./services";

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

const countRetry = (error: unknown) =>
  Effect.flatMap(
    Effect.serviceOption(Metrics),
    Option.match({
      onNone: () => Effect.void,
      onSome: (metrics) => {
        const service = (error as { service?: unknown } | undefined)?.service;
        return metrics.count("Retried", 1, typeof service === "string" ? { service } : {});
      },
    }),
  );

/** Retries `effect` on Throttled / Transient only. */
export const withRetry =
  (options?: RetryOptions) =>
  <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    // Suspended, so each run has its own `lastError` (the error the schedule's decision is about).
    Effect.suspend(() => {
      let lastError: unknown;
      const schedule = retrySchedule(options).pipe(Schedule.onDecision((_, decision) => (ScheduleDecision.isContinue(decision) ? countRetry(lastError) : Effect.void)));
      return Effect.retry(effect, {
        schedule,
        while: (error: E) => {
          lastError = error;
          return typeof error === "object" && error !== null && isRetryable(error);
        },
      });
    });
