/**
 * Recharge and Stripe completeness: the stand-ins drop 5% of each source's webhooks on purpose;
 * everything else is delivered, signed, through the real doors and processed. Then the nightly
 * jobs list the providers' APIs and must recover every dropped event through the same path (raw
 * first, idempotent), count exactly what they recovered, and recover nothing on a second run.
 */
import { ConfigProvider, Effect, Exit, Layer, ManagedRuntime, TestClock, TestContext } from "effect";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { RECHARGE_API_URL_VAR, RECHARGE_STATE_KEY, reconcileRecharge } from "../../functions/reconcile/recharge";
import { program as reconcileEntry } from "../../functions/reconcile/payments";
import { nightlyProgram } from "../../functions/reconcile/payments-program";
import { STRIPE_API_URL_VAR, reconcileStripe } from "../../functions/reconcile/stripe";
import { program as rechargeIngress } from "../../functions/recharge/ingress";
import { program as stripeIngress } from "../../functions/stripe/ingress";
import { startPaymentsStandin, type PaymentsStandin, type RechargeObject, type StripeEvent } from "../../local/payments-standin/server";
import { processorFor } from "../support/bus";
import { NOW_SECONDS, RECHARGE_SECRET, rechargeFixture, rechargeRequest, STRIPE_SECRET, stripeFixture, stripeRequest } from "../stripe/support/fixtures";
import { envelopeOf } from "../support";

const STRIPE_KEY = "sk_test_standin_key";
const RECHARGE_TOKEN = "recharge_standin_token";

// Published samples (see __tests__/fixtures/*/README.md), varied by id and time.
const stripeEvents = (count: number): StripeEvent[] => {
  const samples = ["charge-succeeded.json", "charge-failed.json", "invoice-paid.json", "payment_intent-succeeded.json"].map(
    (file) => JSON.parse(stripeFixture(file).rawBody) as Record<string, any>,
  );
  return Array.from({ length: count }, (_, index) => {
    const sample = samples[index % samples.length]!;
    const object = { ...sample.data.object, id: `${String(sample.data.object.id).split("_")[0]}_recon${index}` };
    return { ...sample, id: `evt_recon${String(index).padStart(4, "0")}`, created: NOW_SECONDS - 3600 - index * 60, data: { ...sample.data, object } } as unknown as StripeEvent;
  });
};

const rechargeObjects = (resource: "subscription" | "charge", count: number): RechargeObject[] => {
  const sample = JSON.parse(rechargeFixture(resource === "subscription" ? "subscription-created.json" : "charge-created.json").rawBody)[resource] as Record<string, unknown>;
  return Array.from({ length: count }, (_, index) => ({
    ...sample,
    id: Number(sample.id) + index,
    updated_at: new Date((NOW_SECONDS - 7200 - index * 60) * 1000).toISOString().replace(".000Z", "+00:00"),
  })) as RechargeObject[];
};

