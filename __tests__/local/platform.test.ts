/**
 * The embedded platform end to end, in-process: real emulators, real kernel layers, real function
 * programs, the real HTTP server on a random port; what was stored is checked with the AWS SDK
 * against the endpoints of the ready info, as any user tool would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { tableKeys } from "../../contracts/tables";
import { startLocalPlatform, type LocalPlatform } from "../../local/platform";
import { readDeadLetters } from "../../local/queues";
import { dlqFileOf } from "../../local/router";
import { readAlerts } from "../../local/alerts";
import { fixtureText, orderPayload, postEvent, postRaw, postShopifyWebhook } from "./support";
import { awsClients, localPlatformForTests, partnerEnvelopeText, rechargeHash, stripeSignature, tempDataDir } from "../support";

jest.setTimeout(60_000);

describe("startLocalPlatform: the doors' generic answers", () => {
  const local = localPlatformForTests("platform", { env: {} });

  it("reports where everything is, in the ready info and in <data-dir>/platform.json", () => {
    const { ready } = local.platform;
    expect(ready).toMatchObject({ ready: true, region: "us-east-1", bucket: "acme-data-lake-000000000000-local", dataDir: path.resolve(local.dataDir) });
    expect(ready.ingress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(ready.tables).sort()).toEqual([...tableKeys].sort());
    expect(ready.credentials).toEqual({ accessKeyId: expect.any(String), secretAccessKey: expect.any(String) });
    expect(JSON.parse(fs.readFileSync(path.join(local.dataDir, "platform.json"), "utf8"))).toEqual(ready);
  });

  it("answers GET /health, 404 for unknown paths and 405 for wrong methods", async () => {
    const health = await fetch(`${local.platform.ready.ingress}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${local.platform.ready.ingress}/webhooks/unknown`, { method: "POST", body: "{}" })).status).toBe(404);
    const wrongMethod = await fetch(`${local.platform.ready.ingress}/webhooks/shopify`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await fetch(`${local.platform.ready.ingress}/events`, { method: "PUT", body: "{}" })).status).toBe(405);
  });

  it("rejects malformed or incomplete envelopes on POST /events with 400 and stores nothing", async () => {
    const cases: Array<[string, string]> = [
      ["{not json", "not valid JSON"],
      ["[1,2]", "JSON object"],
      [JSON.stringify({ "detail-type": "shopifyWebhook", detail: {} }), "missing source"],
      [JSON.stringify({ source: "aws.partner/shopify.com/1/x", "detail-type": "shopifyWebhook", detail: "x" }), "detail"],
      [JSON.stringify({ source: "aws.partner/shopify.com/1/x", "detail-type": "shopifyWebhook", detail: { metadata: {}, payload: {} } }), "missing topic"],
      [
        JSON.stringify({ source: "aws.partner/shopify.com/1/x", "detail-type": "shopifyWebhook", detail: { metadata: { "X-Shopify-Topic": "orders/archived" }, payload: {} } }),
        'topic "orders/archived"',
      ],
      [JSON.stringify({ source: "sdp.shopify", "detail-type": "webhookReceived", detail: { topic: "orders/create" } }), "no partner-bus route"],
    ];
    for (const [body, message] of cases) {
      const answer = await postEvent(local.platform.ready.ingress, body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect(answer.body.error).toContain(message);
    }
    await local.platform.drain();
    expect(await local.aws.listKeys("raw/")).toEqual([]);
    expect(local.platform.counters().eventDoor.rejected).toBe(cases.length);
  });

  it("answers 413 for bodies over 1 MiB on every door, and stores nothing", async () => {
    const big = `{"pad":"${"x".repeat(1024 * 1024)}"}`;
    expect((await postEvent(local.platform.ready.ingress, big)).status).toBe(413);
    const shopify = await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "big-1", body: big, secret: LOCAL_DEFAULT_WEBHOOK_SECRET });
    expect(shopify.status).toBe(413);
    await local.platform.drain();
    expect(await local.aws.listKeys("raw/")).toEqual([]);
  });
});

const secret = LOCAL_DEFAULT_WEBHOOK_SECRET;
const orderGid = (id: string) => `gid://shopify/Order/${id}`;

describe("startLocalPlatform: Shopify through both doors, checked with the AWS SDK", () => {
  const local = localPlatformForTests("shopify", { env: {}, backoffBaseMs: 5, backoffMaxMs: 20 });

  it("stores a signed HTTPS webhook raw (exact bytes, ids beyond 2^53 intact) and in the orders hot store", async () => {
    const body = orderPayload({ id: "9007199254740993123", updatedAt: "2026-01-31T10:00:00Z", totalPrice: "59.90" });
    const answer = await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "https-1", body, secret });
    expect(answer).toEqual({ status: 200, body: { status: "accepted" } });
    await local.platform.drain();

    const keys = (await local.aws.listKeys("raw/shopify/orders/")).filter((key) => key.endsWith("/https-1.json"));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^raw\/shopify\/orders\/dt=\d{4}-\d{2}-\d{2}\/https-1\.json$/);
    expect(await local.aws.getText(keys[0]!)).toBe(body);
    const row = await local.aws.getItem("orders", { id: orderGid("9007199254740993123") });
    expect(row).toMatchObject({ id: orderGid("9007199254740993123"), total_price: "59.90", updated_at: "2026-01-31T10:00:00.000Z" });
  });

  it("stores a duplicate delivery once and answers duplicate, in any header letter case", async () => {
    const body = orderPayload({ id: "5000000000000000001", updatedAt: "2026-01-31T10:00:00Z" });
    const first = await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "dup-1", body, secret });
    const again = await postShopifyWebhook(local.platform.ready.ingress, { topic: "ORDERS/CREATE", webhookId: "dup-1", body, secret, headerCase: "upper" });
    expect(first.body.status).toBe("accepted");
    expect(again).toEqual({ status: 200, body: { status: "duplicate" } });
    await local.platform.drain();
    expect((await local.aws.listKeys("raw/shopify/orders/")).filter((key) => key.endsWith("/dup-1.json"))).toHaveLength(1);
  });

  it("answers 401 to a forged signature and stores nothing", async () => {
    const before = await local.aws.listKeys("raw/");
    const body = orderPayload({ id: "5000000000000000002", updatedAt: "2026-01-31T10:00:00Z" });
    const forged = await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "forged-1", body, secret: "not-the-secret" });
    expect(forged.status).toBe(401);
    const unsigned = await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "forged-2", body, secret, signature: "" });
    expect(unsigned.status).toBe(401);
    await local.platform.drain();
    expect(await local.aws.listKeys("raw/")).toEqual(before);
    expect(await local.aws.getItem("orders", { id: orderGid("5000000000000000002") })).toBeUndefined();
  });

  it("answers 400 to malformed JSON and to a missing topic, storing nothing", async () => {
    const before = await local.aws.listKeys("raw/");
    const malformed = '{"id": 1,';
    expect((await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "bad-1", body: malformed, secret })).status).toBe(400);
    const body = orderPayload({ id: "5000000000000000003", updatedAt: "2026-01-31T10:00:00Z" });
    expect((await postShopifyWebhook(local.platform.ready.ingress, { topic: "", webhookId: "bad-2", body, secret })).status).toBe(400);
    await local.platform.drain();
    expect(await local.aws.listKeys("raw/")).toEqual(before);
  });

  it("routes a partner-bus envelope from POST /events: raw first, then the hot store; a redelivery is a duplicate", async () => {
    const payloadText = orderPayload({ id: "9007199254740993777", updatedAt: "2026-01-31T12:00:00Z", totalPrice: "120.00" });
    const envelope = partnerEnvelopeText({ id: "eb-1", topic: "orders/paid", webhookId: "bus-1", payloadText, topicHeader: "x-shopify-topic" });
    expect(await postEvent(local.platform.ready.ingress, envelope)).toEqual({ status: 200, body: { status: "accepted" } });
    // Still queued or already processed: either way the same event is not taken twice.
    expect((await postEvent(local.platform.ready.ingress, envelope)).body.status).toBe("duplicate");
    await local.platform.drain();
    expect((await postEvent(local.platform.ready.ingress, envelope)).body.status).toBe("duplicate");
    await local.platform.drain();

    expect(await local.aws.listKeys("raw/shopify/orders/dt=2026-01-31/")).toContain("raw/shopify/orders/dt=2026-01-31/bus-1.json");
    expect(JSON.parse(await local.aws.getText("raw/shopify/orders/dt=2026-01-31/bus-1.json")).admin_graphql_api_id).toBe(orderGid("9007199254740993777"));
    expect(await local.aws.getItem("orders", { id: orderGid("9007199254740993777") })).toMatchObject({ total_price: "120.00" });
    expect(local.platform.counters().events.routes["shopify-partner-orders"]).toMatchObject({ delivered: 1, deadLettered: 0 });
  });

  it("treats an event that came through the HTTPS door as a duplicate on the event door (same webhook id)", async () => {
    const payloadText = orderPayload({ id: "5000000000000000004", updatedAt: "2026-01-31T10:00:00Z" });
    expect((await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/create", webhookId: "both-1", body: payloadText, secret })).body.status).toBe("accepted");
    await local.platform.drain();
    const envelope = partnerEnvelopeText({ id: "eb-both", topic: "orders/create", webhookId: "both-1", payloadText });
    expect((await postEvent(local.platform.ready.ingress, envelope)).body.status).toBe("duplicate");
  });

  it("keeps the newest state when updates arrive out of order", async () => {
    const id = "5000000000000000005";
    const newer = orderPayload({ id, updatedAt: "2026-01-31T15:00:00Z", totalPrice: "80.00" });
    const older = orderPayload({ id, updatedAt: "2026-01-31T11:00:00Z", totalPrice: "10.00" });
    await postShopifyWebhook(local.platform.ready.ingress, { topic: "orders/updated", webhookId: "ooo-new", body: newer, secret });
    await local.platform.drain();
    expect(
      (await postEvent(local.platform.ready.ingress, partnerEnvelopeText({ id: "eb-old", topic: "orders/updated", webhookId: "ooo-old", payloadText: older }))).body.status,
    ).toBe("accepted");
    await local.platform.drain();
    expect(await local.aws.getItem("orders", { id: orderGid(id) })).toMatchObject({ total_price: "80.00", updated_at: "2026-01-31T15:00:00.000Z" });
    // Both deliveries are in the lake, whatever their order.
    const raw = await local.aws.listKeys("raw/shopify/orders/");
    expect(raw.filter((key) => /\/ooo-(new|old)\.json$/.test(key))).toHaveLength(2);
    expect(local.platform.counters().metrics.StaleUpdate).toBeGreaterThanOrEqual(1);
  });

  it("dead-letters an invalid payload to <data-dir>/dlq/<route>.jsonl after storing it raw, without retrying", async () => {
    const envelope = partnerEnvelopeText({ id: "eb-invalid", topic: "orders/create", webhookId: "invalid-1", payloadText: '{"id":"not-an-order"}' });
    expect((await postEvent(local.platform.ready.ingress, envelope)).body.status).toBe("accepted");
    await local.platform.drain();
    expect(await local.aws.listKeys("raw/shopify/orders/dt=2026-01-31/")).toContain("raw/shopify/orders/dt=2026-01-31/invalid-1.json");
    const letters = readDeadLetters<{ id: string }>(dlqFileOf(local.dataDir, "shopify-partner-orders"));
    expect(letters.map((letter) => letter.body.id)).toEqual(["eb-invalid"]);
    expect(letters[0]).toMatchObject({ receiveCount: 1 });
    expect(letters[0]!.reason).toContain("InvalidPayload");
  });

  it("counts what each door accepted, found duplicate and rejected", () => {
    const counters = local.platform.counters();
    expect(counters.doors["POST /webhooks/shopify"]).toMatchObject({ accepted: 4, duplicate: 1 });
    expect(counters.doors["POST /webhooks/shopify"]!.rejected).toMatchObject({ 401: 2, 400: 2 });
    expect(counters.eventDoor).toMatchObject({ accepted: 3, duplicate: 3 });
    expect(counters.unavailable).toEqual({});
  });
});

describe("startLocalPlatform: restarts, rotation and recovery on one data dir", () => {
  let dataDir: string;
  let platform: LocalPlatform | undefined;
  const env = { SHOPIFY_WEBHOOK_SECRET: "new-secret, old-secret" };

  beforeAll(() => {
    dataDir = tempDataDir("restart");
  });
  afterEach(async () => {
    await platform?.stop();
    platform = undefined;
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("accepts either secret during a rotation, and not the local default once secrets are set", async () => {
    platform = await startLocalPlatform({ dataDir, port: 0, env });
    const body = orderPayload({ id: "6000000000000000001", updatedAt: "2026-01-31T10:00:00Z" });
    expect((await postShopifyWebhook(platform.ready.ingress, { topic: "orders/create", webhookId: "rot-new", body, secret: "new-secret" })).status).toBe(200);
    expect((await postShopifyWebhook(platform.ready.ingress, { topic: "orders/create", webhookId: "rot-old", body, secret: "old-secret" })).status).toBe(200);
    expect((await postShopifyWebhook(platform.ready.ingress, { topic: "orders/create", webhookId: "rot-default", body, secret: LOCAL_DEFAULT_WEBHOOK_SECRET })).status).toBe(401);
  });

  it("keeps raw objects, hot-store rows and idempotency records across a stop and a start", async () => {
    platform = await startLocalPlatform({ dataDir, port: 0, env });
    const payloadText = orderPayload({ id: "6000000000000000002", updatedAt: "2026-01-31T10:00:00Z", totalPrice: "33.00" });
    const envelope = partnerEnvelopeText({ id: "eb-persist", topic: "orders/create", webhookId: "persist-1", payloadText });
    expect((await postEvent(platform.ready.ingress, envelope)).body.status).toBe("accepted");
    // No drain: stop itself must finish what it accepted.
    await platform.stop();

    platform = await startLocalPlatform({ dataDir, port: 0, env });
    const aws = awsClients(platform.ready);
    try {
      expect(await aws.listKeys("raw/shopify/orders/")).toEqual(
        expect.arrayContaining(["raw/shopify/orders/dt=2026-01-31/persist-1.json", expect.stringMatching(/\/rot-new\.json$/), expect.stringMatching(/\/rot-old\.json$/)]),
      );
      expect(await aws.getItem("orders", { id: orderGid("6000000000000000002") })).toMatchObject({ total_price: "33.00" });
      expect(await aws.getItem("orders", { id: orderGid("6000000000000000001") })).toBeDefined();
      // The idempotency records survived too: redeliveries after the restart are duplicates.
      expect((await postEvent(platform.ready.ingress, envelope)).body.status).toBe("duplicate");
      const body = orderPayload({ id: "6000000000000000001", updatedAt: "2026-01-31T10:00:00Z" });
      expect((await postShopifyWebhook(platform.ready.ingress, { topic: "orders/create", webhookId: "rot-new", body, secret: "new-secret" })).body.status).toBe("duplicate");
    } finally {
      aws.destroy();
    }
  });

  it("re-delivers events a killed run had accepted but not processed (the queue journal)", async () => {
    // What a run killed between accepting and processing leaves behind.
    const payloadText = orderPayload({ id: "6000000000000000003", updatedAt: "2026-01-31T10:00:00Z", totalPrice: "44.00" });
    const envelope = JSON.parse(partnerEnvelopeText({ id: "eb-journal", topic: "orders/create", webhookId: "journal-1", payloadText }).replace(/"id":(\d{16,})/g, '"id":"$1"'));
    const journalDir = path.join(dataDir, "queues", "shopify-partner-orders");
    fs.mkdirSync(journalDir, { recursive: true });
    fs.writeFileSync(path.join(journalDir, "crashed-message.json"), JSON.stringify({ id: "crashed-message", body: envelope, sentAt: new Date().toISOString(), receiveCount: 1 }));

    platform = await startLocalPlatform({ dataDir, port: 0, env });
    await platform.drain();
    const aws = awsClients(platform.ready);
    try {
      expect(await aws.listKeys("raw/shopify/orders/dt=2026-01-31/")).toContain("raw/shopify/orders/dt=2026-01-31/journal-1.json");
      expect(await aws.getItem("orders", { id: orderGid("6000000000000000003") })).toMatchObject({ total_price: "44.00" });
      expect(fs.readdirSync(journalDir)).toEqual([]);
    } finally {
      aws.destroy();
    }
  });

  it("refuses to start a second platform in the same process", async () => {
    platform = await startLocalPlatform({ dataDir, port: 0, env });
    await expect(startLocalPlatform({ dataDir: tempDataDir("second"), port: 0 })).rejects.toThrow("already runs in this process");
  });
});

describe("startLocalPlatform: the Recharge and Stripe doors", () => {
  const local = localPlatformForTests("payments", { env: {} });

  const postRecharge = (topic: string, body: string, signWith = secret) =>
    postRaw(`${local.platform.ready.ingress}/webhooks/recharge`, { "X-Recharge-Topic": topic, "X-Recharge-Hmac-Sha256": rechargeHash(signWith, body) }, body);
  const postStripe = (body: string, signWith = secret) => postRaw(`${local.platform.ready.ingress}/webhooks/stripe`, { "Stripe-Signature": stripeSignature(signWith, body) }, body);

  it("stores a Recharge subscription raw and in the subscriptions table, once, and rejects a bad hash", async () => {
    const body = fixtureText("recharge", "subscription-created.json");
    expect(await postRecharge("subscription/created", body)).toEqual({ status: 200, body: { status: "accepted" } });
    expect((await postRecharge("subscription/created", body)).body.status).toBe("duplicate");
    expect((await postRecharge("subscription/created", body, "wrong")).status).toBe(401);
    await local.platform.drain();
    const raw = await local.aws.listKeys("raw/recharge/");
    expect(raw).toHaveLength(1);
    expect(await local.aws.getText(raw[0]!)).toBe(body);
    const subscriptionId = String(JSON.parse(body).subscription.id);
    const rows = await local.aws.scan("subscriptions");
    expect(rows.map((row) => String(row.id))).toEqual([subscriptionId]);
  });

  it("stores a Stripe charge raw and in the payments table, once, and rejects a bad signature", async () => {
    const body = fixtureText("stripe", "charge-succeeded.json");
    expect(await postStripe(body)).toEqual({ status: 200, body: { status: "accepted" } });
    expect((await postStripe(body)).body.status).toBe("duplicate");
    expect((await postStripe(body, "wrong")).status).toBe(401);
    expect((await postRaw(`${local.platform.ready.ingress}/webhooks/stripe`, { "Stripe-Signature": stripeSignature(secret, "{") }, "{")).status).toBe(400);
    await local.platform.drain();
    const event = JSON.parse(body);
    const raw = await local.aws.listKeys("raw/stripe/");
    expect(raw).toHaveLength(1);
    expect(raw[0]).toContain(event.id);
    expect(await local.aws.getItem("payments", { id: event.data.object.id })).toMatchObject({ id: event.data.object.id });
  });

  it("raises an alert once into <data-dir>/alerts.jsonl for a dispute, however often it is delivered", async () => {
    const body = fixtureText("stripe", "charge-dispute-created.json");
    expect((await postStripe(body)).body.status).toBe("accepted");
    expect((await postStripe(body)).body.status).toBe("duplicate");
    await local.platform.drain();
    const alerts = readAlerts(path.join(local.dataDir, "alerts.jsonl"));
    expect(alerts.filter((alert) => alert.kind === "dispute-opened")).toHaveLength(1);
    expect(local.platform.counters().alerts.byKind["dispute-opened"]).toBe(1);
  });
});
