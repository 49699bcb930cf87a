/**
 * The SQL functions the transforms in etl/sql/ may call: the ones Athena (Trino, engine v3) and
 * DuckDB both run. Most are native in both. A few exist only in Trino under these names; DuckDB
 * gets a macro with the same name and meaning (`duckdbShim`), created by etl/duckdb-engine.ts
 * before any transform runs. The SQL is therefore written once, in Trino's dialect, and a test
 * fails when a file calls anything not listed here.
 */

export interface AllowedFunction {
  readonly name: string;
  /** Why it is safe: the meaning both engines agree on (and where they differ, how we avoid it). */
  readonly note: string;
  /** DuckDB macro that gives DuckDB the Trino function (absent when DuckDB has it natively). */
  readonly duckdbShim?: string;
}

export const allowedFunctions: ReadonlyArray<AllowedFunction> = [
  // JSON
  { name: "json_extract", note: "JSON value at a JSONPath ($.a.b[0]); Trino returns json, DuckDB JSON." },
  {
    name: "json_extract_scalar",
    note: "Scalar at a JSONPath as varchar; large integers keep every digit in both.",
    duckdbShim: "CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
  },
  { name: "json_array_length", note: "Length of a JSON array; NULL when the value is missing." },
  {
    name: "json_format",
    note: "A JSON value as its JSON text (varchar), so a relation never has a json-typed column; Trino's CAST(json AS varchar) only takes scalars.",
    duckdbShim: "CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)",
  },
  // time
  {
    name: "from_iso8601_timestamp",
    note: "ISO-8601 text to timestamp with time zone (no offset: the session zone, UTC in both).",
    duckdbShim: "CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)",
  },
  {
    name: "at_timezone",
    note: "Moves a timestamp with time zone to a zone; cast to TIMESTAMP it is that zone's wall time.",
    duckdbShim: "CREATE OR REPLACE MACRO at_timezone(ts, zone) AS timezone(zone, ts)",
  },
  {
    name: "with_timezone",
    note: "A timestamp (UTC wall time here) read as wall time in a zone: with_timezone(ts, 'UTC') gives the instant; then at_timezone(.., shop zone) and CAST AS DATE is the shop's local day. IANA zones from ICU in both (DuckDB's built-in icu extension, Trino's tz database); only on TIMESTAMP (Trino rejects TIMESTAMP WITH TIME ZONE).",
    duckdbShim: "CREATE OR REPLACE MACRO with_timezone(ts, zone) AS timezone(zone, CAST(ts AS TIMESTAMP))",
  },
  { name: "date_trunc", note: "date_trunc('month', x): same unit names in both." },
  { name: "date_diff", note: "date_diff(unit, a, b). On dates (days) and whole-second timestamps both count the same." },
  // strings
  { name: "concat", note: "String concatenation. Only with non-NULL arguments: Trino returns NULL, DuckDB skips them." },
  { name: "lower", note: "Lower case." },
  { name: "upper", note: "Upper case." },
  { name: "substr", note: "1-based substring." },
  { name: "strpos", note: "1-based position, 0 when absent." },
  // conditionals and errors
  { name: "coalesce", note: "First non-null." },
  { name: "greatest", note: "Largest argument." },
  { name: "try", note: "NULL instead of an error (bad input never fails a run)." },
  // aggregates and windows
  { name: "count", note: "Row count." },
  { name: "sum", note: "Sum; on DECIMAL the result stays DECIMAL (cast back to (18,3))." },
  { name: "min", note: "Minimum." },
  { name: "max", note: "Maximum." },
  { name: "row_number", note: "Window row number." },
  { name: "lag", note: "Window: previous row's value." },
];

export const allowedFunctionNames: ReadonlySet<string> = new Set(allowedFunctions.map((fn) => fn.name));

export const duckdbShims: ReadonlyArray<string> = allowedFunctions.flatMap((fn) => (fn.duckdbShim ? [fn.duckdbShim] : []));

/** Words followed by "(" that are syntax, not function calls. */
const SYNTAX_WORDS = new Set([
  "as",
  "in",
  "on",
  "and",
  "or",
  "not",
  "values",
  "over",
  "from",
  "join",
  "exists",
  "using",
  "with",
  "select",
  "where",
  "union",
  "all",
  "cast",
  "when",
  "then",
  "else",
  "case",
  "by",
  "having",
  "distinct",
  "any",
  "some",
  "filter",
  "interval",
  "is",
  "like",
  "between",
  "into",
]);

/** Replaces comments and string literals with spaces so their words are not mistaken for code. */
const stripCommentsAndStrings = (sql: string): string =>
  sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''");

/**
 * Names of the functions a SQL text calls (lower case): identifiers directly followed by "(",
 * except syntax words, type names after AS (`CAST(x AS DECIMAL(18, 3))`) and table aliases with
 * column lists (`AS t (d)`).
 */
export const functionsUsed = (sql: string): ReadonlySet<string> => {
  const code = stripCommentsAndStrings(sql);
  const used = new Set<string>();
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
  for (const match of code.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    if (SYNTAX_WORDS.has(name)) continue;
    const before = code.slice(0, match.index).trimEnd();
    if (/\bAS$/i.test(before)) continue;
    // `AS t (d)`: an alias after AS, then a column list.
    if (/\bAS\s+$/i.test(code.slice(0, match.index))) continue;
    used.add(name);
  }
  return used;
};

/** Functions a SQL text calls that are not on the allow-list. */
export const disallowedFunctions = (sql: string): ReadonlyArray<string> => [...functionsUsed(sql)].filter((name) => !allowedFunctionNames.has(name)).sort();
