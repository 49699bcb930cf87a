/** Result formatting and progress output (bars on a terminal, plain lines otherwise). */
import { PassThrough } from "node:stream";
import { formatCsv, formatJson, formatTable } from "../../cli/format";
import { createProgress } from "../../cli/progress";

const columns = ["id", "note"];
const rows = [
  { id: "1", note: 'says "hi", twice' },
  { id: "2", note: null },
];

describe("formats", () => {
  it("aligns a table and counts rows", () => {
    expect(formatTable(columns, rows)).toBe(["id | note", "---+-----------------", '1  | says "hi", twice', "2  |", "(2 rows)", ""].join("\n"));
  });

  it("quotes CSV cells that need it and leaves nulls empty", () => {
    expect(formatCsv(columns, rows)).toBe('id,note\r\n1,"says ""hi"", twice"\r\n2,\r\n');
  });

  it("writes JSON arrays", () => {
    expect(JSON.parse(formatJson(rows))).toEqual(rows);
  });
});

const capture = (isTTY: boolean) => {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 100;
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { stream, text: () => text };
};

describe("progress", () => {
  it("writes plain start and end lines when not on a terminal", () => {
    const { stream, text } = capture(false);
    const progress = createProgress(stream, {});
    const bar = progress.bar("traffic", 3);
    bar.tick();
    bar.tick(2, "done");
    bar.done("3 sent");
    expect(progress.interactive).toBe(false);
    expect(text()).toMatch(/^traffic: started \(3\)\ntraffic: 3 sent \(\d+\.\d s\)\n$/);
    expect(text()).not.toContain("\r");
  });

  it("draws a bar in place on a terminal", () => {
    const { stream, text } = capture(true);
    const progress = createProgress(stream, {});
    const bar = progress.bar("traffic", 2);
    bar.tick(2, "all");
    bar.done();
    expect(progress.interactive).toBe(true);
    expect(text()).toContain("\r");
    expect(text()).toContain("2/2 all");
    expect(text()).toMatch(/traffic: done \(\d+\.\d s\)\n$/);
  });

  it("treats CI as not interactive and colours only on a terminal without NO_COLOR", () => {
    expect(createProgress(capture(true).stream, { CI: "1" }).interactive).toBe(false);
    expect(createProgress(capture(true).stream, {}).paint("ok", "green")).toBe("\x1b[32mok\x1b[0m");
    expect(createProgress(capture(true).stream, { NO_COLOR: "1" }).paint("ok", "green")).toBe("ok");
    expect(createProgress(capture(false).stream, {}).paint("ok", "green")).toBe("ok");
  });
});
