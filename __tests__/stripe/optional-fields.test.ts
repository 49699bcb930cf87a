/**
 * The schema rule for payments: only the fields a processor keys, orders or routes on are
 * required. The published Stripe and Recharge samples (__tests__/fixtures/stripe, .../recharge)
 * with the other fields removed or nulled (currency, amounts, a dispute's charge, an object's own
 * `created`) still decode, are stored without those attributes (NULL in SQL), and alert with
 * text that says what is unknown instead of crashing.
 */
import { Exit } from "effect";
import { disputeOpenedAlert, minorUnitsText, paymentFailedAlert, defaultPaymentAlertSettings } from "../../functions/alerts/payment-alerts";
import { program as rechargeProgram } from "../../functions/recharge/processor";
import { program as stripeProgram } from "../../functions/stripe/processor";
import { editJson, rechargeEnvelope, rechargeFixture, stripeEnvelope, stripeFixture, stripeFixtures } from "./support/fixtures";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "./support/payments-platform";

/** Fields no Stripe processor keys, orders or routes on. */
const OPTIONAL_STRIPE_FIELDS = [
  "currency",
  "amount",
  "amount_captured",
  "amount_refunded",
  "amount_received",
  "amount_due",
  "amount_paid",
  "amount_remaining",
  "total",
  "charge",
  "created",
  "paid",
  "refunded",
  "captured",
  "disputed",
  "livemode",
];

const stripped = (file: string, how: "absent" | "null") =>
  editJson(stripeFixture(file).rawBody, (event) => {
    for (const field of OPTIONAL_STRIPE_FIELDS) {
      if (how === "absent") delete event.data.object[field];
      else if (field in event.data.object) event.data.object[field] = null;
    }
  });

type StripeBody = { created?: unknown; data: { object: Record<string, unknown> } };

const deliverStripe = (platform: PaymentsTestPlatform, rawBody: string) => runOn(platform, stripeProgram(stripeEnvelope(rawBody)));

const stored = (platform: PaymentsTestPlatform) => [...platform.items("payments"), ...platform.items("invoices"), ...platform.items("disputes")];

