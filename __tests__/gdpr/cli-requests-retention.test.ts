/**
 * End to end on the embedded platform: a signed customers/redact webhook through the HTTPS door
 * becomes a request `sdp gdpr requests` lists (without its identifiers); with the clock moved past
 * 25 days it is flagged and alerted once (alerts.jsonl), running platform or not. Then
 * `sdp retention` on the same data dir: the webhook's raw partition is kept inside its window,
 * listed by --dry-run once outside, and deleted (with its audit entry) by the real run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { shopifySignature } from "../../functions/shopify/signature";
import { readAlerts } from "../../local/alerts";
import { startLocalPlatform, type LocalPlatform } from "../../local/platform";
import { runSdp, tempDir } from "../cli/support";

const body = fs.readFileSync(path.join(__dirname, "..", "fixtures", "shopify", "compliance", "customers-redact.json"), "utf8");

describe("sdp gdpr requests and sdp retention on the embedded platform", () => {
  let dataDir: string;
  let platform: LocalPlatform | undefined;
  let receivedAt: Date;
  beforeAll(async () => {
    dataDir = tempDir("gdpr-requests");
    platform = await startLocalPlatform({ dataDir, port: 0, env: {} });
    const response = await fetch(new URL("/webhooks/shopify", platform.ready.ingress), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": "customers/redact",
        "x-shopify-hmac-sha256": shopifySignature(LOCAL_DEFAULT_WEBHOOK_SECRET, body),
        "x-shopify-shop-domain": "acme-store.myshopify.com",
        "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      },
      body,
    });
    expect(response.status).toBe(200);
    // After the door's own receipt time, so "N days later" is at least N days after it.
    receivedAt = new Date();
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const later = (days: number) => new Date(receivedAt.getTime() + days * 24 * 60 * 60 * 1000).toISOString();

  test("the request is listed with its due date and no identifiers; not overdue today", async () => {
    const run = await runSdp(["gdpr", "requests", "--json", "--data-dir", dataDir]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout);
    expect(listed.requests).toEqual([
      expect.objectContaining({
        requestId: "shopify-b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        kind: "customer-redact",
        status: "received",
        identifierCount: 3,
        overdue: false,
        stepsDone: [],
      }),
    ]);
    expect(Date.parse(listed.requests[0].dueAt) - Date.parse(listed.requests[0].receivedAt)).toBe(30 * 24 * 60 * 60 * 1000);
    expect(run.stdout).not.toContain("john@example.com");
    expect(run.stdout).not.toContain("191167");
    const text = await runSdp(["gdpr", "requests", "--data-dir", dataDir]);
    expect(text.stdout).toContain("customer-redact");
    expect(text.stdout).not.toContain("OVERDUE");
    // The intake's own alert.
    expect(readAlerts(path.join(dataDir, "alerts.jsonl")).map((alert) => alert.kind)).toEqual(["gdpr-request"]);
  });

  test("26 days later it is OVERDUE and alerted once, also with the platform stopped", async () => {
    const first = await runSdp(["gdpr", "requests", "--now", later(26), "--data-dir", dataDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("OVERDUE");
    await platform!.stop();
    platform = undefined;
    // A platform in its own process leaves platform.json with a dead pid; this one ran in the
    // test's process (a live pid), so the file goes, as a stopped platform's counts.
    fs.rmSync(path.join(dataDir, "platform.json"));
    const second = await runSdp(["gdpr", "requests", "--json", "--now", later(27), "--data-dir", dataDir]);
    expect(second.stderr).toBe("");
    expect(JSON.parse(second.stdout).overdue).toEqual([expect.objectContaining({ requestId: "shopify-b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", ageDays: 27 })]);
    expect(readAlerts(path.join(dataDir, "alerts.jsonl")).map((alert) => alert.kind)).toEqual(["gdpr-request", "gdpr-overdue"]);
  }, 60_000);

  test("sdp retention keeps the raw partition inside its window, lists it once outside, then deletes it and audits", async () => {
    const rawPartition = (json: any) => json.partitions.find((plan: any) => plan.prefix.startsWith("raw/shopify/customers/dt="));
    const today = JSON.parse((await runSdp(["retention", "--dry-run", "--json", "--data-dir", dataDir])).stdout);
    expect(rawPartition(today).decision).toBe("inside-window");
    // The local environment keeps raw/ 365 days.
    const plan = await runSdp(["retention", "--dry-run", "--json", "--now", later(367), "--data-dir", dataDir]);
    expect(plan.code).toBe(0);
    expect(rawPartition(JSON.parse(plan.stdout)).decision).toBe("delete");
    const objectFiles = () =>
      fs
        .readdirSync(dataDir, { recursive: true })
        .map(String)
        .filter((file) => file.includes(`raw${path.sep}shopify${path.sep}customers`) && file.endsWith("._S3rver_object"));
    expect(objectFiles()).toHaveLength(1);
    const real = await runSdp(["retention", "--now", later(367), "--data-dir", dataDir]);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain("deleted  raw/shopify/customers/dt=");
    expect(objectFiles()).toHaveLength(0);
    const audit = /audit: (\S+)/.exec(real.stdout)![1]!;
    expect(audit).toMatch(/^metadata\/retention\/dt=\d{4}-\d{2}-\d{2}\/local-/);
  }, 60_000);

  test("bad usage is exit 2 with what to fix", async () => {
    const run = await runSdp(["retention", "--now", "tomorrow", "--data-dir", dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--now must be an ISO-8601 time");
  });
});
