/**
 * EventBridge event-pattern matching for the embedded platform, so `sdp local` routes with the
 * very patterns in contracts/events.ts that the ingestion stack turns into rules.
 *
 * Supported (the subset our contracts use, plus a few neighbours that cost nothing):
 *   - exact values: `"field": ["a", "b", 1, true, null]` (any candidate matches)
 *   - `{ "prefix": "..." }`, `{ "suffix": "..." }`, `{ "equals-ignore-case": "..." }`
 *   - `{ "anything-but": value | [values] }`, `{ "exists": true | false }`
 *   - nested objects: `"detail": { "metadata": { ... } }`
 *   - `"$or": [pattern, pattern, ...]` at any level
 * When the event's field is an array, the field matches if any element matches (as in AWS).
 * Anything else in a pattern is rejected by `validatePattern` instead of silently never matching.
 */
import type { EventPattern } from "../contracts/events";

export class InvalidEventPattern extends Error {
  readonly _tag = "InvalidEventPattern";
}

type Json = unknown;

const isPlainObject = (value: Json): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

const isScalar = (value: Json): value is string | number | boolean | null => value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";

const operatorNames = ["prefix", "suffix", "equals-ignore-case", "anything-but", "exists"] as const;

/** Throws `InvalidEventPattern` naming the path of the first construct we do not support. */
export const validatePattern = (pattern: EventPattern, path = "$"): void => {
  if (!isPlainObject(pattern)) throw new InvalidEventPattern(`${path}: a pattern must be an object`);
  for (const [key, value] of Object.entries(pattern)) {
    const here = `${path}.${key}`;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2) throw new InvalidEventPattern(`${here}: $or needs an array of at least two patterns`);
      value.forEach((alternative, index) => validatePattern(alternative as EventPattern, `${here}[${index}]`));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new InvalidEventPattern(`${here}: an empty candidate list never matches`);
      value.forEach((candidate, index) => validateCandidate(candidate, `${here}[${index}]`));
    } else if (isPlainObject(value)) {
      validatePattern(value, here);
    } else {
      throw new InvalidEventPattern(`${here}: leaf values must be arrays of candidates`);
    }
  }
};

const validateCandidate = (candidate: Json, path: string): void => {
  if (isScalar(candidate)) return;
  if (!isPlainObject(candidate)) throw new InvalidEventPattern(`${path}: a candidate must be a value or a single-operator object`);
  const keys = Object.keys(candidate);
  const operator = keys[0] as (typeof operatorNames)[number];
  if (keys.length !== 1 || !operatorNames.includes(operator)) {
    throw new InvalidEventPattern(`${path}: unsupported operator ${JSON.stringify(keys)} (supported: ${operatorNames.join(", ")})`);
  }
  const operand = candidate[operator];
  switch (operator) {
    case "prefix":
    case "suffix":
    case "equals-ignore-case":
      if (typeof operand !== "string") throw new InvalidEventPattern(`${path}: ${operator} needs a string`);
      return;
    case "exists":
      if (typeof operand !== "boolean") throw new InvalidEventPattern(`${path}: exists needs true or false`);
      return;
    case "anything-but":
      if (!isScalar(operand) && !(Array.isArray(operand) && operand.every(isScalar))) {
        throw new InvalidEventPattern(`${path}: anything-but needs a value or a list of values`);
      }
      return;
  }
};

/** One candidate against one scalar value of the event. */
const candidateMatchesValue = (candidate: Json, value: Json): boolean => {
  if (isScalar(candidate)) return candidate === value;
  const [operator, operand] = Object.entries(candidate as Record<string, Json>)[0]!;
  switch (operator) {
    case "prefix":
      return typeof value === "string" && value.startsWith(operand as string);
    case "suffix":
      return typeof value === "string" && value.endsWith(operand as string);
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === (operand as string).toLowerCase();
    case "anything-but": {
      const excluded = Array.isArray(operand) ? operand : [operand];
      return isScalar(value) && !excluded.includes(value);
    }
    default:
      return false;
  }
};

const existsCandidate = (candidate: Json): boolean | undefined => (isPlainObject(candidate) && "exists" in candidate ? (candidate.exists as boolean) : undefined);

/** A list of candidates against a field that may be missing, a scalar or an array of scalars. */
const candidatesMatchField = (candidates: ReadonlyArray<Json>, present: boolean, value: Json): boolean =>
  candidates.some((candidate) => {
    const exists = existsCandidate(candidate);
    if (exists !== undefined) return exists === (present && !isPlainObject(value));
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((element) => candidateMatchesValue(candidate, element));
  });

/** True when `event` (any JSON) matches `pattern` under EventBridge's rules. */
export const matchesPattern = (pattern: EventPattern, event: Json): boolean => {
  if (!isPlainObject(event)) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === "$or") return (expected as ReadonlyArray<EventPattern>).some((alternative) => matchesPattern(alternative, event));
    const present = Object.prototype.hasOwnProperty.call(event, key);
    const value = event[key];
    if (Array.isArray(expected)) return candidatesMatchField(expected, present, value);
    return present && matchesPattern(expected as EventPattern, value);
  });
};
