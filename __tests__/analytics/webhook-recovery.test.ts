/**
 * The data-quality run's webhook-recovery measure (contracts/webhook-recovery.ts): per source, the
 * day's events received by webhook and those the nightly reconciliation recovered, from lake
 * listings; the alert when recovery passes the configured share and count. And the markers the
 * reconciliation leaves: under the day it recovered and the day of the event itself.
 */
import { ConfigProvider, Effect } from "effect";
import { rawEventKey } from "../../contracts/lake-layout";
import { defaultWebhookRecoveryAlert, recoveredEventKey, type WebhookRecoveryAlert } from "../../contracts/webhook-recovery";
import { checkWebhookRecovery, type DqFacts } from "../../functions/data-quality/checks";
import { webhookDeliveryFacts } from "../../functions/data-quality/facts";
import { dataQualityProgram } from "../../functions/data-quality/handler-program";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { STRIPE_API_URL_VAR, reconcileStripe } from "../../functions/reconcile/stripe";
import { startPaymentsStandin, type StripeEvent } from "../../local/payments-standin/server";
import { stripeFixture } from "../stripe/support/fixtures";

const DAY = "2026-11-29";
const NEXT = "2026-11-30";
const BEFORE = "2026-11-28";

/** `count` raw objects of a source's entity received on `day`. */
const putRaw = (platform: TestPlatform, source: "shopify" | "recharge" | "stripe", entity: string, day: string, count: number, prefix = "w") => {
  for (let index = 0; index < count; index += 1) {
    platform.state.objects.set(rawEventKey(source, entity, `${day}T12:00:00Z`, `${prefix}-${entity}-${index}`), { body: new Uint8Array() });
  }
};
/** A recovered event: its raw copy on the recovery day and its marker. */
const putRecovered = (platform: TestPlatform, source: "recharge" | "stripe", entity: string, recoveredDay: string, eventDay: string, eventId: string) => {
  platform.state.objects.set(rawEventKey(source, entity, `${recoveredDay}T02:30:00Z`, eventId), { body: new Uint8Array() });
  platform.state.objects.set(recoveredEventKey(source, recoveredDay, eventDay, entity, eventId), { body: new Uint8Array() });
};

const factsOf = async (platform: TestPlatform, date: string) => Effect.runPromise(webhookDeliveryFacts(date).pipe(Effect.provide(platform.layer)));

const check = (facts: Pick<DqFacts, "webhookDelivery">, alert?: WebhookRecoveryAlert) =>
  checkWebhookRecovery({ date: DAY, streams: [], manifests: [], fieldSamples: [], hotStore: { mode: "none", note: "" }, missing: {}, ...facts, webhookRecoveryAlert: alert }).map(
    (result) => [result.subject, result.status, result.severity, result.details?.received, result.details?.recovered],
  );

