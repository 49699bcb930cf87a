import { PLATFORM_DETAIL_TYPE } from "../../contracts/events";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { program } from "../../functions/shopify/ingress";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { orderHandlers } from "../../functions/shopify/orders";
import { shopifySignature, signaturesMatch, verifyShopifyHmac } from "../../functions/shopify/signature";
import { fixtureText, run, SECRET, shopifyRequest } from "./support";
import { envelopeOf } from "../support";

const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;

const platformWith = (secret = SECRET) => makeTestPlatform({ secrets: { shopifyWebhook: secret } });
const body = fixtureText("order");

describe("Shopify HMAC", () => {
  test("matches the base64 HMAC-SHA256 of the raw body", () => {
    const signature = shopifySignature("s3cr3t", Buffer.from('{"a":1}'));
    // Reference value from `printf '{"a":1}' | openssl dgst -sha256 -hmac s3cr3t -binary | base64`.
    expect(signature).toBe("1CknQ0BJ4LjHPOiHBiI4zBxrtmRL/mbmbY3Q8wuFZ54=");
    expect(verifyShopifyHmac(["s3cr3t"], Buffer.from('{"a":1}'), signature)).toBe(true);
    expect(verifyShopifyHmac(["s3cr3t"], Buffer.from('{"a":2}'), signature)).toBe(false);
    expect(verifyShopifyHmac(["other"], Buffer.from('{"a":1}'), signature)).toBe(false);
    expect(verifyShopifyHmac(["s3cr3t"], Buffer.from('{"a":1}'), undefined)).toBe(false);
  });
  test("compares with a length check first (no throw on different lengths)", () => {
    expect(signaturesMatch("abc", "abcd")).toBe(false);
    expect(signaturesMatch("abcd", "abcd")).toBe(true);
  });
});

describe("POST /webhooks/shopify", () => {
  test("a valid delivery is stored raw, published to the platform bus and accepted", async () => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-100" })));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "accepted" });
    expect(platform.objectText("raw/shopify/orders/dt=2026-03-01/wh-100.json")).toBe(body);
    expect(platform.state.events).toHaveLength(1);
    const event = platform.state.events[0]!;
    expect(event).toMatchObject({ source: "sdp.shopify", detailType: PLATFORM_DETAIL_TYPE });
    expect(event.detail).toMatchObject({
      source: "shopify",
      topic: "orders/updated",
      eventId: "wh-100",
      rawKey: "raw/shopify/orders/dt=2026-03-01/wh-100.json",
      shopDomain: "acme-coffee.myshopify.com",
    });
    expect((event.detail as { payload: { order_number: number } }).payload.order_number).toBe(1042);
  });

  test("the same webhook id twice is stored once and answered duplicate", async () => {
    const platform = platformWith();
    await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-dup" })));
    const second = await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-dup" })));
    expect(JSON.parse(second.body)).toEqual({ status: "duplicate" });
    expect(platform.state.events).toHaveLength(1);
    expect(platform.state.objects.size).toBe(1);
  });

  test("a bad signature is 401 and nothing is stored or published", async () => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("orders/updated", body, { secret: "wrong-secret" })));
    expect(response.statusCode).toBe(401);
    const missing = shopifyRequest("orders/updated", body);
    const { "x-shopify-hmac-sha256": _removed, ...headers } = missing.headers;
    expect((await run(platform.layer, program({ ...missing, headers }))).statusCode).toBe(401);
    expect(platform.state.objects.size).toBe(0);
    expect(platform.state.events).toHaveLength(0);
    expect(platform.items("idempotency")).toEqual([]);
  });

  test("during a rotation either secret is accepted (comma-separated)", async () => {
    const platform = platformWith(" new-secret-2026 , " + SECRET);
    expect((await run(platform.layer, program(shopifyRequest("orders/updated", body, { secret: "new-secret-2026" })))).statusCode).toBe(200);
    expect((await run(platform.layer, program(shopifyRequest("orders/updated", body, { secret: SECRET })))).statusCode).toBe(200);
    expect((await run(platform.layer, program(shopifyRequest("orders/updated", body, { secret: "retired-secret" })))).statusCode).toBe(401);
  });

  test("malformed JSON is 400 (after the signature is checked) and a missing topic is 400", async () => {
    const platform = platformWith();
    const malformed = await run(platform.layer, program(shopifyRequest("orders/updated", '{"id": 1,')));
    expect(malformed.statusCode).toBe(400);
    const badSignatureAndJson = await run(platform.layer, program(shopifyRequest("orders/updated", '{"id": 1,', { secret: "nope" })));
    expect(badSignatureAndJson.statusCode).toBe(401);
    const noTopic = shopifyRequest("orders/updated", body);
    const { "x-shopify-topic": _topic, ...headers } = noTopic.headers;
    expect((await run(platform.layer, program({ ...noTopic, headers }))).statusCode).toBe(400);
    expect((await run(platform.layer, program(shopifyRequest("orders/updated", "[1,2,3]")))).statusCode).toBe(400);
    expect(platform.state.objects.size).toBe(0);
  });

  test("over 1 MiB is 413 and nothing is stored", async () => {
    const platform = platformWith();
    const huge = JSON.stringify({ id: 1, note: "x".repeat(1024 * 1024) });
    const response = await run(platform.layer, program(shopifyRequest("orders/updated", huge)));
    expect(response.statusCode).toBe(413);
    expect(platform.state.objects.size).toBe(0);
  });

  test("a payload too large for EventBridge travels by reference and the processor reads it from the lake", async () => {
    const platform = platformWith();
    const order = JSON.parse(body);
    order.note = "n".repeat(300 * 1024);
    const text = JSON.stringify(order);
    const response = await run(platform.layer, program(shopifyRequest("orders/updated", text, { webhookId: "wh-big" })));
    expect(response.statusCode).toBe(200);
    const event = platform.state.events[0]!;
    expect((event.detail as { payload?: unknown }).payload).toBeUndefined();
    const envelope = envelopeOf(event, "e1", "2026-03-01T15:20:01Z");
    await run(platform.layer, ordersProgram(envelope));
    expect(platform.item("orders", { id: "gid://shopify/Order/5432109876543" })).toMatchObject({ order_number: "1042" });
  });

  test("a store outage answers 503, stores nothing and releases the event, so Shopify's redelivery is accepted", async () => {
    const platform = platformWith();
    // The ingress retries 4 times: five failures exhaust it.
    platform.failNext("ObjectStore.putIfAbsent", new Transient({ service: "s3", reason: "injected" }), 5);
    const failed = await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-503" })));
    expect(failed.statusCode).toBe(503);
    expect(platform.state.objects.size).toBe(0);
    expect(platform.item("idempotency", { key: "ingress:shopify:wh-503" })).toBeUndefined();
    const retried = await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-503" })));
    expect(JSON.parse(retried.body)).toEqual({ status: "accepted" });
    expect(platform.state.objects.size).toBe(1);
  });

  test("a webhook delivered again through the HTTPS door after a transient failure is accepted", async () => {
    const platform = platformWith();
    platform.failNext("EventBus.publish", new Transient({ service: "eventbridge", reason: "injected" }), 5);
    const failed = await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-retry" })));
    expect(failed.statusCode).toBe(503);
    const retried = await run(platform.layer, program(shopifyRequest("orders/updated", body, { webhookId: "wh-retry" })));
    expect(JSON.parse(retried.body)).toEqual({ status: "accepted" });
    expect(platform.state.events).toHaveLength(1);
    expect(platform.state.objects.size).toBe(1);
  });
});
