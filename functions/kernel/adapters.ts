/**
 * Lambda adapters: turn what Lambda delivers into the types of function-shape.ts, run the
 * program on a runtime built once per container, and turn the outcome back into what Lambda
 * (API Gateway, SQS, Step Functions) expects.
 *
 *   httpHandler  API Gateway HTTP API v2 -> HttpRequest (lower-cased headers, raw body with
 *                base64 decoded) -> HttpResponse. A defect becomes a 500, never a crash.
 *   sqsHandler   SQS batch of EventBridge envelopes -> one program run per record, with short
 *                in-process retries for Throttled/Transient; records that still fail are returned
 *                as `batchItemFailures` (SQS retries them, then its DLQ keeps them); an
 *                InvalidPayload record is sent straight to the DLQ and not retried.
 *   taskHandler  Step Functions task: JSON in, JSON out; a typed failure is thrown as an Error
 *                named after its tag, so the state machine can `Catch`/`Retry` on it.
 */
import { randomUUID } from "node:crypto";
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option } from "effect";
import type { BusEnvelope, EventProgram, HttpProgram, HttpRequest, HttpResponse, TaskProgram } from "./function-shape";
import { FUNCTION_NAME_VAR, optionalConfig } from "./config";
import { parseJson } from "./json";
import { withInvocationDeadline } from "./deadline";
import { withLogContext } from "./logger";
import { redactText } from "./redact";
import { withRetry, type RetryOptions } from "./retry";
import { DeadLetters, Metrics } from "./services";

// ---------------------------------------------------------------------------------------------
// Lambda event shapes (the parts we read)

export interface ApiGatewayV2Event {
  readonly rawPath?: string;
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly requestId?: string; readonly timeEpoch?: number; readonly http?: { readonly method?: string; readonly path?: string } };
}

export interface ApiGatewayV2Result {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
}

export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: Record<string, string | undefined>;
}

export interface SqsEvent {
  readonly Records: ReadonlyArray<SqsRecord>;
}

export interface SqsBatchResponse {
  readonly batchItemFailures: Array<{ readonly itemIdentifier: string }>;
}

export interface LambdaContext {
  readonly awsRequestId?: string;
  readonly functionName?: string;
  /** Lambda's: milliseconds until the invocation is cut off at the function's timeout. */
  readonly getRemainingTimeInMillis?: () => number;
}

/** When Lambda will cut this invocation off (idempotency claims last until then, deadline.ts). */
const deadlineOf = (context?: LambdaContext): number | undefined => {
  const remaining = context?.getRemainingTimeInMillis?.();
  return typeof remaining === "number" && Number.isFinite(remaining) && remaining > 0 ? Date.now() + remaining : undefined;
};

// ---------------------------------------------------------------------------------------------

/** The runtimes built in this container (one per handler), disposed together on shutdown. */
const runtimes = new Set<ManagedRuntime.ManagedRuntime<never, unknown>>();

/** Disposes every runtime built in this process: their layers' scopes close (SDK clients destroyed). */
export const disposeRuntimes = async (): Promise<void> => {
  const built = [...runtimes];
  runtimes.clear();
  await Promise.allSettled(built.map((runtime) => runtime.dispose()));
};

/**
 * Lambda sends SIGTERM before it shuts a container down (when an extension is registered): the
 * runtimes are disposed, then the process exits, as Lambda expects of a SIGTERM handler.
 */
export const onShutdownSignal = (): Promise<void> => disposeRuntimes().finally(() => process.exit(0));

/** One runtime per container, built from its layer on first use (cold start) and reused by every invocation. */
const runtimeOnce = <R, E>(layer: Layer.Layer<R, E, never>) => {
  let runtime: ManagedRuntime.ManagedRuntime<R, E> | undefined;
  return () => {
    if (runtime !== undefined) return runtime;
    runtime = ManagedRuntime.make(layer);
    if (!process.listeners("SIGTERM").includes(onShutdownSignal)) process.on("SIGTERM", onShutdownSignal);
    runtimes.add(runtime as ManagedRuntime.ManagedRuntime<never, unknown>);
    return runtime;
  };
};

/** The name on log lines: Lambda's context, else the runtime's variable (through Config), else "local". */
const functionNameOf = (context?: LambdaContext): Effect.Effect<string> =>
  context?.functionName !== undefined ? Effect.succeed(context.functionName) : Effect.map(optionalConfig(FUNCTION_NAME_VAR), (name) => name ?? "local");

/** Flushes buffered metrics when the layer provides Metrics. */
const flushMetrics = Effect.serviceOption(Metrics).pipe(Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (metrics) => metrics.flush })));