describe("Stripe: fields nobody keys on are optional and nullable", () => {
  const storedFixtures = stripeFixtures.filter((fixture) => fixture.file !== "customer-created.json");

  it.each(storedFixtures.flatMap((fixture) => [[fixture.file, "absent"] as const, [fixture.file, "null"] as const]))(
    "%s with those fields %s decodes and is stored without them",
    async (file, how) => {
      const platform = makePaymentsTestPlatform();
      const exit = await deliverStripe(platform, stripped(file, how));
      expect(Exit.isSuccess(exit)).toBe(true);
      const rows = stored(platform);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      // Keyed and versioned as before; the missing values are simply not there.
      expect(row.id).toBe(JSON.parse(stripeFixture(file).rawBody).data.object.id);
      expect(typeof row.version).toBe("string");
      for (const field of ["currency", "amount", "amount_due", "amount_paid", "amount_remaining", "charge_id", "created"]) expect(row).not.toHaveProperty(field);
      expect(Object.values(row)).not.toContain(null);
    },
  );

  it("an invoice without currency and amounts keeps its status and number", async () => {
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliverStripe(platform, stripped("invoice-paid.json", "absent")))).toBe(true);
    expect(platform.item("invoices", "in_1QfakeInvoice0001")).toMatchObject({ status: "paid", number: "ACME-0042", subscription_id: "sub_1QfakeSubscription1" });
  });

  it("an invoice of API 2025-03-31.basil or later links its subscription and payment through parent and payments", async () => {
    const basil = editJson(stripeFixture("invoice-paid.json").rawBody, (event) => {
      const invoice = event.data.object;
      delete invoice.subscription;
      delete invoice.payment_intent;
      invoice.parent = { type: "subscription_details", subscription_details: { subscription: "sub_1QfakeSubscription1", metadata: {} } };
      invoice.payments = { object: "list", data: [{ id: "inpay_1", payment: { type: "payment_intent", payment_intent: { id: "pi_3QfakeIntent0001" } } }] };
      event.api_version = "2025-03-31.basil";
    });
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliverStripe(platform, basil))).toBe(true);
    expect(platform.item("invoices", "in_1QfakeInvoice0001")).toMatchObject({
      status: "paid",
      subscription_id: "sub_1QfakeSubscription1",
      payment_intent_id: "pi_3QfakeIntent0001",
    });

    const unlinked = makePaymentsTestPlatform();
    const neither = editJson(basil, (event) => {
      event.data.object.parent = null;
      event.data.object.payments = { object: "list", data: [] };
    });
    expect(Exit.isSuccess(await deliverStripe(unlinked, neither))).toBe(true);
    expect(unlinked.item("invoices", "in_1QfakeInvoice0001")).not.toHaveProperty("subscription_id");
    expect(unlinked.item("invoices", "in_1QfakeInvoice0001")).not.toHaveProperty("payment_intent_id");
  });

  it("a dispute without currency alerts with 'unknown currency'; without an amount the amount line is left out", async () => {
    const noCurrency = editJson(stripeFixture("charge-dispute-created.json").rawBody, (event) => delete event.data.object.currency);
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliverStripe(platform, noCurrency))).toBe(true);
    expect(platform.alerts).toHaveLength(1);
    expect(platform.alerts[0]!.message).toContain("Amount: 15000 (minor units, unknown currency)");
    expect(platform.alerts[0]!.message).toContain("Reason: fraudulent");

    const nothing = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliverStripe(nothing, stripped("charge-dispute-created.json", "null")))).toBe(true);
    expect(nothing.alerts).toHaveLength(1);
    expect(nothing.alerts[0]!.message).not.toContain("Amount");
    expect(nothing.alerts[0]!.message).not.toContain("Charge:");
    expect(nothing.alerts[0]!.dedupKey).toBe("dispute-opened:dp_1QfakeDispute0001");
  });

  it("a failed payment without currency or amount still alerts, saying what is unknown", async () => {
    const noCurrency = editJson(stripeFixture("payment_intent-payment_failed.json").rawBody, (event) => delete event.data.object.currency);
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliverStripe(platform, noCurrency))).toBe(true);
    expect(platform.alerts).toHaveLength(1);
    expect(platform.alerts[0]!.subject).toContain("(15000 minor units, unknown currency)");
    expect(platform.item("payments", "pi_3QfakeIntent0002")).toMatchObject({ status: "requires_payment_method", failed: true, amount: 15000 });
    expect(platform.item("payments", "pi_3QfakeIntent0002")).not.toHaveProperty("currency");

    // Without an amount the failure cannot be shown to be below the threshold: it alerts.
    const noAmount = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await deliverStripe(noAmount, stripped("charge-failed.json", "absent")))).toBe(true);
    expect(noAmount.alerts).toHaveLength(1);
    expect(noAmount.alerts[0]!.subject).toContain("(amount unknown)");
    expect(noAmount.alerts[0]!.message).toContain("Amount: unknown");
  });

  it("the alert rules themselves handle absence", () => {
    expect(minorUnitsText(15000, "usd")).toBe("15000 USD (minor units)");
    expect(minorUnitsText(15000, null)).toBe("15000 (minor units, unknown currency)");
    expect(minorUnitsText(undefined, "usd")).toBeUndefined();
    expect(disputeOpenedAlert({ id: "dp_1", status: "needs_response" }).message).toBe("Dispute: dp_1\nStatus: needs_response");
    expect(paymentFailedAlert({ chargeId: "ch_1", amount: 900, currency: null }, defaultPaymentAlertSettings)).toBeUndefined();
    expect(paymentFailedAlert({ chargeId: "ch_1" }, defaultPaymentAlertSettings)?.subject).toBe("Stripe payment ch_1 failed (amount unknown)");
  });

  it("keyed, ordered and routed fields stay required", async () => {
    const edits: Array<(event: StripeBody) => void> = [
      (event) => delete event.data.object.id,
      (event) => delete event.data.object.status,
      (event) => delete event.created,
      (event) => delete event.data.object.object,
    ];
    for (const edit of edits) {
      const platform = makePaymentsTestPlatform();
      const exit = await deliverStripe(platform, editJson(stripeFixture("charge-succeeded.json").rawBody, edit));
      expect(Exit.isFailure(exit) && JSON.stringify(exit)).toContain("InvalidPayload");
      expect(platform.items("payments")).toHaveLength(0);
    }
  });
});

describe("Recharge: fields nobody keys on are optional and nullable", () => {
  it("a failed charge without currency and price alerts without an amount line and stores no currency", async () => {
    const body = editJson(rechargeFixture("charge-failed-3.json").rawBody, (payload) => {
      payload.charge.currency = null;
      delete payload.charge.total_price;
    });
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await runOn(platform, rechargeProgram(rechargeEnvelope("charge/failed", body))))).toBe(true);
    const charge = platform.items("charges")[0]!;
    expect(charge).toMatchObject({ status: "error", attempts: 3 });
    expect(charge).not.toHaveProperty("currency");
    expect(charge).not.toHaveProperty("total_price");
    expect(platform.alerts).toHaveLength(1);
    expect(platform.alerts[0]!.message).not.toContain("Amount");
  });

  it("a subscription with only id, status and updated_at is stored", async () => {
    const body = JSON.stringify({ subscription: { id: 27001, status: "ACTIVE", updated_at: "2026-11-20T10:00:00" } });
    const platform = makePaymentsTestPlatform();
    expect(Exit.isSuccess(await runOn(platform, rechargeProgram(rechargeEnvelope("subscription/created", body))))).toBe(true);
    expect(platform.items("subscriptions")).toEqual([expect.objectContaining({ id: "27001", status: "active", updated_at: "2026-11-20T10:00:00.000Z" })]);
  });
});
