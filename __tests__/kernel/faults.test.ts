/** The fault injector (functions/kernel/faults.ts): its spec grammar, its wrapping and its counters. */
import { Effect, Exit } from "effect";
import { FaultSpecError, makeFaultInjector, parseFaultSpec, uniformFaultPlan } from "../../functions/kernel/faults";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { HotStore, ObjectStore } from "../../functions/kernel/services";

describe("parseFaultSpec", () => {
  test("a bare rate is half errors, half throttles; parts set each; later entries override", () => {
    const plan = parseFaultSpec("all=0.1,s3=error:0.2/throttle:10%/after:0.25/latency:5ms-50ms,dynamodb=0.3,seed=7");
    expect(plan.seed).toBe(7);
    expect(plan.services.s3).toEqual({ errorRate: 0.2, throttleRate: 0.1, afterShare: 0.25, latencyMs: [5, 50] });
    expect(plan.services.dynamodb).toEqual({ errorRate: 0.15, throttleRate: 0.15, afterShare: 0.5, latencyMs: [0, 0] });
    expect(plan.services.sns).toEqual({ errorRate: 0.05, throttleRate: 0.05, afterShare: 0.5, latencyMs: [0, 0] });
    expect(parseFaultSpec("eventbridge=latency:2s").services.eventbridge).toEqual({ errorRate: 0, throttleRate: 0, afterShare: 0.5, latencyMs: [2000, 2000] });
  });

  test.each([
    ["", /empty/],
    ["s3", /service=faults/],
    ["s4=0.3", /unknown service "s4"/],
    ["s3=1.5", /from 0 to 1/],
    ["s3=abc", /rate from 0 to 1/],
    ["s3=error:0.7/throttle:0.6", /exceed 1/],
    ["s3=jitter:5ms", /unknown part "jitter"/],
    ["s3=latency:fast", /duration like 50ms/],
    ["s3=latency:50ms-5ms", /low to high/],
    ["seed=x", /seed must be/],
    ["s3=", /needs a rate/],
  ])("%j is refused, saying what to fix", (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe("makeFaultInjector", () => {
  interface Counter {
    readonly write: (value: number) => Effect.Effect<number, never>;
    readonly read: Effect.Effect<number>;
    readonly plain: (value: number) => number;
  }
  const makeCounter = () => {
    const writes: number[] = [];
    const service = {
      write: (value: number) => Effect.sync(() => (writes.push(value), value)),
      read: Effect.sync(() => writes.length),
      plain: (value: number) => value * 2,
      // A method "added later": covered without the injector knowing it.
      addedLater: (value: number) => Effect.sync(() => (writes.push(-value), -value)),
    };
    return { writes, service: service as Counter & { readonly addedLater: (value: number) => Effect.Effect<number> } };
  };

  test("every Effect method may fail before or after the real call; plain functions pass through", () => {
    const injector = makeFaultInjector({ seed: 3, services: { s3: { errorRate: 0.4, throttleRate: 0.2, afterShare: 0.5, latencyMs: [0, 0] } } });
    const { writes, service } = makeCounter();
    const wrapped = injector.wrap("s3", "Counter", service);
    expect(wrapped.plain(4)).toBe(8);
    const outcomes = { ok: 0, Throttled: 0, Transient: 0 };
    for (let index = 0; index < 2_000; index += 1) {
      const exit = Effect.runSyncExit(index % 2 === 0 ? wrapped.write(index) : wrapped.addedLater(index));
      if (Exit.isSuccess(exit)) outcomes.ok++;
      else outcomes[(exit.cause as { error?: { _tag: "Throttled" | "Transient" } }).error!._tag]++;
    }
    const s3 = injector.counters.services.s3;
    expect(s3.calls).toBe(2_000);
    expect(outcomes.Throttled).toBe(s3.throttled);
    expect(outcomes.Transient).toBe(s3.errorsBefore + s3.errorsAfter);
    expect(outcomes.ok + injector.injected()).toBe(2_000);
    // About 20% throttles and 40% errors, half of them after the write happened.
    expect(s3.throttled / 2_000).toBeGreaterThan(0.15);
    expect(s3.throttled / 2_000).toBeLessThan(0.25);
    expect((s3.errorsBefore + s3.errorsAfter) / 2_000).toBeGreaterThan(0.35);
    expect((s3.errorsBefore + s3.errorsAfter) / 2_000).toBeLessThan(0.45);
    expect(s3.errorsAfter).toBeGreaterThan(300);
    // A write whose answer was lost did happen; a fault before it did not.
    expect(writes.length).toBe(outcomes.ok + s3.errorsAfter);
    expect(injector.counters.operations["Counter.addedLater"]).toBeGreaterThan(0);
    expect(injector.counters.operations["Counter.write"]).toBeGreaterThan(0);
  });

  test("the same seed injects the same faults; another seed others", () => {
    const run = (seed: number) => {
      const wrapped = makeFaultInjector(uniformFaultPlan(0.3, seed)).wrap("dynamodb", "Counter", makeCounter().service);
      return Array.from({ length: 200 }, (_, index) => Exit.isSuccess(Effect.runSyncExit(wrapped.write(index))));
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });

  test("retries:N retries an injected fault inside the call, as the AWS SDK does: a lost answer's retry repeats the real call", () => {
    expect(parseFaultSpec("dynamodb=error:0.3/retries:2").services.dynamodb?.sdkRetries).toBe(2);
    expect(parseFaultSpec("s3=0.3/retries:2").services.s3).toEqual({ errorRate: 0.15, throttleRate: 0.15, afterShare: 0.5, latencyMs: [0, 0], sdkRetries: 2 });
    expect(() => parseFaultSpec("dynamodb=retries:x")).toThrow(/retries must be an integer/);
    const lost = makeFaultInjector("s3=error:1/after:1/retries:2");
    const { writes, service } = makeCounter();
    const exit = Effect.runSyncExit(lost.wrap("s3", "Counter", service).write(7));
    expect(Exit.isFailure(exit)).toBe(true);
    // Three real calls (the first and two retries), every answer lost.
    expect(writes).toEqual([7, 7, 7]);
    expect(lost.counters.services.s3.retriedInside).toBe(2);

    const injector = makeFaultInjector("dynamodb=error:0.15/throttle:0.15/retries:2,seed=5");
    const wrapped = injector.wrap("dynamodb", "Counter", makeCounter().service);
    let failed = 0;
    for (let index = 0; index < 2_000; index += 1) if (Exit.isFailure(Effect.runSyncExit(wrapped.write(index)))) failed += 1;
    // 30% per try, three tries: about 2.7% reach the caller.
    expect(failed / 2_000).toBeLessThan(0.06);
    expect(injector.counters.services.dynamodb.retriedInside).toBeGreaterThan(500);
  });

  test("a service without a spec is returned unchanged", () => {
    const { service } = makeCounter();
    expect(makeFaultInjector("s3=0.5").wrap("sqs", "Counter", service)).toBe(service);
  });

  test("latency delays the call on the Effect clock", async () => {
    const wrapped = makeFaultInjector("s3=latency:30ms").wrap("s3", "Counter", makeCounter().service);
    const started = Date.now();
    await Effect.runPromise(wrapped.write(1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

test("makeTestPlatform({ faults }) wraps the stores and counts injected faults on Metrics", async () => {
  const platform = makeTestPlatform({ faults: "s3=error:1/after:1,dynamodb=throttle:1" });
  const put = await Effect.runPromiseExit(
    Effect.provide(
      Effect.flatMap(ObjectStore, (store) => store.putIfAbsent("raw/x.json", "{}")),
      platform.layer,
    ),
  );
  expect(Exit.isFailure(put)).toBe(true);
  // error-after: the object was written, the answer lost.
  expect(platform.objectText("raw/x.json")).toBe("{}");
  const upsert = await Effect.runPromiseExit(
    Effect.provide(
      Effect.flatMap(HotStore, (store) => store.put("orders", { id: "1" })),
      platform.layer,
    ),
  );
  expect(Exit.isFailure(upsert)).toBe(true);
  expect(platform.items("orders")).toEqual([]);
  expect(platform.faults!.counters.services.s3.errorsAfter).toBe(1);
  expect(platform.faults!.counters.services.dynamodb.throttled).toBe(1);
  expect(platform.metricTotal("FaultInjected")).toBe(2);
});
