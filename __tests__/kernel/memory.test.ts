import { Effect, Exit, Option } from "effect";
import { Transient } from "../../functions/kernel/errors";
import { makeIdempotency } from "../../functions/kernel/idempotency";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { Alerts, EventBus, HotStore, Idempotency, ObjectStore, Secrets } from "../../functions/kernel/services";
import { run, runExit } from "../shopify/support";

describe("in-memory HotStore", () => {
  test("putIfNewer writes newer versions and reports older or equal ones as stale", async () => {
    const platform = makeTestPlatform();
    const outcomes = await run(
      platform.layer,
      Effect.gen(function* () {
        const store = yield* HotStore;
        return [
          yield* store.putIfNewer("orders", { id: "o1", updated_at: "2026-03-01T10:00:00.000Z", v: 1 }, "updated_at"),
          yield* store.putIfNewer("orders", { id: "o1", updated_at: "2026-03-01T09:00:00.000Z", v: 0 }, "updated_at"),
          yield* store.putIfNewer("orders", { id: "o1", updated_at: "2026-03-01T10:00:00.000Z", v: 9 }, "updated_at"),
          yield* store.putIfNewer("orders", { id: "o1", updated_at: "2026-03-01T11:00:00.000Z", v: 2 }, "updated_at"),
        ];
      }),
    );
    expect(outcomes).toEqual(["written", "stale", "stale", "written"]);
    expect(platform.item("orders", { id: "o1" })).toEqual({ id: "o1", updated_at: "2026-03-01T11:00:00.000Z", v: 2 });
  });

  test("a tombstone replaces a live item and is never replaced by a later update", async () => {
    const platform = makeTestPlatform();
    const outcomes = await run(
      platform.layer,
      Effect.gen(function* () {
        const store = yield* HotStore;
        return [
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2026-03-02T00:00:00.000Z" }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", deleted: true, updated_at: "2026-03-01T00:00:00.000Z" }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2030-01-01T00:00:00.000Z", title: "back" }, "updated_at"),
        ];
      }),
    );
    expect(outcomes).toEqual(["written", "written", "stale"]);
    expect(platform.item("products", { id: "p1" })).toMatchObject({ deleted: true });
  });

  test("putIfNotExists, updateIfExists, query by index in sort-key order, delete", async () => {
    const platform = makeTestPlatform();
    const result = await run(
      platform.layer,
      Effect.gen(function* () {
        const store = yield* HotStore;
        const first = yield* store.putIfNotExists("leases", { shop: "s", slot: "1", owner: "a" });
        const second = yield* store.putIfNotExists("leases", { shop: "s", slot: "1", owner: "b" });
        const updatedMissing = yield* store.updateIfExists("orders", { id: "nope" }, { x: 1 });
        yield* store.put("orders", { id: "a", customer_id: "c", created_at: "2026-02-01" });
        yield* store.put("orders", { id: "b", customer_id: "c", created_at: "2026-01-01" });
        yield* store.put("orders", { id: "c", customer_id: "other", created_at: "2026-01-01" });
        const updated = yield* store.updateIfExists("orders", { id: "a" }, { note: "n" });
        const byCustomer = yield* store.query("orders", "by-customer", "customer_id", "c");
        yield* store.delete("orders", { id: "b" });
        const gone = yield* store.get("orders", { id: "b" });
        return { first, second, updatedMissing, updated, ids: byCustomer.map((item) => item.id), gone: Option.isNone(gone) };
      }),
    );
    expect(result).toEqual({ first: true, second: false, updatedMissing: false, updated: true, ids: ["b", "a"], gone: true });
    expect(platform.item("orders", { id: "a" })).toMatchObject({ note: "n" });
  });
});

