/**
 * `sdp load` in its short form: an embedded platform, then a running one named by --ingress.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import { startLocalPlatform } from "../../local/platform";
import { runSdp, tempDir } from "./support";

jest.setTimeout(90_000);

describe("sdp load", () => {
  it("drives signed traffic at an embedded platform and follows every event to its hot row", async () => {
    const run = await runSdp(["load", "--rate", "25", "--duration", "2", "--concurrency", "8", "--seed", "7", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.target).toBe("embedded");
    expect(report.sent).toBe(50);
    expect(report.answers).toEqual({ accepted: 50 });
    expect(report.endToEnd.method).toBe("onSettled");
    expect(report.endToEnd.settled).toBe(50);
    expect(report.lost).toBe(0);
    expect(report.deadLetters).toBe(0);
    expect(report.answerLatencyMs.p99).toBeGreaterThan(0);
    expect(report.endToEnd.lagMs.p50).toBeGreaterThanOrEqual(report.answerLatencyMs.p50 * 0.5);
    expect(report.cpu.processMsPerEvent).toBeGreaterThan(0);
    expect(report.cpu.samples).toBeGreaterThan(0);
    const components = report.cpu.componentsMsPerEvent;
    expect(components["s3 emulator"] + components["dynamodb emulator"]).toBeGreaterThan(0);
    // Every event's raw copy is one S3 PUT, and every event makes DynamoDB calls (claims, rows).
    const calls = report.emulatorCallsPerEvent!;
    expect(calls["S3 PUT"]).toBeGreaterThanOrEqual(1);
    expect(calls.total).toBeGreaterThan(calls["S3 PUT"]!);
    expect(Object.keys(calls).some((name) => name.startsWith("DynamoDB "))).toBe(true);
    // The fresh data dir is removed afterwards.
    expect(report.dataDir).toBeUndefined();
  });

  it("sends to a running platform with --ingress and only to loopback", async () => {
    const dataDir = tempDir("load-ingress");
    const platform = await startLocalPlatform({ dataDir, port: 0, ttlSweepIntervalMs: 0 });
    try {
      const run = await runSdp(["load", "--rate", "20", "--duration", "1", "--sources", "stripe,recharge", "--ingress", platform.ready.ingress, "--json"]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.target).toBe("ingress");
      expect(report.answers).toEqual({ accepted: 20 });
      expect(report.endToEnd.method).toBe("status-poll estimate");
      expect(report.endToEnd.settled).toBe(20);
      expect(platform.counters().doors["POST /webhooks/shopify"]).toBeUndefined();
      expect((platform.counters().doors["POST /webhooks/stripe"]?.accepted ?? 0) + (platform.counters().doors["POST /webhooks/recharge"]?.accepted ?? 0)).toBe(20);
    } finally {
      await platform.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const remote = await runSdp(["load", "--rate", "1", "--duration", "1", "--ingress", "http://example.com:4010"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("loopback");
  });

  it("fails (exit 1) when nothing answers, and rejects bad usage (exit 2)", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const down = await runSdp(["load", "--rate", "5", "--duration", "1", "--ingress", `http://127.0.0.1:${port}`, "--drain-timeout", "1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("no answer");
    expect((await runSdp(["load", "--rate", "0", "--duration", "1"])).code).toBe(2);
    expect((await runSdp(["load", "--duration", "1"])).code).toBe(2);
    expect((await runSdp(["load", "--rate", "5000", "--duration", "3600"])).code).toBe(2);
    const help = await runSdp(["load", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Example:");
  });
});
