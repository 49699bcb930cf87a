/** Rendering query results as an aligned text table, JSON or CSV (RFC 4180). */

export type OutputFormat = "table" | "json" | "csv";

const cellText = (value: unknown): string => {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
};

export const formatTable = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Record<string, unknown>>, maxWidth = 60): string => {
  const clip = (text: string) => (text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text);
  const cells = rows.map((row) => columns.map((column) => clip(cellText(row[column]).replace(/\s+/g, " "))));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((row) => row[index]!.length)));
  const line = (values: ReadonlyArray<string>) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join(" | ")
      .trimEnd();
  const out = [line(columns), widths.map((width) => "-".repeat(width)).join("-+-"), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
  return `${out.join("\n")}\n`;
};

const csvCell = (value: unknown): string => {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const formatCsv = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Record<string, unknown>>): string =>
  [columns.map(csvCell).join(","), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(","))].join("\r\n") + "\r\n";

export const formatJson = (rows: ReadonlyArray<Record<string, unknown>>): string => `${JSON.stringify(rows, null, 2)}\n`;

export const formatRows = (format: OutputFormat, columns: ReadonlyArray<string>, rows: ReadonlyArray<Record<string, unknown>>) =>
  format === "json" ? formatJson(rows) : format === "csv" ? formatCsv(columns, rows) : formatTable(columns, rows);