describe("nightly reconciliation of Stripe and Recharge", () => {
  let standin: PaymentsStandin;
  const events = stripeEvents(120);
  const subscriptions = rechargeObjects("subscription", 60);
  const charges = rechargeObjects("charge", 60);

  beforeAll(async () => {
    standin = await startPaymentsStandin({ stripeApiKey: STRIPE_KEY, rechargeApiToken: RECHARGE_TOKEN, stripeEvents: events, subscriptions, charges });
  });
  afterAll(async () => {
    await standin?.close();
  });

  const platformFor = (stripeKey = STRIPE_KEY) => {
    const kernel = makeTestPlatform({ secrets: { rechargeWebhook: RECHARGE_SECRET, stripeWebhook: STRIPE_SECRET, stripeApi: stripeKey, rechargeApi: RECHARGE_TOKEN } });
    const config = ConfigProvider.fromMap(
      new Map([
        [STRIPE_API_URL_VAR, standin.url],
        [RECHARGE_API_URL_VAR, standin.url],
      ]),
    );
    const runtime = ManagedRuntime.make(Layer.mergeAll(kernel.layer, Layer.setConfigProvider(config), TestContext.TestContext));
    let consumed = 0;
    const run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromiseExit(Effect.zipRight(TestClock.setTime(NOW_SECONDS * 1000), effect) as Effect.Effect<A, E, never>);
    /** Delivers every published bus event to its processor, as the rules and queues do. */
    const drain = async () => {
      for (; consumed < kernel.state.events.length; consumed += 1) {
        const envelope: BusEnvelope = envelopeOf(kernel.state.events[consumed]!, `bus-${consumed}`, new Date(NOW_SECONDS * 1000).toISOString());
        const exit = await run(processorFor(envelope)(envelope));
        if (Exit.isFailure(exit)) throw new Error(`processor failed: ${JSON.stringify(exit.cause).slice(0, 300)}`);
      }
    };
    return { kernel, run, drain, dispose: () => runtime.dispose() };
  };

  test("5% of each source's webhooks dropped: every one recovered, counted, and none twice", async () => {
    const platform = platformFor();
    const delivered = standin.deliveries(0.05, 42);
    expect(delivered.dropped).toBeGreaterThan(5);
    for (const event of delivered.stripe) expect(await platform.run(stripeIngress(stripeRequest(JSON.stringify(event))))).toMatchObject({ value: { statusCode: 200 } });
    for (const [topic, key, objects] of [
      ["subscription/updated", "subscription", delivered.subscriptions],
      ["charge/updated", "charge", delivered.charges],
    ] as const) {
      for (const object of objects)
        expect(await platform.run(rechargeIngress(rechargeRequest(topic, JSON.stringify({ [key]: object }))))).toMatchObject({ value: { statusCode: 200 } });
    }
    await platform.drain();
    const droppedStripe = events.length - delivered.stripe.length;
    const droppedSubscriptions = subscriptions.length - delivered.subscriptions.length;
    const droppedCharges = charges.length - delivered.charges.length;
    expect(platform.kernel.items("subscriptions")).toHaveLength(delivered.subscriptions.length);

    const window = { fromSeconds: NOW_SECONDS - 3 * 86_400, toSeconds: NOW_SECONDS };
    const receivedAt = new Date(NOW_SECONDS * 1000).toISOString();
    const stripeTally = await platform.run(reconcileStripe(window, receivedAt));
    const rechargeTally = await platform.run(reconcileRecharge(new Date(NOW_SECONDS * 1000)));
    await platform.drain();
    if (Exit.isFailure(stripeTally) || Exit.isFailure(rechargeTally)) throw new Error("reconciliation failed");

    expect(stripeTally.value).toMatchObject({ listed: events.length, recovered: droppedStripe, held: events.length - droppedStripe, failed: 0 });
    expect(rechargeTally.value).toMatchObject({ listed: subscriptions.length + charges.length, recovered: droppedSubscriptions + droppedCharges, failed: 0 });
    // Every Stripe event is in the lake, once, under its own id.
    const rawStripe = [...platform.kernel.state.objects.keys()].filter((key) => key.startsWith("raw/stripe/"));
    expect(rawStripe).toHaveLength(events.length);
    for (const event of events) expect(rawStripe.some((key) => key.endsWith(`/${event.id}.json`))).toBe(true);
    // Every subscription and charge is in its hot store in its newest state.
    expect(
      platform.kernel
        .items("subscriptions")
        .map((row) => String(row.id))
        .sort(),
    ).toEqual(subscriptions.map((object) => String(object.id)).sort());
    expect(
      platform.kernel
        .items("charges")
        .map((row) => String(row.id))
        .sort(),
    ).toEqual(charges.map((object) => String(object.id)).sort());
    expect(platform.kernel.objectText(RECHARGE_STATE_KEY)).toContain(receivedAt);

    // The next night finds nothing missing.
    const again = await platform.run(reconcileStripe(window, receivedAt));
    const rechargeAgain = await platform.run(reconcileRecharge(new Date(NOW_SECONDS * 1000)));
    expect(Exit.isSuccess(again) && again.value).toMatchObject({ recovered: 0, held: events.length });
    expect(Exit.isSuccess(rechargeAgain) && rechargeAgain.value).toMatchObject({ recovered: 0, failed: 0 });
    // Pages were followed (120 events at 100 a page; 60 objects at 250 a page).
    expect(standin.requests.get("/v1/events")).toBeGreaterThanOrEqual(4);
    await platform.dispose();
  });

  test("the nightly job writes its counts to the lake and alerts once per source when recovery passes the threshold", async () => {
    const platform = platformFor();
    const delivered = standin.deliveries(0.05, 7);
    for (const event of delivered.stripe) await platform.run(stripeIngress(stripeRequest(JSON.stringify(event))));
    await platform.drain();
    const first = await platform.run(nightlyProgram({ sources: ["stripe", "recharge"] }));
    if (Exit.isFailure(first)) throw new Error(JSON.stringify(first.cause).slice(0, 400));
    const report = first.value;
    const stripe = report.sources.find((tally) => tally.source === "stripe")!;
    const recharge = report.sources.find((tally) => tally.source === "recharge")!;
    expect(stripe.recovered).toBe(events.length - delivered.stripe.length);
    // No Recharge webhook was delivered in this run: every object is recovered.
    expect(recharge.recovered).toBe(subscriptions.length + charges.length);
    expect(JSON.parse(platform.kernel.objectText(report.key)!)).toMatchObject({
      runId: report.runId,
      sources: [{ source: "stripe", recovered: stripe.recovered }, { source: "recharge" }],
    });
    expect(report.key).toMatch(/^metadata\/reconciliation\/payments\/dt=\d{4}-\d{2}-\d{2}\/reconcile-/);
    expect(report.alerted).toEqual(["stripe", "recharge"]);
    expect(platform.kernel.state.alerts.filter((alert) => alert.dedupKey.startsWith("reconciliation:")).map((alert) => alert.kind)).toEqual(["data-quality", "data-quality"]);
    expect(platform.kernel.metricTotal("ReconciliationRecovered")).toBe(stripe.recovered + recharge.recovered);
    // Run again the same day: nothing to recover, no second alert.
    const second = await platform.run(nightlyProgram({}));
    expect(Exit.isSuccess(second) && second.value.sources.map((tally) => tally.recovered)).toEqual([0, 0]);
    expect(platform.kernel.state.alerts.filter((alert) => alert.dedupKey.startsWith("reconciliation:"))).toHaveLength(2);
    await platform.dispose();
  });

  test("a wrong Stripe API key fails once with a message that names it, no retry loop", async () => {
    const platform = platformFor("sk_test_wrong");
    const before = standin.requests.get("/v1/events") ?? 0;
    const exit = await platform.run(reconcileStripe({ fromSeconds: NOW_SECONDS - 86_400, toSeconds: NOW_SECONDS }, new Date(NOW_SECONDS * 1000).toISOString()));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(Exit.isFailure(exit) ? exit.cause : {})).toContain("rejected the API key");
    expect((standin.requests.get("/v1/events") ?? 0) - before).toBe(1);
    await platform.dispose();
  });
});

describe("the payments-reconcile entry (functions/reconcile/payments.ts)", () => {
  const failureOf = async (input: unknown) => {
    const exit = await Effect.runPromiseExit(reconcileEntry(input as never).pipe(Effect.provide(makeTestPlatform().layer)) as Effect.Effect<unknown, unknown, never>);
    return Exit.isFailure(exit) ? JSON.stringify(exit.cause) : "succeeded";
  };

  test.each([
    [{ days: 0 }, "days"],
    [{ days: 31 }, "days"],
    [{ days: 1.5 }, "days"],
    [{ alertRatio: 2 }, "alertRatio"],
    [{ sources: ["paypal"] }, "sources"],
    [{ sources: [] }, "sources"],
    [{ asOf: "yesterday-ish" }, "asOf"],
  ])("rejects %j as InvalidPayload naming %s, before any provider is called", async (input, field) => {
    const failure = await failureOf(input);
    expect(failure).toContain("InvalidPayload");
    expect(failure).toContain(`"field":"${field}"`);
  });
});
