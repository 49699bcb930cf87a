/**
 * Maps AWS SDK v3 failures onto the kernel's typed errors:
 *   throttling                        -> Throttled (retried with backoff)
 *   5xx, timeouts, network errors     -> Transient (retried)
 *   anything else (validation, access denied, missing table) -> a defect: a bug or a
 *   misconfiguration that retrying cannot fix, reported with the service and operation.
 */
import { Effect } from "effect";
import { Throttled, Transient } from "./errors";

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
  "RequestThrottled",
  "RequestThrottledException",
  "LimitExceededException",
]);

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED", "EHOSTUNREACH", "UND_ERR_SOCKET"]);

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
  readonly $response?: { readonly headers?: Record<string, string> };
}

export const errorName = (error: unknown): string => {
  const sdk = error as SdkError;
  return sdk?.name ?? sdk?.code ?? "Error";
};

export const httpStatusOf = (error: unknown): number | undefined => (error as SdkError)?.$metadata?.httpStatusCode;

const retryAfterMs = (error: SdkError): number | undefined => {
  const header = error.$response?.headers?.["retry-after"];
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
};

export type Classified = { readonly kind: "throttled"; readonly error: Throttled } | { readonly kind: "transient"; readonly error: Transient } | { readonly kind: "defect"; readonly error: Error };

export const classifyAwsError = (service: string, operation: string, error: unknown): Classified => {
  const sdk = (error ?? {}) as SdkError;
  const name = errorName(error);
  const status = httpStatusOf(error);
  if (THROTTLING.has(name) || status === 429) {
    const after = retryAfterMs(sdk);
    return { kind: "throttled", error: new Throttled({ service, ...(after !== undefined ? { retryAfterMs: after } : {}) }) };
  }
  const networkCode = (sdk.code ?? (sdk as { cause?: { code?: string } }).cause?.code) as string | undefined;
  if (
    (status !== undefined && status >= 500) ||
    sdk.$retryable !== undefined ||
    (networkCode !== undefined && NETWORK_CODES.has(networkCode)) ||
    name === "TimeoutError" ||
    name === "RequestTimeout" ||
    name === "RequestTimeoutException" ||
    name === "AbortError" ||
    (status === undefined && sdk.$metadata === undefined && error instanceof Error && /socket|network|timeout|ECONN|fetch failed/i.test(error.message))
  ) {
    return { kind: "transient", error: new Transient({ service, reason: `${operation}: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}` }) };
  }
  return { kind: "defect", error: new Error(`${service} ${operation} failed: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}: ${sdk.message ?? String(error)}`) };
};

/** Runs an SDK call, mapping its failure (see classifyAwsError). */
export const awsCall = <A>(service: string, operation: string, call: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, Throttled | Transient> =>
  Effect.tryPromise({ try: call, catch: (error) => error }).pipe(
    Effect.catchAll((error) => {
      const classified = classifyAwsError(service, operation, error);
      return classified.kind === "defect" ? Effect.die(classified.error) : Effect.fail(classified.error);
    }),
  );

/** Runs an SDK call whose failures named in `outcomes` are answers, not errors. */
export const awsCallWithOutcomes = <A, B>(
  service: string,
  operation: string,
  call: (signal: AbortSignal) => Promise<A>,
  outcomes: (error: unknown) => B | undefined,
): Effect.Effect<A | B, Throttled | Transient> =>
  Effect.tryPromise({ try: call, catch: (error) => error }).pipe(
    Effect.catchAll((error) => {
      const outcome = outcomes(error);
      if (outcome !== undefined) return Effect.succeed(outcome);
      const classified = classifyAwsError(service, operation, error);
      return classified.kind === "defect" ? Effect.die(classified.error) : Effect.fail(classified.error);
    }),
  );
