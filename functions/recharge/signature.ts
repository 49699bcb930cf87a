/**
 * Recharge webhook signatures. Two schemes, both keyed by the API client secret:
 *   - `X-Recharge-Hmac-Sha256`: hex SHA-256 of `<client secret><raw body>` (a plain hash despite
 *     the name: Recharge's legacy scheme);
 *   - `X-Recharge-Webhook-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 over `<t>.<raw body>`,
 *     with replay protection (Recharge recommends 48 h; configurable).
 * At least one must be present, and every one present must verify (a bad timestamped signature is
 * never excused by a good legacy hash). Any configured secret may match (rotation).
 */
import type { HttpRequest } from "../kernel/function-shape";
import {
  anySecretMatches,
  rejected,
  sha256Hex,
  signTimestamped,
  toleranceConfig,
  verified,
  verifyTimestampedSignature,
  verifyWithSecret,
  type SignatureContext,
  type VerifyResult,
} from "../kernel/webhook-signature";

export const RECHARGE_HASH_HEADER = "x-recharge-hmac-sha256";
export const RECHARGE_SIGNATURE_HEADER = "x-recharge-webhook-signature";
export const RECHARGE_TOPIC_HEADER = "x-recharge-topic";
export const DEFAULT_RECHARGE_TOLERANCE_SECONDS = 48 * 60 * 60;

export interface RechargeSignatureInput extends SignatureContext {
  readonly legacyHash: string | undefined;
  readonly timestampedSignature: string | undefined;
}

const timestampedWording = {
  header: "X-Recharge-Webhook-Signature",
  outsideWindow: "X-Recharge-Webhook-Signature timestamp outside the window",
  noMatch: "X-Recharge-Webhook-Signature does not match",
};

export const verifyRechargeSignature = (input: RechargeSignatureInput): VerifyResult => {
  const legacy = input.legacyHash?.trim();
  const timestamped = input.timestampedSignature?.trim();
  if (!legacy && !timestamped) return rejected("missing X-Recharge-Hmac-Sha256 / X-Recharge-Webhook-Signature header");
  if (input.secrets.length === 0) return rejected("no Recharge webhook secret configured");
  if (timestamped) {
    const result = verifyTimestampedSignature({ ...input, header: timestamped }, timestampedWording);
    if (!result.ok) return result;
  }
  if (legacy && !anySecretMatches(input.secrets, [legacy], (secret) => sha256Hex(secret, input.rawBody))) {
    return rejected("X-Recharge-Hmac-Sha256 does not match");
  }
  return verified;
};

/** Replay window for the timestamped scheme, from RECHARGE_SIGNATURE_TOLERANCE_SECONDS (default 48 h). */
export const rechargeToleranceSeconds = toleranceConfig("RECHARGE_SIGNATURE_TOLERANCE_SECONDS", DEFAULT_RECHARGE_TOLERANCE_SECONDS);

export const verifyRechargeRequest = (request: HttpRequest) =>
  verifyWithSecret("rechargeWebhook", rechargeToleranceSeconds, DEFAULT_RECHARGE_TOLERANCE_SECONDS, (context) =>
    verifyRechargeSignature({
      rawBody: request.rawBody,
      legacyHash: request.headers[RECHARGE_HASH_HEADER],
      timestampedSignature: request.headers[RECHARGE_SIGNATURE_HEADER],
      ...context,
    }),
  );

/** The headers Recharge would send for `rawBody` (tests, fixtures, the demo). */
export const signRechargePayload = (rawBody: string | Buffer, secret: string, options: { readonly timestampSeconds?: number } = {}): Record<string, string> => {
  const body = Buffer.from(rawBody);
  const headers: Record<string, string> = { [RECHARGE_HASH_HEADER]: sha256Hex(secret, body) };
  if (options.timestampSeconds !== undefined) {
    headers[RECHARGE_SIGNATURE_HEADER] = signTimestamped(body, [secret], options.timestampSeconds);
  }
  return headers;
};
