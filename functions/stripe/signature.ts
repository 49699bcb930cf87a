/**
 * Stripe webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where
 * each v1 is HMAC-SHA256(endpoint secret, `<t>.<raw body>`). Any v1 matching any configured secret
 * passes, so both sides can rotate; `v0` and unknown schemes are ignored. The timestamp must lie
 * within the tolerance (default 300 s) of our clock, in either direction, to stop replays.
 */
import { Clock, Config, Effect, Redacted } from "effect";
import type { HttpRequest } from "../kernel/function-shape";
import { InvalidSignature } from "../kernel/errors";
import { Secrets } from "../kernel/services";
import { hexDigestEquals, hmacSha256Hex, parseSignatureHeader, parseUnixSeconds, rejected, secretList, verified, type VerifyResult } from "./signing";

export const STRIPE_SIGNATURE_HEADER = "stripe-signature";
export const DEFAULT_STRIPE_TOLERANCE_SECONDS = 300;

export interface StripeSignatureInput {
  readonly rawBody: Buffer;
  readonly header: string | undefined;
  readonly secrets: ReadonlyArray<string>;
  readonly nowSeconds: number;
  readonly toleranceSeconds: number;
}

export const verifyStripeSignature = (input: StripeSignatureInput): VerifyResult => {
  if (input.header === undefined || input.header.trim() === "") return rejected("missing Stripe-Signature header");
  const parts = parseSignatureHeader(input.header);
  const timestamps = parts.get("t") ?? [];
  const signatures = parts.get("v1") ?? [];
  const timestamp = timestamps.length === 1 ? parseUnixSeconds(timestamps[0]) : undefined;
  if (timestamp === undefined) return rejected("Stripe-Signature has no single numeric t=");
  if (signatures.length === 0) return rejected("Stripe-Signature has no v1= signature");
  if (Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds) return rejected("Stripe-Signature timestamp outside the tolerance");
  if (input.secrets.length === 0) return rejected("no Stripe webhook secret configured");
  // Every secret against every v1 so that no early exit hints which one matched.
  let matched = false;
  for (const secret of input.secrets) {
    const expected = hmacSha256Hex(secret, `${timestamp}.`, input.rawBody);
    for (const signature of signatures) matched = hexDigestEquals(expected, signature) || matched;
  }
  return matched ? verified : rejected("no Stripe v1 signature matches");
};

/** Tolerance in seconds, from STRIPE_SIGNATURE_TOLERANCE_SECONDS (default 300). */
export const stripeToleranceSeconds = Config.integer("STRIPE_SIGNATURE_TOLERANCE_SECONDS").pipe(
  Config.withDefault(DEFAULT_STRIPE_TOLERANCE_SECONDS),
  Config.validate({ message: "must be a positive number of seconds", validation: (seconds) => seconds > 0 }),
);

/** Verifies a request with the secrets from the Secrets service and the Effect clock (tests move it). */
export const verifyStripeRequest = (request: HttpRequest) =>
  Effect.gen(function* () {
    const secrets = yield* Secrets;
    const secret = yield* secrets.get("stripeWebhook");
    const toleranceSeconds = yield* stripeToleranceSeconds.pipe(Effect.orElseSucceed(() => DEFAULT_STRIPE_TOLERANCE_SECONDS));
    const nowMillis = yield* Clock.currentTimeMillis;
    const result = verifyStripeSignature({
      rawBody: request.rawBody,
      header: request.headers[STRIPE_SIGNATURE_HEADER],
      secrets: secretList(Redacted.value(secret)),
      nowSeconds: Math.floor(nowMillis / 1000),
      toleranceSeconds,
    });
    if (!result.ok) return yield* Effect.fail(new InvalidSignature({ reason: result.reason }));
  });

/** Builds a valid header (tests, fixtures, the demo): `t=<t>,v1=<hmac>` for each secret given. */
export const signStripePayload = (rawBody: string | Buffer, secrets: ReadonlyArray<string>, timestampSeconds: number): string =>
  [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${hmacSha256Hex(secret, `${timestampSeconds}.`, Buffer.from(rawBody))}`)].join(",");