describe("webhook-recovery facts and check", () => {
  it("counts by webhook what the day received less that day's recovered copies, and as recovered the day's events recovered that night or later", async () => {
    const platform = makeTestPlatform();
    putRaw(platform, "stripe", "charge", DAY, 40);
    putRaw(platform, "stripe", "invoice", DAY, 8);
    // Not a webhook entity of the Stripe endpoint: never counted.
    putRaw(platform, "stripe", "customer", DAY, 5);
    putRaw(platform, "recharge", "subscription", DAY, 30);
    putRaw(platform, "shopify", "orders", DAY, 12);
    putRaw(platform, "stripe", "charge", BEFORE, 50);
    // Recovered on DAY: two events of the day before (their raw copies lie under DAY, not webhooks) ...
    putRecovered(platform, "stripe", "charge", DAY, BEFORE, "evt_b1");
    putRecovered(platform, "stripe", "charge", DAY, BEFORE, "evt_b2");
    // ... one of DAY itself, and the next night three more of DAY and one Recharge subscription.
    putRecovered(platform, "stripe", "charge", DAY, DAY, "evt_d1");
    for (const id of ["evt_d2", "evt_d3", "evt_d4"]) putRecovered(platform, "stripe", "invoice", NEXT, DAY, id);
    putRecovered(platform, "recharge", "subscription", NEXT, DAY, "subscription-updated.1.abc");

    const facts = await factsOf(platform, DAY);
    expect(facts).toEqual([
      { source: "shopify", rawObjects: 12, recoveredCopies: 0 },
      { source: "recharge", rawObjects: 30, recoveredCopies: 0, recovered: 1 },
      // 48 webhooks + 3 copies recovered on DAY.
      { source: "stripe", rawObjects: 51, recoveredCopies: 3, recovered: 4 },
    ]);
    // The day before: 50 webhooks and the two recovered the next night.
    expect((await factsOf(platform, BEFORE)).find((fact) => fact.source === "stripe")).toEqual({ source: "stripe", rawObjects: 50, recoveredCopies: 0, recovered: 2 });

    expect(check({ webhookDelivery: facts })).toEqual([
      ["shopify", "pass", undefined, 12, null],
      // 1 of 31 is 3.2% but fewer than 3 recovered: a straggler, not failing webhooks.
      ["recharge", "pass", undefined, 30, 1],
      // 4 of 52 is 7.7%, above 2% and at least 3.
      ["stripe", "fail", "warning", 48, 4],
    ]);
  });

  it("alerts only above both the share and the count; nothing at all is skipped", () => {
    const stripe = (rawObjects: number, recovered: number) => ({ webhookDelivery: [{ source: "stripe" as const, rawObjects, recoveredCopies: 0, recovered }] });
    expect(check(stripe(147, 3))).toEqual([["stripe", "pass", undefined, 147, 3]]); // 2.0%: not above 2%
    expect(check(stripe(140, 3))).toEqual([["stripe", "fail", "warning", 140, 3]]); // 2.1%
    expect(check(stripe(0, 0))).toEqual([["stripe", "skipped", undefined, 0, 0]]);
    expect(check(stripe(0, 2))).toEqual([["stripe", "pass", undefined, 0, 2]]); // every webhook missed, but only 2 events
    expect(check(stripe(140, 3), { maxRecoveredShare: 0.05, minRecovered: 1 })).toEqual([["stripe", "pass", undefined, 140, 3]]);
    expect(check(stripe(0, 1), { maxRecoveredShare: 0.05, minRecovered: 1 })).toEqual([["stripe", "fail", "warning", 0, 1]]);
    expect(defaultWebhookRecoveryAlert).toEqual({ maxRecoveredShare: 0.02, minRecovered: 3 });
  });

  it("the program reports the counts, records them as metrics and alerts once per source and day", async () => {
    const platform = makeTestPlatform();
    putRaw(platform, "stripe", "charge", DAY, 20);
    for (const id of ["evt_1", "evt_2", "evt_3"]) putRecovered(platform, "stripe", "charge", NEXT, DAY, id);
    const run = () =>
      Effect.runPromise(
        dataQualityProgram({ date: DAY, runId: "wr", checkedAt: `${NEXT}T05:30:00Z`, hotStore: "none", requestBackfill: false }).pipe(Effect.provide(platform.layer)),
      );
    const report = await run();
    expect(report.webhooks).toEqual([
      { source: "shopify", received: 0, recovered: null, recoveredShare: null },
      { source: "recharge", received: 0, recovered: 0, recoveredShare: null },
      { source: "stripe", received: 20, recovered: 3, recoveredShare: 3 / 23 },
    ]);
    expect(platform.metricTotal("WebhookEventsReceived")).toBe(20);
    expect(platform.metricTotal("WebhookEventsRecovered")).toBe(3);
    await run();
    expect(platform.state.alerts.map((alert) => alert.dedupKey)).toEqual([`data-quality:${DAY}:webhook-recovery:stripe`]);
  });
});

describe("the reconciliation's markers", () => {
  it("a Stripe event of yesterday recovered today is marked under today and its own day; a type no endpoint subscribes to is ignored", async () => {
    const sample = JSON.parse(stripeFixture("charge-succeeded.json").rawBody) as Record<string, any>;
    const created = Date.parse(`${DAY}T22:00:00Z`) / 1000;
    const events: StripeEvent[] = [
      { ...sample, type: "charge.succeeded", id: "evt_marked", created },
      { ...sample, type: "customer.created", id: "evt_customer", created, data: { object: { id: "cus_1", object: "customer" } } },
    ];
    const standin = await startPaymentsStandin({ stripeApiKey: "sk_test_markers", rechargeApiToken: "unused", stripeEvents: events });
    try {
      const platform = makeTestPlatform({ secrets: { stripeApi: "sk_test_markers" } });
      const receivedAt = `${NEXT}T02:30:00.000Z`;
      const window = { fromSeconds: created - 86_400, toSeconds: Date.parse(receivedAt) / 1000 };
      const tally = await Effect.runPromise(
        reconcileStripe(window, receivedAt, "run-1").pipe(
          Effect.provide(platform.layer),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[STRIPE_API_URL_VAR, standin.url]]))),
        ),
      );
      expect(tally).toMatchObject({ listed: 1, ignored: 1, recovered: 1, recoveredIds: ["evt_marked"] });
      const markerKey = recoveredEventKey("stripe", NEXT, DAY, "charge", "evt_marked");
      expect(JSON.parse(platform.objectText(markerKey)!)).toEqual({
        source: "stripe",
        entity: "charge",
        topic: "charge.succeeded",
        eventId: "evt_marked",
        eventAt: `${DAY}T22:00:00.000Z`,
        recoveredAt: receivedAt,
        rawKey: `raw/stripe/charge/dt=${NEXT}/evt_marked.json`,
        runId: "run-1",
      });
      expect(platform.state.objects.has(`raw/stripe/charge/dt=${NEXT}/evt_marked.json`)).toBe(true);
      expect([...platform.state.objects.keys()].some((key) => key.includes("evt_customer"))).toBe(false);
    } finally {
      await standin.close();
    }
  });
});
