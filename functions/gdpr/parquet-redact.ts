/**
 * Rewrites one Parquet file without a subject's rows, with DuckDB (locally and in the Lambda, as
 * the backfill download converts): every other row is copied as it was, column for column, in
 * its order. A row is the subject's when one of its columns names them:
 *
 *   e-mail columns (`email`, `*_email`)      lower(trim(value)) is one of the subject's e-mails
 *   phone columns (`phone`, `*_phone`)       the value normalised as functions/gdpr/subject.ts does
 *   customer-id columns (`customer_id`,      the Shopify id, bare or as gid://shopify/Customer/<id>
 *     `id` of the customers table)
 *
 * Other columns are never compared: an order id that happens to equal a customer id is not the
 * customer. A file without the subject's rows is left as it is (nothing is written), so a
 * repeated rewrite changes nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SubjectIdentifier } from "./subject";

export interface RowMatch {
  readonly emails: ReadonlyArray<string>;
  readonly phones: ReadonlyArray<string>;
  /** Shopify customer ids, bare (`123`). */
  readonly shopifyCustomerIds: ReadonlyArray<string>;
}

export const rowMatchOf = (identifiers: ReadonlyArray<SubjectIdentifier>): RowMatch => ({
  emails: identifiers.filter((id) => id.kind === "email").map((id) => id.value),
  phones: identifiers.filter((id) => id.kind === "phone").map((id) => id.value),
  shopifyCustomerIds: identifiers.filter((id) => id.kind === "customer-id" && id.value.startsWith("shopify:")).map((id) => id.value.slice("shopify:".length)),
});

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const list = (values: ReadonlyArray<string>) => values.map(literal).join(", ");
const quoted = (column: string) => `"${column.replace(/"/g, '""')}"`;

/** The SQL predicate "this row is the subject's" over the file's columns, or undefined when no column can name them. */
export const subjectPredicate = (columns: ReadonlyArray<string>, table: string, match: RowMatch): string | undefined => {
  const terms: string[] = [];
  for (const column of columns) {
    const name = column.toLowerCase();
    const value = `CAST(${quoted(column)} AS VARCHAR)`;
    if ((name === "email" || name.endsWith("_email")) && match.emails.length > 0) terms.push(`lower(trim(${value})) IN (${list(match.emails)})`);
    if ((name === "phone" || name.endsWith("_phone")) && match.phones.length > 0) {
      const digits = `regexp_replace(${value}, '[^0-9]', '', 'g')`;
      const normalised = `CASE WHEN starts_with(trim(${value}), '+') THEN '+' || ${digits} WHEN starts_with(trim(${value}), '00') THEN '+' || substr(${digits}, 3) ELSE ${digits} END`;
      terms.push(`${normalised} IN (${list(match.phones)})`);
    }
    const isCustomerId = name === "customer_id" || (name === "id" && table === "customers");
    if (isCustomerId && match.shopifyCustomerIds.length > 0) {
      const gids = match.shopifyCustomerIds.map((id) => `gid://shopify/Customer/${id}`);
      terms.push(`trim(${value}) IN (${list([...match.shopifyCustomerIds, ...gids])})`);
    }
  }
  return terms.length === 0 ? undefined : terms.map((term) => `coalesce(${term}, false)`).join(" OR ");
};

export interface RewriteResult {
  readonly rowsBefore: number;
  readonly rowsRemoved: number;
  /** Bytes of the new file; 0 when the file held none of the subject's rows (nothing written). */
  readonly bytesWritten: number;
  /** The rewritten file (present when rowsRemoved > 0); the caller uploads it and removes the directory. */
  readonly file?: string;
  readonly dir: string;
}

/** Reads `body` (a Parquet file), and when it holds the subject's rows writes the file without them. */
export const rewriteParquet = async (body: Uint8Array, table: string, match: RowMatch): Promise<RewriteResult> => {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-gdpr-"));
  const input = path.join(dir, "in.parquet");
  const output = path.join(dir, "out.parquet");
  fs.writeFileSync(input, body);
  const instance = await DuckDBInstance.create(":memory:", { threads: "2", temp_directory: path.join(dir, "spill") });
  const connection = await instance.connect();
  try {
    const source = `read_parquet(${literal(input)})`;
    const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson() as Array<{ column_name: string }>;
    const predicate = subjectPredicate(
      described.map((row) => String(row.column_name)),
      table,
      match,
    );
    const counted = (
      await connection.runAndReadAll(`SELECT count(*)::BIGINT AS total, ${predicate ? `count(*) FILTER (WHERE ${predicate})` : "0"}::BIGINT AS subject FROM ${source}`)
    ).getRowObjectsJson() as Array<{
      total: string | number;
      subject: string | number;
    }>;
    const rowsBefore = Number(counted[0]?.total ?? 0);
    const rowsRemoved = Number(counted[0]?.subject ?? 0);
    if (!predicate || rowsRemoved === 0) return { rowsBefore, rowsRemoved: 0, bytesWritten: 0, dir };
    // Row order kept (preserve_insertion_order is DuckDB's default); ZSTD as the conversions write.
    await connection.run(`COPY (SELECT * FROM ${source} WHERE NOT (${predicate})) TO ${literal(output)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
    return { rowsBefore, rowsRemoved, bytesWritten: fs.statSync(output).size, file: output, dir };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};
