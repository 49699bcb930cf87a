/**
 * Crash recovery, tested the way databases are: a scenario of signed deliveries through every
 * door and the processors behind them runs once without interruption; then once per step of that
 * run (every store, bus and alert call, every answer and acknowledgement) it runs again with the
 * machine killed right after that step. After the kill nothing more happens (no finalizer, no
 * release of a claim, no answer, no acknowledgement); then the machine restarts, the providers
 * retry every delivery they got no 200 for, and the queue redelivers every message it holds.
 * Every routed processor runs (orders, customers, products, checkouts, app, Recharge, Stripe) but
 * backfill-bulk-finish, whose only writes are lease attributes set to the webhook's values (a
 * repeat sets them again) and a Step Functions callback (tested in __tests__/backfill).
 * Each crashed run must converge to exactly the state of the uninterrupted one: every accepted
 * event stored once, every hot row the newest, every alert once.
 *
 * The real kernel runs here: the doors' and processors' programs, crash-safe Idempotency over the
 * HotStore, and the SNS alert publisher (its dedup record in the idempotency table) over a
 * recording SNS client. Only the stores underneath are in memory.
 */
import { ConfigProvider, Effect, Exit, Layer, ManagedRuntime, TestClock, TestContext } from "effect";
import { envVars } from "../../contracts/env-vars";
import type { TableKey } from "../../contracts/tables";
import { tableKeys } from "../../contracts/tables";
import type { BusEnvelope, HttpRequest, HttpResponse } from "../../functions/kernel/function-shape";
import { makeIdempotency } from "../../functions/kernel/idempotency";
import { makeSnsAlerts } from "../../functions/kernel/live";
import { loggerLayer } from "../../functions/kernel/logger";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { Alerts, DeadLetters, EventBus, HotStore, Idempotency, Metrics, ObjectStore, Secrets } from "../../functions/kernel/services";
import { program as rechargeIngress } from "../../functions/recharge/ingress";
import { program as shopifyIngress } from "../../functions/shopify/ingress";
import { program as stripeIngress } from "../../functions/stripe/ingress";
import { fixture, SECRET, shopifyRequest } from "../shopify/support";
import { processorFor } from "../support/bus";
import { NOW_SECONDS, RECHARGE_SECRET, rechargeFixture, rechargeRequest, STRIPE_SECRET, stripeFixture, stripeRequest } from "../stripe/support/fixtures";
import { envelopeOf, partnerEnvelope } from "../support";

class Crash extends Error {
  constructor() {
    super("the machine was killed");
  }
}

/** Counts steps; after step `crashAt` the machine is dead and every further call dies. */
class Machine {
  steps = 0;
  dead = false;
  /** What the step after which the machine died was. */
  diedAfter: string | undefined;
  constructor(private crashAt: number | undefined) {}
  /** Records one completed step; true when the machine dies right after it. */
  step(label: string): boolean {
    this.steps += 1;
    if (this.crashAt !== undefined && this.steps === this.crashAt) {
      this.dead = true;
      this.diedAfter = label;
    }
    return this.dead;
  }
  restart() {
    this.dead = false;
    this.crashAt = undefined;
  }
}

/** Every Effect-returning method of `service` becomes a step of `machine`. */
const crashable = <S extends object>(service: S, machine: Machine, serviceName: string): S => {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(service)) {
    wrapped[name] =
      typeof value !== "function"
        ? value
        : (...args: unknown[]) =>
            Effect.suspend(() =>
              machine.dead
                ? Effect.die(new Crash())
                : Effect.flatMap((value as (...a: unknown[]) => Effect.Effect<unknown, unknown>)(...args), (result) =>
                    machine.step(`${serviceName}.${name}`) ? Effect.die(new Crash()) : Effect.succeed(result),
                  ),
            );
  }
  return wrapped as S;
};

// ---------------------------------------------------------------------------------------------
// The scenario: what providers send, in order.

const newerOrder = { ...fixture("order"), updated_at: "2026-03-01T16:00:00-05:00", financial_status: "refunded" };
const rechargeCancelled = rechargeFixture("subscription-cancelled.json");
const stripeFailed = stripeFixture("charge-failed.json");

