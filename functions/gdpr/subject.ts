/**
 * Who a GDPR request is about, in the form the subject index stores: a person is known by a
 * customer id, an e-mail address or a phone number, each normalised so that the spellings one
 * person's data arrives in (Shopify's `Ada@Example.com`, Recharge's `ada@example.com `, Stripe's
 * `+44 20 7946 0958` vs `+442079460958`) meet, then hashed with a keyed HMAC so that the index
 * itself holds no personal data: without the key nobody can test a guessed address against it.
 *
 * The subject index maps `subjectKey(...)` -> the raw objects, Parquet partitions and
 * hot-store keys holding that person; a request looks each of its identifiers up, never scans.
 */
import { createHmac } from "node:crypto";

export type IdentifierKind = "customer-id" | "email" | "phone";

export interface SubjectIdentifier {
  readonly kind: IdentifierKind;
  /** Normalised value (never logged; hash it with `subjectKey`). */
  readonly value: string;
}

/** Lower case and trimmed; Gmail-style dots and plus-tags are kept (they may be different people elsewhere). */
export const normaliseEmail = (email: string): string | undefined => {
  const trimmed = email.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed) ? trimmed : undefined;
};

/**
 * Digits only, with a leading `+` when the number was international (E.164 shape). A national
 * number without a country code stays as its digits: it still meets the same spelling of itself.
 * Fewer than 7 digits is not a phone number.
 */
export const normalisePhone = (phone: string): string | undefined => {
  const trimmed = phone.trim();
  let digits = trimmed.replace(/\D/g, "");
  let international = trimmed.startsWith("+");
  if (!international && trimmed.startsWith("00")) {
    // 0044 20 ... is +44 20 ...
    international = true;
    digits = digits.slice(2);
  }
  if (digits.length < 7 || digits.length > 15) return undefined;
  return international ? `+${digits}` : digits;
};

/**
 * A customer id, qualified by the source that issued it (Recharge's and Shopify's are both bare
 * numbers): Shopify's `gid://shopify/Customer/123` and `123` are `shopify:123`; Stripe's
 * `cus_...` is `stripe:cus_...` whatever source is named.
 */
export const normaliseCustomerId = (id: string | number, source: "shopify" | "recharge" | "stripe" = "shopify"): string | undefined => {
  const text = String(id).trim();
  if (text === "" || text.length > 200) return undefined;
  const gid = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(text);
  if (gid) return `shopify:${gid[1]}`;
  if (text.startsWith("cus_")) return `stripe:${text}`;
  return `${source}:${text}`;
};

/**
 * Reads `--customer <id|email|phone>`: an `@` makes an e-mail, a `+` (or `00`) or digits with
 * separators a phone, anything else a customer id (a bare number is Shopify's; `recharge:123`
 * names Recharge's).
 */
export const identifierOf = (input: string): SubjectIdentifier | undefined => {
  const text = input.trim();
  if (text.includes("@")) {
    const email = normaliseEmail(text);
    return email ? { kind: "email", value: email } : undefined;
  }
  const international = /^(\+|00)[\d\s().-]+$/.test(text);
  // A bare run of digits is an id (Shopify's customer ids are numbers); separators make it a phone.
  const spelledLikeAPhone = /^\(?\d[\d\s().-]*\d$/.test(text) && /[\s().-]/.test(text);
  if (international || spelledLikeAPhone) {
    const phone = normalisePhone(text);
    return phone ? { kind: "phone", value: phone } : undefined;
  }
  const qualified = /^(shopify|recharge|stripe):(.+)$/.exec(text);
  const id = qualified ? normaliseCustomerId(qualified[2]!, qualified[1] as "shopify" | "recharge" | "stripe") : normaliseCustomerId(text);
  return id ? { kind: "customer-id", value: id } : undefined;
};

/** The index key of an identifier: HMAC-SHA256 under the subject-index key, hex, prefixed by its kind. */
export const subjectKey = (identifier: SubjectIdentifier, indexKey: string): string =>
  `${identifier.kind}:${createHmac("sha256", indexKey).update(identifier.kind).update("\u0000").update(identifier.value).digest("hex")}`;

/** Every identifier a record carries (customer ids, e-mails, phones), normalised, without repeats. */
export const identifiersIn = (
  source: "shopify" | "recharge" | "stripe",
  fields: {
    readonly customerIds?: ReadonlyArray<string | number | null | undefined>;
    readonly emails?: ReadonlyArray<string | null | undefined>;
    readonly phones?: ReadonlyArray<string | null | undefined>;
  },
): SubjectIdentifier[] => {
  const found = new Map<string, SubjectIdentifier>();
  const add = (kind: IdentifierKind, value: string | undefined) => {
    if (value !== undefined) found.set(`${kind}\u0000${value}`, { kind, value });
  };
  for (const id of fields.customerIds ?? []) if (id !== null && id !== undefined) add("customer-id", normaliseCustomerId(id, source));
  for (const email of fields.emails ?? []) if (email) add("email", normaliseEmail(email));
  for (const phone of fields.phones ?? []) if (phone) add("phone", normalisePhone(phone));
  return [...found.values()];
};
