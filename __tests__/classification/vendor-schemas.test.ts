/**
 * Every field of every vendor payload schema (the Effect schemas under functions/shopify,
 * functions/recharge and functions/stripe, found by walking each exported schema's AST) has a
 * PII and sensitivity flag in contracts/classification.ts, by exact name only (no name rule):
 * adding a schema field without a flag fails here. Every vendor map entry names a field some
 * schema has, so the map cannot keep flags for fields that are gone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Schema } from "effect";
import { fieldClassifications, vendorClassificationOf, vendorFieldClassifications, type Vendor } from "../../contracts/classification";
import { fieldPaths, structSchemasOf } from "./schema-fields";

const vendors: ReadonlyArray<Vendor> = ["shopify", "recharge", "stripe"];
const functionsDir = path.join(__dirname, "..", "..", "functions");

/** Every exported struct schema of every module of a vendor's folder, by "<file>#<export>". */
const vendorSchemas = (vendor: Vendor): ReadonlyArray<readonly [string, Schema.Schema.Any]> =>
  fs
    .readdirSync(path.join(functionsDir, vendor))
    .filter((file) => file.endsWith(".ts"))
    .sort()
    // Every module of the folder, so a new payload module is walked too (a static import list would miss it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .flatMap((file) => structSchemasOf(require(path.join(functionsDir, vendor, file)) as Record<string, unknown>).map(([name, schema]) => [`${file}#${name}`, schema] as const));

/** The fields of a schema that need their own flag: everything not inside a struct that is flagged whole. */
const flaggedFields = (vendor: Vendor, schema: Schema.Schema.Any) => {
  const coveredBy: string[] = [];
  const rows: Array<{ readonly key: string; readonly container: boolean; readonly flagged: boolean }> = [];
  for (const field of fieldPaths(schema)) {
    const key = field.path.join(".");
    if (coveredBy.some((prefix) => key.startsWith(`${prefix}.`))) continue;
    const flagged = vendorClassificationOf(vendor, field.path) !== undefined;
    if (flagged && field.container) coveredBy.push(key);
    rows.push({ key, container: field.container, flagged });
  }
  return rows;
};

describe.each(vendors)("%s payload schemas", (vendor) => {
  const schemas = vendorSchemas(vendor);

  test("the walk finds the schemas and their nested fields", () => {
    expect(schemas.length).toBeGreaterThan(vendor === "shopify" ? 20 : 3);
    const nested = schemas.flatMap(([, schema]) => fieldPaths(schema)).filter((field) => field.path.length > 1);
    expect(nested.length).toBeGreaterThan(0);
  });

  test("every field has a flag (a struct is flagged whole or through each field in it)", () => {
    const unflagged = schemas.flatMap(([name, schema]) =>
      flaggedFields(vendor, schema)
        .filter((row) => !row.container && !row.flagged)
        .map((row) => `${name}: ${row.key}`),
    );
    expect(unflagged).toEqual([]);
  });

  test("every entry of the vendor's map is a field of one of its schemas", () => {
    const keys = new Set(schemas.flatMap(([, schema]) => fieldPaths(schema).flatMap((field) => [field.path[field.path.length - 1]!, field.path.slice(-2).join(".")])));
    expect(Object.keys(vendorFieldClassifications[vendor]).filter((key) => !keys.has(key))).toEqual([]);
  });
});

describe("the lookup", () => {
  test("a field is flagged by <parent>.<field>, then <field> in the vendor's map, then the shared names; name rules do not apply", () => {
    expect(vendorClassificationOf("shopify", ["customer", "id"])).toEqual({ pii: "pseudonymous", sensitivity: "confidential" });
    expect(vendorClassificationOf("shopify", ["id"])).toEqual(fieldClassifications.id);
    expect(vendorClassificationOf("shopify", ["email"])).toEqual({ pii: "direct", sensitivity: "restricted" });
    expect(vendorClassificationOf("stripe", ["customer"])?.pii).toBe("pseudonymous");
    expect(vendorClassificationOf("recharge", ["address_id"])?.pii).toBe("pseudonymous");
    // The lake's name rules would flag these; a vendor field needs its name in a map.
    expect(vendorClassificationOf("stripe", ["amount_disputed"])).toBeUndefined();
    expect(vendorClassificationOf("shopify", ["shipped_at"])).toBeUndefined();
  });

  test("a schema field without a flag is reported", () => {
    const drifted = Schema.Struct({ id: Schema.String, customer: Schema.Struct({ id: Schema.String, loyalty_tier: Schema.String }), nickname: Schema.optional(Schema.String) });
    expect(
      flaggedFields("shopify", drifted)
        .filter((row) => !row.container && !row.flagged)
        .map((row) => row.key),
    ).toEqual(["customer.loyalty_tier", "nickname"]);
  });

  test("a struct flagged whole covers what is inside it", () => {
    const consent = Schema.Struct({ email_marketing_consent: Schema.Struct({ state: Schema.String, opt_in_level: Schema.String }) });
    expect(flaggedFields("shopify", consent)).toEqual([{ key: "email_marketing_consent", container: true, flagged: true }]);
  });

  test("the payloads' direct fields are the expected personal data", () => {
    const direct = vendors.flatMap((vendor) =>
      vendorSchemas(vendor).flatMap(([, schema]) =>
        flaggedFields(vendor, schema)
          .filter((row) => row.flagged && vendorClassificationOf(vendor, row.key.split("."))!.pii === "direct")
          .map((row) => `${vendor}:${row.key}`),
      ),
    );
    expect([...new Set(direct)].sort()).toEqual(
      [
        "shopify:city",
        "shopify:default_address",
        "shopify:email",
        "shopify:email_marketing_consent",
        "shopify:first_name",
        "shopify:last_name",
        "shopify:note",
        "shopify:phone",
      ].sort(),
    );
  });
});