export const toHttpRequest = (event: ApiGatewayV2Event, now: Date = new Date()): HttpRequest => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  const body = event.body ?? "";
  const rawBody = event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
  const epoch = event.requestContext?.timeEpoch;
  return {
    method: (event.requestContext?.http?.method ?? "POST").toUpperCase(),
    path: event.rawPath ?? event.requestContext?.http?.path ?? "/",
    headers,
    rawBody,
    requestId: event.requestContext?.requestId ?? randomUUID(),
    receivedAt: (typeof epoch === "number" ? new Date(epoch) : now).toISOString(),
  };
};

const internalError = (requestId: string): HttpResponse => ({
  statusCode: 500,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ error: "internal error", requestId }),
});

export const httpHandler = <R, LE>(program: HttpProgram<R>, layer: Layer.Layer<R, LE, never>) => {
  const runtime = runtimeOnce(layer);
  return async (event: ApiGatewayV2Event, context?: LambdaContext): Promise<ApiGatewayV2Result> => {
    const request = toHttpRequest(event);
    const run = Effect.flatMap(functionNameOf(context), (functionName) =>
      program(request).pipe(
        Effect.catchAllDefect((defect) =>
          Effect.as(Effect.logError("unhandled defect", redactText(String(defect instanceof Error ? (defect.stack ?? defect.message) : defect))), internalError(request.requestId)),
        ),
        Effect.ensuring(flushMetrics),
        withLogContext({ correlationId: request.requestId, functionName }),
      ),
    ).pipe(withInvocationDeadline(deadlineOf(context)));
    const exit = await runtime().runPromiseExit(run);
    const response = Exit.isSuccess(exit) ? exit.value : internalError(request.requestId);
    return { statusCode: response.statusCode, headers: { "content-type": "application/json", ...response.headers }, body: response.body };
  };
};

// ---------------------------------------------------------------------------------------------

export type RecordOutcome = { readonly kind: "ok" } | { readonly kind: "dead-letter"; readonly reason: string } | { readonly kind: "retry"; readonly reason: string };

const describeFailure = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const tagged = error as { _tag: string; reason?: unknown; field?: unknown; service?: unknown };
    return [tagged._tag, tagged.service, tagged.field, tagged.reason].filter((part) => typeof part === "string").join(": ");
  }
  return error instanceof Error ? error.message : String(error);
};

/** How one record's exit is settled: success and StaleUpdate delete it, InvalidPayload dead-letters it, the rest retry. */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): RecordOutcome => {
  if (Exit.isSuccess(exit)) return { kind: "ok" };
  const failure = Cause.failureOption(exit.cause);
  if (Option.isSome(failure)) {
    const tag = (failure.value as { _tag?: string })?._tag;
    if (tag === "StaleUpdate") return { kind: "ok" };
    if (tag === "InvalidPayload") return { kind: "dead-letter", reason: describeFailure(failure.value) };
    return { kind: "retry", reason: describeFailure(failure.value) };
  }
  const defect = Cause.dieOption(exit.cause);
  return { kind: "retry", reason: Option.isSome(defect) ? `defect: ${describeFailure(defect.value)}` : "interrupted" };
};

/** Parses an SQS body as an EventBridge envelope; anything else is a payload no retry can fix. */
export const parseEnvelope = (body: string): BusEnvelope | undefined => {
  try {
    // Lossless: a webhook id beyond 2^53 in the event body must survive digit for digit.
    const parsed = parseJson(body) as Record<string, unknown>;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    if (typeof parsed.source !== "string" || typeof parsed["detail-type"] !== "string" || !("detail" in parsed)) return undefined;
    return {
      ...(parsed as object),
      id: typeof parsed.id === "string" ? parsed.id : randomUUID(),
      time: typeof parsed.time === "string" ? parsed.time : new Date().toISOString(),
    } as BusEnvelope;
  } catch {
    return undefined;
  }
};

export interface SqsHandlerOptions {
  readonly retry?: RetryOptions;
  /** Records processed at the same time (updates are guarded, so order within a batch does not matter). */
  readonly concurrency?: number;
}

