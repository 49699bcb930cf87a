/**
 * `sdp soak` in its short form: a recorded file (the demo's day as `sdp replay` takes it) played
 * sped up, KPIs per interval.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { replayLineOf } from "../../demo/traffic";
import { replayFileText } from "../../demo/write-replay";
import { runSdp, tempDir } from "./support";

jest.setTimeout(90_000);

describe("sdp soak", () => {
  it("replays a recording sped up and prints KPIs per interval", async () => {
    const dir = tempDir("soak");
    // Recorded redeliveries carry the original's time, so at this speed they would meet the
    // original's claim in flight and wait for it (InProgress); the day without them is enough here.
    const { traffic: day } = replayFileText({ seed: 11, orders: 3 });
    const traffic = { ...day, deliveries: day.deliveries.filter((delivery) => delivery.kind !== "duplicate") };
    const file = path.join(dir, "day.jsonl");
    // A bad line is reported and skipped.
    fs.writeFileSync(file, `${traffic.deliveries.map(replayLineOf).join("\n")}\nnot json\n`);
    const run = await runSdp(["soak", "--file", file, "--duration", "4", "--speed", "30000", "--interval", "0.5", "--json"]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(run.stderr).toContain("line");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.recorded).toBe(traffic.deliveries.length);
    expect(report.played).toBeGreaterThan(0);
    expect(report.played).toBeLessThanOrEqual(report.recorded);
    expect(report.intervals.length).toBeGreaterThanOrEqual(2);
    const forged = traffic.deliveries.filter((delivery) => delivery.kind === "forged").length;
    expect(report.answers["401"] ?? 0).toBeLessThanOrEqual(forged);
    expect(report.accepted).toBeGreaterThan(0);
    expect(report.lost).toBe(0);
    expect(report.endToEnd.settled).toBe(report.accepted);
    expect(Object.keys(report.intervals[0])).toEqual(expect.arrayContaining(["atS", "acceptedPerSecond", "settledPerSecond", "depth", "deadLetters", "alerts"]));
  });

  it("rejects bad usage (exit 2)", async () => {
    expect((await runSdp(["soak"])).code).toBe(2);
    expect((await runSdp(["soak", "--duration", "5", "--speed", "-1"])).code).toBe(2);
    expect((await runSdp(["soak", "--duration", "5", "--file", "/nonexistent.jsonl"])).code).toBe(2);
    const help = await runSdp(["soak", "--help"]);
    expect(help.stdout).toContain("Example:");
  });
});
