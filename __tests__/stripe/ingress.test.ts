import { Exit } from "effect";
import { program as ingress } from "../../functions/stripe/ingress";
import { program as processor } from "../../functions/stripe/processor";
import { signStripePayload } from "../../functions/stripe/signature";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "./support/payments-platform";
import { editJson, NOW_SECONDS, STRIPE_SECRET, stripeFixture, stripeRequest } from "./support/fixtures";
import { envelopeOf } from "../support";

const post = async (platform: PaymentsTestPlatform, request: ReturnType<typeof stripeRequest>, clockSeconds = NOW_SECONDS) => {
  const exit = await runOn(platform, ingress(request), clockSeconds);
  if (!Exit.isSuccess(exit)) throw new Error(`ingress failed: ${JSON.stringify(exit)}`);
  return { status: exit.value.statusCode, body: JSON.parse(exit.value.body) as Record<string, unknown> };
};
const body = stripeFixture("charge-succeeded.json").rawBody;
const rawKey = "raw/stripe/charge/dt=2026-11-27/evt_3QfakeEvent0002.json";

describe("stripe-ingress", () => {
  it("accepts a signed event: stores the exact bytes under its event id, then publishes it", async () => {
    const platform = makePaymentsTestPlatform();
    expect(await post(platform, stripeRequest(body))).toEqual({ status: 200, body: { status: "accepted" } });
    expect(platform.objectText(rawKey)).toBe(body);
    expect(platform.published).toHaveLength(1);
    expect(platform.published[0]).toMatchObject({
      source: "sdp.stripe",
      detailType: "webhookReceived",
      detail: { source: "stripe", topic: "charge.succeeded", eventId: "evt_3QfakeEvent0002", rawKey },
    });
  });

  it("answers 401 and stores nothing for a bad, missing, stale or future signature", async () => {
    for (const header of [
      signStripePayload(body, ["whsec_wrong"], NOW_SECONDS),
      "",
      signStripePayload(body, [STRIPE_SECRET], NOW_SECONDS - 301),
      signStripePayload(body, [STRIPE_SECRET], NOW_SECONDS + 301),
    ]) {
      const platform = makePaymentsTestPlatform();
      expect((await post(platform, stripeRequest(body, header))).status).toBe(401);
      expect(platform.objectKeys()).toEqual([]);
      expect(platform.published).toEqual([]);
    }
    const tampered = makePaymentsTestPlatform();
    expect((await post(tampered, { ...stripeRequest(body), rawBody: Buffer.from(body.replace("15000", "15")) })).status).toBe(401);
    expect(tampered.objectKeys()).toEqual([]);
  });

  it("accepts a delivery signed with either secret while the secret rotates", async () => {
    const platform = makePaymentsTestPlatform({ stripeWebhook: `whsec_new_one,${STRIPE_SECRET}` });
    expect((await post(platform, stripeRequest(body))).status).toBe(200);
    const second = editJson(body, (event) => (event.id = "evt_signed_with_new"));
    expect((await post(platform, stripeRequest(second, signStripePayload(second, ["whsec_new_one"], NOW_SECONDS)))).status).toBe(200);
  });

  it("stores a redelivered event once and answers duplicate", async () => {
    const platform = makePaymentsTestPlatform();
    await post(platform, stripeRequest(body));
    // Stripe's retry carries a fresh timestamp and signature but the same event id.
    expect(await post(platform, stripeRequest(body, signStripePayload(body, [STRIPE_SECRET], NOW_SECONDS + 60)), NOW_SECONDS + 60)).toEqual({
      status: 200,
      body: { status: "duplicate" },
    });
    expect(platform.objectKeys()).toEqual([rawKey]);
    expect(platform.published).toHaveLength(1);
  });

  it("answers 400 and stores nothing for malformed JSON or an event without id or type", async () => {
    for (const malformed of ['{"id":"evt_1","type":', "[1,2]", JSON.stringify({ type: "charge.succeeded" }), JSON.stringify({ id: "evt_x" })]) {
      const platform = makePaymentsTestPlatform();
      const response = await post(platform, stripeRequest(malformed));
      expect(response.status).toBe(400);
      expect(platform.objectKeys()).toEqual([]);
    }
  });

  it("answers 413 over 1 MiB, before verifying", async () => {
    const platform = makePaymentsTestPlatform();
    const huge = editJson(body, (event) => (event.data.object.metadata = { filler: "x".repeat(1024 * 1024) }));
    expect((await post(platform, stripeRequest(huge))).status).toBe(413);
    expect(platform.objectKeys()).toEqual([]);
  });

  it("stores and acknowledges event types it does not process", async () => {
    const platform = makePaymentsTestPlatform();
    expect((await post(platform, stripeRequest(stripeFixture("customer-created.json").rawBody))).status).toBe(200);
    expect(platform.objectKeys()).toEqual(["raw/stripe/customer/dt=2026-11-27/evt_1QfakeEvent0011.json"]);
  });

  it("answers 500 (Stripe retries) and stores nothing when the secret cannot be read", async () => {
    const platform = makePaymentsTestPlatform({});
    expect((await post(platform, stripeRequest(body))).status).toBe(500);
    expect(platform.objectKeys()).toEqual([]);
  });

  it("door to hot store: what the door publishes is what the processor stores", async () => {
    const platform = makePaymentsTestPlatform();
    await post(platform, stripeRequest(stripeFixture("charge-dispute-created.json").rawBody));
    const event = platform.published[0]!;
    const envelope = envelopeOf(event, "bus-1", "2026-11-27T06:00:00.000Z");
    expect(Exit.isSuccess(await runOn(platform, processor(envelope)))).toBe(true);
    expect(platform.item("disputes", "dp_1QfakeDispute0001")?.status).toBe("needs_response");
    expect(platform.alerts.map((alert) => alert.kind)).toEqual(["dispute-opened"]);
  });
});
