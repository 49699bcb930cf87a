/** `sdp status` on a data dir built by the real emulators, with nothing running on it. */
import { fixtureDataDirForTests, runSdp } from "./support";

const fixture = fixtureDataDirForTests();

describe("sdp status", () => {
  it("reports objects per prefix, hot-store rows, dead letters and alerts as JSON", async () => {
    const run = await runSdp(["status", "--data-dir", fixture.dataDir, "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.platform).toEqual({ running: false });
    expect(report.lake).toEqual([
      { prefix: "raw/shopify/orders/", objects: 2, bytes: expect.any(Number) },
      { prefix: "raw/stripe/charge/", objects: 1, bytes: expect.any(Number) },
      { prefix: "snapshots/shopify/order_line_items/", objects: 1, bytes: expect.any(Number) },
    ]);
    expect(report.parquetRows).toEqual({ snapshot_order_line_items: 2 });
    expect(report.hotStores).toMatchObject({ orders: 2, subscriptions: 1, customers: 0, payments: 0 });
    expect(report.deadLetters).toEqual({ stripe: 1 });
    expect(report.pending).toEqual({});
    expect(report.alerts).toEqual({ total: 0, byKind: {}, subjects: [] });
  });

  it("prints a readable report without colours when not on a terminal", async () => {
    const run = await runSdp(["status", "--data-dir", fixture.dataDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/raw\/shopify\/orders\/\s+2 objects/);
    expect(run.stdout).toMatch(/orders\s+2 rows/);
    expect(run.stdout).toMatch(/stripe\s+1 dead-lettered/);
    expect(run.stdout).not.toContain("\x1b[");
  });

  it("rejects unknown options with exit 2", async () => {
    const run = await runSdp(["status", "--data-dir", fixture.dataDir, "--verbose"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("sdp status:");
  });
});
