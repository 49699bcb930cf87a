/**
 * Recharge webhook signatures. Two schemes, both keyed by the API client secret:
 *   - `X-Recharge-Hmac-Sha256`: hex SHA-256 of `<client secret><raw body>` (a plain hash despite
 *     the name: Recharge's legacy scheme);
 *   - `X-Recharge-Webhook-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 over `<t>.<raw body>`,
 *     with replay protection (Recharge recommends 48 h; configurable).
 * At least one must be present, and every one present must verify (a bad timestamped signature is
 * never excused by a good legacy hash). Any configured secret may match (rotation).
 */
import { Clock, Config, Effect, Redacted } from "effect";
import type { HttpRequest } from "../kernel/function-shape";
import { InvalidSignature } from "../kernel/errors";
import { Secrets } from "../kernel/services";
import {
  hexDigestEquals,
  hmacSha256Hex,
  parseSignatureHeader,
  parseUnixSeconds,
  rejected,
  secretList,
  sha256Hex,
  verified,
  type VerifyResult,
} from "../stripe/signing";

export const RECHARGE_HASH_HEADER = "x-recharge-hmac-sha256";
export const RECHARGE_SIGNATURE_HEADER = "x-recharge-webhook-signature";
export const RECHARGE_TOPIC_HEADER = "x-recharge-topic";
export const DEFAULT_RECHARGE_TOLERANCE_SECONDS = 48 * 60 * 60;

export interface RechargeSignatureInput {
  readonly rawBody: Buffer;
  readonly legacyHash: string | undefined;
  readonly timestampedSignature: string | undefined;
  readonly secrets: ReadonlyArray<string>;
  readonly nowSeconds: number;
  readonly toleranceSeconds: number;
}

const anySecretMatches = (secrets: ReadonlyArray<string>, received: ReadonlyArray<string>, digest: (secret: string) => string): boolean => {
  let matched = false;
  for (const secret of secrets) {
    const expected = digest(secret);
    for (const candidate of received) matched = hexDigestEquals(expected, candidate) || matched;
  }
  return matched;
};

const verifyTimestamped = (input: RechargeSignatureInput, header: string): VerifyResult => {
  const parts = parseSignatureHeader(header);
  const timestamps = parts.get("t") ?? [];
  const signatures = parts.get("v1") ?? [];
  const timestamp = timestamps.length === 1 ? parseUnixSeconds(timestamps[0]) : undefined;
  if (timestamp === undefined) return rejected("X-Recharge-Webhook-Signature has no single numeric t=");
  if (signatures.length === 0) return rejected("X-Recharge-Webhook-Signature has no v1= signature");
  if (Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds) return rejected("X-Recharge-Webhook-Signature timestamp outside the window");
  return anySecretMatches(input.secrets, signatures, (secret) => hmacSha256Hex(secret, `${timestamp}.`, input.rawBody))
    ? verified
    : rejected("X-Recharge-Webhook-Signature does not match");
};

export const verifyRechargeSignature = (input: RechargeSignatureInput): VerifyResult => {
  const legacy = input.legacyHash?.trim();
  const timestamped = input.timestampedSignature?.trim();
  if (!legacy && !timestamped) return rejected("missing X-Recharge-Hmac-Sha256 / X-Recharge-Webhook-Signature header");
  if (input.secrets.length === 0) return rejected("no Recharge webhook secret configured");
  if (timestamped) {
    const result = verifyTimestamped(input, timestamped);
    if (!result.ok) return result;
  }
  if (legacy && !anySecretMatches(input.secrets, [legacy], (secret) => sha256Hex(secret, input.rawBody))) {
    return rejected("X-Recharge-Hmac-Sha256 does not match");
  }
  return verified;
};

/** Replay window for the timestamped scheme, from RECHARGE_SIGNATURE_TOLERANCE_SECONDS (default 48 h). */
export const rechargeToleranceSeconds = Config.integer("RECHARGE_SIGNATURE_TOLERANCE_SECONDS").pipe(
  Config.withDefault(DEFAULT_RECHARGE_TOLERANCE_SECONDS),
  Config.validate({ message: "must be a positive number of seconds", validation: (seconds) => seconds > 0 }),
);

export const verifyRechargeRequest = (request: HttpRequest) =>
  Effect.gen(function* () {
    const secrets = yield* Secrets;
    const secret = yield* secrets.get("rechargeWebhook");
    const toleranceSeconds = yield* rechargeToleranceSeconds.pipe(Effect.orElseSucceed(() => DEFAULT_RECHARGE_TOLERANCE_SECONDS));
    const nowMillis = yield* Clock.currentTimeMillis;
    const result = verifyRechargeSignature({
      rawBody: request.rawBody,
      legacyHash: request.headers[RECHARGE_HASH_HEADER],
      timestampedSignature: request.headers[RECHARGE_SIGNATURE_HEADER],
      secrets: secretList(Redacted.value(secret)),
      nowSeconds: Math.floor(nowMillis / 1000),
      toleranceSeconds,
    });
    if (!result.ok) return yield* Effect.fail(new InvalidSignature({ reason: result.reason }));
  });

/** The headers Recharge would send for `rawBody` (tests, fixtures, the demo). */
export const signRechargePayload = (
  rawBody: string | Buffer,
  secret: string,
  options: { readonly timestampSeconds?: number } = {},
): Record<string, string> => {
  const body = Buffer.from(rawBody);
  const headers: Record<string, string> = { [RECHARGE_HASH_HEADER]: sha256Hex(secret, body) };
  if (options.timestampSeconds !== undefined) {
    headers[RECHARGE_SIGNATURE_HEADER] = `t=${options.timestampSeconds},v1=${hmacSha256Hex(secret, `${options.timestampSeconds}.`, body)}`;
  }
  return headers;
};
