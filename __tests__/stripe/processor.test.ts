import fc from "fast-check";
import { Effect, Exit } from "effect";
import { program } from "../../functions/stripe/processor";
import { stripeTargetOf } from "../../functions/stripe/processor-program";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "./support/payments-platform";
import { editJson, stripeEnvelope, stripeFixture } from "./support/fixtures";

const deliver = (platform: PaymentsTestPlatform, fileOrBody: string) =>
  runOn(platform, program(stripeEnvelope(fileOrBody.endsWith(".json") ? stripeFixture(fileOrBody).rawBody : fileOrBody)));
const row = (platform: PaymentsTestPlatform, table: "payments" | "invoices" | "disputes", id: string) => platform.item(table, id);

describe("stripe-processor: payments, invoices, disputes", () => {
  it("stores a charge without billing details or card data", async () => {
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliver(platform, "charge-succeeded.json"))).toBe(true);
    const item = row(platform, "payments", "ch_3QfakeCharge0001")!;
    expect(item).toMatchObject({
      object: "charge",
      status: "succeeded",
      amount: 15000,
      currency: "usd",
      customer_id: "cus_QfakeCustomer01",
      payment_intent_id: "pi_3QfakeIntent0001",
      created: "2026-11-18T11:06:30.000Z",
    });
    expect(JSON.stringify(item)).not.toMatch(/8431|Vantablack|example\.test|Juniper|404-555/);
  });

  it("stores payment intents, invoices and disputes in their tables", async () => {
    const platform = makePaymentsTestPlatform();
    for (const file of ["payment_intent-succeeded.json", "invoice-paid.json", "charge-dispute-created.json"]) expect(Exit.isSuccess(await deliver(platform, file))).toBe(true);
    expect(row(platform, "payments", "pi_3QfakeIntent0001")).toMatchObject({ object: "payment_intent", status: "succeeded", amount_received: 15000 });
    expect(row(platform, "invoices", "in_1QfakeInvoice0001")).toMatchObject({
      status: "paid",
      amount_paid: 15000,
      subscription_id: "sub_1QfakeSubscription1",
      number: "ACME-0042",
    });
    expect(row(platform, "disputes", "dp_1QfakeDispute0001")).toMatchObject({ status: "needs_response", charge_id: "ch_3QfakeCharge0001", reason: "fraudulent", amount: 15000 });
  });

  it("a newer event wins; an older one arriving late is counted stale", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "charge-dispute-closed.json");
    await deliver(platform, "charge-dispute-created.json");
    expect(row(platform, "disputes", "dp_1QfakeDispute0001")?.status).toBe("lost");
    await deliver(platform, "charge-refunded.json");
    await deliver(platform, "charge-succeeded.json");
    expect(row(platform, "payments", "ch_3QfakeCharge0001")).toMatchObject({ refunded: true, amount_refunded: 15000 });
    expect(platform.metricTotal("StaleUpdate")).toBe(2);
  });

  it("for equal created, a final status beats processing in either order", async () => {
    const processing = stripeFixture("payment_intent-processing.json").rawBody;
    const sameSecond = editJson(processing, (event) => (event.created = 1795000000));
    for (const order of [
      [sameSecond, "payment_intent-succeeded.json"],
      ["payment_intent-succeeded.json", sameSecond],
    ]) {
      const platform = makePaymentsTestPlatform();
      for (const delivery of order) await deliver(platform, delivery!);
      expect(row(platform, "payments", "pi_3QfakeIntent0001")?.status).toBe("succeeded");
    }
    // A failure recorded in the same second as processing also wins.
    const failed = editJson(stripeFixture("payment_intent-payment_failed.json").rawBody, (event) => (event.created = 1795000000));
    const stillProcessing = editJson(sameSecond, (event) => (event.data.object.id = "pi_3QfakeIntent0002"));
    const platform = makePaymentsTestPlatform();
    await deliver(platform, failed);
    await deliver(platform, stillProcessing);
    expect(row(platform, "payments", "pi_3QfakeIntent0002")).toMatchObject({ status: "requires_payment_method", failed: true, decline_code: "insufficient_funds" });
  });

  it("stores a duplicate event (same id) once", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "invoice-paid.json");
    await deliver(platform, "invoice-paid.json");
    expect(platform.metricTotal("RecordWritten")).toBe(1);
    expect(platform.metricTotal("DuplicateEvent")).toBe(1);
  });
});

