import fc from "fast-check";
import { Effect, Exit } from "effect";
import { program } from "../../functions/recharge/processor";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "../stripe/support/payments-platform";
import { editJson, rechargeEnvelope, rechargeFixture } from "../stripe/support/fixtures";

const deliver = (platform: PaymentsTestPlatform, file: string, topic = rechargeFixture(file).topic, options: { inline?: boolean } = {}) =>
  runOn(platform, program(rechargeEnvelope(topic, rechargeFixture(file).rawBody, options)));

const subscription = (platform: PaymentsTestPlatform, id = "27384576") => platform.item("subscriptions", id);
const charge = (platform: PaymentsTestPlatform, id = "386456981") => platform.item("charges", id);

describe("recharge-processor: subscriptions", () => {
  it("stores status, next charge date, product and customer, and no contact details", async () => {
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliver(platform, "subscription-created.json"))).toBe(true);
    const item = subscription(platform)!;
    expect(item).toMatchObject({
      id: "27384576",
      customer_id: "64962690",
      status: "active",
      next_charge_date: "2026-12-01",
      product_id: "6644188463264",
      variant_id: "39636618133664",
      product_title: "Single Origin Coffee Subscription",
      price: "27.00",
      updated_at: "2026-11-01T10:00:00.000Z",
      last_topic: "subscription/created",
    });
    expect(JSON.stringify(item)).not.toContain("@example.test");
    expect(platform.metricTotal("RecordWritten")).toBe(1);
  });

  it("keeps ids beyond 2^53 digit for digit", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "subscription-created-large-ids.json");
    const item = subscription(platform, "1234567890123456789012")!;
    expect(item.customer_id).toBe("98765432109876543210");
    expect(item.address_id).toBe("9007199254740993");
  });

  it("reads the body from the raw lake when the event carries no inline payload", async () => {
    const platform = makePaymentsTestPlatform();
    const envelope = rechargeEnvelope("subscription/created", rechargeFixture("subscription-created-large-ids.json").rawBody, { inline: false });
    platform.putObject((envelope.detail as { rawKey: string }).rawKey, rechargeFixture("subscription-created-large-ids.json").rawBody);
    expect(Exit.isSuccess(await runOn(platform, program(envelope)))).toBe(true);
    expect(subscription(platform, "1234567890123456789012")?.customer_id).toBe("98765432109876543210");
  });

  it("newer updated_at wins whatever the arrival order; stale deliveries are counted", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "subscription-cancelled.json");
    await deliver(platform, "subscription-updated.json");
    await deliver(platform, "subscription-created.json");
    expect(subscription(platform)).toMatchObject({ status: "cancelled", cancelled_at: "2026-11-20T16:45:12.000Z", last_topic: "subscription/cancelled" });
    expect(subscription(platform)!.cancellation_reason).toContain("Too much coffee");
    expect(platform.metricTotal("StaleUpdate")).toBe(2);
  });

  it("stores a duplicate delivery once", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "subscription-created.json");
    await deliver(platform, "subscription-created.json");
    expect(platform.metricTotal("RecordWritten")).toBe(1);
    expect(platform.metricTotal("DuplicateEvent")).toBe(1);
  });

  it("alerts once per cancellation, without PII, however often it is delivered", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "subscription-cancelled.json");
    await deliver(platform, "subscription-cancelled.json");
    // The same cancellation reported again through subscription/updated is the same business event.
    await deliver(platform, "subscription-cancelled.json", "subscription/updated");
    expect(platform.alerts).toHaveLength(1);
    const [alert] = platform.alerts;
    expect(alert).toMatchObject({ kind: "subscription-cancelled", dedupKey: "subscription-cancelled:27384576:2026-11-20T16:45:12.000Z" });
    expect(alert!.message).toContain("Too much coffee");
    for (const pii of ["555-013-4477", "mariabelle.quonsetti@example.test", "742 Evergreen", "Quonsetti"]) expect(JSON.stringify(alert)).not.toContain(pii);
  });

  it("a deleted subscription becomes a tombstone that older updates cannot revive", async () => {
    const platform = makePaymentsTestPlatform();
    const body = editJson(rechargeFixture("subscription-updated.json").rawBody, (value) => (value.subscription.updated_at = "2026-11-25T00:00:00+00:00"));
    await runOn(platform, program(rechargeEnvelope("subscription/deleted", body)));
    await deliver(platform, "subscription-updated.json");
    expect(subscription(platform)).toMatchObject({ status: "deleted", deleted: true });
  });
});

