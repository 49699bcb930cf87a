import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { runCli } from "../../cli/main";
import { parseBackfillArgs } from "../../cli/commands/backfill";
import { bulkLines, countLines } from "../../local/shopify-standin/dataset";
import { bulkObjects } from "../../contracts/bulk-entities";

const capture = () => {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { stream, text: () => text };
};

const sdp = async (...argv: string[]) => {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env: { PATH: process.env.PATH }, cwd: process.cwd() });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
};

const today = new Date().toISOString().slice(0, 10);
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe("sdp backfill: input validation (exit 2, says what to fix)", () => {
  test.each([
    [
      ["--env", "local", "--since", "2026-01-01", "--objects", "orders,carts"],
      /unknown object\(s\) "carts"; choose from orders, customers, products, refunds, .*draft_orders \(or the entities .*metafields/,
    ],
    [["--env", "local", "--since", "2026-13-01"], /--since must be a date|not a real calendar date/],
    [["--env", "local", "--since", "2026-02-30"], /not a real calendar date/],
    [["--env", "local", "--since", "yesterday"], /--since must be a date like/],
    [["--env", "local", "--since", "2026-03-01", "--until", "2026-02-01"], /--since 2026-03-01 is after --until 2026-02-01/],
    [["--env", "local", "--since", "2026-01-01", "--until", tomorrow], /in the future/],
    [["--env", "local", "--since", tomorrow, "--until", tomorrow], /in the future/],
    [["--env", "moon", "--since", "2026-01-01"], /--env must be one of/],
    [["--since", "2026-01-01"], /--env is required/],
    [["--env", "local"], /--since is required/],
    [["--env", "local", "--since", "2026-01-01", "--bogus"], /bogus/],
    [["--env", "dev", "--since", "2026-01-01", "--data-dir", "x"], /--env local only/],
  ])("%j", async (argv, message) => {
    const result = await sdp("backfill", ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });
});

describe("sdp backfill --dry-run", () => {
  test("prints the execution input and every GraphQL bulk query, and calls nothing", async () => {
    // --env prod would need AWS; a dry run never reaches it.
    const result = await sdp("backfill", "--env", "prod", "--objects", "orders,customers", "--since", "2026-01-01", "--until", "2026-01-31", "--dry-run", "--run-id", "r1");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"since": "2026-01-01T00:00:00Z"');
    expect(result.stdout).toContain('"until": "2026-02-01T00:00:00Z"');
    expect(result.stdout).toContain("GraphQL bulk query for orders");
    expect(result.stdout).toContain("GraphQL bulk query for customers");
    expect(result.stdout).not.toContain("GraphQL bulk query for products");
    expect(result.stdout).toContain("updated_at:>='2026-01-01T00:00:00Z' AND updated_at:<'2026-02-01T00:00:00Z'");
    expect(result.stdout).toContain("lineItems");
  });

  test("--json gives the same as one document", async () => {
    const result = await sdp("backfill", "--env", "local", "--since", "2026-01-01", "--until", "2026-01-01", "--dry-run", "--json", "--run-id", "r2");
    const parsed = JSON.parse(result.stdout);
    // Without --objects: every object, one bulk query each.
    expect(parsed.executionInput).toEqual({ runId: "r2", objects: [...bulkObjects], since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z" });
    expect(Object.keys(parsed.queries)).toEqual([...bulkObjects]);
  });

  test("refund line items and order adjustments are accepted: the refunds object fetches them after its bulk export", () => {
    expect(parseBackfillArgs(["--env", "local", "--since", today, "--objects", "refund_line_items,order_adjustments"]).input.objects).toEqual(["refunds"]);
    expect(parseBackfillArgs(["--env", "local", "--since", today, "--objects", "orders,order_adjustments"]).input.objects).toEqual(["orders", "refunds"]);
  });

  test("until defaults to today and a one-day range is allowed", () => {
    const request = parseBackfillArgs(["--env", "local", "--since", today]);
    expect(request.input.since).toBe(`${today}T00:00:00Z`);
    expect(Date.parse(request.input.until) - Date.parse(request.input.since)).toBe(86_400_000);
    expect(request.input.runId).toMatch(/^backfill-/);
  });
});

describe("sdp convert", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-convert-cli-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("converts a bulk export, detecting the object from the first line", async () => {
    const input = path.join(__dirname, "..", "fixtures", "bulk", "orders-edge-cases.jsonl");
    const result = await sdp("convert", "--input", input, "--out", dir, "--threads", "1", "--json");
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.entities.map((entity: { entity: string; rows: number }) => [entity.entity, entity.rows])).toEqual([
      ["orders", 2],
      ["order_line_items", 3],
    ]);
    expect(fs.existsSync(path.join(dir, "orders", "part-00000.parquet"))).toBe(true);
  });

  test("streams an http(s) URL in parts (--part-size), detecting the object while reading", async () => {
    const lines = [...bulkLines("orders", { since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z", count: 60 })];
    const body = Buffer.from(`${lines.join("\n")}\n`);
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { "content-length": String(body.length) });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bulk/result.jsonl?X-Goog-Signature=abc`;
      const result = await sdp("convert", "--input", url, "--out", dir, "--part-size", "8KB", "--threads", "1", "--json");
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const parsed = JSON.parse(result.stdout);
      const counts = countLines(lines);
      expect(parsed).toMatchObject({ object: "orders", totalRows: counts.objectCount, partBytes: 8192 });
      expect(parsed.parts).toBeGreaterThan(3);
      expect(parsed.entities[0]).toMatchObject({ entity: "orders", rows: counts.rootObjectCount });
      expect(fs.readdirSync(path.join(dir, "orders")).sort()).toEqual(Array.from({ length: parsed.parts }, (_, index) => `part-${String(index).padStart(5, "0")}.parquet`));
    } finally {
      server.close();
    }
  });

  test("a URL that answers 404 fails with exit 1 and says so", async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const result = await sdp("convert", "--input", `http://127.0.0.1:${(server.address() as AddressInfo).port}/gone.jsonl`, "--out", dir, "--entity", "orders");
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/HTTP 404/);
    } finally {
      server.close();
    }
  });

  test.each([
    [["--out", "x"], /--input/],
    [["--input", "/nonexistent/file.jsonl", "--out", "x"], /is not a file/],
    [["--input", __filename, "--out", "x", "--entity", "carts"], /--entity must be one of/],
    [["--input", __filename, "--out", "x"], /cannot tell what/],
    [["--input", __filename, "--out", "x", "--entity", "orders", "--memory-limit", "lots"], /--memory-limit/],
    [["--input", __filename, "--out", "x", "--entity", "orders", "--part-size", "huge"], /--part-size must look like/],
  ])("bad usage %j exits 2", async (argv, message) => {
    const result = await sdp("convert", ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  test("an input that is not JSONL fails with exit 1 and a message", async () => {
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(bad, '{"id":"gid://shopify/Order/1", nope\n');
    const result = await sdp("convert", "--input", bad, "--out", path.join(dir, "out"), "--threads", "1");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot convert bad\.jsonl \(part 0\)/);
  });
});