describe("in-memory upsertAttributes", () => {
  test("creates a missing item, and on an existing one sets the attributes and keeps what it has of the unless-set ones (as the live store)", async () => {
    const platform = makeTestPlatform();
    await run(
      platform.layer,
      Effect.gen(function* () {
        const store = yield* HotStore;
        yield* store.upsertAttributes("abandonedCarts", { token: "new" }, { status: "recovered", recovered_order_id: "o1" }, { expires_at: 100 });
        yield* store.put("abandonedCarts", { token: "old", status: "open", expires_at: 5, total_price: "9.00" });
        yield* store.upsertAttributes("abandonedCarts", { token: "old" }, { status: "recovered", recovered_order_id: "o2" }, { expires_at: 100 });
        yield* store.upsertAttributes("abandonedCarts", { token: "bare" }, {}, {});
      }),
    );
    expect(platform.item("abandonedCarts", { token: "new" })).toEqual({ token: "new", status: "recovered", recovered_order_id: "o1", expires_at: 100 });
    expect(platform.item("abandonedCarts", { token: "old" })).toEqual({ token: "old", status: "recovered", recovered_order_id: "o2", expires_at: 5, total_price: "9.00" });
    expect(platform.item("abandonedCarts", { token: "bare" })).toEqual({ token: "bare" });
  });
});

