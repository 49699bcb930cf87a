/**
 * JSON parsing that never loses an id. Webhook ids can exceed 2^53, where `JSON.parse` would
 * silently round them (a rounded id is a different order). `parseJson` turns every integer
 * literal that is not a safe integer into a string before parsing; smaller numbers stay numbers
 * (and `String(n)` of a safe integer is exact). Money is never parsed from floats here either:
 * Shopify sends amounts as strings.
 *
 * Nesting is capped at MAX_JSON_DEPTH levels, checked on the raw text before anything recurses:
 * JSON.stringify, Schema decoding and the local journal all recurse per level, and 100,000 levels
 * (200 KB of brackets) overflow the stack. Webhook bodies nest under 12 levels.
 */

/** Deepest nesting of objects and arrays accepted in a webhook body (functions/kernel/limits.ts explains the limits). */
export const MAX_JSON_DEPTH = 64;
/**
 * The same for a bus envelope around a body (`{"detail":{"payload":<body>}}` adds two levels, an
 * SQS record's body is the envelope): the default of `parseJson`, so a body the doors accepted is
 * never refused one layer later. The doors parse bodies with MAX_JSON_DEPTH.
 */
export const MAX_ENVELOPE_JSON_DEPTH = MAX_JSON_DEPTH + 8;

/** Thrown (a SyntaxError, like JSON.parse's) for text nested deeper than the limit. */
export class JsonTooDeep extends SyntaxError {
  constructor(readonly limit: number) {
    super(`JSON nested deeper than ${limit} levels; send at most ${limit} levels of objects and arrays`);
    this.name = "JsonTooDeep";
  }
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * Rewrites unsafe integer literals outside strings as JSON strings; everything else is copied.
 * Throws JsonTooDeep when objects and arrays nest deeper than `maxDepth` (counted in the same pass).
 */
export const quoteUnsafeIntegers = (text: string, maxDepth: number = MAX_ENVELOPE_JSON_DEPTH): string => {
  let out = "";
  let copiedUpTo = 0;
  let index = 0;
  let depth = 0;
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 123 /* { */ || code === 91 /* [ */) {
      depth += 1;
      if (depth > maxDepth) throw new JsonTooDeep(maxDepth);
      index += 1;
      continue;
    }
    if (code === 125 /* } */ || code === 93 /* ] */) {
      depth -= 1;
      index += 1;
      continue;
    }
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
export const parseJson = (text: string, maxDepth: number = MAX_ENVELOPE_JSON_DEPTH): unknown => JSON.parse(quoteUnsafeIntegers(text, maxDepth));

export type JsonParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string; readonly tooDeep?: true };

export const tryParseJson = (text: string, maxDepth: number = MAX_ENVELOPE_JSON_DEPTH): JsonParseResult => {
  try {
    return { ok: true, value: parseJson(text, maxDepth) };
  } catch (error) {
    return error instanceof JsonTooDeep ? { ok: false, error: error.message, tooDeep: true } : { ok: false, error: (error as Error).message };
  }
};

/**
 * True when the text may hold a number literal too large for a double (`1e400`, 309+ digits), which
 * JSON.parse turns into Infinity and JSON.stringify then into `null`: such a payload must not
 * travel inline through a bus (it would arrive as `null`, silently valid); processors read the raw
 * text instead and refuse the value. A false positive (such text inside a string) costs one read.
 */
export const mayHoldOverflowingNumber = (text: string): boolean => /\d[eE]\+?\d{3}|\d{309}/.test(text);

/**
 * True when an already-parsed value nests deeper than `maxDepth` (iterative, so it cannot itself
 * overflow): for values that arrive parsed (an EventBridge envelope) before they are stringified.
 */
export const valueTooDeep = (value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean => {
  if (typeof value !== "object" || value === null) return false;
  const stack: Array<{ readonly value: object; readonly depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.depth > maxDepth) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) if (typeof child === "object" && child !== null) stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
};

export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
