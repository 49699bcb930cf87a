/**
 * The doors' 400s for the inputs found to kill or jam `sdp local`: ids and topics of
 * 300 and 2,100 characters, signed JSON nested 100,000 deep, invalid UTF-8; each answer names what
 * to fix, quotes no value, and stores nothing. Also `POST /events` envelopes (parseEnvelope) and
 * the processors' decoding of partner-bus envelopes that never went through a door.
 */
import { Effect, Exit, ManagedRuntime } from "effect";
import type { BusEnvelope, HttpRequest } from "../../functions/kernel/function-shape";
import { decodeIncomingEvent } from "../../functions/kernel/incoming-event";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { program as rechargeIngress } from "../../functions/recharge/ingress";
import { program as shopifyIngress } from "../../functions/shopify/ingress";
import { program as stripeIngress } from "../../functions/stripe/ingress";
import { parseEnvelope } from "../../local/event-door";
import { rechargeHash, shopifySignature, stripeSignature } from "../support";
import { FUZZ_SECRETS, nestedJson, validDelivery } from "../support/door-fuzz";

const kernel = makeTestPlatform({ secrets: { shopifyWebhook: FUZZ_SECRETS.shopify, rechargeWebhook: FUZZ_SECRETS.recharge, stripeWebhook: FUZZ_SECRETS.stripe } });
const runtime = ManagedRuntime.make(kernel.layer);
afterAll(() => runtime.dispose());

const request = (path: string, headers: Record<string, string>, body: Buffer): HttpRequest => ({
  method: "POST",
  path,
  headers,
  rawBody: body,
  requestId: "r",
  receivedAt: new Date().toISOString(),
});
const shopify = (headers: Record<string, string>, body: Buffer = validDelivery("shopify").body) =>
  runtime.runPromise(
    shopifyIngress(
      request(
        "/webhooks/shopify",
        {
          "x-shopify-topic": "orders/updated",
          "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
          ...headers,
          "x-shopify-hmac-sha256": shopifySignature(FUZZ_SECRETS.shopify, body),
        },
        body,
      ),
    ),
  );
const recharge = (topic: string, body: Buffer) =>
  runtime.runPromise(rechargeIngress(request("/webhooks/recharge", { "x-recharge-topic": topic, "x-recharge-hmac-sha256": rechargeHash(FUZZ_SECRETS.recharge, body) }, body)));
const stripe = (body: Buffer) => runtime.runPromise(stripeIngress(request("/webhooks/stripe", { "stripe-signature": stripeSignature(FUZZ_SECRETS.stripe, body) }, body)));

const expect400 = (answer: { statusCode: number; body: string }, mentions: RegExp, notQuoting?: string) => {
  expect(answer.statusCode).toBe(400);
  expect(JSON.parse(answer.body).error).toMatch(mentions);
  if (notQuoting) expect(answer.body).not.toContain(notQuoting);
};

describe("webhook doors: 400 before any key is built", () => {
  const stored = () => kernel.state.objects.size;

  test("Shopify: webhook ids, event ids and shop domains over the limits", async () => {
    const before = stored();
    for (const length of [201, 300, 2100])
      expect400(await shopify({ "x-shopify-webhook-id": "w".repeat(length) }), /X-Shopify-Webhook-Id must be 1-200 characters/, "w".repeat(201));
    expect400(await shopify({ "x-shopify-webhook-id": "id with spaces" }), /X-Shopify-Webhook-Id/);
    const { "x-shopify-webhook-id": _none, ...withoutWebhookId } = { "x-shopify-webhook-id": "" };
    expect400(await shopify({ ...withoutWebhookId, "x-shopify-webhook-id": "", "x-shopify-event-id": "é".repeat(10) }), /X-Shopify-Event-Id .*non-ASCII/);
    expect400(await shopify({ "x-shopify-shop-domain": `${"s".repeat(300)}.myshopify.com` }), /X-Shopify-Shop-Domain must be a host name/);
    expect400(await shopify({ "x-shopify-topic": `orders/${"x".repeat(300)}` }), /X-Shopify-Topic must be/);
    expect(stored()).toBe(before);
    expect((await shopify({})).statusCode).toBe(200);
  });

  test("Recharge: a topic of 300 characters", async () => {
    const before = stored();
    expect400(await recharge(`subscription/${"x".repeat(300)}`, validDelivery("recharge").body), /X-Recharge-Topic must be <resource>\/<event>/);
    expect(stored()).toBe(before);
  });

  test("Stripe: an event id of 300 characters, an odd type", async () => {
    const event = JSON.parse(validDelivery("stripe").body.toString()) as Record<string, unknown>;
    expect400(await stripe(Buffer.from(JSON.stringify({ ...event, id: `evt_${"x".repeat(300)}` }))), /id must be 1-200 characters/);
    expect400(await stripe(Buffer.from(JSON.stringify({ ...event, type: "Charge Succeeded!" }))), /type must be 1-100 characters/);
  });

  test("signed JSON nested 100,000 deep and invalid UTF-8 are 400 at every door", async () => {
    const deep = Buffer.from(`{"a":${nestedJson(100_000, "array")}}`);
    expect400(await shopify({}, deep), /nested deeper than 64 levels/);
    expect400(await recharge("subscription/created", deep), /nested deeper than 64 levels/);
    expect400(await stripe(deep), /nested deeper than 64 levels/);
    const notUtf8 = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect400(await shopify({}, notUtf8), /not valid UTF-8/);
    expect400(await recharge("subscription/created", notUtf8), /not valid UTF-8/);
  });
});

