/**
 * Issue 16's acceptance, as a user runs it: `sdp local`, the payments stand-ins and Shopify's
 * webhooks each drop exactly 5% of their deliveries on purpose; the rest arrive signed through the
 * real doors. `sdp reconcile payments` (the nightly job) must recover exactly the dropped Stripe
 * events and Recharge subscriptions and charges, and `sdp dq` must then report per source the
 * events received by webhook and those recovered, with its webhook-recovery alert for each
 * payments source (5% is above the 2% default). Shopify's dropped order webhook is not recovered
 * event by event (the nightly re-export restores state as snapshots): dq counts what arrived and
 * says so.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironment } from "../../config/environments";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { RECOVERED_EVENTS_PREFIX } from "../../contracts/webhook-recovery";
import { RECHARGE_TOPIC_HEADER, signRechargePayload } from "../../functions/recharge/signature";
import { signStripePayload, STRIPE_SIGNATURE_HEADER } from "../../functions/stripe/signature";
import { readAlerts } from "../../local/alerts";
import { startPaymentsStandin, type PaymentsStandin, type RechargeObject, type StripeEvent } from "../../local/payments-standin/server";
import { startLocalPlatform, type LocalPlatform } from "../../local/platform";
import { seededPrng } from "../../functions/kernel/prng";
import { fixture } from "../shopify/support";
import { rechargeFixture, stripeFixture } from "../stripe/support/fixtures";
import { shopifySignature } from "../support";
import { runSdp, tempDir } from "./support";

const STRIPE_KEY = "sk_test_completeness";
const RECHARGE_TOKEN = "recharge_completeness";
const DROP = 0.05;

describe("webhook completeness: 5% of each source's webhooks dropped, every one recovered, counted by sdp dq", () => {
  const now = Date.now();
  const today = new Date(now).toISOString().slice(0, 10);
  // Every event of the day before now (so the counts are the day's whatever the hour).
  const sinceMidnight = Math.floor((now - Date.parse(`${today}T00:00:00Z`)) / 1000);
  const spread = (index: number, count: number) => Math.floor(now / 1000) - 1 - Math.floor(((Math.min(sinceMidnight, 7200) - 2) * index) / count);

  const sample = JSON.parse(stripeFixture("charge-succeeded.json").rawBody) as Record<string, any>;
  const events: StripeEvent[] = Array.from({ length: 60 }, (_, index) => ({
    ...sample,
    type: String(sample.type),
    id: `evt_done${String(index).padStart(3, "0")}`,
    created: spread(index, 60),
    data: { ...sample.data, object: { ...sample.data.object, id: `ch_done${index}` } },
  }));
  const rechargeObjects = (resource: "subscription" | "charge"): RechargeObject[] => {
    const object = JSON.parse(rechargeFixture(resource === "subscription" ? "subscription-created.json" : "charge-created.json").rawBody)[resource] as Record<string, unknown>;
    return Array.from({ length: 40 }, (_, index) => ({
      ...object,
      id: Number(object.id) + index,
      // Recharge's own form: no zone, UTC.
      updated_at: new Date(spread(index, 40) * 1000).toISOString().slice(0, 19),
    }));
  };
  const subscriptions = rechargeObjects("subscription");
  const charges = rechargeObjects("charge");
  const order = fixture("order") as Record<string, unknown>;
  const orders = Array.from({ length: 20 }, (_, index) => ({ ...order, id: 7_100_000 + index, order_number: 5000 + index, name: `#${5000 + index}` }));

  let dataDir: string;
  let platform: LocalPlatform;
  let standin: PaymentsStandin;

  beforeAll(async () => {
    dataDir = tempDir("completeness");
    platform = await startLocalPlatform({ dataDir, port: 0, env: { STRIPE_API_KEY: STRIPE_KEY, RECHARGE_API_TOKEN: RECHARGE_TOKEN } });
    standin = await startPaymentsStandin({ stripeApiKey: STRIPE_KEY, rechargeApiToken: RECHARGE_TOKEN, stripeEvents: events, subscriptions, charges });
  }, 60_000);
  afterAll(async () => {
    await standin?.close();
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (door: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(new URL(`/webhooks/${door}`, platform.ready.ingress), { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    expect({ door, status: response.status, body: response.status === 200 ? "" : await response.text() }).toEqual({ door, status: 200, body: "" });
  };

  it("recovers exactly the dropped events, and dq reports received and recovered per source with the alert", async () => {
    const delivered = standin.deliveries(DROP, 16, { exact: true });
    // Exactly 5% of each list: 3 of 60 Stripe events, 2 of 40 subscriptions, 2 of 40 charges.
    expect([delivered.droppedIds.stripe.length, delivered.droppedIds.subscriptions.length, delivered.droppedIds.charges.length]).toEqual([3, 2, 2]);
    for (const event of delivered.stripe) {
      const body = JSON.stringify(event);
      await post("stripe", body, { [STRIPE_SIGNATURE_HEADER]: signStripePayload(body, [LOCAL_DEFAULT_WEBHOOK_SECRET], Math.floor(Date.now() / 1000)) });
    }
    for (const [topic, key, objects] of [
      ["subscription/updated", "subscription", delivered.subscriptions],
      ["charge/updated", "charge", delivered.charges],
    ] as const) {
      for (const object of objects) {
        const body = JSON.stringify({ [key]: object });
        await post("recharge", body, { [RECHARGE_TOPIC_HEADER]: topic, ...signRechargePayload(body, LOCAL_DEFAULT_WEBHOOK_SECRET) });
      }
    }
    // Shopify: 1 of 20 order webhooks dropped (a seeded choice, as the stand-ins make theirs).
    const random = seededPrng(16);
    const droppedOrder = Math.floor(random() * orders.length);
    const shop = loadEnvironment("local").shopDomain;
    for (const [index, body] of orders.map((o) => JSON.stringify(o)).entries()) {
      if (index === droppedOrder) continue;
      await post("shopify", body, {
        "x-shopify-topic": "orders/create",
        "x-shopify-hmac-sha256": shopifySignature(LOCAL_DEFAULT_WEBHOOK_SECRET, body),
        "x-shopify-shop-domain": shop,
        "x-shopify-webhook-id": `wh-done-${index}`,
        "x-shopify-api-version": "2026-01",
        "x-shopify-triggered-at": new Date().toISOString(),
      });
    }
    await platform.drain();

    const run = await runSdp([
      "reconcile",
      "payments",
      "--ingress",
      platform.ready.ingress,
      "--stripe-api-url",
      standin.url,
      "--recharge-api-url",
      standin.url,
      "--days",
      "1",
      "--json",
    ]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const report = JSON.parse(run.stdout);
    const tally = (source: string) => report.sources.find((candidate: { source: string }) => candidate.source === source);
    // The exact set: every dropped event recovered, nothing else.
    expect([...tally("stripe").recoveredIds].sort()).toEqual([...delivered.droppedIds.stripe].sort());
    expect([...tally("recharge").recoveredIds].sort()).toEqual(
      [...delivered.droppedIds.subscriptions.map((id) => `subscription:${id}`), ...delivered.droppedIds.charges.map((id) => `charge:${id}`)].sort(),
    );
    expect(tally("stripe")).toMatchObject({ listed: 60, held: 57, recovered: 3, failed: 0 });
    expect(tally("recharge")).toMatchObject({ listed: 80, held: 76, recovered: 4, failed: 0 });
    // Each recovered event left its marker beside the raw copy the door wrote.
    const markers = fs
      .readdirSync(path.join(dataDir, "s3"), { recursive: true })
      .map(String)
      .filter((file) => file.includes(RECOVERED_EVENTS_PREFIX.replace(/\/$/, "")) && file.endsWith("._S3rver_object"));
    expect(markers).toHaveLength(7);

    const dq = await runSdp(["dq", "--date", today, "--data-dir", dataDir, "--json"]);
    expect(dq.stderr).toBe("");
    const quality = JSON.parse(dq.stdout);
    expect(quality.webhooks).toEqual([
      { source: "shopify", received: 19, recovered: null, recoveredShare: null },
      { source: "recharge", received: 76, recovered: 4, recoveredShare: 4 / 80 },
      { source: "stripe", received: 57, recovered: 3, recoveredShare: 3 / 60 },
    ]);
    const recovery = quality.results.filter((result: { check: string }) => result.check === "webhook-recovery");
    expect(recovery.map((result: { subject: string; status: string; severity?: string }) => [result.subject, result.status, result.severity])).toEqual([
      ["shopify", "pass", undefined],
      ["recharge", "fail", "warning"],
      ["stripe", "fail", "warning"],
    ]);
    expect(recovery[2].message).toContain("57 stripe events received by webhook on");
    expect(recovery[2].message).toContain("3 recovered by reconciliation (5.0%): more than 2.0% (and at least 3)");
    const dqAlerts = () =>
      readAlerts(path.join(dataDir, "alerts.jsonl"))
        .filter((alert) => alert.dedupKey.startsWith(`data-quality:${today}:webhook-recovery:`))
        .map((alert) => alert.dedupKey);
    expect(dqAlerts()).toEqual([`data-quality:${today}:webhook-recovery:recharge`, `data-quality:${today}:webhook-recovery:stripe`]);

    // The human form says the same; a second dq run that day alerts nobody again.
    const text = await runSdp(["dq", "--date", today, "--data-dir", dataDir]);
    expect(text.stdout).toMatch(/^ {2}stripe\s+received 57, recovered 3 \(5\.0%\)$/m);
    expect(text.stdout).toMatch(/^ {2}recharge\s+received 76, recovered 4 \(5\.0%\)$/m);
    expect(text.stdout).toMatch(/^ {2}shopify\s+received 19, not recovered event by event$/m);
    expect(dqAlerts()).toHaveLength(2);

    // The next night finds nothing to recover, and the counts do not move.
    const again = await runSdp([
      "reconcile",
      "payments",
      "--ingress",
      platform.ready.ingress,
      "--stripe-api-url",
      standin.url,
      "--recharge-api-url",
      standin.url,
      "--days",
      "1",
      "--json",
    ]);
    expect(JSON.parse(again.stdout).sources.map((source: { recovered: number }) => source.recovered)).toEqual([0, 0]);
    const after = JSON.parse((await runSdp(["dq", "--date", today, "--data-dir", dataDir, "--json"])).stdout);
    expect(after.webhooks).toEqual(quality.webhooks);
  }, 180_000);
});
