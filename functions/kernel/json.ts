/**
 * JSON parsing that never loses an id. Webhook ids can exceed 2^53, where `JSON.parse` would
 * silently round them (a rounded id is a different order). `parseJson` turns every integer
 * literal that is not a safe integer into a string before parsing; smaller numbers stay numbers
 * (and `String(n)` of a safe integer is exact). Money is never parsed from floats here either:
 * Shopify sends amounts as strings.
 */

const isDigit = (code: number) => code >= 48 && code <= 57;

/** Rewrites unsafe integer literals outside strings as JSON strings; everything else is copied. */
export const quoteUnsafeIntegers = (text: string): string => {
  let out = "";
  let copiedUpTo = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 34 /* " */) {
      index += 1;
      while (index < length) {
        const inner = text.charCodeAt(index);
        if (inner === 92 /* \ */) index += 2;
        else if (inner === 34) {
          index += 1;
          break;
        } else index += 1;
      }
      continue;
    }
    if (code === 45 /* - */ || isDigit(code)) {
      const start = index;
      index += 1;
      while (index < length && isDigit(text.charCodeAt(index))) index += 1;
      const integerEnd = index;
      // A fraction or an exponent makes it a float: left to JSON.parse.
      while (index < length) {
        const next = text.charCodeAt(index);
        if (isDigit(next) || next === 46 || next === 101 || next === 69 || next === 43 || next === 45) index += 1;
        else break;
      }
      // 16+ digits may be unsafe; shorter literals always are safe.
      if (integerEnd === index && integerEnd - start >= 16) {
        const literal = text.slice(start, index);
        if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
          out += `${text.slice(copiedUpTo, start)}"${literal}"`;
          copiedUpTo = index;
        }
      }
      continue;
    }
    index += 1;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
};

/** JSON.parse that keeps large integers exact (as strings). Throws SyntaxError like JSON.parse. */
export const parseJson = (text: string): unknown => JSON.parse(quoteUnsafeIntegers(text));

export type JsonParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export const tryParseJson = (text: string): JsonParseResult => {
  try {
    return { ok: true, value: parseJson(text) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
};

export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
