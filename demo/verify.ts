/**
 * Compares what the hot stores hold with what the traffic says they must hold: every expected
 * object present in its newest state, nothing a forged delivery carried, one row per object.
 */
import type { TableKey } from "../contracts/tables";
import { check, type Check } from "./stage";
import type { ExpectedRow, TrafficExpectations } from "./traffic";

type Items = Partial<Record<TableKey, ReadonlyArray<Record<string, unknown>>>>;

const keyMatches = (item: Record<string, unknown>, key: Readonly<Record<string, string>>) => Object.entries(key).every(([name, value]) => String(item[name]) === value);

const sameInstant = (left: unknown, right: string) => typeof left === "string" && Date.parse(left) === Date.parse(right);

const isRecovered = (item: Record<string, unknown>) =>
  (typeof item.status === "string" && item.status.toLowerCase() === "recovered") ||
  item.recovered === true ||
  typeof item.recovered_at === "string" ||
  typeof item.recovered_by === "string";

export const rowHolds = (row: ExpectedRow, item: Record<string, unknown>): boolean => {
  switch (row.compare) {
    case "time":
      return sameInstant(item[row.field], row.value);
    case "exact":
      return item[row.field] !== undefined && String(item[row.field]) === row.value;
    case "recovered":
      return isRecovered(item);
  }
};

export interface HotStoreVerification {
  readonly checks: ReadonlyArray<Check>;
  readonly rowsChecked: number;
  readonly rowsHolding: number;
  readonly mismatches: ReadonlyArray<{ table: string; key: Readonly<Record<string, string>>; field: string; expected: string; actual: unknown; note: string }>;
}

/** Tables whose row count the traffic fixes exactly (others may gain rows from related topics). */
const exactCountTables: ReadonlyArray<TableKey> = ["orders", "subscriptions", "charges", "payments", "invoices", "disputes"];

export const verifyHotStores = (expectations: TrafficExpectations, items: Items): HotStoreVerification => {
  const mismatches: Array<HotStoreVerification["mismatches"][number]> = [];
  for (const row of expectations.rows) {
    const item = (items[row.table] ?? []).find((candidate) => keyMatches(candidate, row.key));
    if (!item || !rowHolds(row, item)) {
      mismatches.push({
        table: row.table,
        key: row.key,
        field: row.field,
        expected: row.value,
        actual: item ? (item[row.field] ?? "(field missing)") : "(row missing)",
        note: row.note,
      });
    }
  }
  const checks: Check[] = [];
  // One check per table, so a failure names the table; details list the first mismatches.
  const tables = [...new Set(expectations.rows.map((row) => row.table))];
  for (const table of tables) {
    const rows = expectations.rows.filter((row) => row.table === table);
    const bad = mismatches.filter((mismatch) => mismatch.table === table);
    checks.push(
      check(
        `${table}: every object holds its newest state`,
        bad.length === 0,
        `${rows.length} rows`,
        bad.length === 0
          ? `${rows.length} rows`
          : bad
              .slice(0, 3)
              .map((mismatch) => `${JSON.stringify(mismatch.key)} ${mismatch.field}: expected ${mismatch.expected}, found ${String(mismatch.actual)} (${mismatch.note})`),
      ),
    );
  }
  for (const table of exactCountTables) {
    const expected = expectations.distinctObjects[table];
    if (expected === undefined) continue;
    const actual = (items[table] ?? []).length;
    checks.push(check(`${table}: one row per object (duplicates stored once)`, actual === expected, expected, actual));
  }
  for (const absent of expectations.absent) {
    const found = (items[absent.table] ?? []).some((item) => keyMatches(item, absent.key));
    checks.push(check(absent.note, !found, "absent", found ? "present" : "absent"));
  }
  return { checks, rowsChecked: expectations.rows.length, rowsHolding: expectations.rows.length - mismatches.length, mismatches };
};
