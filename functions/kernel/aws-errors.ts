/**
 * Maps AWS SDK v3 failures onto the kernel's typed errors:
 *   throttling                        -> Throttled (retried with backoff)
 *   5xx, timeouts, network errors     -> Transient (retried)
 *   the request's content is too big  -> InvalidPayload (400 at a door, the DLQ behind a queue):
 *     a key or item too large for DynamoDB (ValidationException: "Size of hashkey has exceeded",
 *     "Item size has exceeded the maximum allowed size" (400 KB)), an S3 key over 1,024 bytes
 *     (KeyTooLongError), an object or its metadata too large (EntityTooLarge, MetadataTooLarge),
 *     an EventBridge entry over 256 KiB (ValidationException about the entries' size), and a
 *     value the SDK cannot put in a header (non-ASCII metadata). Retrying the same input can never
 *     succeed, and it is the sender's input, not our bug.
 *   anything else (other validation, access denied, missing table) -> a defect: a bug or a
 *   misconfiguration that retrying cannot fix, reported with the service and operation.
 */
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { Effect } from "effect";
import { InvalidPayload, Throttled, Transient } from "./errors";

/*
 * Throttling and transient failures are classified by the SDK's own rules (the functions of
 * @smithy/service-error-classification, now in @smithy/core/retry, which every AWS SDK v3 client
 * already loads): throttling error codes, HTTP 429 and the throttling retry trait; 5xx, timeouts,
 * connection and DNS errors, the retryable trait, clock skew. Ours adds what those leave out:
 * an aborted call (the invocation's deadline, deadline.ts) and the socket errors of Node's fetch.
 */
const EXTRA_NETWORK_CODES = new Set(["ECONNABORTED", "UND_ERR_SOCKET"]);

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

export type Classified =
  | { readonly kind: "throttled"; readonly error: Throttled }
  | { readonly kind: "transient"; readonly error: Transient }
  | { readonly kind: "invalid"; readonly error: InvalidPayload }
  | { readonly kind: "defect"; readonly error: Error };

/** S3 error codes that say the request's own content is too large. */
const S3_CONTENT_TOO_LARGE = new Set(["KeyTooLongError", "EntityTooLarge", "MetadataTooLarge", "RequestHeaderSectionTooLarge"]);
/** ValidationException messages (DynamoDB, EventBridge) about the size of what was sent. */
const SIZE_VALIDATION = /size (of \w+ )?(has )?exceeded|exceeds? the (maximum|limit)|maximum allowed size|size limit|too large|too long|over the limit/i;
/** Node's refusal of a header value (S3 metadata with control or non-ASCII characters). */
const INVALID_HEADER = /invalid character in header content|ERR_HTTP_INVALID_HEADER_VALUE|ERR_INVALID_CHAR/i;

/** The failure is caused by what the client sent (too large, unencodable), not by us or AWS. */
const clientCaused = (name: string, sdk: SdkError): string | undefined => {
  if (S3_CONTENT_TOO_LARGE.has(name)) return name;
  if (name === "ValidationException" && SIZE_VALIDATION.test(sdk.message ?? "")) return "ValidationException (size)";
  if (INVALID_HEADER.test(`${sdk.code ?? ""} ${sdk.message ?? ""}`)) return "invalid header value";
  return undefined;
};

export const classifyAwsError = (service: string, operation: string, error: unknown): Classified => {
  const sdk = (error ?? {}) as SdkError;
  const name = errorName(error);
  const status = httpStatusOf(error);
  const invalid = clientCaused(name, sdk);
  if (invalid !== undefined) {
    // The SDK's message is AWS's own text (limits, never the value): kept short for the answer.
    return {
      kind: "invalid",
      error: new InvalidPayload({ reason: `${service} ${operation} refused the content: ${invalid}${sdk.message ? `: ${sdk.message.slice(0, 200)}` : ""}` }),
    };
  }
  if (isThrottlingError(sdk as Parameters<typeof isThrottlingError>[0]) || status === 429) {
    const after = retryAfterMs(sdk);
    return { kind: "throttled", error: new Throttled({ service, ...(after !== undefined ? { retryAfterMs: after } : {}) }) };
  }
  const networkCode = (sdk.code ?? (sdk as { cause?: { code?: string } }).cause?.code) as string | undefined;
  const sdkError = sdk as Parameters<typeof isTransientError>[0];
  if (
    isTransientError(sdkError) ||
    isServerError(sdkError) ||
    (status !== undefined && status >= 500) ||
    (networkCode !== undefined && EXTRA_NETWORK_CODES.has(networkCode)) ||
    name === "AbortError" ||
    (status === undefined && sdk.$metadata === undefined && error instanceof Error && /socket|network|timeout|ECONN|fetch failed/i.test(error.message))
  ) {
    return { kind: "transient", error: new Transient({ service, reason: `${operation}: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}` }) };
  }
  return { kind: "defect", error: new Error(`${service} ${operation} failed: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}: ${sdk.message ?? String(error)}`) };
};

/** Runs an SDK call, mapping its failure (see classifyAwsError). */
export const awsCall = <A>(service: string, operation: string, call: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, Throttled | Transient | InvalidPayload> =>
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
): Effect.Effect<A | B, Throttled | Transient | InvalidPayload> =>
  Effect.tryPromise({ try: call, catch: (error) => error }).pipe(
    Effect.catchAll((error) => {
      const outcome = outcomes(error);
      if (outcome !== undefined) return Effect.succeed(outcome);
      const classified = classifyAwsError(service, operation, error);
      return classified.kind === "defect" ? Effect.die(classified.error) : Effect.fail(classified.error);
    }),
  );
