/**
 * The typed failures callers handle. Anything else is a defect (a bug).
 *   InvalidSignature -> HTTP 401, nothing stored
 *   InvalidPayload   -> HTTP 400 / straight to the DLQ, never retried
 *   Throttled, Transient -> retried with exponential backoff and jitter
 *   StaleUpdate      -> skipped and counted (an older update arrived after a newer one)
 *   InProgress       -> another run holds the idempotency claim: retried later (HTTP 503 with
 *                       Retry-After, or the queue's redelivery), never acknowledged as a duplicate
 */
import { Data } from "effect";

export class InvalidSignature extends Data.TaggedError("InvalidSignature")<{ readonly reason: string }> {}

export class InvalidPayload extends Data.TaggedError("InvalidPayload")<{ readonly reason: string; readonly field?: string }> {}

export class Throttled extends Data.TaggedError("Throttled")<{ readonly service: string; readonly retryAfterMs?: number }> {}

export class Transient extends Data.TaggedError("Transient")<{ readonly service: string; readonly reason: string; readonly cause?: unknown }> {}

/** The idempotency key is claimed by a run that may still be going; `retryAfterMs` until its claim lapses. */
export class InProgress extends Data.TaggedError("InProgress")<{ readonly key: string; readonly retryAfterMs: number }> {}

export class StaleUpdate extends Data.TaggedError("StaleUpdate")<{ readonly table: string; readonly key: string }> {}

export class SecretUnavailable extends Data.TaggedError("SecretUnavailable")<{ readonly secret: string; readonly reason: string }> {}

export class NotFound extends Data.TaggedError("NotFound")<{ readonly what: string }> {}

/** Errors a retry policy may retry. */
export type Retryable = Throttled | Transient;
export const isRetryable = (error: { readonly _tag: string }): error is Retryable => error._tag === "Throttled" || error._tag === "Transient";
