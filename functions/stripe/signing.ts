/**
 * Signature primitives shared by the Stripe and Recharge doors (Recharge imports them from here):
 * hex digests, a constant-time compare that checks lengths first, `k=v,k=v` header parsing and
 * rotation secret lists. Pure functions, no Effect, so the verifiers stay easy to test.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

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
