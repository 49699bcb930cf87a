/**
 * The subject index is complete: `sdp demo` (webhook traffic from Shopify, Recharge and Stripe,
 * the backfill and the analytics ETL) on the embedded platform, then a full scan of every raw
 * object, Parquet file and hot-store item for the demo customers' ids, e-mails and phones
 * (matched by their text, not by the index's extractor): every location the scan finds is one
 * the index gives for that identifier, without following links.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../cli/main";
import { withLocalGdpr } from "../../cli/gdpr/_local";
import { MAX_PRESIGN_SECONDS, presignGetUrl } from "../../functions/gdpr/presign";
import { scanAndCompare, type ScanResult } from "./completeness-scan";

const collect = () => {
  let text = "";
  return { stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream, text: () => text };
};

const root = path.resolve(__dirname, "..", "..");

describe("subject index completeness on the demo", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-gdpr-complete-"));
  let result: ScanResult;

  beforeAll(async () => {
    const demo = spawnSync(process.execPath, [path.join(root, "bin", "sdp"), "demo", "--json", "--backfill-days", "14", "--data-dir", dataDir], {
      cwd: root,
      encoding: "utf8",
      timeout: 400_000,
      env: { ...process.env, CI: "1", SDP_RECORD_LAST_RUN: "0", SHOPIFY_WEBHOOK_SECRET: "", RECHARGE_WEBHOOK_SECRET: "", STRIPE_WEBHOOK_SECRET: "", SDP_SUBJECT_INDEX_KEY: "" },
      maxBuffer: 64 * 1024 * 1024,
    });
    // The stages that fill the lake must have run; others' checks (data quality ...) are not this test's subject.
    let stages: Array<{ name: string; status: string }> = [];
    try {
      stages = (JSON.parse(demo.stdout) as { stages: Array<{ name: string; status: string }> }).stages;
    } catch {
      throw new Error(`sdp demo printed no JSON summary (exit ${demo.status}):\n${demo.stderr.slice(-3000)}`);
    }
    for (const name of ["traffic", "processing", "backfill", "analytics"]) {
      if (stages.find((stage) => stage.name === name)?.status !== "ok") throw new Error(`sdp demo stage ${name} did not pass:\n${demo.stderr.slice(-3000)}`);
    }
    result = await scanAndCompare(dataDir, 40);
  }, 600_000);

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("scans a lake with raw objects, Parquet files and hot items holding the demo customers", () => {
    expect(result.customers).toBeGreaterThan(10);
    expect(result.scanned.raw).toBeGreaterThan(100);
    expect(result.scanned.parquet).toBeGreaterThan(0);
    expect(result.scanned.hot).toBeGreaterThan(50);
    expect(result.found).toBeGreaterThan(result.customers);
  });

  it("every location the full scan finds for a customer's id, e-mail or phone is in the subject index", () => {
    expect(result.missing).toEqual([]);
  });

  it("the index key was generated in the data dir, and the index holds no identifier's value", () => {
    expect(fs.readFileSync(path.join(dataDir, "subject-index.key"), "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(result.indexItems).toBeGreaterThan(result.found / 3);
    expect(result.leaked).toBe(0);
  });

  it("sdp gdpr export: a demo customer by e-mail, exported under restricted/, alerted with a presigned link that the lake serves", async () => {
    expect(result.sample?.email).toBeDefined();
    const env = { ...process.env, CI: "1", SDP_SUBJECT_INDEX_KEY: "" };
    const run = async (args: string[]) => {
      const out = collect();
      const err = collect();
      const code = await runCli(args, { stdout: out.stream, stderr: err.stream, env, cwd: root });
      return { code, stdout: out.text(), stderr: err.text() };
    };
    const usage = await run(["gdpr", "export", "--data-dir", dataDir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--customer");
    const help = await run(["gdpr", "export", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Example");

    const dry = await run(["gdpr", "export", "--customer", result.sample!.email!.toUpperCase(), "--dry-run", "--json", "--data-dir", dataDir]);
    expect(dry.code).toBe(0);
    const dryReport = JSON.parse(dry.stdout);
    expect(dryReport.dryRun).toBe(true);
    expect(dryReport.locations.length).toBeGreaterThan(0);

    const done = await run(["gdpr", "export", "--customer", result.sample!.email!, "--request-id", "e2e-export-1", "--json", "--data-dir", dataDir]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout);
    expect(report).toMatchObject({ requestId: "e2e-export-1", exportKey: "restricted/gdpr-exports/e2e-export-1/subject.json", alerted: true });
    expect(report.records).toBeGreaterThan(0);
    const alerts = fs
      .readFileSync(path.join(dataDir, "alerts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const alert = alerts.find((each) => each.dedupKey === "gdpr-export:e2e-export-1");
    expect(alert.kind).toBe("gdpr-export-ready");
    expect(alert.message).toContain(report.link);
    // The link is a SigV4 presigned GET (here for the emulators the command ran, now stopped): the same
    // presigner against the emulators started now, serves the export (the signature itself is checked against AWS's published example in export.test.ts).
    expect(new URL(report.link).searchParams.get("X-Amz-Expires")).toBe(String(MAX_PRESIGN_SECONDS));
    const body = await withLocalGdpr(dataDir, env, async (context) => {
      const link = presignGetUrl({
        bucket: context.bucket,
        key: report.exportKey,
        region: context.region,
        credentials: context.credentials,
        expiresInSeconds: 600,
        endpoint: context.s3Endpoint,
      });
      const response = await fetch(link);
      expect(response.status).toBe(200);
      return (await response.json()) as { requestId: string; records: unknown[] };
    });
    expect(body.requestId).toBe("e2e-export-1");
    expect(body.records.length).toBe(report.records);
    expect(JSON.stringify(body).toLowerCase()).toContain(result.sample!.email!.toLowerCase());
  }, 120_000);
});
