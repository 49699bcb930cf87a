/**
 * Redaction: secrets, e-mails, phone numbers, addresses and card data never reach a log line or
 * an alert body. Two layers of defence: fields are dropped by name (anything that looks like an
 * address, a contact detail, a card or a credential), and every remaining string is scrubbed by
 * pattern, including values the Secrets service has loaded (registered here as they load).
 */

import { Redacted } from "effect";
import { directPiiFieldNames } from "../../contracts/classification";

export const REDACTED = "[REDACTED]";

/** Field names whose whole value is dropped, whatever it holds. */
const SENSITIVE_KEY =
  /(secret|token|password|passwd|authorization|api[-_]?key|signature|hmac|cookie|credential|e-?mail|phone|mobile|sms|address|street|zip|postal|postcode|city|province|^card|card_|_card|cvc|cvv|exp_month|exp_year|last4|fingerprint|iban|account_number|routing_number|first_name|last_name|^name$|full_name|billing|shipping_lines?$|^shipping$|ip$|browser_ip|client_details|latitude|longitude|birth)/i;

/** The fields contracts/classification.ts marks direct PII: dropped whole too (one source with Glue, the dictionary and the analyst role). */
const DIRECT_PII_KEYS: ReadonlySet<string> = new Set(directPiiFieldNames.map((name) => name.toLowerCase()));

/** Whether the logger drops a field's whole value by its name. */
export const isSensitiveKey = (key: string): boolean => !ALLOWED_KEY.test(key) && (SENSITIVE_KEY.test(key) || DIRECT_PII_KEYS.has(key.toLowerCase()));

/** Fields that look sensitive by name but carry operational ids we want in logs. */
const ALLOWED_KEY = /^(checkout_token|cart_token|correlationId|function|topic|eventId|rawKey|key|id|level|message|time)$/i;

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}/gi;
const PHONES = [/\+\d[\d\s().-]{6,}\d/g, /\(\d{2,4}\)\s?\d{3}[\s.-]?\d{3,4}/g, /\b\d{3}[\s.]\d{3}[\s.]\d{4}\b/g, /\b\d{3}-\d{3}-\d{4}\b/g];
const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g;
const STREET =
  /\b\d{1,6}\s+(?:[A-Za-z0-9.'-]+\s+){0,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Square|Sq|Parkway|Pkwy|Highway|Hwy|Straße|Strasse|Rue)\b\.?/gi;

const luhn = (digits: string): boolean => {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
};

const knownSecrets = new Set<string>();

/** Values loaded from Secrets Manager (each comma-separated part) are scrubbed from every line. */
export const registerSecretValue = (value: string): void => {
  for (const part of value.split(",")) {
    const trimmed = part.trim();
    // Very short values would scrub ordinary words; real secrets are long.
    if (trimmed.length >= 8) knownSecrets.add(trimmed);
  }
};

/** Scrubs free text: known secrets, e-mails, card numbers (Luhn-valid), phone numbers, street addresses. */
export const redactText = (text: string): string => {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  out = out.replace(EMAIL, REDACTED);
  out = out.replace(CARD_CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, "");
    return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? REDACTED : match;
  });
  for (const phone of PHONES) out = out.replace(phone, REDACTED);
  out = out.replace(STREET, REDACTED);
  return out;
};

/** Deep copy of `value` with sensitive fields dropped and every string scrubbed. */
export const redact = (value: unknown, depth = 0): unknown => {
  if (depth > 12) return "[…]";
  if (typeof value === "string") return redactText(value);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  // Effect's Redacted prints as "<redacted>"; never unwrap it.
  if (Redacted.isRedacted(value)) return REDACTED;
  if (Array.isArray(value)) return value.map((entry) => redact(entry, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSensitiveKey(key) && entry !== null && entry !== undefined && entry !== "" ? REDACTED : redact(entry, depth + 1);
  }
  return out;
};

/** JSON text of `value`, redacted. */
export const redactedJson = (value: unknown): string => JSON.stringify(redact(value));