describe("recharge-processor: charges", () => {
  it("stores status, attempts and error", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "charge-failed-1.json");
    expect(charge(platform)).toMatchObject({
      status: "error",
      attempts: 1,
      error_type: "CARD_DECLINED",
      customer_id: "64962690",
      subscription_ids: ["27384576"],
      total_price: "32.95",
    });
    expect(platform.alerts).toHaveLength(0);
  });

  it("alerts when the failures reach the threshold and again at max retries, once each", async () => {
    const platform = makePaymentsTestPlatform();
    for (const file of ["charge-failed-1.json", "charge-failed-3.json", "charge-failed-3.json", "charge-max-retries-reached.json", "charge-max-retries-reached.json"]) {
      expect(Exit.isSuccess(await deliver(platform, file))).toBe(true);
    }
    expect(platform.alerts.map((alert) => [alert.kind, alert.severity, alert.dedupKey])).toEqual([
      ["charge-failed", "warning", "charge-failed:386456981:attempts-3"],
      ["charge-failed", "critical", "charge-failed:386456981:max-retries"],
    ]);
    for (const alert of platform.alerts) {
      expect(alert.message).not.toMatch(/0341|4000 0000|@example\.test|Evergreen|Quonsetti/);
    }
    expect(charge(platform)).toMatchObject({ attempts: 6, max_retries_reached: true });
  });

  it("the threshold is configurable", async () => {
    const platform = makePaymentsTestPlatform(undefined, { config: { RECHARGE_CHARGE_FAILED_ALERT_ATTEMPTS: "1" } });
    await deliver(platform, "charge-failed-1.json");
    expect(platform.alerts.map((alert) => alert.dedupKey)).toEqual(["charge-failed:386456981:attempts-1"]);
  });

  it("a paid charge is not overwritten by an older failure arriving late", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "charge-paid.json");
    await deliver(platform, "charge-created.json");
    expect(charge(platform)).toMatchObject({ status: "success", external_order_id: "5309871234567" });
  });
});

describe("recharge-processor: unknown and malformed deliveries", () => {
  it("acknowledges topics it does not process and counts them", async () => {
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliver(platform, "order-created.json"))).toBe(true);
    expect(platform.metricTotal("UnknownEventType")).toBe(1);
    expect(platform.items("subscriptions").length + platform.items("charges").length).toBe(0);
  });

  it("fails a payload missing a field it needs with InvalidPayload naming the field, not its values", async () => {
    const platform = makePaymentsTestPlatform();
    const body = editJson(rechargeFixture("subscription-created.json").rawBody, (value) => {
      delete value.subscription.updated_at;
      value.subscription.status = 42;
    });
    const exit = await runOn(platform, program(rechargeEnvelope("subscription/created", body)));
    expect(Exit.isFailure(exit)).toBe(true);
    const failure = JSON.stringify(exit);
    expect(failure).toContain("InvalidPayload");
    expect(failure).toContain("subscription");
    expect(failure).not.toContain("example.test");
    expect(platform.items("subscriptions")).toHaveLength(0);
  });

  it("rejects an unparseable updated_at as InvalidPayload", async () => {
    const platform = makePaymentsTestPlatform();
    const body = editJson(rechargeFixture("charge-created.json").rawBody, (value) => (value.charge.updated_at = "yesterday"));
    const exit = await runOn(platform, program(rechargeEnvelope("charge/created", body)));
    expect(JSON.stringify(exit)).toContain('"field":"charge.updated_at"');
    expect(JSON.stringify(exit)).not.toContain("yesterday");
  });

  it("a failed run can be retried (the idempotency key is released)", async () => {
    const platform = makePaymentsTestPlatform();
    const envelope = rechargeEnvelope("subscription/created", rechargeFixture("subscription-created.json").rawBody, { inline: false });
    expect(Exit.isFailure(await runOn(platform, program(envelope)))).toBe(true);
    platform.putObject((envelope.detail as { rawKey: string }).rawKey, rechargeFixture("subscription-created.json").rawBody);
    expect(Exit.isSuccess(await runOn(platform, program(envelope)))).toBe(true);
    expect(subscription(platform)?.status).toBe("active");
  });
});

describe("recharge-processor: convergence property", () => {
  const files = [
    "subscription-created.json",
    "subscription-updated.json",
    "subscription-cancelled.json",
    "charge-created.json",
    "charge-failed-1.json",
    "charge-failed-3.json",
    "charge-paid.json",
  ];
  const envelopes = new Map(files.map((file) => [file, rechargeEnvelope(rechargeFixture(file).topic, rechargeFixture(file).rawBody)]));
  const runAll = async (sequence: ReadonlyArray<string>) => {
    const platform = makePaymentsTestPlatform();
    const exit = await runOn(
      platform,
      Effect.forEach(sequence, (file) => program(envelopes.get(file)!), { discard: true }),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    return platform;
  };

  it("any order and duplication of the deliveries ends in the state of the ordered set", async () => {
    const ordered = await runAll(files);
    const expected = { subscription: subscription(ordered), charge: charge(ordered) };
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }),
        fc.array(fc.constantFrom(...files), { maxLength: 4 }),
        async (shuffled, duplicates) => {
          const platform = await runAll([...shuffled, ...duplicates]);
          expect({ subscription: subscription(platform), charge: charge(platform) }).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
