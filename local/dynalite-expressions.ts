/**
 * Parsed condition and update expressions, remembered by dynalite (local/dynalite-patch.ts applies
 * this). dynalite runs its PEG parser on every request's ConditionExpression / UpdateExpression;
 * under `sdp load` that parse was a quarter of the emulator thread's CPU, although the platform
 * sends the same handful of expressions with new values each time.
 *
 * What a parse gives depends on the expression text, the attribute names, and the attribute
 * values' types; it holds the values themselves by reference. So a successful parse is kept under
 * (text, names, each value placeholder and its type), with the places in the tree where each value
 * sits; the next request with that key gets a copy of the tree with its own values put in those
 * places, and its unused-names and unused-values bookkeeping done as the parse would have done it.
 *
 * Not kept: anything that failed (errors are parsed afresh, so their messages are dynalite's own),
 * and expressions whose outcome depends on a value's content rather than its type (BETWEEN
 * compares its bounds; attribute_type reads its type name).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Tree = any;

interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
}

interface Parser {
  parse: (text: string, options: { context: ParseContext }) => unknown;
}

type Path = ReadonlyArray<string | number>;

interface Remembered {
  readonly tree: Tree;
  /** Where each attribute value sits in the tree, by its placeholder name. */
  readonly values: ReadonlyArray<readonly [Path, string]>;
  readonly usedNames: ReadonlyArray<string>;
  readonly usedValues: ReadonlyArray<string>;
}

const MAX_REMEMBERED = 256;
const CONTENT_DEPENDENT = /between|attribute_type/i;
const MEMOIZED = Symbol.for("sdp.dynalite-expressions-memoized");

const typeOf = (value: Record<string, unknown> | undefined) => (value && typeof value === "object" ? Object.keys(value).sort().join("+") : typeof value);

const keyOf = (text: string, context: ParseContext) => {
  const values = context.attrVals ? Object.keys(context.attrVals).map((name) => `${name}:${typeOf(context.attrVals![name])}`) : [];
  return JSON.stringify([text, context.attrNames ?? null, values, context.isKeyCondition === true]);
};

/** Paths to every attribute value object (by identity) in the tree. */
const valuePaths = (tree: Tree, context: ParseContext): Array<readonly [Path, string]> => {
  const byObject = new Map<unknown, string>();
  for (const [name, value] of Object.entries(context.attrVals ?? {})) if (value && typeof value === "object") byObject.set(value, name);
  const found: Array<readonly [Path, string]> = [];
  const walk = (node: Tree, path: Array<string | number>) => {
    if (!node || typeof node !== "object") return;
    const name = byObject.get(node);
    if (name !== undefined) {
      found.push([[...path], name]);
      return;
    }
    for (const key of Object.keys(node)) walk(node[key], [...path, Array.isArray(node) ? Number(key) : key]);
  };
  walk(tree, []);
  return found;
};

/** A copy of the tree's own objects (arrays, plain and null-prototype objects); attribute values are replaced afterwards. */
const copyTree = (node: Tree): Tree => {
  if (!node || typeof node !== "object") return node;
  if (Array.isArray(node)) return node.map(copyTree);
  const copy = Object.getPrototypeOf(node) === null ? Object.create(null) : {};
  for (const key of Object.keys(node)) copy[key] = copyTree(node[key]);
  return copy;
};

const setAt = (tree: Tree, path: Path, value: unknown) => {
  let node = tree;
  for (const step of path.slice(0, -1)) node = node[step];
  node[path[path.length - 1]!] = value;
};

const withValues = (remembered: Remembered, context: ParseContext): Tree => {
  const tree = copyTree(remembered.tree);
  // A value at the root would be a whole expression that is one placeholder: not valid, never kept.
  for (const [path, name] of remembered.values) setAt(tree, path, context.attrVals![name]);
  return tree;
};

/** Makes `parser.parse` remember successful parses (see the header). Idempotent. */
export const memoizeExpressionParser = (parser: Parser) => {
  if ((parser as any)[MEMOIZED]) return;
  const parse = parser.parse;
  const remembered = new Map<string, Remembered>();
  parser.parse = (text, options) => {
    const context = options.context;
    if (typeof text !== "string" || CONTENT_DEPENDENT.test(text)) return parse(text, options);
    const key = keyOf(text, context);
    const known = remembered.get(key);
    if (known !== undefined) {
      for (const name of known.usedNames) delete context.unusedAttrNames?.[name];
      for (const name of known.usedValues) delete context.unusedAttrVals?.[name];
      return withValues(known, context);
    }
    const namesBefore = Object.keys(context.unusedAttrNames ?? {});
    const valuesBefore = Object.keys(context.unusedAttrVals ?? {});
    const result = parse(text, options);
    if (result && typeof result === "object") {
      const values = valuePaths(result, context);
      if (values.every(([path]) => path.length > 0)) {
        if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
        remembered.set(key, {
          tree: copyTree(result),
          values,
          usedNames: namesBefore.filter((name) => !(name in (context.unusedAttrNames ?? {}))),
          usedValues: valuesBefore.filter((name) => !(name in (context.unusedAttrVals ?? {}))),
        });
      }
    }
    return result;
  };
  (parser as any)[MEMOIZED] = true;
};

/** dynalite's condition and update parsers, memoized. */
export const memoizeDynaliteExpressions = () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  memoizeExpressionParser(require("dynalite/db/conditionParser") as Parser);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  memoizeExpressionParser(require("dynalite/db/updateParser") as Parser);
};
