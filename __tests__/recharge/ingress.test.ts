import { Exit } from "effect";
import { program as ingress } from "../../functions/recharge/ingress";
import { program as processor } from "../../functions/recharge/processor";
import { signRechargePayload } from "../../functions/recharge/signature";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "../stripe/support/payments-platform";
import { NOW_SECONDS, RECHARGE_SECRET, rechargeFixture, rechargeRequest } from "../stripe/support/fixtures";
import { envelopeOf } from "../support";

const post = async (platform: PaymentsTestPlatform, request: ReturnType<typeof rechargeRequest>, clockSeconds = NOW_SECONDS) => {
  const exit = await runOn(platform, ingress(request), clockSeconds);
  if (!Exit.isSuccess(exit)) throw new Error(`ingress failed: ${JSON.stringify(exit)}`);
  return { status: exit.value.statusCode, body: JSON.parse(exit.value.body) as Record<string, unknown> };
};
const body = rechargeFixture("subscription-cancelled.json").rawBody;

describe("recharge-ingress", () => {
  it("accepts a delivery signed with both schemes: raw bytes first, then the bus", async () => {
    const platform = makePaymentsTestPlatform();
    expect(await post(platform, rechargeRequest("subscription/cancelled", body))).toEqual({ status: 200, body: { status: "accepted" } });
    const [key] = platform.objectKeys();
    expect(key).toMatch(/^raw\/recharge\/subscription\/dt=2026-11-27\/subscription-cancelled\.27384576\.[0-9a-f]{20}\.json$/);
    expect(platform.objectText(key!)).toBe(body);
    expect(platform.published[0]).toMatchObject({ source: "sdp.recharge", detail: { source: "recharge", topic: "subscription/cancelled", rawKey: key } });
  });

  it("accepts the legacy hash alone", async () => {
    const platform = makePaymentsTestPlatform();
    expect((await post(platform, rechargeRequest("subscription/cancelled", body, signRechargePayload(body, RECHARGE_SECRET)))).status).toBe(200);
  });

  it("answers 401 and stores nothing for a bad hash, a bad or stale timestamped signature, or none", async () => {
    const cases = [
      signRechargePayload(body, "wrong-secret"),
      { ...signRechargePayload(body, RECHARGE_SECRET), "x-recharge-webhook-signature": `t=${NOW_SECONDS},v1=${"0".repeat(64)}` },
      signRechargePayload(body, RECHARGE_SECRET, { timestampSeconds: NOW_SECONDS - 48 * 3600 - 1 }),
      {},
    ];
    for (const headers of cases) {
      const platform = makePaymentsTestPlatform();
      expect((await post(platform, rechargeRequest("subscription/cancelled", body, headers))).status).toBe(401);
      expect(platform.objectKeys()).toEqual([]);
      expect(platform.published).toEqual([]);
    }
  });

  it("the replay window is configurable", async () => {
    const platform = makePaymentsTestPlatform(undefined, { config: { RECHARGE_SIGNATURE_TOLERANCE_SECONDS: "300" } });
    const headers = signRechargePayload(body, RECHARGE_SECRET, { timestampSeconds: NOW_SECONDS - 301 });
    expect((await post(platform, rechargeRequest("subscription/cancelled", body, headers))).status).toBe(401);
  });

  it("accepts either secret during rotation", async () => {
    const platform = makePaymentsTestPlatform({ rechargeWebhook: `${RECHARGE_SECRET}, retiring-secret` });
    const headers = signRechargePayload(body, "retiring-secret", { timestampSeconds: NOW_SECONDS });
    expect((await post(platform, rechargeRequest("subscription/cancelled", body, headers))).status).toBe(200);
  });

  it("stores a redelivery once and answers duplicate", async () => {
    const platform = makePaymentsTestPlatform();
    await post(platform, rechargeRequest("subscription/cancelled", body));
    const retry = signRechargePayload(body, RECHARGE_SECRET, { timestampSeconds: NOW_SECONDS + 3600 });
    expect((await post(platform, rechargeRequest("subscription/cancelled", body, retry), NOW_SECONDS + 3600)).body).toEqual({ status: "duplicate" });
    expect(platform.objectKeys()).toHaveLength(1);
    expect(platform.published).toHaveLength(1);
  });

  it("answers 400 for malformed JSON or a missing topic, storing nothing", async () => {
    const malformed = '{"subscription": {"id": 1,';
    const platform = makePaymentsTestPlatform();
    expect((await post(platform, rechargeRequest("subscription/updated", malformed, signRechargePayload(malformed, RECHARGE_SECRET)))).status).toBe(400);
    const noTopic = rechargeRequest("subscription/updated", body);
    const { "x-recharge-topic": _dropped, ...headers } = noTopic.headers;
    expect((await post(platform, { ...noTopic, headers })).status).toBe(400);
    expect(platform.objectKeys()).toEqual([]);
  });

  it("answers 413 over 1 MiB", async () => {
    const platform = makePaymentsTestPlatform();
    const huge = JSON.stringify({ subscription: { id: 1, filler: "x".repeat(1024 * 1024) } });
    expect((await post(platform, rechargeRequest("subscription/updated", huge))).status).toBe(413);
    expect(platform.objectKeys()).toEqual([]);
  });

  it("stores and acknowledges topics it does not process", async () => {
    const platform = makePaymentsTestPlatform();
    expect((await post(platform, rechargeRequest("order/created", rechargeFixture("order-created.json").rawBody))).status).toBe(200);
    expect(platform.objectKeys()[0]).toMatch(/^raw\/recharge\/order\/dt=2026-11-27\/order-created\.511123987\./);
  });

  it("door to hot store, ids beyond 2^53 intact", async () => {
    const platform = makePaymentsTestPlatform();
    await post(platform, rechargeRequest("subscription/created", rechargeFixture("subscription-created-large-ids.json").rawBody));
    expect(platform.objectKeys()[0]).toContain("subscription-created.1234567890123456789012.");
    const event = platform.published[0]!;
    const envelope = envelopeOf(event, "bus-1", "2026-11-27T06:00:00.000Z");
    expect(Exit.isSuccess(await runOn(platform, processor(envelope)))).toBe(true);
    expect(platform.item("subscriptions", "1234567890123456789012")).toMatchObject({ customer_id: "98765432109876543210", status: "active" });
  });
});
