/**
 * Every `sdp drill` scenario in its short form: a small day of traffic, a short failure.
 */
import { Effect } from "effect";
import { switchableFaults, killDrillChildren } from "../../cli/load/drills";
import { runSdp } from "./support";

jest.setTimeout(120_000);
afterAll(() => killDrillChildren());

const drill = async (scenario: string, extra: string[] = []) => {
  const run = await runSdp(["drill", scenario, "--orders", "2", "--fault-seconds", "0.3", "--timeout", "90", "--json", ...extra]);
  return { ...run, report: run.stdout.trim() === "" ? undefined : JSON.parse(run.stdout) };
};

describe("sdp drill", () => {
  it.each(["processor-down", "dynamodb-throttle", "s3-errors", "poison-message", "crash-restart"])("%s: detected, recovered, nothing lost", async (scenario) => {
    const { code, report, stderr } = await drill(scenario);
    if (code !== 0) throw new Error(`${scenario} failed: ${stderr}\n${JSON.stringify(report, null, 2)}`);
    expect(report.scenario).toBe(scenario);
    expect(report.ok).toBe(true);
    expect(report.lost).toBe(0);
    expect(report.timeToDetectMs).toBeGreaterThanOrEqual(0);
    expect(report.timeToRecoverMs).toBeGreaterThanOrEqual(0);
    expect(report.detectedBy).toEqual(expect.any(String));
    expect(report.checks.length).toBeGreaterThanOrEqual(5);
    expect(report.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
    if (scenario === "poison-message") expect(report.notes.join(" ")).toMatch(/redriven with `sdp redrive --route stripe`: \{"stripe":\d+\}/);
  });

  it("fails (exit 1) when the failure is not detected in time", async () => {
    // processor-down is detected only after 500 ms without a delivery: a 0.4 s timeout can never
    // see it, however fast the machine (a poison message can reach the DLQ within 0.5 s).
    const { code, report } = await drill("processor-down", ["--timeout", "0.4"]);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((check: { ok: boolean }) => !check.ok).map((check: { name: string }) => check.name)).toContain("the failure was detected");
  });

  it("rejects bad usage (exit 2) and has help with an example", async () => {
    expect((await runSdp(["drill"])).code).toBe(2);
    expect((await runSdp(["drill", "meteor-strike"])).code).toBe(2);
    expect((await runSdp(["drill", "s3-errors", "--orders", "1"])).code).toBe(2);
    expect((await runSdp(["drill", "processor-down", "--fault-seconds", "120"])).code).toBe(2);
    const help = await runSdp(["drill", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Example:");
  });

  it("switchable faults inject only while on", async () => {
    const { injector, set } = switchableFaults("dynamodb=throttle:1");
    const store = injector.wrap("dynamodb", "HotStore", { get: (key: string) => Effect.succeed(key) });
    expect(await Effect.runPromise(store.get("a"))).toBe("a");
    set(true);
    expect((await Effect.runPromise(Effect.either(store.get("b"))))._tag).toBe("Left");
    set(false);
    expect(await Effect.runPromise(store.get("c"))).toBe("c");
    expect(injector.injected()).toBe(1);
  });
});
