/** DuckDB for tests that read what a conversion wrote: one throwaway in-memory instance per query. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

export const queryDuckDb = async (sql: string): Promise<Array<Record<string, unknown>>> => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/** Each row of a Parquet file's bytes as JSON text (the GDPR scans look for a person in every row). */
export const parquetRowsAsJson = async (body: Uint8Array): Promise<string[]> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-parquet-rows-"));
  const file = path.join(dir, "rows.parquet");
  try {
    fs.writeFileSync(file, body);
    return (await queryDuckDb(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet('${file}') t`)).map((row) => String(row.j));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** A fresh temporary directory per test, removed after it; read `dir()` inside the test. */
export const tempDirPerTest = (label: string) => {
  let dir = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `sdp-${label}-`));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
};
