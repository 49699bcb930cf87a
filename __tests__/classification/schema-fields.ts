/**
 * The field paths of an Effect Schema, found by walking its AST (test support for the
 * classification tests): every property of every struct, nested structs and array elements
 * included ("line_items.price"; an array adds no segment). A property whose value is a struct
 * yields its own path and its children's; a leaf yields its path. Index signatures (a Stripe
 * object's open record) carry no named field and are skipped.
 */
import { Schema, SchemaAST } from "effect";

export interface FieldPath {
  /** Segments from the schema's root: ["customer", "id"]. */
  readonly path: ReadonlyArray<string>;
  /** Whether the value is a struct (its children are listed too). */
  readonly container: boolean;
}

/** The struct members of an AST node: a struct itself, or the structs a union, refinement, transformation or array holds. */
const structsOf = (ast: SchemaAST.AST, seen: Set<SchemaAST.AST>): SchemaAST.TypeLiteral[] => {
  if (seen.has(ast)) return [];
  seen.add(ast);
  switch (ast._tag) {
    case "TypeLiteral":
      return [ast];
    case "Union":
      return ast.types.flatMap((member) => structsOf(member, seen));
    case "Refinement":
      return structsOf(ast.from, seen);
    // A transformation decodes to its `to` side (Stripe references: an id or {id} -> the id).
    case "Transformation":
      return structsOf(ast.to, seen);
    case "TupleType":
      return [...ast.elements.map((element) => element.type), ...ast.rest.map((rest) => rest.type)].flatMap((member) => structsOf(member, seen));
    case "Suspend":
      return structsOf(ast.f(), seen);
    default:
      return [];
  }
};

const walk = (ast: SchemaAST.AST, prefix: ReadonlyArray<string>, out: FieldPath[]): void => {
  for (const struct of structsOf(ast, new Set())) {
    for (const property of struct.propertySignatures) {
      const path = [...prefix, String(property.name)];
      const children = structsOf(property.type, new Set());
      const key = path.join(".");
      if (!out.some((field) => field.path.join(".") === key)) out.push({ path, container: children.length > 0 });
      if (children.length > 0) walk(property.type, path, out);
    }
  }
};

/** Every field path of a schema (decoded side), parents before children, each once. */
export const fieldPaths = (schema: Schema.Schema.Any): ReadonlyArray<FieldPath> => {
  const out: FieldPath[] = [];
  walk(schema.ast, [], out);
  return out;
};

/** The exported struct schemas of a module, by export name. */
export const structSchemasOf = (module: Record<string, unknown>): ReadonlyArray<readonly [string, Schema.Schema.Any]> =>
  Object.entries(module).filter((entry): entry is [string, Schema.Schema.Any] => Schema.isSchema(entry[1]) && structsOf(entry[1].ast, new Set()).length > 0);
