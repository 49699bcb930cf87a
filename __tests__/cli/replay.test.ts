/**
 * `sdp replay`: reading captured deliveries (bad lines reported by number, not fatal), sending
 * them byte for byte, counting answers per status; against a recording server and against the
 * real embedded platform.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { parseReplayLine } from "../../cli/commands/replay";
import { startLocalPlatform, type LocalPlatform } from "../../local/platform";
import { replayFileText } from "../../demo/write-replay";
import { runSdp, tempDir } from "./support";

describe("replay lines", () => {
  it("reads captured webhooks for each door and EventBridge envelopes", () => {
    expect(parseReplayLine(JSON.stringify({ door: "stripe", headers: { "Stripe-Signature": "t=1,v1=x" }, body: '{"id":"evt_1"}' }))).toEqual({
      ok: true,
      request: { path: "/webhooks/stripe", headers: { "Stripe-Signature": "t=1,v1=x" }, body: '{"id":"evt_1"}' },
    });
    const envelope = JSON.stringify({ id: "e-1", source: "aws.partner/shopify.com/1/x", "detail-type": "shopifyWebhook", detail: { payload: {}, metadata: {} } });
    expect(parseReplayLine(envelope)).toEqual({ ok: true, request: { path: "/events", headers: { "content-type": "application/json" }, body: envelope } });
    expect(parseReplayLine("   ")).toEqual({ ok: "blank" });
  });

  it("says why a line cannot be sent", () => {
    expect(parseReplayLine("{not json")).toEqual({ ok: false, reason: "not valid JSON" });
    expect(parseReplayLine("[1]")).toEqual({ ok: false, reason: "not a JSON object" });
    expect(parseReplayLine(JSON.stringify({ door: "paypal", body: "{}" }))).toMatchObject({ ok: false, reason: expect.stringContaining('"door" must be') });
    expect(parseReplayLine(JSON.stringify({ door: "shopify", body: { id: 1 } }))).toMatchObject({ ok: false, reason: expect.stringContaining("raw body as a string") });
    expect(parseReplayLine(JSON.stringify({ door: "shopify", headers: { a: 1 }, body: "{}" }))).toMatchObject({ ok: false, reason: expect.stringContaining("headers") });
    expect(parseReplayLine(JSON.stringify({ hello: "world" }))).toMatchObject({ ok: false, reason: expect.stringContaining("neither") });
  });
});

describe("sdp replay against a recording server", () => {
  let server: http.Server;
  let url: string;
  const received: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        received.push({ path: request.url ?? "", headers: request.headers, body });
        const status = body.includes("forged") ? 401 : body.includes("again") ? 200 : body.includes("boom") ? 500 : 200;
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(status === 200 ? { status: body.includes("again") ? "duplicate" : "accepted" } : { error: "no" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends each body byte for byte with its headers, counts per status, and skips bad lines by number", async () => {
    received.length = 0;
    const dir = tempDir("replay");
    const file = path.join(dir, "captured.jsonl");
    const rawBody = '{"id": 1,  "note": "spacing and unicode ☕ kept"}';
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ door: "shopify", headers: { "X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": "abc=" }, body: rawBody }),
        "this is not json",
        JSON.stringify({ door: "recharge", headers: {}, body: '{"forged":true}' }),
        "",
        JSON.stringify({ door: "stripe", headers: {}, body: '{"again":true}' }),
        JSON.stringify({
          source: "aws.partner/shopify.com/1/x",
          "detail-type": "shopifyWebhook",
          detail: { payload: { id: 2 }, metadata: { "X-Shopify-Topic": "orders/create" } },
        }),
        JSON.stringify({ door: "nowhere", body: "{}" }),
      ].join("\n"),
    );
    const run = await runSdp(["replay", file, "--ingress", url, "--concurrency", "1", "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.sent).toBe(4);
    expect(report.counts).toEqual({ accepted: 2, "401": 1, duplicate: 1 });
    expect(report.invalidLines).toEqual([
      { line: 2, reason: "not valid JSON" },
      { line: 7, reason: expect.stringContaining('"door" must be') },
    ]);
    expect(run.stderr).toContain("line 2 skipped: not valid JSON");
    expect(run.stderr).toContain("line 7 skipped");
    expect(received.map((request) => request.path)).toEqual(["/webhooks/shopify", "/webhooks/recharge", "/webhooks/stripe", "/events"]);
    expect(received[0]!.body).toBe(rawBody);
    expect(received[0]!.headers["x-shopify-hmac-sha256"]).toBe("abc=");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fails with exit 1 when deliveries get no answer or a server error", async () => {
    const dir = tempDir("replay-fail");
    const file = path.join(dir, "captured.jsonl");
    fs.writeFileSync(file, `${JSON.stringify({ door: "stripe", headers: {}, body: '{"boom":1}' })}\n`);
    const run = await runSdp(["replay", file, "--ingress", url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("500: 1");
    expect(run.stderr).toContain("got no answer or a server error");
    const unreachable = await runSdp(["replay", file, "--ingress", "http://127.0.0.1:9"]);
    expect(unreachable.code).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("rejects bad usage with exit 2", async () => {
    expect((await runSdp(["replay"])).code).toBe(2);
    expect((await runSdp(["replay", "/no/such/file.jsonl", "--ingress", url])).stderr).toContain("is not a file");
    const dir = tempDir("replay-usage");
    const file = path.join(dir, "x.jsonl");
    fs.writeFileSync(file, "");
    const badUrl = await runSdp(["replay", file, "--ingress", "ftp://x"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("--ingress must be an http(s) URL");
    expect((await runSdp(["replay", file, "--ingress", url, "--concurrency", "0"])).code).toBe(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("sdp replay against the embedded platform", () => {
  let platform: LocalPlatform;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir("replay-platform");
    platform = await startLocalPlatform({ dataDir, port: 0, env: {} });
  });

  afterAll(async () => {
    await platform.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("replays the demo's day: originals accepted, redeliveries duplicate, forgeries 401", async () => {
    const { traffic, text } = replayFileText({ orders: 3, env: {} });
    const file = path.join(dataDir, "day.jsonl");
    fs.writeFileSync(file, text);
    // One at a time keeps the file's order, so every redelivery comes after its original.
    const run = await runSdp(["replay", file, "--data-dir", dataDir, "--concurrency", "1", "--json"]);
    expect(run.stderr).not.toContain("skipped");
    const report = JSON.parse(run.stdout);
    expect(report.counts).toEqual({ accepted: traffic.expectations.uniqueEvents, duplicate: traffic.expectations.duplicates, "401": traffic.expectations.forged });
    expect(run.code).toBe(0);
    await platform.drain();

    // While the platform runs, status and query read the hot stores through its endpoint.
    const status = await runSdp(["status", "--data-dir", dataDir, "--json"]);
    expect(status.code).toBe(0);
    const state = JSON.parse(status.stdout);
    expect(state.platform).toMatchObject({ running: true, ingress: platform.ready.ingress });
    expect(state.hotStores.orders).toBe(traffic.expectations.distinctObjects.orders);
    expect(state.lake.reduce((sum: number, entry: { prefix: string; objects: number }) => sum + (entry.prefix.startsWith("raw/") ? entry.objects : 0), 0)).toBe(
      traffic.expectations.uniqueEvents,
    );
    const query = await runSdp(["query", "select count(*) as n from subscriptions where status = 'cancelled'", "--data-dir", dataDir, "--json"]);
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([{ n: "1" }]);
  });
});