describe("in-memory Idempotency", () => {
  test("runs once per key, answers duplicate afterwards, and releases the key when the run fails", async () => {
    const platform = makeTestPlatform();
    let runs = 0;
    const work = Effect.sync(() => (runs += 1));
    const failing = Effect.zipRight(
      Effect.sync(() => (runs += 1)),
      Effect.fail(new Transient({ service: "test", reason: "boom" })),
    );
    const result = await run(
      platform.layer,
      Effect.gen(function* () {
        const idempotency = yield* Idempotency;
        const a = yield* idempotency.once("k1", work);
        const b = yield* idempotency.once("k1", work);
        const failed = yield* Effect.exit(idempotency.once("k2", failing));
        const retried = yield* idempotency.once("k2", work);
        return { a, b, failed: Exit.isFailure(failed), retried };
      }),
    );
    expect(result.a).toEqual({ status: "processed", value: 1 });
    expect(result.b).toEqual({ status: "duplicate" });
    expect(result.failed).toBe(true);
    expect(result.retried.status).toBe("processed");
    expect(runs).toBe(3);
    expect(platform.item("idempotency", { key: "k1" })).toMatchObject({ status: "completed" });
  });

  test("an in-progress claim that expired is taken over; a live one is retried later, never a duplicate; a completed one is", async () => {
    const platform = makeTestPlatform();
    const now = Math.floor(Date.now() / 1000);
    platform.state.tables.idempotency.set(JSON.stringify(["dead"]), { key: "dead", status: "in-progress", expires_at: now - 10 });
    platform.state.tables.idempotency.set(JSON.stringify(["alive"]), { key: "alive", status: "in-progress", expires_at: now + 600 });
    platform.state.tables.idempotency.set(JSON.stringify(["done"]), { key: "done", status: "completed", expires_at: now + 600 });
    const result = await run(
      platform.layer,
      Effect.gen(function* () {
        const idempotency = yield* Idempotency;
        const alive = yield* Effect.either(idempotency.once("alive", Effect.succeed(1)));
        return {
          dead: (yield* idempotency.once("dead", Effect.succeed(1))).status,
          alive: alive._tag === "Left" ? alive.left : alive.right,
          done: (yield* idempotency.once("done", Effect.succeed(1))).status,
        };
      }),
    );
    expect(result.dead).toBe("processed");
    expect(result.alive).toMatchObject({ _tag: "InProgress", key: "alive" });
    // Retry-After: the time left on the holder's claim.
    expect((result.alive as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(590_000);
    expect(result.done).toBe("duplicate");
    expect(platform.item("idempotency", { key: "alive" })).toMatchObject({ status: "in-progress" });
  });
});

test("a claim whose write succeeded but whose answer was lost is recognised by its retry, not waited out", async () => {
  const platform = makeTestPlatform();
  const store = await run(platform.layer, HotStore);
  let lost = 1;
  // The first claim is written, then its answer is lost (a Transient after the call), as a dropped connection does.
  const lossy = {
    ...store,
    claim: (...args: Parameters<typeof store.claim>) =>
      Effect.flatMap(store.claim(...args), (result) => (lost-- > 0 ? Effect.fail(new Transient({ service: "dynamodb", reason: "answer lost" })) : Effect.succeed(result))),
  };
  const idempotency = makeIdempotency(lossy);
  let runs = 0;
  const outcome = await run(
    platform.layer,
    idempotency.once(
      "lost-answer",
      Effect.sync(() => ++runs),
    ),
  );
  expect(outcome).toEqual({ status: "processed", value: 1 });
  expect(platform.item("idempotency", { key: "lost-answer" })).toMatchObject({ status: "completed" });
  // Another run's claim is still another's: it waits.
  platform.state.tables.idempotency.set(JSON.stringify(["other"]), {
    key: "other",
    status: "in-progress",
    expires_at: Math.floor(Date.now() / 1000) + 60,
    claim_token: "someone-else",
  });
  const other = await runExit(platform.layer, idempotency.once("other", Effect.succeed(1)));
  expect(Exit.isFailure(other) && JSON.stringify(other.cause)).toContain("InProgress");
});

describe("other in-memory services", () => {
  test("ObjectStore.putIfAbsent never overwrites; list is sorted by key", async () => {
    const platform = makeTestPlatform();
    const result = await run(
      platform.layer,
      Effect.gen(function* () {
        const objects = yield* ObjectStore;
        const first = yield* objects.putIfAbsent("raw/b.json", "one");
        const second = yield* objects.putIfAbsent("raw/b.json", "two");
        yield* objects.put("raw/a.json", "zero");
        return { first, second, text: yield* objects.getText("raw/b.json"), listed: yield* objects.list("raw/") };
      }),
    );
    expect(result.first.created).toBe(true);
    expect(result.second.created).toBe(false);
    expect(Option.getOrThrow(result.text)).toBe("one");
    expect(result.listed.map((entry) => entry.key)).toEqual(["raw/a.json", "raw/b.json"]);
  });

  test("Alerts publish once per dedupKey", async () => {
    const platform = makeTestPlatform();
    const alert = { kind: "app-uninstalled" as const, severity: "critical" as const, subject: "s", message: "m", dedupKey: "k" };
    const published = await run(
      platform.layer,
      Effect.gen(function* () {
        const alerts = yield* Alerts;
        return [(yield* alerts.publish(alert)).published, (yield* alerts.publish(alert)).published];
      }),
    );
    expect(published).toEqual([true, false]);
    expect(platform.state.alerts).toHaveLength(1);
  });

  test("EventBus rejects entries over 256 KiB as InvalidPayload and captures the rest", async () => {
    const platform = makeTestPlatform();
    const big = await runExit(
      platform.layer,
      Effect.flatMap(EventBus, (bus) => bus.publish([{ source: "s", detailType: "d", detail: { blob: "x".repeat(300 * 1024) } }])),
    );
    expect(Exit.isFailure(big) && JSON.stringify(big.cause)).toContain("InvalidPayload");
    await run(
      platform.layer,
      Effect.flatMap(EventBus, (bus) => bus.publish([{ source: "s", detailType: "d", detail: { a: 1 } }])),
    );
    expect(platform.state.events).toEqual([{ source: "s", detailType: "d", detail: { a: 1 } }]);
  });

  test("Secrets come from the given map and a missing one is SecretUnavailable", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: "a,b" } });
    const exit = await runExit(
      platform.layer,
      Effect.flatMap(Secrets, (secrets) => secrets.get("stripeWebhook")),
    );
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("SecretUnavailable");
  });

  test("injected faults fail the next calls, then the store works again", async () => {
    const platform = makeTestPlatform();
    platform.failNext("HotStore.put", new Transient({ service: "dynamodb", reason: "injected" }), 2);
    const put = Effect.flatMap(HotStore, (store) => store.put("orders", { id: "x" }));
    expect(Exit.isFailure(await runExit(platform.layer, put))).toBe(true);
    expect(Exit.isFailure(await runExit(platform.layer, put))).toBe(true);
    expect(Exit.isSuccess(await runExit(platform.layer, put))).toBe(true);
  });
});
