import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { convertJsonl } from "../../functions/backfill/convert/convert";
import { ExportStreamBroken, fileSource, httpSource, isChildLine, streamConvert, type ConvertedPart } from "../../functions/backfill/convert/stream";
import { queryDuckDb, tempDirPerTest } from "../support/duckdb";
import { bulkLines, countLines } from "../../local/shopify-standin/dataset";

const tempDir = tempDirPerTest("stream-test");
const query = queryDuckDb;

const ordersLines = (count: number) => [...bulkLines("orders", { since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z", count })];

/** Reads each part's Parquet in onPart (before the stream deletes it). */
const partReader = () => {
  const parts: Array<{ part: ConvertedPart; orderIds: string[]; parentIds: string[] }> = [];
  const onPart = async (part: ConvertedPart) => {
    const file = (entity: string) => part.entities.find((each) => each.entity === entity)?.file;
    const orders = file("orders") ? (await query(`SELECT id FROM '${file("orders")}'`)).map((row) => String(row.id)) : [];
    const items = file("order_line_items") ? (await query(`SELECT order_id FROM '${file("order_line_items")}'`)).map((row) => String(row.order_id)) : [];
    parts.push({ part, orderIds: orders, parentIds: items });
  };
  return { parts, onPart };
};

/** A local result server: Content-Length, ETag, Range; `breakAfter` cuts the first response's socket. */
const startResultServer = async (body: Buffer, options: { breakAfter?: number; breakEvery?: number; honourRange?: boolean; chunked?: boolean } = {}) => {
  const requests: Array<{ range?: string }> = [];
  const server = http.createServer((request, response) => {
    requests.push(request.headers.range ? { range: request.headers.range } : {});
    const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    const start = match && options.honourRange !== false ? Number(match[1]) : 0;
    const headers: Record<string, string> = { "content-type": "application/jsonl", etag: '"v1"' };
    if (!options.chunked) headers["content-length"] = String(body.length - start);
    if (start > 0) response.writeHead(206, { ...headers, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
    else response.writeHead(200, headers);
    const limit = requests.length === 1 ? options.breakAfter : options.breakEvery;
    if (limit === undefined) {
      response.end(body.subarray(start));
      return;
    }
    // Send `limit` bytes, then drop the connection mid-line.
    response.write(body.subarray(start, start + limit), () => setTimeout(() => response.socket?.destroy(), 5));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bulk/result.jsonl?sig=abc`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe("streamConvert: bounded parts", () => {
  test("parts end at root boundaries even when the size limit falls inside a root's children", async () => {
    const lines = ordersLines(400);
    const text = `${lines.join("\n")}\n`;
    const file = path.join(tempDir(), "orders.jsonl");
    fs.writeFileSync(file, text);
    const partBytes = 16_000;
    // The fixed-size cut points land inside runs of child lines: a byte splitter would break roots from their children.
    let offset = 0;
    const lineAt: number[] = [];
    for (const line of lines) {
      lineAt.push(offset);
      offset += Buffer.byteLength(line) + 1;
    }
    const insideChildren = [1, 2, 3, 4, 5].filter((k) => {
      const index = lineAt.findIndex((start) => start >= k * partBytes);
      return index > 0 && isChildLine(Buffer.from(lines[index]!));
    });
    expect(insideChildren.length).toBeGreaterThan(0);

    const reader = partReader();
    const result = await streamConvert({
      source: fileSource(file),
      object: "orders",
      workDir: path.join(tempDir(), "work"),
      partBytes,
      threads: 1,
      memoryLimit: "256MB",
      onPart: reader.onPart,
    });
    expect(reader.parts.length).toBeGreaterThan(5);
    for (const [at, { part, orderIds, parentIds }] of reader.parts.entries()) {
      expect(part.endsAtRoot).toBe(true);
      // Every line item's order is in the same part as the order.
      const ids = new Set(orderIds);
      expect(parentIds.filter((id) => !ids.has(id))).toEqual([]);
      if (at < reader.parts.length - 1) expect(part.jsonlBytes).toBeGreaterThanOrEqual(partBytes);
    }
    expect(reader.parts.slice(0, -1).every(({ part }) => part.jsonlBytes < partBytes + 4_000)).toBe(true);
    // Counts over all parts equal Shopify's objectCount / rootObjectCount for the export.
    const counts = countLines(lines);
    expect(result.totalRows).toBe(counts.objectCount);
    expect(result.entities.find((entity) => entity.entity === "orders")!.rows).toBe(counts.rootObjectCount);
    expect(reader.parts.reduce((sum, { orderIds, parentIds }) => sum + orderIds.length + parentIds.length, 0)).toBe(counts.objectCount);
    expect(result.jsonlBytes).toBe(Buffer.byteLength(text));
    expect(result.cutsInsideChildren).toBe(0);
    // Two JSONL parts and one part's Parquet at most; the stream cleaned up after itself.
    expect(result.peakDiskBytes).toBeLessThan(3 * (partBytes + 4_000));
    expect(fs.readdirSync(path.join(tempDir(), "work", "parquet", "orders"))).toEqual([]);
    expect(fs.existsSync(path.join(tempDir(), "work", "jsonl"))).toBe(false);
  });

  test.each([7, 333, 4096])("the same parts and counts whatever the network's chunk size (%i bytes)", async (size) => {
    const lines = ordersLines(150);
    const text = Buffer.from(`${lines.join("\n")}\n`);
    async function* chunks() {
      for (let at = 0; at < text.length; at += size) yield text.subarray(at, at + size);
    }
    const reader = partReader();
    const result = await streamConvert({ source: chunks(), object: "orders", workDir: path.join(tempDir(), `work-${size}`), partBytes: 12_000, threads: 1, onPart: reader.onPart });
    expect(result.totalRows).toBe(lines.length);
    expect(result.jsonlBytes).toBe(text.length);
    expect(reader.parts.length).toBeGreaterThan(3);
    for (const [at, { part, orderIds, parentIds }] of reader.parts.entries()) {
      const ids = new Set(orderIds);
      expect(parentIds.filter((id) => !ids.has(id))).toEqual([]);
      if (at < reader.parts.length - 1) expect(part.jsonlBytes).toBeGreaterThanOrEqual(12_000);
      expect(part.jsonlBytes).toBeLessThan(12_000 + 3_000);
    }
  });

  test("an ungrouped export (children far from their parent) is still cut, at line boundaries, within the hard limit", async () => {
    const lines = ordersLines(300);
    const roots = lines.filter((line) => !line.includes("__parentId"));
    const children = lines.filter((line) => line.includes("__parentId"));
    const file = path.join(tempDir(), "ungrouped.jsonl");
    fs.writeFileSync(file, `${[...roots, ...children].join("\n")}\n`);
    const reader = partReader();
    const result = await streamConvert({
      source: fileSource(file),
      object: "orders",
      workDir: path.join(tempDir(), "work"),
      partBytes: 10_000,
      hardPartBytes: 20_000,
      threads: 1,
      onPart: reader.onPart,
    });
    expect(result.cutsInsideChildren).toBeGreaterThan(0);
    expect(reader.parts.every(({ part }) => part.jsonlBytes < 20_000 + 1_000)).toBe(true);
    expect(result.totalRows).toBe(lines.length);
  });

  test("a root line whose values mention __parentId is not mistaken for a child", () => {
    expect(isChildLine(Buffer.from('{"id":"gid://shopify/Order/1","name":"\\"__parentId\\": x","note":"__parentId"}'))).toBe(false);
    expect(isChildLine(Buffer.from('{"id":"gid://shopify/LineItem/1", "__parentId" : "gid://shopify/Order/1"}'))).toBe(true);
  });

  test('`"__parentId": null` is a root line, as DuckDB\'s `__parentId IS NULL` reads it', () => {
    expect(isChildLine(Buffer.from('{"id":"gid://shopify/Order/1","__parentId": null}'))).toBe(false);
    expect(isChildLine(Buffer.from('{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/null"}'))).toBe(true);
  });

  test.each([5, 100_000])(
    "parts split into root and child lines convert to exactly the rows of a whole-file conversion (CRLF, blank lines, null __parentId, no final newline; %i-byte chunks)",
    async (size) => {
      const lines = ordersLines(120);
      const nullParent = lines.findIndex((line, at) => at >= 40 && !line.includes("__parentId"));
      // A root written with an explicit null __parentId, CRLF endings on some lines, blank lines, and no newline at the end.
      const edited = lines.map((line, at) => (at === nullParent ? line.replace(/}$/, ',"__parentId":null}') : line));
      expect(edited[nullParent]).toMatch(/"__parentId":null}$/);
      const text = Buffer.from(
        edited
          .map((line, at) => (at % 7 === 0 ? `${line}\r\n` : at % 11 === 0 ? `${line}\n  \n\n` : `${line}\n`))
          .join("")
          .trimEnd(),
      );
      const file = path.join(tempDir(), `mixed-${size}.jsonl`);
      fs.writeFileSync(file, text);
      async function* chunks() {
        for (let at = 0; at < text.length; at += size) yield text.subarray(at, at + size);
      }
      const whole = await convertJsonl({ input: file, outDir: path.join(tempDir(), `whole-${size}`), object: "orders", threads: 1 });
      const reader = partReader();
      const result = await streamConvert({
        source: chunks(),
        object: "orders",
        workDir: path.join(tempDir(), `work-${size}`),
        partBytes: 9_000,
        threads: 1,
        onPart: reader.onPart,
      });
      expect(reader.parts.length).toBeGreaterThan(3);
      expect(result.entities.map(({ entity, rows }) => [entity, rows])).toEqual(whole.entities.map(({ entity, rows }) => [entity, rows]));
      expect(result.totalRows).toBe(lines.length);
      expect(result.jsonlBytes).toBe(text.length);
      // The same orders and line items, part by part, as the whole file holds.
      const wholeOrders = (await query(`SELECT id FROM '${whole.entities.find((each) => each.entity === "orders")!.file}' ORDER BY id`)).map((row) => String(row.id));
      expect(reader.parts.flatMap(({ orderIds }) => orderIds).sort()).toEqual(wholeOrders.sort());
      for (const { orderIds, parentIds } of reader.parts) {
        const ids = new Set(orderIds);
        expect(parentIds.filter((id) => !ids.has(id))).toEqual([]);
      }
    },
  );

  test("gzip over HTTP, the object detected from the first line, Parquet kept in outDir for the CLI", async () => {
    const lines = [...bulkLines("products", { since: "2026-01-01T00:00:00Z", until: "2026-01-03T00:00:00Z", perDay: 150 })];
    const server = await startResultServer(zlib.gzipSync(`${lines.join("\n")}\n`));
    try {
      const out = path.join(tempDir(), "out");
      const result = await streamConvert({
        source: httpSource(server.url),
        object: "detect",
        workDir: path.join(tempDir(), "work"),
        outDir: out,
        keepParquet: true,
        partBytes: 8_000,
        threads: 1,
      });
      expect(result.object).toBe("products");
      expect(result.parts.length).toBeGreaterThan(3);
      expect(result.totalRows).toBe(countLines(lines).objectCount);
      const [{ rows }] = (await query(`SELECT count(*)::INTEGER AS rows FROM '${out}/product_variants/*.parquet'`)) as Array<{ rows: number }>;
      expect(rows).toBe(countLines(lines).objectCount - countLines(lines).rootObjectCount);
      expect(fs.readdirSync(path.join(out, "products")).sort()[0]).toBe("part-00000.parquet");
    } finally {
      await server.close();
    }
  });
});

describe("streamConvert: stopped at a part boundary and resumed (a download over several invocations)", () => {
  const data = () => Buffer.from(`${ordersLines(160).join("\n")}\n`);
  const summary = (
    parts: ReadonlyArray<{
      index: number;
      fileName: string;
      jsonlBytes: number;
      endOffset: number;
      endsAtRoot: boolean;
      entities: ReadonlyArray<{ entity: string; rows: number }>;
    }>,
  ) =>
    parts.map((part) => ({
      index: part.index,
      fileName: part.fileName,
      jsonlBytes: part.jsonlBytes,
      endOffset: part.endOffset,
      endsAtRoot: part.endsAtRoot,
      rows: part.entities.map((entity) => `${entity.entity}:${entity.rows}`),
    }));

  test.each([
    ["plain, the server answers the Range request with 206", false, true],
    ["plain, the server ignores Range (200): the bytes before the offset are skipped", false, false],
    ["gzip: re-read and the decoded bytes before the offset skipped", true, true],
  ])("%s: the same parts, offsets and counts as one uninterrupted run", async (_name, gzip, honourRange) => {
    const body = data();
    const server = await startResultServer(gzip ? zlib.gzipSync(body) : body, { honourRange });
    try {
      const whole = await streamConvert({ source: httpSource(server.url), object: "orders", workDir: path.join(tempDir(), "whole"), partBytes: 20_000, threads: 1 });
      expect(whole).toMatchObject({ stopped: false, nextOffset: body.length, nextIndex: whole.parts.length, encoding: gzip ? "gzip" : "plain" });
      const parts: Array<(typeof whole.parts)[number]> = [];
      let next = { index: 0, offset: 0 };
      let invocations = 0;
      for (;;) {
        invocations += 1;
        const closed: number[] = [];
        const ranged = next.offset > 0 && !gzip;
        const result = await streamConvert({
          source: httpSource(server.url, ranged ? { startAt: next.offset } : {}),
          object: "orders",
          workDir: path.join(tempDir(), `run-${invocations}`),
          partBytes: 20_000,
          threads: 1,
          startIndex: next.index,
          startOffset: next.offset,
          ...(next.offset > 0 && !ranged ? { skipBytes: next.offset } : {}),
          // Two parts per invocation.
          stopAfterPart: ({ index }) => closed.push(index) >= 2,
        });
        parts.push(...result.parts);
        if (!result.stopped) break;
        expect(result.parts.map((part) => part.index)).toEqual(closed);
        expect(result.nextOffset).toBe(result.parts.at(-1)!.endOffset);
        // Each invocation starts at a root line.
        expect(body.subarray(result.nextOffset, result.nextOffset + 30).toString()).toMatch(/^\{"id":"gid:\/\/shopify\/Order\//);
        next = { index: result.nextIndex, offset: result.nextOffset };
      }
      expect(invocations).toBe(Math.ceil(whole.parts.length / 2));
      expect(invocations).toBeGreaterThan(2);
      expect(summary(parts)).toEqual(summary(whole.parts));
      const ranges = server.requests.filter((request) => request.range !== undefined).map((request) => request.range);
      expect(ranges).toEqual(gzip ? [] : parts.filter((part, at) => at % 2 === 1 && at < parts.length - 1).map((part) => `bytes=${part.endOffset}-`));
    } finally {
      await server.close();
    }
  });
});

describe("streamConvert: a broken connection", () => {
  const body = () => Buffer.from(`${ordersLines(500).join("\n")}\n`);

  test.each([
    ["with Content-Length", false],
    ["chunked (no Content-Length)", true],
  ])("mid-stream (%s) is resumed with a Range request; nothing lost or doubled", async (_name, chunked) => {
    const data = body();
    const server = await startResultServer(data, { breakAfter: 40_123, chunked });
    try {
      const result = await streamConvert({
        source: httpSource(server.url, { resumeDelayMs: 1 }),
        object: "orders",
        workDir: path.join(tempDir(), "work"),
        partBytes: 20_000,
        threads: 1,
      });
      expect(server.requests).toEqual([{}, { range: "bytes=40123-" }]);
      expect(result.totalRows).toBe(countLines(data.toString().trimEnd().split("\n")).objectCount);
      expect(result.jsonlBytes).toBe(data.length);
    } finally {
      await server.close();
    }
  });

  test("a server that cannot resume (answers 200 to Range) fails naming the part, never a short export", async () => {
    const server = await startResultServer(body(), { breakAfter: 70_000, honourRange: false });
    try {
      const failure = streamConvert({
        source: httpSource(server.url, { resumeDelayMs: 1 }),
        object: "orders",
        workDir: path.join(tempDir(), "work"),
        partBytes: 20_000,
        threads: 1,
      });
      await expect(failure).rejects.toBeInstanceOf(ExportStreamBroken);
      const error = (await failure.catch((caught: unknown) => caught)) as ExportStreamBroken;
      // Up to 70,000 bytes (what the kernel delivered before the reset) at ~20,000 a part: the fourth part (index 3).
      expect(error.bytesRead).toBeGreaterThan(60_000);
      expect(error.bytesRead).toBeLessThanOrEqual(70_000);
      expect(error).toMatchObject({ part: 3, resumes: 1 });
      expect(error.message).toMatch(new RegExp(`broke in part 3 \\(part-00003, after ${error.bytesRead} bytes.*cannot resume: the server answered HTTP 200`));
    } finally {
      await server.close();
    }
  });

  test("a connection that keeps breaking fails after the resumes it may try, naming the part", async () => {
    const server = await startResultServer(body(), { breakAfter: 25_000, breakEvery: 1_000 });
    try {
      const failure = streamConvert({
        source: httpSource(server.url, { resumeDelayMs: 1, maxResumes: 3 }),
        object: "orders",
        workDir: path.join(tempDir(), "work"),
        partBytes: 20_000,
        threads: 1,
      });
      await expect(failure).rejects.toMatchObject({ name: "ExportStreamBroken", part: 1, resumes: 3 });
      expect(server.requests).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});
