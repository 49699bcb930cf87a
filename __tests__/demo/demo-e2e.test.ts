/**
 * End to end, as CI runs it: `sdp demo --json` as a child process (no TTY), then `sdp query` and
 * `sdp status` on what it left behind. The demo checks itself stage by stage; this test checks
 * the summary it reports against the acceptance criteria, independently where it can.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bulkEntities, bulkObjects } from "../../contracts/bulk-entities";
import type { DemoSummary } from "../../demo/run";

const root = path.resolve(__dirname, "..", "..");
const sdp = path.join(root, "bin", "sdp");

const runSdp = (args: ReadonlyArray<string>, timeout = 170_000) => {
  const result = spawnSync(process.execPath, [sdp, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout,
    // No TTY, CI set, default secrets; keep the user's .sdp/last-run.json untouched.
    env: { ...process.env, CI: "1", SDP_RECORD_LAST_RUN: "0", SHOPIFY_WEBHOOK_SECRET: "", RECHARGE_WEBHOOK_SECRET: "", STRIPE_WEBHOOK_SECRET: "" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe("sdp demo (child process, no TTY)", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-demo-e2e-"));
  let demo: ReturnType<typeof runSdp>;
  let summary: DemoSummary;

  beforeAll(() => {
    demo = runSdp(["demo", "--json", "--data-dir", dataDir]);
    try {
      summary = JSON.parse(demo.stdout) as DemoSummary;
    } catch {
      throw new Error(`sdp demo did not print a JSON summary (exit ${demo.code}).\nstderr:\n${demo.stderr.slice(-4000)}`);
    }
  }, 180_000);

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("exits 0 with every stage ok", () => {
    const notOk = summary.stages.filter((stage) => stage.status === "failed").map((stage) => ({ stage: stage.name, failed: stage.checks.filter((item) => !item.ok) }));
    expect(notOk).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(demo.code).toBe(0);
    for (const name of ["prepare", "platform", "traffic", "processing", "hot stores", "alerts", "backfill"]) {
      expect(summary.stages.find((stage) => stage.name === name)?.status).toBe("ok");
    }
  });

  it("writes plain progress lines on stderr, no bars or colours, and only JSON on stdout", () => {
    expect(demo.stderr).not.toContain("\r");
    expect(demo.stderr).not.toContain("\x1b[");
    expect(demo.stderr).toContain(`data dir ${dataDir}`);
    expect(demo.stdout.trim().startsWith("{")).toBe(true);
  });

  it("loses no event: raw objects in the lake = accepted events", () => {
    expect(summary.traffic).toBeDefined();
    expect(summary.events.accepted).toBe(summary.traffic!.uniqueEvents);
    expect(summary.events.rawObjects).toBe(summary.events.accepted);
    expect(summary.events.lost).toBe(0);
    expect(summary.events.deadLettered).toEqual({});
    // Independently of the demo's own count: the files in the emulator's directory.
    const bucketDir = path.join(dataDir, "s3", JSON.parse(fs.readFileSync(path.join(dataDir, "platform.json"), "utf8")).bucket, "raw");
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [entry.name]));
    expect(walk(bucketDir).filter((name) => name.endsWith("._S3rver_object"))).toHaveLength(summary.events.accepted);
  });

  it("rejects the forged signatures with 401 and counts duplicates once", () => {
    const rejected401 = summary.events.rejected.filter((item) => item.status === 401).reduce((sum, item) => sum + item.count, 0);
    expect(rejected401).toBe(summary.traffic!.forgedSent);
    expect(summary.events.rejected.every((item) => item.status === 401)).toBe(true);
    expect(summary.events.duplicates).toBe(summary.traffic!.duplicatesSent);
    expect(summary.traffic!.unexpected).toEqual([]);
  });

  it("leaves every hot-store object in its newest state", () => {
    const hotStores = summary.stages.find((stage) => stage.name === "hot stores")!;
    expect(hotStores.checks.length).toBeGreaterThan(5);
    expect(hotStores.checks.filter((item) => !item.ok)).toEqual([]);
    expect(summary.hotStores.orders).toBeGreaterThan(0);
  });

  it("raises one alert per business event", () => {
    expect(summary.alerts.byKind).toEqual({ "subscription-cancelled": 1, "charge-failed": 1, "payment-failed": 1, "dispute-opened": 1 });
    // Alert subjects name ids, never personal data.
    expect(summary.alerts.subjects.join("\n")).not.toMatch(/@example\.com|\+1555/);
  });

  it("backfills 90 days with matching reconciliation counts", () => {
    const reconciliation = summary.reconciliation as Record<string, { countCheck: string; objectCount: number; rowsWritten: number }>;
    // Every object the backfill exports, refunds to draft orders (issue 16), each reconciled.
    expect(Object.keys(reconciliation).sort()).toEqual([...bulkObjects].sort());
    for (const object of bulkObjects) {
      expect(reconciliation[object]?.countCheck).toBe("match");
      expect(reconciliation[object]?.rowsWritten).toBe(reconciliation[object]?.objectCount);
    }
    for (const entity of bulkEntities) expect(summary.parquetRows[`snapshot_${entity}`]).toBeGreaterThan(0);
  });

  it("leaves a lake that sdp query and sdp status read", () => {
    const query = runSdp(["query", "select count(*) as n from orders", "--data-dir", dataDir, "--format", "json"], 60_000);
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([{ n: String(summary.hotStores.orders) }]);
    const status = runSdp(["status", "--data-dir", dataDir, "--json"], 60_000);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.platform.running).toBe(false);
    expect(report.hotStores.orders).toBe(summary.hotStores.orders);
  });
});
