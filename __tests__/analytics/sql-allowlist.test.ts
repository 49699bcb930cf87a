import { allowedFunctions, disallowedFunctions, functionsUsed } from "../../etl/sql-allowlist";
import { openEngine } from "../../etl/duckdb-engine";
import { allSqlFiles, loadSql, transforms } from "../../etl/transforms";

test("every SQL file calls only functions both engines support", () => {
  const files = allSqlFiles();
  expect(files.length).toBeGreaterThanOrEqual(6);
  for (const file of files) {
    expect({ file, disallowed: disallowedFunctions(loadSql(file, { run_date: "2026-01-01" })) }).toEqual({ file, disallowed: [] });
  }
});

test("every transform in the spec has its SQL file", () => {
  const files = new Set(allSqlFiles());
  for (const spec of transforms) expect(files.has(spec.sqlFile)).toBe(true);
});

test("the function scanner sees calls and ignores types, aliases, comments and strings", () => {
  const sql = `-- regexp_like(x) in a comment
    WITH a AS (SELECT 1) SELECT CAST(x AS DECIMAL(20, 4)), json_extract_scalar(p, '$.x'), 'date_format(y)' , Regexp_Like(s, 'a')
    FROM (VALUES (1)) AS t (d) WHERE x IN (1) AND EXISTS (SELECT 1) OVER (PARTITION BY y)`;
  expect([...functionsUsed(sql)].sort()).toEqual(["json_extract_scalar", "regexp_like"]);
  expect(disallowedFunctions(sql)).toEqual(["regexp_like"]);
});

test("each DuckDB shim gives DuckDB the Trino function with the same result", async () => {
  const engine = await openEngine({ threads: 1 });
  try {
    const [row] = await engine.rows(`SELECT
      json_extract_scalar('{"id": 12345678901234567890}', '$.id') AS big_id,
      CAST(at_timezone(from_iso8601_timestamp('2026-01-02T01:30:00+02:00'), 'UTC') AS TIMESTAMP) AS utc,
      json_format(json_extract('{"a": [1, {"b": 12345678901234567890}]}', '$.a[1]')) AS element,
      CAST(CAST(at_timezone(with_timezone(TIMESTAMP '2026-03-02 03:00:00', 'UTC'), 'America/Los_Angeles') AS DATE) AS VARCHAR) AS la_day,
      CAST(at_timezone(with_timezone(TIMESTAMP '2026-03-08 09:59:00', 'UTC'), 'America/Los_Angeles') AS TIMESTAMP) AS before_dst,
      CAST(at_timezone(with_timezone(TIMESTAMP '2026-03-08 10:00:00', 'UTC'), 'America/Los_Angeles') AS TIMESTAMP) AS after_dst`);
    // json_format: compact JSON text with every digit, as Trino's json_format writes it.
    // with_timezone(ts, 'UTC') then at_timezone: Trino's local wall time; 2026-03-08 10:00Z is when
    // Los Angeles springs from 01:59 PST (UTC-8) to 03:00 PDT (UTC-7).
    expect(row).toEqual({
      big_id: "12345678901234567890",
      utc: "2026-01-01 23:30:00",
      element: '{"b":12345678901234567890}',
      la_day: "2026-03-01",
      before_dst: "2026-03-08 01:59:00",
      after_dst: "2026-03-08 03:00:00",
    });
    expect(
      allowedFunctions
        .filter((fn) => fn.duckdbShim)
        .map((fn) => fn.name)
        .sort(),
    ).toEqual(["at_timezone", "from_iso8601_timestamp", "json_extract_scalar", "json_format", "with_timezone"]);
  } finally {
    engine.close();
  }
});
