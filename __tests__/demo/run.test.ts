/** The demo's safety rules about its data dir, and its hot-store verification on crafted states. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertDisposable } from "../../demo/run";
import { runSdp } from "../cli/support";
import { verifyHotStores } from "../../demo/verify";
import type { TrafficExpectations } from "../../demo/traffic";

const temp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sdp-demo-run-"));

describe("the demo's data dir", () => {
  it("may be missing, empty, or an earlier sdp data dir", () => {
    const dir = temp();
    expect(() => assertDisposable(path.join(dir, "new"))).not.toThrow();
    expect(() => assertDisposable(dir)).not.toThrow();
    fs.writeFileSync(path.join(dir, "platform.json"), JSON.stringify({ ready: true, pid: 2 ** 22 + 12345 }));
    expect(() => assertDisposable(dir)).not.toThrow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is never a directory of someone's files, nor one a running platform uses", () => {
    const dir = temp();
    fs.writeFileSync(path.join(dir, "thesis.tex"), "precious");
    expect(() => assertDisposable(dir)).toThrow(/not an sdp data dir/);
    fs.rmSync(path.join(dir, "thesis.tex"));
    fs.writeFileSync(path.join(dir, "platform.json"), JSON.stringify({ ready: true, pid: process.pid }));
    expect(() => assertDisposable(dir)).toThrow(/is running on/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fails the demo's prepare stage with exit 1 and leaves the files alone", async () => {
    const dir = temp();
    fs.writeFileSync(path.join(dir, "notes.txt"), "keep me");
    const run = await runSdp(["demo", "--data-dir", dir, "--json"], { env: { SDP_RECORD_LAST_RUN: "0" } });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.failedStages).toEqual(["prepare"]);
    expect(run.stderr).toContain("failed stage: prepare");
    expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("keep me");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("rejects bad options with exit 2", async () => {
    expect((await runSdp(["demo", "--seed", "abc"])).code).toBe(2);
    expect((await runSdp(["demo", "--backfill-days", "0"])).stderr).toContain("--backfill-days must be a positive whole number");
  });
});

describe("hot-store verification", () => {
  const expectations: TrafficExpectations = {
    uniqueEvents: 3,
    duplicates: 1,
    forged: 1,
    rows: [
      { table: "orders", key: { id: "gid://shopify/Order/1" }, field: "updated_at", compare: "time", value: "2026-11-26T12:00:00.000Z", note: "newest" },
      { table: "subscriptions", key: { id: "7" }, field: "status", compare: "exact", value: "cancelled", note: "cancelled" },
      { table: "abandonedCarts", key: { token: "t1" }, field: "status", compare: "recovered", value: "recovered", note: "recovered" },
    ],
    distinctObjects: { orders: 1, subscriptions: 1 },
    stripePaidOrders: [],
    absent: [{ table: "orders", key: { id: "gid://shopify/Order/666" }, note: "forged order absent" }],
  };

  it("passes when every object holds its newest state, whatever the timestamp format", () => {
    const result = verifyHotStores(expectations, {
      orders: [{ id: "gid://shopify/Order/1", updated_at: "2026-11-26T07:00:00-05:00" }],
      subscriptions: [{ id: "7", status: "cancelled" }],
      abandonedCarts: [{ token: "t1", status: "recovered" }],
    });
    expect(result.checks.filter((item) => !item.ok)).toEqual([]);
    expect(result.rowsHolding).toBe(3);
  });

  it("names the stale row, the duplicate and the forged object", () => {
    const result = verifyHotStores(expectations, {
      orders: [
        { id: "gid://shopify/Order/1", updated_at: "2026-11-26T11:00:00.000Z" },
        { id: "gid://shopify/Order/666", updated_at: "2026-11-26T11:00:00.000Z" },
      ],
      subscriptions: [{ id: "7", status: "active" }],
      abandonedCarts: [{ token: "t1", status: "open" }],
    });
    const failed = result.checks.filter((item) => !item.ok).map((item) => item.name);
    expect(failed).toEqual([
      "orders: every object holds its newest state",
      "subscriptions: every object holds its newest state",
      "abandonedCarts: every object holds its newest state",
      "orders: one row per object (duplicates stored once)",
      "forged order absent",
    ]);
    expect(result.mismatches[0]).toMatchObject({ table: "orders", expected: "2026-11-26T12:00:00.000Z", actual: "2026-11-26T11:00:00.000Z" });
  });
});