interface Delivery {
  readonly name: string;
  readonly request: HttpRequest;
  readonly door: (request: HttpRequest) => Effect.Effect<HttpResponse, never, never>;
}

const door = (program: unknown) => program as Delivery["door"];

const deliveries = (): Delivery[] => [
  { name: "shopify orders/create", request: shopifyRequest("orders/create", JSON.stringify(fixture("order")), { webhookId: "wh-create-1" }), door: door(shopifyIngress) },
  { name: "shopify orders/updated", request: shopifyRequest("orders/updated", JSON.stringify(newerOrder), { webhookId: "wh-update-2" }), door: door(shopifyIngress) },
  { name: "shopify products/update", request: shopifyRequest("products/update", JSON.stringify(fixture("product")), { webhookId: "wh-product-5" }), door: door(shopifyIngress) },
  {
    name: "shopify checkouts/update",
    request: shopifyRequest("checkouts/update", JSON.stringify(fixture("checkout")), { webhookId: "wh-checkout-6" }),
    door: door(shopifyIngress),
  },
  {
    name: "shopify app/uninstalled",
    request: shopifyRequest("app/uninstalled", JSON.stringify(fixture("app-uninstalled")), { webhookId: "wh-uninstall-3" }),
    door: door(shopifyIngress),
  },
  { name: "recharge subscription/cancelled", request: rechargeRequest("subscription/cancelled", rechargeCancelled.rawBody), door: door(rechargeIngress) },
  { name: "stripe charge.failed", request: stripeRequest(stripeFailed.rawBody), door: door(stripeIngress) },
];

/** Deliveries that arrive on Shopify's partner bus (durable in their queue from the start). */
const partnerMessages = (): BusEnvelope[] => [
  partnerEnvelope("customers/update", { ...fixture("customer"), updated_at: "2026-03-02T10:00:00-05:00" }, { webhookId: "wh-partner-4" }),
];

// ---------------------------------------------------------------------------------------------

interface Outcome {
  readonly steps: number;
  readonly diedAfter: string | undefined;
  readonly objects: Record<string, string>;
  readonly tables: Partial<Record<TableKey, unknown[]>>;
  readonly alerts: string[];
  readonly deadLetters: number;
  readonly answers: string[];
}