export const sqsHandler = <E, R, LE>(program: EventProgram<E, R>, layer: Layer.Layer<R | DeadLetters, LE, never>, options: SqsHandlerOptions = {}) => {
  const runtime = runtimeOnce(layer);
  const retry = withRetry({ baseMs: 100, maxDelayMs: 1_000, maxRetries: 2, ...options.retry });

  const processRecord = (record: SqsRecord, functionName: string) =>
    Effect.gen(function* () {
      const envelope = parseEnvelope(record.body);
      const exit = envelope
        ? yield* Effect.exit(retry(program(envelope) as Effect.Effect<void, E & { readonly _tag: string }, R>))
        : Exit.fail({ _tag: "InvalidPayload", reason: "the SQS message is not an EventBridge event" });
      const outcome = outcomeOf(exit);
      if (outcome.kind === "ok") return true;
      if (outcome.kind === "retry") {
        yield* Effect.logWarning("record failed; SQS will retry it", { reason: outcome.reason });
        return false;
      }
      yield* Effect.logError("invalid record sent to the dead-letter queue", { reason: outcome.reason });
      const deadLetters = yield* DeadLetters;
      const sent = yield* Effect.exit(deadLetters.send({ body: record.body, reason: outcome.reason, origin: `${functionName}/${record.messageId}` }));
      // If the DLQ cannot take it now, let SQS keep it (it reaches the DLQ through the redrive policy).
      return Exit.isSuccess(sent);
    }).pipe(withLogContext({ correlationId: parseEnvelopeId(record.body) ?? record.messageId, functionName, messageId: record.messageId }));

  return async (event: SqsEvent, context?: LambdaContext): Promise<SqsBatchResponse> => {
    const records = event.Records ?? [];
    const results = await runtime().runPromise(
      Effect.flatMap(functionNameOf(context), (functionName) =>
        Effect.forEach(records, (record) => Effect.catchAllDefect(processRecord(record, functionName), () => Effect.succeed(false)), { concurrency: options.concurrency ?? 4 }),
      ).pipe(Effect.ensuring(flushMetrics), withInvocationDeadline(deadlineOf(context))),
    );
    return { batchItemFailures: records.filter((_, index) => !results[index]).map((record) => ({ itemIdentifier: record.messageId })) };
  };
};

const parseEnvelopeId = (body: string): string | undefined => {
  const match = /"id"\s*:\s*"([^"]{1,200})"/.exec(body.slice(0, 2000));
  return match?.[1];
};

// ---------------------------------------------------------------------------------------------

/**
 * EventBridge invoking the function directly (asynchronous invocation): success returns;
 * InvalidPayload is sent to the dead-letter queue and returns (never retried); anything else
 * throws, so Lambda's own retries and on-failure destination take over.
 */
export const eventHandler = <E, R, LE>(program: EventProgram<E, R>, layer: Layer.Layer<R | DeadLetters, LE, never>) => {
  const runtime = runtimeOnce(layer);
  return async (event: BusEnvelope, context?: LambdaContext): Promise<void> => {
    const settle = (functionName: string) =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(program(event));
        const settled = outcomeOf(exit);
        if (settled.kind === "dead-letter") {
          yield* Effect.logError("invalid event sent to the dead-letter queue", { reason: settled.reason });
          const deadLetters = yield* DeadLetters;
          const sent = yield* Effect.exit(deadLetters.send({ body: JSON.stringify(event), reason: settled.reason, origin: `${functionName}/${event.id}` }));
          return Exit.isSuccess(sent) ? ({ kind: "ok" } as RecordOutcome) : ({ kind: "retry", reason: "the dead-letter queue is unavailable" } as RecordOutcome);
        }
        return settled;
      }).pipe(Effect.ensuring(flushMetrics), withLogContext({ correlationId: event.id, functionName }));
    const outcome = await runtime().runPromise(Effect.flatMap(functionNameOf(context), settle).pipe(withInvocationDeadline(deadlineOf(context))));
    if (outcome.kind === "retry") throw new TaskFailed("RetryableFailure", redactText(outcome.reason));
  };
};

// ---------------------------------------------------------------------------------------------

/** The error a task throws to Step Functions: `name` is the typed error's tag (States.Catch matches it). */
export class TaskFailed extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export const taskHandler = <I, O, E, R, LE>(program: TaskProgram<I, O, E, R>, layer: Layer.Layer<R, LE, never>) => {
  const runtime = runtimeOnce(layer);
  return async (input: I, context?: LambdaContext): Promise<O> => {
    const correlationId = context?.awsRequestId ?? randomUUID();
    const exit = await runtime().runPromiseExit(
      Effect.flatMap(functionNameOf(context), (functionName) => program(input).pipe(Effect.ensuring(flushMetrics), withLogContext({ correlationId, functionName }))).pipe(
        withInvocationDeadline(deadlineOf(context)),
      ),
    );
    if (Exit.isSuccess(exit)) return exit.value;
    const failure = Cause.failureOption(exit.cause);
    if (Option.isSome(failure)) {
      const error = failure.value as { _tag?: string };
      throw new TaskFailed(error?._tag ?? "TaskFailed", redactText(describeFailure(error)));
    }
    throw new TaskFailed("Defect", redactText(Cause.pretty(exit.cause).split("\n")[0] ?? "defect"));
  };
};
