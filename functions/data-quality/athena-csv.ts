/**
 * Athena writes query results as CSV: a header row, every value double-quoted, quotes doubled
 * inside values, NULL as an empty unquoted field. Small results only (the data-quality queries).
 */
export const parseCsv = (text: string): Array<Record<string, string | null>> => {
  const rows: Array<Array<string | null>> = [];
  let row: Array<string | null> = [];
  let field = "";
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endField = () => {
    row.push(wasQuoted || field.length > 0 ? field : null);
    field = "";
    wasQuoted = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ",") endField();
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i += 1;
      endField();
      rows.push(row);
      row = [];
    } else field += ch;
    i += 1;
  }
  if (field.length > 0 || wasQuoted || row.length > 0) {
    endField();
    rows.push(row);
  }
  const [header, ...data] = rows;
  if (!header) return [];
  return data.filter((cells) => cells.length > 1 || cells[0] !== null).map((cells) => Object.fromEntries(header.map((name, index) => [name ?? "", cells[index] ?? null])));
};
