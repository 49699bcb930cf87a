/**
 * A fast path for decoding webhook payloads, compiled once from a schema's AST.
 *
 * Why: Effect's general decoder was the largest single cost of an `orders/updated` event (about
 * 20 µs of ~180 µs: an Either per value, keyed writes into fresh objects). The payload schemas use
 * a small subset of Schema (structs, arrays, `Schema.declare` predicates, refinements, keywords,
 * null/undefined unions) with no transformations, so valid input can be checked and copied
 * directly.
 *
 * The fast path only ever says "valid, here is the output Effect would return" or "not sure":
 * anything it does not support, any transforming declaration, and every invalid input fall back
 * to Effect's decoder, which then produces the result and the error message as before. It serves
 * every source through processor-frame.ts `decodePayload` (the Shopify schemas compile; the
 * Stripe and Recharge ones transform ids and money, so they take Effect's decoder).
 *
 * Kept because it matters end to end: bench/fast-decode.bench.ts (HTTPS door to hot store, with
 * and without this file) measured 13-18% less CPU per `orders/updated` event with it.
 */
import { Either, Option, SchemaAST as AST } from "effect";

/** Returned by a check when the fast path cannot vouch for the input. */
const UNSURE: unique symbol = Symbol("fast-decode/unsure");
type Check = (input: unknown) => unknown;

interface Compiled {
  readonly check: Check;
  /** True when a valid input is returned as is (no copy), so the member order of a union cannot change the output. */
  readonly identity: boolean;
}

const PARSE_OPTIONS: AST.ParseOptions = { errors: "first" };

/** Kinds of node that never accept an object or an array (safe beside a struct or array in a union). */
const isScalarOnly = (ast: AST.AST): boolean =>
  ast._tag === "Literal" || ast._tag === "UndefinedKeyword" || ast._tag === "StringKeyword" || ast._tag === "NumberKeyword" || ast._tag === "BooleanKeyword";

const guard = (accepts: (input: unknown) => boolean): Compiled => ({ check: (input) => (accepts(input) ? input : UNSURE), identity: true });

const compile = (ast: AST.AST): Compiled | undefined => {
  // Annotations that change how Effect parses a node: leave those nodes to Effect.
  if (ast.annotations[AST.ParseOptionsAnnotationId] !== undefined || ast.annotations[AST.DecodingFallbackAnnotationId] !== undefined) return undefined;
  switch (ast._tag) {
    case "StringKeyword":
      return guard((input) => typeof input === "string");
    case "NumberKeyword":
      return guard((input) => typeof input === "number");
    case "BooleanKeyword":
      return guard((input) => typeof input === "boolean");
    case "UndefinedKeyword":
      return guard((input) => input === undefined);
    case "UnknownKeyword":
    case "AnyKeyword":
      return guard(() => true);
    case "Literal": {
      const literal = ast.literal;
      return guard((input) => input === literal);
    }
    case "Declaration": {
      if (ast.typeParameters.length > 0) return undefined;
      const parse = ast.decodeUnknown();
      // Only declarations that return their input (Schema.declare(predicate)) take the fast path.
      return guard((input) => {
        const result = parse(input, PARSE_OPTIONS, ast);
        return Either.isEither(result) && Either.isRight(result) && result.right === input;
      });
    }
    case "Refinement": {
      const from = compile(ast.from);
      if (from === undefined) return undefined;
      return {
        identity: from.identity,
        check: (input) => {
          const value = from.check(input);
          return value !== UNSURE && Option.isNone(ast.filter(value, PARSE_OPTIONS, ast)) ? value : UNSURE;
        },
      };
    }
    case "TupleType": {
      // Schema.Array only: no fixed elements, one rest type.
      if (ast.elements.length !== 0 || ast.rest.length !== 1) return undefined;
      const element = compile(ast.rest[0]!.type);
      if (element === undefined) return undefined;
      return {
        identity: false,
        check: (input) => {
          if (!Array.isArray(input)) return UNSURE;
          const output: unknown[] = [];
          for (let index = 0; index < input.length; index += 1) {
            const value = element.check(input[index]);
            if (value === UNSURE) return UNSURE;
            output.push(value);
          }
          return output;
        },
      };
    }
    case "TypeLiteral": {
      // An empty struct is a not-nullable check in Effect, and index signatures copy extra keys: not handled here.
      if (ast.propertySignatures.length === 0 || ast.indexSignatures.length > 0) return undefined;
      const fields: Array<{ readonly name: PropertyKey; readonly isOptional: boolean; readonly check: Check }> = [];
      for (const signature of ast.propertySignatures) {
        const compiled = compile(signature.type);
        if (compiled === undefined) return undefined;
        fields.push({ name: signature.name, isOptional: signature.isOptional, check: compiled.check });
      }
      return {
        identity: false,
        check: (input) => {
          if (typeof input !== "object" || input === null || Array.isArray(input)) return UNSURE;
          const record = input as Record<PropertyKey, unknown>;
          // Declared keys only, in declaration order, as Effect builds its output (excess keys are ignored).
          const output: Record<PropertyKey, unknown> = {};
          for (const field of fields) {
            if (field.isOptional && !Object.prototype.hasOwnProperty.call(record, field.name)) continue;
            const value = field.check(record[field.name]);
            if (value === UNSURE) return UNSURE;
            output[field.name] = value;
          }
          return output;
        },
      };
    }
    case "Union": {
      const members: Compiled[] = [];
      for (const member of ast.types) {
        const compiled = compile(member);
        if (compiled === undefined) return undefined;
        members.push(compiled);
      }
      const copying = members.filter((member) => !member.identity);
      // Effect tries members in its own order; the output is the same whichever member accepts only when
      // at most one member copies and nothing else can accept what it accepts (objects and arrays).
      if (copying.length > 1) return undefined;
      if (copying.length === 1 && !ast.types.every((member, index) => !members[index]!.identity || isScalarOnly(member))) return undefined;
      const identities = members.filter((member) => member.identity);
      return {
        identity: copying.length === 0,
        check: (input) => {
          for (const member of identities) if (member.check(input) !== UNSURE) return input;
          return copying.length === 1 ? copying[0]!.check(input) : UNSURE;
        },
      };
    }
    default:
      return undefined;
  }
};

/**
 * The fast decoder of `ast`: returns `Option.some(output)` for input it can vouch for (the same value
 * Effect's decoder returns), `Option.none()` otherwise; undefined when the schema uses anything else.
 */
export const fastDecoder = (ast: AST.AST): ((input: unknown) => Option.Option<unknown>) | undefined => {
  const compiled = compile(ast);
  if (compiled === undefined) return undefined;
  return (input) => {
    const value = compiled.check(input);
    return value === UNSURE ? Option.none() : Option.some(value);
  };
};
