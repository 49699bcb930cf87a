/**
 * The logger's redaction list comes from contracts/classification.ts and covers the vendors'
 * personal fields: every value under a field the map flags `direct` (decoded schema fields,
 * fields the providers' references document in the raw payloads, shared names) in recorded
 * provider payloads (the fixtures' READMEs say where each comes from: Shopify's webhook samples,
 * Stripe's event fixtures, Recharge's webhook bodies) is gone from the log line, while the
 * pseudonymous ids and order data stay readable.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  classificationOf,
  directPiiFieldNames,
  fieldClassifications,
  rawOnlyFieldClassifications,
  vendorClassificationOf,
  vendorFieldClassifications,
  type Vendor,
} from "../../contracts/classification";
import { isSensitiveKey, redactedJson } from "../../functions/kernel/redact";

const fixtures = path.join(__dirname, "..", "fixtures");
const load = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8"));

/** Whether the map flags a key of a vendor's raw payload as direct (raw-only fields, vendor paths, shared exact names; never a name rule). */
const isDirect = (vendor: Vendor, parent: string | undefined, key: string): boolean =>
  (rawOnlyFieldClassifications[vendor][key] ?? vendorClassificationOf(vendor, parent === undefined ? [key] : [parent, key]) ?? fieldClassifications[key])?.pii === "direct";

interface Leaf {
  readonly at: string;
  readonly value: string;
  readonly direct: boolean;
}

/** Every string or number (of 4 characters or more) of the payload, with its path and whether it is under a direct field. */
const leaves = (vendor: Vendor, value: unknown, parent?: string, under = false, at = ""): Leaf[] => {
  if (typeof value === "string" || typeof value === "number") return String(value).length >= 4 ? [{ at, value: String(value), direct: under }] : [];
  if (Array.isArray(value)) return value.flatMap((entry, index) => leaves(vendor, entry, parent, under, `${at}[${index}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, entry]) => leaves(vendor, entry, key, under || isDirect(vendor, parent, key), at ? `${at}.${key}` : key));
};

/** The values under a direct field, except those the payload also carries under a field that is not (an address's customer_id is the order's too). */
const directValues = (vendor: Vendor, payload: unknown): ReadonlyArray<Leaf> => {
  const all = leaves(vendor, payload);
  const elsewhere = new Set(all.filter((leaf) => !leaf.direct).map((leaf) => leaf.value));
  return all.filter((leaf) => leaf.direct && !elsewhere.has(leaf.value));
};

const cases: ReadonlyArray<readonly [Vendor, string, ReadonlyArray<string>]> = [
  ["shopify", "shopify/order.json", ["email", "browser_ip", "billing_address", "shipping_address"]],
  ["shopify", "shopify/versions/2026-07/orders__create.json", ["email", "billing_address"]],
  ["stripe", "stripe/charge-succeeded.json", ["billing_details", "last4"]],
  ["stripe", "stripe/payment_intent-payment_failed.json", ["last4"]],
  ["recharge", "recharge/charge-paid.json", ["email", "billing_address"]],
  ["recharge", "recharge/order-created.json", ["email", "first_name", "billing_address"]],
];

describe.each(cases)("%s %s", (vendor, file, mustFlag) => {
  const payload = load(file);
  const found = directValues(vendor, payload);

  test("the personal fields the provider sends are flagged direct", () => {
    expect(found.length).toBeGreaterThan(mustFlag.length);
    for (const field of mustFlag) expect(found.some((entry) => entry.at.split(/[.[]/).includes(field))).toBe(true);
  });

  test("no value of a direct field reaches the log line", () => {
    const line = redactedJson(payload);
    expect(found.filter((entry) => line.includes(JSON.stringify(entry.value)) || line.includes(entry.value))).toEqual([]);
  });
});

describe("the redaction list", () => {
  test("is every direct field of the map: shared names, each vendor's decoded fields and raw-only fields", () => {
    const expected = [fieldClassifications, ...Object.values(vendorFieldClassifications), ...Object.values(rawOnlyFieldClassifications)].flatMap((map) =>
      Object.entries(map)
        .filter(([, classification]) => classification.pii === "direct")
        .map(([field]) => field.split(".").pop()!),
    );
    expect([...directPiiFieldNames].sort()).toEqual([...new Set(expected)].sort());
    for (const field of ["email", "phone", "first_name", "last_name", "billing_address", "shipping_address", "browser_ip", "last4", "billing_details", "email_marketing_consent"])
      expect(directPiiFieldNames).toContain(field);
    for (const field of directPiiFieldNames) expect({ field, dropped: isSensitiveKey(field) }).toEqual({ field, dropped: true });
  });

  test("pseudonymous ids and order data stay readable", () => {
    const line = JSON.parse(redactedJson(load("stripe/charge-succeeded.json"))) as { data: { object: Record<string, unknown> } };
    expect(line.data.object.customer).toMatch(/^cus_/);
    expect(line.data.object.amount).toEqual(expect.any(Number));
    expect(classificationOf("customer_id")?.pii).toBe("pseudonymous");
    expect(isSensitiveKey("customer_id")).toBe(false);
    expect(isSensitiveKey("order_id")).toBe(false);
  });
});
