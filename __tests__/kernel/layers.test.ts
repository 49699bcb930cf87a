/**
 * Kernel services compose as layers: a test (or `sdp local`) swaps one service for another
 * implementation, or wraps one with faults, and the services built on it (Idempotency on the
 * HotStore) use the swapped one.
 */
import { Effect, Exit, Layer } from "effect";
import { faultyLayer, makeFaultInjector } from "../../functions/kernel/faults";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { EventBus, HotStore, Idempotency, type BusEvent } from "../../functions/kernel/services";

const program = Effect.gen(function* () {
  const bus = yield* EventBus;
  const once = yield* Idempotency;
  yield* bus.publish([{ source: "sdp.test", detailType: "t", detail: {} }]);
  return yield* once.once("k1", Effect.succeed("ran"));
});

test("one service replaced: the rest stay the platform's", async () => {
  const platform = makeTestPlatform();
  const published: BusEvent[] = [];
  const { layers } = platform;
  const layer = Layer.mergeAll(
    layers.objectStore,
    layers.secrets,
    Layer.succeed(EventBus, { publish: (events) => Effect.sync(() => void published.push(...events)) }),
    layers.alerts,
    layers.metrics,
    layers.deadLetters,
    layers.logger,
    layers.idempotency,
  ).pipe(Layer.provideMerge(layers.hotStore));
  const outcome = await Effect.runPromise(Effect.provide(program, layer));
  expect(outcome).toEqual({ status: "processed", value: "ran" });
  expect(published).toHaveLength(1);
  expect(platform.state.events).toHaveLength(0);
  // The idempotency record went to the platform's hot store.
  expect(platform.items("idempotency").map((item) => item.key)).toEqual(["k1"]);
});

test("a fault-injecting layer over the HotStore: Idempotency, built on it, meets the faults", async () => {
  const platform = makeTestPlatform();
  const injector = makeFaultInjector("dynamodb=error:1/after:0,seed=3");
  const { layers } = platform;
  const faultyHotStore = Layer.provide(faultyLayer(injector, HotStore, "dynamodb", "HotStore"), layers.hotStore);
  const layer = Layer.mergeAll(layers.eventBus, layers.idempotency).pipe(Layer.provideMerge(faultyHotStore));
  const exit = await Effect.runPromiseExit(Effect.provide(program, layer));
  expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("Transient");
  expect(injector.counters.services.dynamodb.errorsBefore).toBeGreaterThan(0);
  // The bus (no faults planned for it) published; nothing reached the hot store.
  expect(platform.state.events).toHaveLength(1);
  expect(platform.items("idempotency")).toEqual([]);
});
