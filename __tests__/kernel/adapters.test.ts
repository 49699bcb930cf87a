import { Effect } from "effect";
import { httpHandler, sqsHandler, taskHandler, toHttpRequest, type SqsEvent } from "../../functions/kernel/adapters";
import { InvalidPayload, Transient } from "../../functions/kernel/errors";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { HotStore } from "../../functions/kernel/services";
import { program as ingressProgram } from "../../functions/shopify/ingress";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { orderHandlers } from "../../functions/shopify/orders";
import { fixture, fixtureText, SECRET } from "../shopify/support";
import { partnerEnvelope, shopifySignature } from "../support";

const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;

const apiEvent = (body: string, headers: Record<string, string>, isBase64Encoded: boolean) => ({
  version: "2.0",
  routeKey: "POST /webhooks/shopify",
  rawPath: "/webhooks/shopify",
  headers,
  body: isBase64Encoded ? Buffer.from(body, "utf8").toString("base64") : body,
  isBase64Encoded,
  requestContext: { requestId: "req-1", timeEpoch: Date.parse("2026-03-01T15:20:01Z"), http: { method: "POST", path: "/webhooks/shopify" } },
});

describe("httpHandler (API Gateway HTTP API v2)", () => {
  test("decodes a base64 body, lower-cases header names and verifies the HMAC over the raw bytes", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const handler = httpHandler(ingressProgram, platform.layer);
    const body = fixtureText("order");
    const headers = {
      "X-Shopify-Topic": "orders/updated",
      "X-SHOPIFY-HMAC-SHA256": shopifySignature(SECRET, body),
      "X-Shopify-Webhook-Id": "wh-b64",
      "Content-Type": "application/json",
    };
    const response = await handler(apiEvent(body, headers, true));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: "accepted" });
    expect(platform.objectText("raw/shopify/orders/dt=2026-03-01/wh-b64.json")).toBe(body);
    const plain = await handler(apiEvent(body, { ...headers, "X-Shopify-Webhook-Id": "wh-plain" }, false));
    expect(plain.statusCode).toBe(200);
  });

  test("a defect becomes a 500 response, never a crash", async () => {
    const platform = makeTestPlatform();
    const handler = httpHandler(() => Effect.die(new Error("bug")), platform.layer);
    const response = await handler(apiEvent("{}", {}, false));
    expect(response.statusCode).toBe(500);
  });

  test("toHttpRequest keeps binary bodies byte for byte", () => {
    const bytes = Buffer.from([0, 255, 1, 254]);
    const request = toHttpRequest({ body: bytes.toString("base64"), isBase64Encoded: true, headers: { A: "1" } });
    expect(Buffer.compare(request.rawBody, bytes)).toBe(0);
    expect(request.headers).toEqual({ a: "1" });
  });
});

const sqsEvent = (...bodies: string[]): SqsEvent => ({ Records: bodies.map((body, index) => ({ messageId: `m${index}`, body })) });