const runScenario = async (crashAt?: number): Promise<Outcome> => {
  const machine = new Machine(crashAt);
  const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET, rechargeWebhook: RECHARGE_SECRET, stripeWebhook: STRIPE_SECRET } });
  const inner = await Effect.runPromise(
    Effect.provide(Effect.all({ objects: ObjectStore, store: HotStore, bus: EventBus, deadLetters: DeadLetters, secrets: Secrets, metrics: Metrics }), platform.layer),
  );
  const store = crashable(inner.store, machine, "HotStore");
  const sns: string[] = [];
  // SNS accepting the message is a step of its own: a kill can land between it and the dedup record.
  const snsClient = {
    send: async (command: { input: { Message?: string } }) => {
      if (machine.dead) throw new Crash();
      sns.push(JSON.parse(command.input.Message ?? "{}").dedupKey);
      if (machine.step("SNS.Publish")) throw new Crash();
    },
  };
  const layer = Layer.mergeAll(
    Layer.succeed(ObjectStore, crashable(inner.objects, machine, "ObjectStore")),
    Layer.succeed(HotStore, store),
    Layer.succeed(Idempotency, makeIdempotency(store)),
    Layer.succeed(EventBus, crashable(inner.bus, machine, "EventBus")),
    Layer.succeed(
      Alerts,
      makeSnsAlerts(store, () => snsClient as never),
    ),
    Layer.succeed(DeadLetters, crashable(inner.deadLetters, machine, "DeadLetters")),
    Layer.succeed(Secrets, inner.secrets),
    Layer.succeed(Metrics, inner.metrics),
    loggerLayer(() => undefined),
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map([[envVars.alertsTopicArn, "arn:aws:sns:us-east-1:123456789012:acme-test-alerts"]]))),
  );
  let clockMs = NOW_SECONDS * 1000;
  const runtime = ManagedRuntime.make(Layer.provideMerge(layer, TestContext.TestContext));
  const exec = <A, E>(effect: Effect.Effect<A, E, never>) => runtime.runPromiseExit(Effect.zipRight(TestClock.setTime(clockMs), effect));

  const unanswered = deliveries();
  const queue: BusEnvelope[] = partnerMessages();
  let consumed = 0;
  const answers: string[] = [];
  const collectPublished = () => {
    for (; consumed < platform.state.events.length; consumed += 1) {
      const event = platform.state.events[consumed]!;
      queue.push(envelopeOf(event, `bus-${consumed}`, new Date(clockMs).toISOString()));
    }
  };

  /** One pass: providers (re)send, the queue (re)delivers; stops at the crash. */
  const pass = async () => {
    for (const delivery of [...unanswered]) {
      if (machine.dead) return;
      const exit = await exec(delivery.door(delivery.request));
      collectPublished();
      if (machine.dead) return; // killed before answering: the provider saw no response
      const response = Exit.isSuccess(exit) ? exit.value : { statusCode: 500, body: "" };
      answers.push(`${delivery.name}: ${response.statusCode}`);
      if (response.statusCode === 200) {
        unanswered.splice(unanswered.indexOf(delivery), 1);
        if (machine.step("answer 200")) return; // a crash after the answer loses nothing
      }
    }
    for (const message of [...queue]) {
      if (machine.dead) return;
      const exit = await exec(processorFor(message)(message) as Effect.Effect<void, unknown, never>);
      collectPublished();
      if (machine.dead) return;
      if (Exit.isSuccess(exit)) {
        queue.splice(queue.indexOf(message), 1);
        if (machine.step("acknowledge")) return; // deleted from the queue
      }
    }
  };

  await pass();
  const diedAfter = machine.diedAfter;
  for (let round = 0; round < 6 && (unanswered.length > 0 || queue.length > 0); round += 1) {
    machine.restart();
    clockMs += 61_000; // retries come later than a claim of the default 30 s timeout lasts
    await pass();
  }
  await runtime.dispose();
  if (unanswered.length > 0 || queue.length > 0) throw new Error(`did not converge: ${unanswered.length} unanswered, ${queue.length} queued`);

  const tables: Partial<Record<TableKey, unknown[]>> = {};
  for (const table of tableKeys) {
    if (table === "idempotency") continue;
    const items = platform
      .items(table)
      .map((item) => JSON.stringify(item))
      .sort();
    if (items.length > 0) tables[table] = items;
  }
  return {
    steps: machine.steps,
    diedAfter,
    objects: Object.fromEntries([...platform.state.objects.keys()].sort().map((key) => [key, platform.objectText(key)!])),
    tables,
    alerts: [...sns].sort(),
    deadLetters: platform.state.deadLetters.length,
    answers,
  };
};

