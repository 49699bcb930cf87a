/**
 * What a payments door (Recharge, Stripe) learns from a verified body before storing it, and the
 * door's verifier built from its two halves: the signature check (webhook-signature.ts) and the
 * description of the body (event id, topic, lake entity). Only the envelope is checked here; the
 * objects are decoded by the processors.
 */
import { Effect, Either } from "effect";
import { InvalidPayload, type InvalidSignature, type SecretUnavailable } from "./errors";
import type { HttpRequest } from "./function-shape";
import type { VerifiedWebhook } from "./ingress";
import { JsonTooDeep, MAX_JSON_DEPTH, parseJson } from "./json";

export interface DescribedDelivery {
  /** The dedup key and the raw object's name. */
  readonly eventId: string;
  readonly topic: string;
  /** raw/<source>/<entity>/...: the object family (charge, invoice, subscription...). */
  readonly entity: string;
  readonly payload: unknown;
}

/** The body as a JSON object, parsed by the kernel's parser (nesting capped before anything recurses, large integers kept exact). */
export const parseJsonObjectBody = (rawBody: Buffer): Either.Either<Record<string, unknown>, InvalidPayload> => {
  let payload: unknown;
  try {
    payload = parseJson(rawBody.toString("utf8"), MAX_JSON_DEPTH);
  } catch (error) {
    return Either.left(new InvalidPayload({ reason: error instanceof JsonTooDeep ? error.message : "body is not valid JSON" }));
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return Either.left(new InvalidPayload({ reason: "body is not a JSON object" }));
  return Either.right(payload as Record<string, unknown>);
};

/**
 * A door's verifier: the signature first (401 when it fails, nothing stored), then the body's
 * description (400 when it is not an event). No secret, no verdict: an unreadable secret is a
 * 500, so the provider redelivers later instead of losing the event to a 401.
 */
export const verifyThenDescribe =
  <R>(
    provider: string,
    verify: (request: HttpRequest) => Effect.Effect<void, InvalidSignature | SecretUnavailable, R>,
    describe: (request: HttpRequest) => Either.Either<DescribedDelivery, InvalidPayload>,
  ) =>
  (request: HttpRequest): Effect.Effect<VerifiedWebhook, InvalidSignature | InvalidPayload, R> =>
    verify(request).pipe(
      Effect.catchTag("SecretUnavailable", (error) => Effect.die(new Error(`${provider} webhook secret unavailable: ${error.reason}`))),
      Effect.zipRight(
        Effect.suspend(() =>
          Either.match(describe(request), {
            onLeft: (error) => Effect.fail(error),
            onRight: ({ eventId, topic, entity }) => Effect.succeed<VerifiedWebhook>({ eventId, topic, entity }),
          }),
        ),
      ),
    );