describe("stripe-processor: alerts", () => {
  it("one dispute-opened alert per dispute, whatever the redeliveries", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "charge-dispute-created.json");
    await deliver(platform, "charge-dispute-created.json");
    // Stripe resending the business event under a new event id still names the same dispute.
    await deliver(
      platform,
      editJson(stripeFixture("charge-dispute-created.json").rawBody, (event) => (event.id = "evt_resent")),
    );
    await deliver(platform, "charge-dispute-closed.json");
    expect(platform.alerts.map((alert) => [alert.kind, alert.dedupKey, alert.severity])).toEqual([["dispute-opened", "dispute-opened:dp_1QfakeDispute0001", "critical"]]);
    expect(platform.alerts[0]!.message).toContain("fraudulent");
    expect(platform.metricTotal("AlertDeduplicated")).toBe(2);
  });

  it("one payment-failed alert for charge.failed + payment_intent.payment_failed above the amount", async () => {
    const platform = makePaymentsTestPlatform();
    await deliver(platform, "charge-failed.json");
    await deliver(platform, "payment_intent-payment_failed.json");
    await deliver(platform, "payment_intent-payment_failed.json");
    expect(platform.alerts).toHaveLength(1);
    expect(platform.alerts[0]).toMatchObject({ kind: "payment-failed", dedupKey: "payment-failed:pi_3QfakeIntent0002" });
    expect(JSON.stringify(platform.alerts)).not.toMatch(/0341|8431|Vantablack|example\.test|Juniper|404-555|Fingerprint/);
  });

  it("no alert for a failure below the configured amount; the amount is configurable", async () => {
    const small = makePaymentsTestPlatform();
    await deliver(small, "payment_intent-payment_failed-small.json");
    expect(small.alerts).toHaveLength(0);
    const lowered = makePaymentsTestPlatform(undefined, { config: { STRIPE_PAYMENT_FAILED_ALERT_MIN_AMOUNT: "500" } });
    await deliver(lowered, "payment_intent-payment_failed-small.json");
    expect(lowered.alerts.map((alert) => alert.dedupKey)).toEqual(["payment-failed:pi_3QfakeIntent0003"]);
  });
});

describe("stripe-processor: unknown and malformed events", () => {
  it("acknowledges and counts types it does not store (customer.*, charge.refund.* objects)", async () => {
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliver(platform, "customer-created.json"))).toBe(true);
    const refundObject = editJson(stripeFixture("charge-refunded.json").rawBody, (event) => {
      event.type = "charge.refund.updated";
      event.data.object = { id: "re_1", object: "refund", amount: 100 };
    });
    expect(Exit.isSuccess(await deliver(platform, refundObject))).toBe(true);
    expect(platform.metricTotal("UnknownEventType")).toBe(2);
    expect(platform.items("payments").length + platform.items("invoices").length + platform.items("disputes").length).toBe(0);
    expect(stripeTargetOf("charge.dispute.funds_withdrawn", "dispute")).toBe("disputes");
    expect(stripeTargetOf("charge.captured", "charge")).toBe("payments");
  });

  it("fails an object missing a field it needs with InvalidPayload, quoting no values", async () => {
    const platform = makePaymentsTestPlatform();
    // `status` ranks the version (amounts are optional: __tests__/stripe/optional-fields.test.ts).
    const exit = await deliver(
      platform,
      editJson(stripeFixture("charge-succeeded.json").rawBody, (event) => delete event.data.object.status),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("Stripe charge is invalid at status");
    expect(JSON.stringify(exit)).not.toContain("example.test");
    const noCreated = await deliver(
      platform,
      editJson(stripeFixture("charge-succeeded.json").rawBody, (event) => (event.created = "yesterday")),
    );
    expect(JSON.stringify(noCreated)).toContain("InvalidPayload");
    expect(platform.items("payments")).toHaveLength(0);
  });
});

describe("stripe-processor: convergence property", () => {
  const files = [
    "payment_intent-processing.json",
    "charge-succeeded.json",
    "payment_intent-succeeded.json",
    "invoice-paid.json",
    "charge-refunded.json",
    "charge-dispute-created.json",
    "charge-dispute-closed.json",
    "charge-failed.json",
    "payment_intent-payment_failed.json",
    "invoice-payment_failed.json",
  ];
  const envelopes = new Map(files.map((file) => [file, stripeEnvelope(stripeFixture(file).rawBody)]));
  const stateAfter = async (sequence: ReadonlyArray<string>) => {
    const platform = makePaymentsTestPlatform();
    expect(
      Exit.isSuccess(
        await runOn(
          platform,
          Effect.forEach(sequence, (file) => program(envelopes.get(file)!), { discard: true }),
        ),
      ),
    ).toBe(true);
    return {
      tables: Object.fromEntries(
        (["payments", "invoices", "disputes"] as const).map((table) => [table, platform.items(table).sort((a, b) => String(a.id).localeCompare(String(b.id)))]),
      ),
      alerts: platform.alerts.map((alert) => alert.dedupKey).sort(),
    };
  };

  it("any order and duplication of the events ends in the state of the ordered set, with the same alerts", async () => {
    const expected = await stateAfter(files);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }),
        fc.array(fc.constantFrom(...files), { maxLength: 5 }),
        async (shuffled, duplicates) => {
          expect(await stateAfter([...shuffled, ...duplicates])).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