describe("a crash after any step converges to the uninterrupted state", () => {
  let baseline: Outcome;

  beforeAll(async () => {
    const started = Date.now();
    baseline = await runScenario();
    if (process.env.DEBUG_CRASH) console.log(baseline.steps, "steps", Date.now() - started, "ms", Object.keys(baseline.tables));
  });

  test("the uninterrupted run stores, upserts and alerts what the scenario sends", () => {
    expect(baseline.answers).toEqual(deliveries().map((delivery) => `${delivery.name}: 200`));
    expect(Object.keys(baseline.objects).filter((key) => key.startsWith("raw/"))).toHaveLength(deliveries().length + partnerMessages().length);
    // A row in the hot store of every processor the scenario reaches.
    expect(Object.keys(baseline.tables).sort()).toEqual(expect.arrayContaining(["abandonedCarts", "customers", "orders", "payments", "products", "subscriptions"]));
    expect(baseline.alerts.length).toBeGreaterThanOrEqual(3); // app uninstalled, subscription cancelled, charge failed
    expect(new Set(baseline.alerts).size).toBe(baseline.alerts.length);
    expect(baseline.deadLetters).toBe(0);
    expect(baseline.steps).toBeGreaterThan(30);
  });

  test("every crash point: every accepted event stored once, every hot row newest, every alert once", async () => {
    const differences: string[] = [];
    const stepsCrashedAfter = new Map<string, number>();
    let repeatedAlerts = 0;
    for (let crashAt = 1; crashAt <= baseline.steps; crashAt += 1) {
      const outcome = await runScenario(crashAt);
      const step = outcome.diedAfter ?? "(none)";
      stepsCrashedAfter.set(step, (stepsCrashedAfter.get(step) ?? 0) + 1);
      const differs = (what: string, a: unknown, b: unknown) => {
        if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`crash after step ${crashAt} (${step}): ${what} differ`);
      };
      differs("raw and lake objects", outcome.objects, baseline.objects);
      differs("hot-store rows", outcome.tables, baseline.tables);
      differs("dead letters", outcome.deadLetters, baseline.deadLetters);
      // Every alert is published; SNS standard topics cannot de-duplicate, so a kill after SNS
      // accepted an alert and before its dedup record completed repeats it once, and nowhere else.
      differs("alerts published", [...new Set(outcome.alerts)], baseline.alerts);
      const repeats = outcome.alerts.length - new Set(outcome.alerts).size;
      if (repeats > 0 && (step !== "SNS.Publish" || repeats > 1)) differences.push(`crash after step ${crashAt} (${step}): ${repeats} alerts repeated`);
      repeatedAlerts += repeats;
    }
    // Every kind of step was crashed after: raw write, claim, upsert, alert, publish, answer, acknowledge.
    for (const step of ["ObjectStore.putIfAbsent", "HotStore.claim", "HotStore.putIfNewer", "HotStore.put", "SNS.Publish", "EventBus.publish", "answer 200", "acknowledge"]) {
      expect([step, stepsCrashedAfter.get(step) ?? 0]).toEqual([step, expect.any(Number)]);
      expect(stepsCrashedAfter.get(step)).toBeGreaterThan(0);
    }
    expect(differences).toEqual([]);
    expect(repeatedAlerts).toBeLessThanOrEqual(stepsCrashedAfter.get("SNS.Publish") ?? 0);
  });
});

describe("a provider retry of a delivery that was never answered", () => {
  test("meets the claim in progress: 503 with Retry-After, never 'duplicate'; after the claim lapses it is processed", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const request = shopifyRequest("orders/create", JSON.stringify(fixture("order")), { webhookId: "wh-cut-off" });
    const at = (ms: number) => (effect: Effect.Effect<HttpResponse>) =>
      Effect.runPromise(
        Effect.gen(function* () {
          yield* TestClock.setTime(ms);
          return yield* effect;
        }).pipe(Effect.provide(platform.layer), Effect.provide(TestContext.TestContext)) as Effect.Effect<HttpResponse>,
      );
    const start = NOW_SECONDS * 1000;
    // The first delivery took the claim and was cut off (its process died) before storing anything.
    platform.state.tables.idempotency.set(JSON.stringify(["ingress:shopify:wh-cut-off"]), {
      key: "ingress:shopify:wh-cut-off",
      status: "in-progress",
      expires_at: NOW_SECONDS + 30,
    });

    const early = await at(start + 5_000)(door(shopifyIngress)(request));
    expect(early.statusCode).toBe(503);
    expect(early.body).not.toContain("duplicate");
    expect(Number(early.headers?.["retry-after"])).toBeGreaterThanOrEqual(25);
    expect([...platform.state.objects.keys()]).toEqual([]);

    const later = await at(start + 31_000)(door(shopifyIngress)(request));
    expect(JSON.parse(later.body)).toEqual({ status: "accepted" });
    expect([...platform.state.objects.keys()].filter((key) => key.startsWith("raw/shopify/orders/"))).toHaveLength(1);
    expect(platform.state.events).toHaveLength(1);

    const again = await at(start + 40_000)(door(shopifyIngress)(request));
    expect(JSON.parse(again.body)).toEqual({ status: "duplicate" });
  });
});
