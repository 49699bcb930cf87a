import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { Either, Option, Schema } from "effect";
import { fastDecoder } from "../../functions/kernel/fast-decode";
import { Cart, Checkout, Customer, Deletion, Fulfillment, Order, Product, Refund, Shop } from "../../functions/shopify/schemas";

const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "shopify", `${name}.json`), "utf8"));

const cases = [
  ["order", Order],
  ["order-delete", Deletion],
  ["refund", Refund],
  ["fulfillment", Fulfillment],
  ["customer", Customer],
  ["product", Product],
  ["checkout", Checkout],
  ["cart", Cart],
  ["app-uninstalled", Shop],
] as const;

/** The fast path must agree with Effect's decoder: the same output when it answers, no answer when Effect fails. */
const agrees = (schema: Schema.Schema<any, any, never>, input: unknown) => {
  const fast = fastDecoder(schema.ast)!;
  const effect = Schema.decodeUnknownEither(schema, { errors: "first" })(input);
  const quick = fast(input);
  if (Either.isLeft(effect)) expect(Option.isNone(quick)).toBe(true);
  else if (Option.isSome(quick)) expect(quick.value).toStrictEqual(effect.right);
  return Option.isSome(quick);
};

describe("fast payload decoder", () => {
  it.each(cases)("compiles the %s schema and decodes its fixture exactly as Effect does", (name, schema) => {
    expect(fastDecoder(schema.ast)).toBeDefined();
    expect(agrees(schema, fixture(name))).toBe(true);
  });

  it("leaves invalid payloads to Effect's decoder (which names the field)", () => {
    const order = fixture("order") as Record<string, unknown>;
    for (const broken of [
      { ...order, updated_at: "yesterday" },
      { ...order, line_items: [{ quantity: 1.5, price: "1.00" }] },
      { ...order, total_price: "1,00" },
      { ...order, customer: { id: -1 } },
      null,
      [],
      "order",
    ]) {
      expect(agrees(Order, broken)).toBe(false);
    }
  });

  it("keeps declared keys only, optional keys only when present, undefined values as given", () => {
    const order = fixture("order") as Record<string, unknown>;
    const { email: _email, ...withoutEmail } = order;
    expect(agrees(Order, withoutEmail)).toBe(true);
    expect(agrees(Order, { ...order, email: undefined, customer: null, refunds: undefined })).toBe(true);
  });

  it("agrees with Effect on arbitrary edits of an order", () => {
    const order = fixture("order") as Record<string, unknown>;
    const values = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant("2026-03-01T10:00:00Z"),
      fc.constant("12.50"),
      fc.array(fc.string()),
      fc.constant([]),
      fc.object(),
    );
    const keys = fc.constantFrom(...Object.keys(order), "unknown_field");
    fc.assert(
      fc.property(fc.array(fc.tuple(keys, values), { maxLength: 4 }), (edits) => {
        const edited = { ...order };
        for (const [key, value] of edits) edited[key] = value;
        agrees(Order, edited);
      }),
      { numRuns: 300 },
    );
  });
});
