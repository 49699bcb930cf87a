/**
 * Stripe webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where
 * each v1 is HMAC-SHA256(endpoint secret, `<t>.<raw body>`). Any v1 matching any configured secret
 * passes, so both sides can rotate; `v0` and unknown schemes are ignored. The timestamp must lie
 * within the tolerance (default 300 s) of our clock, in either direction, to stop replays. The
 * scheme itself is the kernel's (kernel/webhook-signature.ts), shared with Recharge.
 */
import type { HttpRequest } from "../kernel/function-shape";
import { rejected, signTimestamped, toleranceConfig, verifyTimestampedSignature, verifyWithSecret, type SignatureContext, type VerifyResult } from "../kernel/webhook-signature";

export const STRIPE_SIGNATURE_HEADER = "stripe-signature";
export const DEFAULT_STRIPE_TOLERANCE_SECONDS = 300;

export interface StripeSignatureInput extends SignatureContext {
  readonly header: string | undefined;
}

const wording = {
  header: "Stripe-Signature",
  outsideWindow: "Stripe-Signature timestamp outside the tolerance",
  noSecret: "no Stripe webhook secret configured",
  noMatch: "no Stripe v1 signature matches",
};

export const verifyStripeSignature = (input: StripeSignatureInput): VerifyResult =>
  input.header === undefined || input.header.trim() === "" ? rejected("missing Stripe-Signature header") : verifyTimestampedSignature({ ...input, header: input.header }, wording);

/** Tolerance in seconds, from STRIPE_SIGNATURE_TOLERANCE_SECONDS (default 300). */
export const stripeToleranceSeconds = toleranceConfig("STRIPE_SIGNATURE_TOLERANCE_SECONDS", DEFAULT_STRIPE_TOLERANCE_SECONDS);

/** Verifies a request with the secrets from the Secrets service and the Effect clock (tests move it). */
export const verifyStripeRequest = (request: HttpRequest) =>
  verifyWithSecret("stripeWebhook", stripeToleranceSeconds, DEFAULT_STRIPE_TOLERANCE_SECONDS, (context) =>
    verifyStripeSignature({ rawBody: request.rawBody, header: request.headers[STRIPE_SIGNATURE_HEADER], ...context }),
  );

/** Builds a valid header (tests, fixtures, the demo): `t=<t>,v1=<hmac>` for each secret given. */
export const signStripePayload = (rawBody: string | Buffer, secrets: ReadonlyArray<string>, timestampSeconds: number): string =>
  signTimestamped(rawBody, secrets, timestampSeconds);