describe("sqsHandler (SQS batches of EventBridge events)", () => {
  test("reports only the records that failed transiently; invalid ones go to the DLQ and are not retried", async () => {
    const platform = makeTestPlatform();
    const handler = sqsHandler(ordersProgram, platform.layer, { retry: { baseMs: 1, maxDelayMs: 2, maxRetries: 1 } });
    const good = JSON.stringify(partnerEnvelope("orders/updated", fixture("order")));
    const invalid = JSON.stringify(partnerEnvelope("orders/updated", { id: 1 }));
    const notAnEvent = "this is not json";
    const response = await handler(sqsEvent(good, invalid, notAnEvent));
    expect(response.batchItemFailures).toEqual([]);
    expect(platform.state.deadLetters.map((letter) => letter.body)).toEqual([invalid, notAnEvent]);
    expect(platform.state.deadLetters[0]!.reason).toContain("InvalidPayload");
    expect(platform.items("orders")).toHaveLength(1);
  });

  test("a Throttled/Transient failure is retried in process, then left to SQS as a batch item failure", async () => {
    const platform = makeTestPlatform();
    let attempts = 0;
    const flaky = (envelope: BusEnvelope) =>
      Effect.suspend(() => {
        attempts += 1;
        return envelope.id === "always-fails"
          ? Effect.fail(new Transient({ service: "dynamodb", reason: "down" }))
          : attempts < 2
            ? Effect.fail(new Transient({ service: "dynamodb", reason: "blip" }))
            : Effect.void;
      });
    const handler = sqsHandler(flaky, platform.layer, { retry: { baseMs: 1, maxDelayMs: 2, maxRetries: 2 }, concurrency: 1 });
    const envelope = (id: string) => JSON.stringify({ id, source: "s", "detail-type": "d", time: "2026-03-01T00:00:00Z", detail: {} });
    const response = await handler(sqsEvent(envelope("recovers"), envelope("always-fails")));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect(attempts).toBe(2 + 3);
    expect(platform.state.deadLetters).toEqual([]);
  });

  test("InvalidPayload is never retried", async () => {
    const platform = makeTestPlatform();
    let attempts = 0;
    const invalid = () => Effect.suspend(() => ((attempts += 1), Effect.fail(new InvalidPayload({ reason: "bad" }))));
    const handler = sqsHandler(invalid, platform.layer);
    const response = await handler(sqsEvent(JSON.stringify({ id: "x", source: "s", "detail-type": "d", time: "2026-03-01T00:00:00Z", detail: {} })));
    expect(attempts).toBe(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(platform.state.deadLetters).toHaveLength(1);
  });

  test("when the DLQ itself fails the record stays on the queue (reported as a failure)", async () => {
    const platform = makeTestPlatform();
    platform.failNext("DeadLetters.send", new Transient({ service: "sqs", reason: "down" }));
    const handler = sqsHandler(() => Effect.fail(new InvalidPayload({ reason: "bad" })), platform.layer);
    const response = await handler(sqsEvent("{}"));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m0" }]);
  });

  test("a defect in one record does not fail the others", async () => {
    const platform = makeTestPlatform();
    const handler = sqsHandler(
      (envelope: BusEnvelope) => (envelope.id === "boom" ? Effect.die(new Error("bug")) : Effect.flatMap(HotStore, (store) => store.put("orders", { id: envelope.id }))),
      platform.layer,
    );
    const body = (id: string) => JSON.stringify({ id, source: "s", "detail-type": "d", time: "2026-03-01T00:00:00Z", detail: {} });
    const response = await handler(sqsEvent(body("ok"), body("boom")));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect(platform.item("orders", { id: "ok" })).toBeDefined();
  });
});

describe("taskHandler (Step Functions)", () => {
  test("returns the output, and throws typed failures named by their tag", async () => {
    const platform = makeTestPlatform();
    const handler = taskHandler(
      (input: { n: number }) => (input.n > 0 ? Effect.succeed({ doubled: input.n * 2 }) : Effect.fail(new InvalidPayload({ reason: "n must be positive" }))),
      platform.layer,
    );
    await expect(handler({ n: 2 })).resolves.toEqual({ doubled: 4 });
    await expect(handler({ n: 0 })).rejects.toMatchObject({ name: "InvalidPayload", message: expect.stringContaining("n must be positive") });
  });
});

describe("eventHandler (EventBridge invoking the function directly)", () => {
  test("succeeds, dead-letters InvalidPayload without retry, and throws on retryable failures", async () => {
    const platform = makeTestPlatform();
    const { eventHandler } = await import("../../functions/kernel/adapters");
    const handler = eventHandler(
      (envelope: BusEnvelope): Effect.Effect<void, InvalidPayload | Transient> =>
        envelope.id === "bad"
          ? Effect.fail(new InvalidPayload({ reason: "bad" }))
          : envelope.id === "flaky"
            ? Effect.fail(new Transient({ service: "s3", reason: "down" }))
            : Effect.void,
      platform.layer,
    );
    const envelope = (id: string): BusEnvelope => ({ id, source: "s", "detail-type": "d", time: "2026-03-01T00:00:00Z", detail: {} });
    await expect(handler(envelope("good"))).resolves.toBeUndefined();
    await expect(handler(envelope("bad"))).resolves.toBeUndefined();
    expect(platform.state.deadLetters.map((letter) => JSON.parse(letter.body).id)).toEqual(["bad"]);
    await expect(handler(envelope("flaky"))).rejects.toMatchObject({ name: "RetryableFailure" });
  });
});