describe("POST /events envelopes", () => {
  const envelope = (metadata: Record<string, string>, payload = "{}") =>
    Buffer.from(
      `{"id":"b54557e4","detail-type":"shopifyWebhook","source":"aws.partner/shopify.com/1/acme","detail":{"metadata":${JSON.stringify({ "X-Shopify-Topic": "orders/updated", ...metadata })},"payload":${payload}}}`,
    );

  test("ids, topics and shop domains over the limits are refused naming the field", () => {
    const cases: Array<[Buffer, RegExp]> = [
      [envelope({ "X-Shopify-Webhook-Id": "w".repeat(300) }), /detail\.metadata\.X-Shopify-Webhook-Id must be 1-200/],
      [envelope({ "X-Shopify-Webhook-Id": "ok-id", "X-Shopify-Event-Id": "e".repeat(2100) }), /detail\.metadata\.X-Shopify-Event-Id must be 1-200/],
      [envelope({ "X-Shopify-Topic": `orders/${"x".repeat(300)}` }), /X-Shopify-Topic must be 1-100/],
      [envelope({ "X-Shopify-Shop-Domain": "a b" }), /X-Shopify-Shop-Domain must be a host name/],
      [envelope({ "X-Shopify-Webhook-Id": "ok-id" }, `{"a":${nestedJson(64, "array")}}`), /detail\.payload nests deeper than 64 levels/],
      [envelope({}, `{"a":${nestedJson(100_000, "object")}}`), /nested deeper than 72 levels/],
    ];
    for (const [body, message] of cases) {
      const parsed = parseEnvelope(body);
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.error).toMatch(message);
    }
    expect(parseEnvelope(envelope({ "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043" })).ok).toBe(true);
  });

  test("processors decoding a partner-bus envelope (no door in front in AWS) fail with InvalidPayload, never a defect", async () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    const envelopes: BusEnvelope[] = [
      {
        id: "e".repeat(300),
        source: "aws.partner/shopify.com/1/acme",
        "detail-type": "shopifyWebhook",
        time: "2026-01-31T10:00:00Z",
        detail: { metadata: { "X-Shopify-Topic": "orders/updated" }, payload: {} },
      },
      {
        id: "ok",
        source: "aws.partner/shopify.com/1/acme",
        "detail-type": "shopifyWebhook",
        time: "2026-01-31T10:00:00Z",
        detail: { metadata: { "X-Shopify-Topic": "orders/updated", "X-Shopify-Webhook-Id": "ok" }, payload: { a: deep } },
      },
      {
        id: "ok",
        source: "sdp.stripe",
        "detail-type": "webhookReceived",
        time: "2026-01-31T10:00:00Z",
        detail: { source: "stripe", topic: "charge.succeeded", eventId: "evt_1", rawKey: `raw/stripe/charge/dt=2026-01-31/${"k".repeat(300)}.json` },
      },
    ];
    for (const envelope of envelopes) {
      const exit = await runtime.runPromiseExit(Effect.asVoid(decodeIncomingEvent(envelope)));
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("InvalidPayload");
    }
  });
});
