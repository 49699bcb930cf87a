/**
 * `sdp reconcile payments` against a running embedded platform and the payments stand-ins: the
 * stand-ins drop 10% of each source's webhooks, the rest arrive signed through the real doors;
 * the command must recover every dropped one through the platform (raw copy, processors), say so,
 * and find nothing the second time.
 */
import * as fs from "node:fs";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { RECHARGE_TOPIC_HEADER, signRechargePayload } from "../../functions/recharge/signature";
import { signStripePayload, STRIPE_SIGNATURE_HEADER } from "../../functions/stripe/signature";
import { startPaymentsStandin, type PaymentsStandin, type RechargeObject, type StripeEvent } from "../../local/payments-standin/server";
import { startLocalPlatform, type LocalPlatform } from "../../local/platform";
import { rechargeFixture, stripeFixture } from "../stripe/support/fixtures";
import { runSdp, tempDir } from "./support";

const STRIPE_KEY = "sk_test_cli_reconcile";
const RECHARGE_TOKEN = "recharge_cli_reconcile";

describe("sdp reconcile payments", () => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const sample = JSON.parse(stripeFixture("charge-succeeded.json").rawBody) as Record<string, any>;
  const events: StripeEvent[] = Array.from({ length: 30 }, (_, index) => ({
    ...sample,
    type: String(sample.type),
    id: `evt_cli${String(index).padStart(3, "0")}`,
    created: nowSeconds - 3600 - index * 60,
    data: { ...sample.data, object: { ...sample.data.object, id: `ch_cli${index}` } },
  }));
  const rechargeObjects = (resource: "subscription" | "charge"): RechargeObject[] => {
    const object = JSON.parse(rechargeFixture(resource === "subscription" ? "subscription-created.json" : "charge-created.json").rawBody)[resource] as Record<string, unknown>;
    return Array.from({ length: 15 }, (_, index) => ({
      ...object,
      id: Number(object.id) + index,
      updated_at: new Date((nowSeconds - 7200 - index * 60) * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
    }));
  };
  const subscriptions = rechargeObjects("subscription");
  const charges = rechargeObjects("charge");

  let dataDir: string;
  let platform: LocalPlatform;
  let standin: PaymentsStandin;

  beforeAll(async () => {
    dataDir = tempDir("reconcile");
    // The API credentials as sdp local takes them from its environment.
    platform = await startLocalPlatform({ dataDir, port: 0, env: { STRIPE_API_KEY: STRIPE_KEY, RECHARGE_API_TOKEN: RECHARGE_TOKEN } });
    standin = await startPaymentsStandin({ stripeApiKey: STRIPE_KEY, rechargeApiToken: RECHARGE_TOKEN, stripeEvents: events, subscriptions, charges });
  }, 60_000);
  afterAll(async () => {
    await standin?.close();
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(new URL(path, platform.ready.ingress), { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    expect(response.status).toBe(200);
  };

  it("recovers every dropped webhook of both sources through the platform, and nothing on the next run", async () => {
    const delivered = standin.deliveries(0.1, 11);
    expect(delivered.dropped).toBeGreaterThan(2);
    for (const event of delivered.stripe) {
      const body = JSON.stringify(event);
      await post("/webhooks/stripe", body, { [STRIPE_SIGNATURE_HEADER]: signStripePayload(body, [LOCAL_DEFAULT_WEBHOOK_SECRET], Math.floor(Date.now() / 1000)) });
    }
    for (const [topic, key, objects] of [
      ["subscription/updated", "subscription", delivered.subscriptions],
      ["charge/updated", "charge", delivered.charges],
    ] as const) {
      for (const object of objects) {
        const body = JSON.stringify({ [key]: object });
        await post("/webhooks/recharge", body, { [RECHARGE_TOPIC_HEADER]: topic, ...signRechargePayload(body, LOCAL_DEFAULT_WEBHOOK_SECRET) });
      }
    }
    await platform.drain();

    const args = ["reconcile", "payments", "--ingress", platform.ready.ingress, "--stripe-api-url", standin.url, "--recharge-api-url", standin.url, "--days", "1"];
    const run = await runSdp([...args, "--json"]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const report = JSON.parse(run.stdout);
    const stripe = report.sources.find((tally: any) => tally.source === "stripe");
    const recharge = report.sources.find((tally: any) => tally.source === "recharge");
    expect(stripe).toMatchObject({ listed: events.length, recovered: events.length - delivered.stripe.length, failed: 0 });
    expect(recharge).toMatchObject({
      listed: subscriptions.length + charges.length,
      recovered: subscriptions.length + charges.length - delivered.subscriptions.length - delivered.charges.length,
      failed: 0,
    });
    expect(report.key).toMatch(/^metadata\/reconciliation\/payments\/dt=\d{4}-\d{2}-\d{2}\/reconcile-/);
    // Recovered events went through the processors: every Stripe event's raw copy, every row in its store.
    const status = JSON.parse((await runSdp(["status", "--data-dir", dataDir, "--json"])).stdout);
    expect(status.lake).toEqual(expect.arrayContaining([{ prefix: "raw/stripe/charge/", objects: events.length, bytes: expect.any(Number) }]));
    expect(status.hotStores).toMatchObject({ subscriptions: subscriptions.length, payments: events.length });
    // More than 2% of each source had to be recovered: one alert per source and day.
    expect(report.alerted).toEqual(["stripe", "recharge"]);
    expect(platform.counters().alerts.byKind["data-quality"]).toBe(2);

    const again = await runSdp(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/stripe\s+listed 30, already held 30, recovered 0, failed 0/);
    // Recharge lists from the last run's start (less an hour's overlap): nothing was updated since.
    expect(again.stdout).toMatch(/recharge\s+listed 0, already held 0, recovered 0, failed 0/);
    expect(again.stdout).toMatch(/^report: metadata\/reconciliation\/payments\//m);
  }, 120_000);

  it("refuses to call a provider it was not given (exit 2), a wrong key fails the run (exit 1), and --help has an example", async () => {
    const noApi = await runSdp(["reconcile", "payments", "--ingress", platform.ready.ingress]);
    expect(noApi.code).toBe(2);
    expect(noApi.stderr).toContain("no Stripe API for the local platform: pass --stripe-api-url");
    expect((await runSdp(["reconcile", "payments", "--ingress", platform.ready.ingress, "--stripe-api-url", "https://api.stripe.com"])).code).toBe(2);
    expect((await runSdp(["reconcile", "refunds", "--ingress", platform.ready.ingress])).code).toBe(2);
    expect((await runSdp(["reconcile", "payments", "--days", "90", "--ingress", platform.ready.ingress])).code).toBe(2);

    const wrongKey = await startPaymentsStandin({ stripeApiKey: "sk_test_other", rechargeApiToken: RECHARGE_TOKEN });
    try {
      const failed = await runSdp(["reconcile", "payments", "--source", "stripe", "--ingress", platform.ready.ingress, "--stripe-api-url", wrongKey.url]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("Stripe rejected the API key");
    } finally {
      await wrongKey.close();
    }
    const help = await runSdp(["reconcile", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:\n  npx sdp reconcile payments");
  }, 60_000);
});
