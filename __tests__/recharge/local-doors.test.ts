/**
 * Recharge and Stripe through `sdp local`'s HTTP doors: real HTTP, the real AWS SDK against the
 * emulators (s3rver, dynalite), the in-process bus and queues, the processors, the alert log.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { editJson, rechargeFixture, stripeFixture } from "../stripe/support/fixtures";
import { localPlatformForTests, nowSeconds, signRechargePayload, signStripePayload } from "../support";

jest.setTimeout(90_000);

const RECHARGE_SECRET = "local-recharge-secret";
const STRIPE_SECRETS = ["whsec_local_new", "whsec_local_old"];

describe("sdp local: POST /webhooks/recharge and /webhooks/stripe", () => {
  const local = localPlatformForTests("payments-doors", { env: { RECHARGE_WEBHOOK_SECRET: RECHARGE_SECRET, STRIPE_WEBHOOK_SECRET: STRIPE_SECRETS.join(",") } });

  const post = async (door: "recharge" | "stripe", body: string, headers: Record<string, string>) => {
    const response = await fetch(`${local.platform.ready.ingress}/webhooks/${door}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const recharge = (topic: string, body: string, headers = signRechargePayload(body, RECHARGE_SECRET, { timestampSeconds: nowSeconds() })) =>
    post("recharge", body, { "X-Recharge-Topic": topic, ...headers });
  const stripe = (body: string, secrets: ReadonlyArray<string> = [STRIPE_SECRETS[0]!]) =>
    post("stripe", body, { "Stripe-Signature": signStripePayload(body, secrets, nowSeconds()) });

  it("Recharge: verified deliveries land raw in S3 and, out of order, as the newest state in DynamoDB", async () => {
    for (const file of ["subscription-cancelled.json", "subscription-created.json", "subscription-updated.json"]) {
      const fixture = rechargeFixture(file);
      expect(await recharge(fixture.topic, fixture.rawBody)).toEqual({ status: 200, body: { status: "accepted" } });
    }
    const cancelled = rechargeFixture("subscription-cancelled.json");
    expect((await recharge(cancelled.topic, cancelled.rawBody)).body).toEqual({ status: "duplicate" });
    const large = rechargeFixture("subscription-created-large-ids.json");
    expect((await recharge(large.topic, large.rawBody)).status).toBe(200);
    await local.platform.drain();

    const keys = await local.aws.listKeys("raw/recharge/subscription/");
    expect(keys).toHaveLength(4);
    expect(await local.aws.getText(keys.find((key) => key.includes("1234567890123456789012"))!)).toBe(large.rawBody);
    expect(await local.aws.getItem("subscriptions", { id: "27384576" })).toMatchObject({ status: "cancelled", customer_id: "64962690", product_id: "6644188463264" });
    expect(await local.aws.getItem("subscriptions", { id: "1234567890123456789012" })).toMatchObject({ customer_id: "98765432109876543210" });
  });

  it("Recharge: 401 for a bad signature and 400 for malformed JSON, nothing stored", async () => {
    const body = rechargeFixture("charge-failed-1.json").rawBody;
    expect((await recharge("charge/failed", body, signRechargePayload(body, "not-the-secret"))).status).toBe(401);
    const malformed = body.slice(0, 40);
    expect((await recharge("charge/failed", malformed, signRechargePayload(malformed, RECHARGE_SECRET))).status).toBe(400);
    await local.platform.drain();
    expect(await local.aws.listKeys("raw/recharge/charge/")).toEqual([]);
  });

  it("Stripe: rotated secrets, duplicates stored once, a stale signature refused, one alert per dispute", async () => {
    const dispute = stripeFixture("charge-dispute-created.json").rawBody;
    expect((await stripe(dispute)).body).toEqual({ status: "accepted" });
    expect((await stripe(dispute, [STRIPE_SECRETS[1]!])).body).toEqual({ status: "duplicate" });
    const resent = editJson(dispute, (event) => (event.id = "evt_local_resent"));
    expect((await stripe(resent)).status).toBe(200);
    const charge = stripeFixture("charge-succeeded.json").rawBody;
    expect((await post("stripe", charge, { "Stripe-Signature": signStripePayload(charge, STRIPE_SECRETS, nowSeconds() - 600) })).status).toBe(401);
    expect((await post("stripe", "{not json", { "Stripe-Signature": signStripePayload("{not json", STRIPE_SECRETS, nowSeconds()) })).status).toBe(400);
    expect((await stripe(stripeFixture("customer-created.json").rawBody)).status).toBe(200);
    await local.platform.drain();

    expect(await local.aws.listKeys("raw/stripe/")).toEqual([
      expect.stringMatching(/^raw\/stripe\/customer\/dt=\d{4}-\d{2}-\d{2}\/evt_1QfakeEvent0011\.json$/),
      expect.stringMatching(/^raw\/stripe\/dispute\/dt=\d{4}-\d{2}-\d{2}\/evt_1QfakeEvent0008\.json$/),
      expect.stringMatching(/^raw\/stripe\/dispute\/dt=\d{4}-\d{2}-\d{2}\/evt_local_resent\.json$/),
    ]);
    expect(await local.aws.getItem("disputes", { id: "dp_1QfakeDispute0001" })).toMatchObject({ status: "needs_response", amount: 15000, charge_id: "ch_3QfakeCharge0001" });
    expect(await local.aws.scan("payments")).toEqual([]);
    const alerts = fs
      .readFileSync(path.join(local.dataDir, "alerts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(alerts.filter((alert) => alert.kind === "dispute-opened").map((alert) => alert.dedupKey)).toEqual(["dispute-opened:dp_1QfakeDispute0001"]);
    expect(JSON.stringify(alerts)).not.toMatch(/Vantablack|example\.test|Juniper/);
  });
});
