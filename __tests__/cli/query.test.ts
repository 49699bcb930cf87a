/**
 * `sdp query` over a data dir built by the real emulators: each output format, the ready views
 * (raw events with their key parts and metadata, line items from the newest order version,
 * hot-store tables), SQL errors (exit 1, clear message) and usage errors (exit 2).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { chooseDataDir } from "../../cli/data-dir";
import { UsageError } from "../../cli/command";
import { fixtureDataDirForTests, FIXTURE_ORDER_ID, runSdp, tempDir } from "./support";

const fixture = fixtureDataDirForTests();

describe("sdp query", () => {
  it("prints an aligned table by default", async () => {
    const run = await runSdp(["query", "select count(*) as n from orders", "--data-dir", fixture.dataDir]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")).toEqual(["n", "-", "2", "(1 row)", ""]);
  });

  it("prints JSON rows with --format json (and --json)", async () => {
    for (const flags of [["--format", "json"], ["--json"]]) {
      const run = await runSdp(["query", "select id, order_number, total_price from orders order by order_number", "--data-dir", fixture.dataDir, ...flags]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([
        { id: FIXTURE_ORDER_ID, order_number: "1001", total_price: "42.00" },
        { id: "gid://shopify/Order/2", order_number: "1002", total_price: "7.50" },
      ]);
    }
  });

  it("prints RFC 4180 CSV with --format csv, quoting commas", async () => {
    const run = await runSdp(["query", "select id, status, cancellation_reason from subscriptions", "--data-dir", fixture.dataDir, "--format", "csv"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('id,status,cancellation_reason\r\n410000000,cancelled,"too much, coffee"\r\n');
  });

  it("exposes raw events with source, entity, date, event id and topic from the object metadata", async () => {
    const run = await runSdp(["query", "select source, entity, dt::VARCHAR as dt, event_id, topic from raw_events order by event_id", "--data-dir", fixture.dataDir, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { source: "stripe", entity: "charge", dt: "2026-11-26", event_id: "evt_1", topic: "charge.succeeded" },
      { source: "shopify", entity: "orders", dt: "2026-11-26", event_id: "w-1", topic: "orders/create" },
      { source: "shopify", entity: "orders", dt: "2026-11-26", event_id: "w-2", topic: "orders/paid" },
    ]);
  });

  it("builds line_items from the newest webhook version of each order and the bulk exports, with exact decimals", async () => {
    const run = await runSdp([
      "query",
      "select id, order_id, quantity, price::VARCHAR as price, title, origin from line_items order by id",
      "--data-dir",
      fixture.dataDir,
      "--json",
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { id: "gid://shopify/LineItem/1", order_id: FIXTURE_ORDER_ID, quantity: "2", price: "16.500", title: 'Beans, "dark"', origin: "webhook" },
      { id: "gid://shopify/LineItem/2", order_id: FIXTURE_ORDER_ID, quantity: "1", price: "9.000", title: "Mug", origin: "webhook" },
      { id: "gid://shopify/LineItem/901", order_id: "gid://shopify/Order/77", quantity: "1", price: "40.125", title: "Kettle", origin: "snapshot r1" },
    ]);
  });

  it("exposes bulk exports as snapshot views with their run", async () => {
    const run = await runSdp(["query", "select run, count(*) as n from snapshot_order_line_items group by run", "--data-dir", fixture.dataDir, "--format", "csv"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("run,n\r\nr1,2\r\n");
  });

  it("fails with exit 1 and a clear message on a SQL error, naming the available relations", async () => {
    const run = await runSdp(["query", "select no_such_column from orders", "--data-dir", fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("sdp query: the SQL failed:");
    expect(run.stderr).toContain("no_such_column");
    expect(run.stderr).toMatch(/Tables and views here: .*raw_events/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("fails with exit 1 on a table that does not exist", async () => {
    const run = await runSdp(["query", "select * from nowhere", "--data-dir", fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the SQL failed: .*nowhere/);
  });

  it("rejects bad usage with exit 2 and says what to fix", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["query", "--data-dir", fixture.dataDir], /give the SQL to run/],
      [["query", "select 1", "--data-dir", fixture.dataDir, "--format", "xml"], /--format must be table, json or csv/],
      [["query", "select 1", "--data-dir", path.join(fixture.dataDir, "missing")], /does not exist/],
      [["query", "select 1", "--bogus"], /Unknown option/],
    ];
    for (const [argv, message] of cases) {
      const run = await runSdp(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });

  it("prints help with an example", async () => {
    const run = await runSdp(["query", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('npx sdp query "select count(*) from orders"');
  });
});

describe("choosing the data dir", () => {
  const io = (cwd: string) => {
    let err = "";
    return { io: { stdout: process.stdout, stderr: { write: (text: string) => ((err += text), true) } as unknown as NodeJS.WritableStream, env: {}, cwd }, err: () => err };
  };

  it("uses the most recent run and says so on stderr", () => {
    const root = tempDir("root");
    fs.mkdirSync(path.join(root, ".sdp"));
    fs.writeFileSync(path.join(root, ".sdp", "last-run.json"), JSON.stringify({ dataDir: fixture.dataDir, kind: "demo", startedAt: "2026-11-27T06:00:00.000Z" }));
    const { io: cliIo, err } = io(root);
    expect(chooseDataDir(undefined, cliIo, "query", root)).toEqual({ dataDir: fixture.dataDir, origin: "last-run" });
    expect(err()).toContain(`using ${fixture.dataDir} (the most recent \`sdp demo\` run`);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("asks for a run or --data-dir when there is none", () => {
    const root = tempDir("root-empty");
    const { io: cliIo } = io(root);
    expect(() => chooseDataDir(undefined, cliIo, "query", root)).toThrow(UsageError);
    expect(() => chooseDataDir(undefined, cliIo, "query", root)).toThrow(/run `npm start`/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
