import { addDecimals, compareDecimals, multiplyDecimal, normalizeDecimal, subtractDecimal, toUnits } from "../../functions/kernel/decimal";
import { parseJson, quoteUnsafeIntegers } from "../../functions/kernel/json";

describe("decimal strings", () => {
  test("adds without float error", () => {
    expect(addDecimals("0.10", "0.20")).toBe("0.30");
    expect(addDecimals(...Array.from({ length: 10 }, () => "0.1"))).toBe("1.00");
    expect(addDecimals("19.999", "0.001")).toBe("20.000");
  });
  test("subtracts, multiplies, normalises and compares", () => {
    expect(subtractDecimal("134.85", "51.60")).toBe("83.25");
    expect(subtractDecimal("1.00", "2.5")).toBe("-1.50");
    expect(multiplyDecimal("49.95", 3)).toBe("149.85");
    expect(normalizeDecimal("5")).toBe("5.00");
    expect(normalizeDecimal("-0.5")).toBe("-0.50");
    expect(compareDecimals("10.00", "9.99")).toBe(1);
    expect(compareDecimals("9.990", "9.99")).toBe(0);
  });
  test("rejects text that is not an amount", () => {
    expect(() => toUnits("abc")).toThrow(RangeError);
    expect(() => toUnits("")).toThrow(RangeError);
    expect(() => toUnits("1.005", 2)).toThrow(RangeError);
  });
});

describe("lossless JSON", () => {
  test("keeps integers beyond 2^53 exact, as strings, and leaves the rest alone", () => {
    const text = '{"id": 9007199254740993, "small": 42, "price": 19.99, "neg": -9223372036854775807, "s": "12345678901234567890", "arr": [1e21, 123456789012345678]}';
    const parsed = parseJson(text) as Record<string, unknown>;
    expect(parsed.id).toBe("9007199254740993");
    expect(parsed.small).toBe(42);
    expect(parsed.price).toBe(19.99);
    expect(parsed.neg).toBe("-9223372036854775807");
    expect(parsed.s).toBe("12345678901234567890");
    expect(parsed.arr).toEqual([1e21, "123456789012345678"]);
  });
  test("does not touch digits inside strings, even with escaped quotes", () => {
    const text = '{"note": "he said \\"9007199254740993\\"", "id": 1}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });
  test("throws on malformed JSON like JSON.parse", () => {
    expect(() => parseJson("{nope")).toThrow(SyntaxError);
  });
});

describe("decimal strings beyond the fast path", () => {
  test("amounts too large for exact numbers are computed with bigints", () => {
    expect(addDecimals("90071992547409.91", "90071992547409.91")).toBe("180143985094819.82");
    expect(addDecimals("123456789012345678.50", "0.50")).toBe("123456789012345679.00");
    expect(multiplyDecimal("90071992547409.91", 1000)).toBe("90071992547409910.00");
    expect(subtractDecimal("0.00", "123456789012345678.99")).toBe("-123456789012345678.99");
  });
  test("negative and oddly written amounts", () => {
    expect(addDecimals("-0.05", "0.05")).toBe("0.00");
    expect(addDecimals(" 1.5", "2.")).toBe("3.50");
    expect(normalizeDecimal("+3.1")).toBe("3.10");
    expect(multiplyDecimal("-1.25", 3)).toBe("-3.75");
  });
});
