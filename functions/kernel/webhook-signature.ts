/**
 * Webhook signature primitives shared by every door (Stripe, Recharge; Shopify's base64 HMAC uses
 * the same rotation lists): hex digests, a constant-time compare that checks lengths first,
 * `k=v,k=v` header parsing, rotation secret lists, the `t=<unix seconds>,v1=<hex>` scheme that
 * Stripe and Recharge both use, and the one Effect that reads a secret and the clock and turns a
 * verdict into `InvalidSignature`. The verifiers are pure functions, so they stay easy to test.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { Clock, Config, Effect, Redacted } from "effect";
import type { SecretKey } from "../../contracts/functions";
import { InvalidSignature } from "./errors";
import { Secrets } from "./services";

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export const hmacSha256Hex = (secret: string, ...parts: ReadonlyArray<string | Buffer>): string => {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest("hex");
};

export const sha256Hex = (...parts: ReadonlyArray<string | Buffer>): string => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};

/**
 * Compares a received hex SHA-256 digest with the expected one in constant time. Anything that is
 * not 64 hex characters is rejected before comparing (timingSafeEqual throws on unequal lengths,
 * and a length difference reveals nothing secret).
 */
export const hexDigestEquals = (expectedHex: string, receivedHex: string): boolean => {
  if (receivedHex.length !== expectedHex.length || !HEX_SHA256.test(receivedHex)) return false;
  const expected = Buffer.from(expectedHex.toLowerCase(), "utf8");
  const received = Buffer.from(receivedHex.toLowerCase(), "utf8");
  if (expected.length !== received.length) return false;
  return timingSafeEqual(expected, received);
};

/** Parses `t=123,v1=abc,v1=def,v0=...` into each key's values, in order; malformed pairs are skipped. */
export const parseSignatureHeader = (header: string): ReadonlyMap<string, ReadonlyArray<string>> => {
  const values = new Map<string, string[]>();
  for (const pair of header.split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (key === "" || value === "") continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
};

/** A whole-seconds Unix timestamp, or undefined (no signs, no fractions, no exponents). */
export const parseUnixSeconds = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d{1,12}$/.test(text)) return undefined;
  return Number(text);
};

/** Webhook secrets hold several values, comma-separated, while one is being rotated out. */
export const secretList = (value: string): ReadonlyArray<string> =>
  value
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };
export const verified: VerifyResult = { ok: true };
export const rejected = (reason: string): VerifyResult => ({ ok: false, reason });

/** Whether any secret's digest matches any received digest; every pair is compared (no early exit hints which matched). */
export const anySecretMatches = (secrets: ReadonlyArray<string>, received: ReadonlyArray<string>, digest: (secret: string) => string): boolean => {
  let matched = false;
  for (const secret of secrets) {
    const expected = digest(secret);
    for (const candidate of received) matched = hexDigestEquals(expected, candidate) || matched;
  }
  return matched;
};

/** What every verifier is given besides its headers: the raw body, the secrets (a rotation list), our clock and the replay tolerance. */
export interface SignatureContext {
  readonly rawBody: Buffer;
  readonly secrets: ReadonlyArray<string>;
  readonly nowSeconds: number;
  readonly toleranceSeconds: number;
}

export interface TimestampedSignatureInput extends SignatureContext {
  readonly header: string;
}

/** How a door words the verdicts of the `t=,v1=` scheme (the header's name is part of each reason). */
export interface TimestampedWording {
  readonly header: string;
  readonly outsideWindow: string;
  readonly noMatch: string;
  /** Checked after the window when given (Stripe); a door that checks its secrets earlier leaves it out. */
  readonly noSecret?: string;
}

/**
 * The `t=<unix seconds>,v1=<hex>[,v1=<hex>...]` scheme: each v1 is HMAC-SHA256(secret, `<t>.<raw
 * body>`); exactly one numeric t, at least one v1, t within the tolerance of our clock in either
 * direction (replays), and any v1 matching any secret (rotation on both sides). `v0` and unknown
 * schemes are ignored.
 */
export const verifyTimestampedSignature = (input: TimestampedSignatureInput, wording: TimestampedWording): VerifyResult => {
  const parts = parseSignatureHeader(input.header);
  const timestamps = parts.get("t") ?? [];
  const signatures = parts.get("v1") ?? [];
  const timestamp = timestamps.length === 1 ? parseUnixSeconds(timestamps[0]) : undefined;
  if (timestamp === undefined) return rejected(`${wording.header} has no single numeric t=`);
  if (signatures.length === 0) return rejected(`${wording.header} has no v1= signature`);
  if (Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds) return rejected(wording.outsideWindow);
  if (wording.noSecret !== undefined && input.secrets.length === 0) return rejected(wording.noSecret);
  return anySecretMatches(input.secrets, signatures, (secret) => hmacSha256Hex(secret, `${timestamp}.`, input.rawBody)) ? verified : rejected(wording.noMatch);
};

/** The `t=<t>,v1=<hmac>` header for `rawBody`, one v1 per secret (tests, fixtures, the demo). */
export const signTimestamped = (rawBody: string | Buffer, secrets: ReadonlyArray<string>, timestampSeconds: number): string =>
  [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${hmacSha256Hex(secret, `${timestampSeconds}.`, Buffer.from(rawBody))}`)].join(",");

/** A replay tolerance in seconds from `variable`, positive, with a default. */
export const toleranceConfig = (variable: string, defaultSeconds: number) =>
  Config.integer(variable).pipe(Config.withDefault(defaultSeconds), Config.validate({ message: "must be a positive number of seconds", validation: (seconds) => seconds > 0 }));

/**
 * Reads the webhook secret (a rotation list) and the Effect clock (tests move it), runs `verify`
 * and fails with InvalidSignature on a rejection. A tolerance that does not parse falls back to
 * its default; a secret that cannot be read fails with SecretUnavailable (the door answers 500).
 */
export const verifyWithSecret = (
  secretName: SecretKey,
  tolerance: Config.Config<number>,
  defaultToleranceSeconds: number,
  verify: (context: Omit<SignatureContext, "rawBody">) => VerifyResult,
) =>
  Effect.gen(function* () {
    const secret = yield* (yield* Secrets).get(secretName);
    const toleranceSeconds = yield* tolerance.pipe(Effect.orElseSucceed(() => defaultToleranceSeconds));
    const nowMillis = yield* Clock.currentTimeMillis;
    const result = verify({ secrets: secretList(Redacted.value(secret)), nowSeconds: Math.floor(nowMillis / 1000), toleranceSeconds });
    if (!result.ok) return yield* Effect.fail(new InvalidSignature({ reason: result.reason }));
  });
