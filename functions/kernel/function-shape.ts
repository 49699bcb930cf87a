/**
 * The shape every function entry file follows, so the same program runs in Lambda and in the
 * embedded local platform:
 *
 *   export const program: HttpProgram | EventProgram | TaskProgram   (an Effect needing kernel services)
 *   export const handler = <adapter>(program, liveLayer())             (the Lambda entry point)
 *
 * The Lambda adapters (functions/kernel/adapters.ts) turn API Gateway v2 requests, SQS batches of
 * EventBridge events, or Step Functions task input into these types. `sdp local` calls `program`
 * directly with its own layer (emulator endpoints, in-process event bus).
 */
import type { Effect } from "effect";

/** An HTTPS request as the program sees it: header names lower-cased, body raw (base64 already decoded). */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  readonly requestId: string;
  readonly receivedAt: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An EventBridge event as delivered to a rule target (here: through SQS). */
export interface BusEnvelope {
  readonly id: string;
  readonly source: string;
  readonly "detail-type": string;
  readonly time: string;
  readonly account?: string;
  readonly region?: string;
  readonly detail: unknown;
}

/** HTTP functions never fail: every typed error becomes a 4xx/5xx response. */
export type HttpProgram<R> = (request: HttpRequest) => Effect.Effect<HttpResponse, never, R>;

/**
 * Event functions process one event. Failing with Throttled/Transient makes the record retry
 * (partial batch failure); InvalidPayload goes to the dead-letter queue without retry.
 */
export type EventProgram<E, R> = (event: BusEnvelope) => Effect.Effect<void, E, R>;

/** Step Functions task: JSON in, JSON out. */
export type TaskProgram<I, O, E, R> = (input: I) => Effect.Effect<O, E, R>;
