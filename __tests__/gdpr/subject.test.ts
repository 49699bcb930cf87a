import fc from "fast-check";
import { identifierOf, identifiersIn, normaliseCustomerId, normaliseEmail, normalisePhone, subjectKey } from "../../functions/gdpr/subject";

describe("GDPR subject identifiers", () => {
  test("one person's spellings meet: e-mail case and spaces, phone separators and 00, Shopify GID and number", () => {
    expect(normaliseEmail("  Ada.Lovelace@Example.COM ")).toBe("ada.lovelace@example.com");
    expect(normaliseEmail("not an address")).toBeUndefined();
    expect(normalisePhone("+44 20 7946 0958")).toBe("+442079460958");
    expect(normalisePhone("0044 (20) 7946-0958")).toBe("+442079460958");
    expect(normalisePhone("020 7946 0958")).toBe("02079460958");
    expect(normalisePhone("12-34")).toBeUndefined();
    expect(normaliseCustomerId("gid://shopify/Customer/7000000000001")).toBe("shopify:7000000000001");
    expect(normaliseCustomerId(7000000000001)).toBe("shopify:7000000000001");
    expect(normaliseCustomerId(27384576, "recharge")).toBe("recharge:27384576");
    expect(normaliseCustomerId("cus_Q1fake", "recharge")).toBe("stripe:cus_Q1fake");
  });

  test("--customer reads an e-mail, a phone or an id", () => {
    expect(identifierOf("Ada@Example.com")).toEqual({ kind: "email", value: "ada@example.com" });
    expect(identifierOf("+1 (555) 010-0199")).toEqual({ kind: "phone", value: "+15550100199" });
    expect(identifierOf("7000000000001")).toEqual({ kind: "customer-id", value: "shopify:7000000000001" });
    expect(identifierOf("recharge:27384576")).toEqual({ kind: "customer-id", value: "recharge:27384576" });
    expect(identifierOf("bad@")).toBeUndefined();
  });

  test("index keys are keyed hashes: equal for one person, different under another key, never the value", () => {
    const key = "index-key-one";
    const a = subjectKey({ kind: "email", value: normaliseEmail("Ada@Example.com")! }, key);
    const b = subjectKey({ kind: "email", value: normaliseEmail(" ada@example.com")! }, key);
    expect(a).toBe(b);
    expect(a).toMatch(/^email:[0-9a-f]{64}$/);
    expect(a).not.toContain("ada");
    expect(subjectKey({ kind: "email", value: "ada@example.com" }, "another-key")).not.toBe(a);
    // The kind is part of what is hashed: an id that happens to equal a phone's digits is another subject.
    expect(subjectKey({ kind: "customer-id", value: "+442079460958" }, key)).not.toBe(subjectKey({ kind: "phone", value: "+442079460958" }, key).replace(/^phone/, "customer-id"));
  });

  test("identifiersIn collects every identifier of a record once", () => {
    const found = identifiersIn("recharge", {
      customerIds: [27384576, "27384576", null],
      emails: ["Ada@Example.com", "ada@example.com", undefined],
      phones: ["+44 20 7946 0958", ""],
    });
    expect(found).toEqual([
      { kind: "customer-id", value: "recharge:27384576" },
      { kind: "email", value: "ada@example.com" },
      { kind: "phone", value: "+442079460958" },
    ]);
  });

  test("normalising is idempotent for any input", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const normalise of [normaliseEmail, normalisePhone]) {
          const once = normalise(text);
          if (once !== undefined) expect(normalise(once)).toBe(once);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
