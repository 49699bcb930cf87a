/**
 * Item 1 of the GDPR issue: Shopify's compliance webhooks through the HTTPS door become request
 * records (keyed by the webhook id), a GDPR_REQUEST_EVENT on the platform bus and an operator
 * alert; shop/redact waits for confirmation. Payloads: Shopify's published samples
 * (__tests__/fixtures/shopify/compliance/README.md).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Option } from "effect";
import { GDPR_REQUEST_EVENT, type GdprRequestRecord } from "../../contracts/gdpr";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { completeRequest, createRequest, getRequest, isOverdue, listRequests, markStep, setStatus } from "../../functions/gdpr/requests";
import { program } from "../../functions/shopify/ingress";
import { run, SECRET, shopifyRequest } from "../shopify/support";

const compliance = (name: string) => fs.readFileSync(path.join(__dirname, "..", "fixtures", "shopify", "compliance", `${name}.json`), "utf8");
const platformWith = () => makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
const RECEIVED = "2026-03-01T15:20:01.000Z";

const records = (platform: ReturnType<typeof platformWith>) => platform.items("gdprRequests") as unknown as GdprRequestRecord[];
const gdprEvents = (platform: ReturnType<typeof platformWith>) => platform.state.events.filter((event) => event.source === GDPR_REQUEST_EVENT.source);

describe("compliance webhooks through POST /webhooks/shopify", () => {
  test("customers/redact: raw copy, a request record due in 30 days, the GDPR event and an alert without personal data", async () => {
    const platform = platformWith();
    const body = compliance("customers-redact");
    const response = await run(platform.layer, program(shopifyRequest("customers/redact", body, { webhookId: "wh-redact-1", receivedAt: RECEIVED })));
    expect(response.statusCode).toBe(200);
    expect(platform.objectText("raw/shopify/customers/dt=2026-03-01/wh-redact-1.json")).toBe(body);

    const [record, ...others] = records(platform);
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      requestId: "shopify-wh-redact-1",
      kind: "customer-redact",
      origin: "shopify-webhook",
      shopDomain: "acme-coffee.myshopify.com",
      receivedAt: RECEIVED,
      dueAt: "2026-03-31T15:20:01.000Z",
      status: "received",
      stepsDone: [],
      orderIds: ["299938", "280263", "220458"],
    });
    expect(record!.identifiers).toEqual([
      { kind: "customer-id", value: "shopify:191167" },
      { kind: "email", value: "john@example.com" },
      { kind: "phone", value: "5556251199" },
    ]);

    expect(gdprEvents(platform)).toEqual([
      { source: "sdp.gdpr", detailType: GDPR_REQUEST_EVENT.detailType, detail: { requestId: "shopify-wh-redact-1", kind: "customer-redact" } },
    ]);
    // The door's own platform event is still published, as for every topic.
    expect(platform.state.events.filter((event) => event.source === "sdp.shopify")).toHaveLength(1);

    expect(platform.state.alerts).toHaveLength(1);
    const alert = platform.state.alerts[0]!;
    expect(alert).toMatchObject({ kind: "gdpr-request", severity: "warning", dedupKey: "gdpr-request:shopify-wh-redact-1" });
    expect(alert.subject).toContain("due 2026-03-31");
    const text = JSON.stringify(alert);
    for (const personal of ["john@example.com", "555-625-1199", "191167"]) expect(text).not.toContain(personal);
  });

  test("customers/data_request is a customer-export request with the orders requested", async () => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("customers/data_request", compliance("customers-data-request"), { webhookId: "wh-export-1" })));
    expect(response.statusCode).toBe(200);
    expect(records(platform)).toEqual([
      expect.objectContaining({ requestId: "shopify-wh-export-1", kind: "customer-export", status: "received", orderIds: ["299938", "280263", "220458"] }),
    ]);
    expect(gdprEvents(platform).map((event) => event.detail)).toEqual([{ requestId: "shopify-wh-export-1", kind: "customer-export" }]);
  });

  test("shop/redact is recorded awaiting confirmation and raises a critical alert; nothing runs by itself", async () => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("shop/redact", compliance("shop-redact"), { webhookId: "wh-shop-1" })));
    expect(response.statusCode).toBe(200);
    expect(records(platform)).toEqual([expect.objectContaining({ requestId: "shopify-wh-shop-1", kind: "shop-redact", status: "awaiting-confirmation", identifiers: [] })]);
    expect(platform.state.alerts).toEqual([expect.objectContaining({ kind: "gdpr-request", severity: "critical" })]);
    expect(platform.state.alerts[0]!.message).toContain("--confirm");
  });

  test("a redelivery of the same webhook is the same request: one record, one alert", async () => {
    const platform = platformWith();
    const body = compliance("customers-redact");
    await run(platform.layer, program(shopifyRequest("customers/redact", body, { webhookId: "wh-again" })));
    const second = await run(platform.layer, program(shopifyRequest("customers/redact", body, { webhookId: "wh-again" })));
    expect(JSON.parse(second.body)).toEqual({ status: "duplicate" });
    expect(records(platform)).toHaveLength(1);
    expect(platform.state.alerts).toHaveLength(1);
    expect(gdprEvents(platform)).toHaveLength(1);
  });

  test("a delivery cut off after the record (the bus down) is answered 503; Shopify's retry completes it without a second request", async () => {
    const platform = platformWith();
    const body = compliance("customers-redact");
    // The door retries the bus 5 times (kernel/retry.ts: 4 retries) before answering 503.
    platform.failNext("EventBus.publish", new Transient({ service: "events", reason: "down" }), 5);
    const first = await run(platform.layer, program(shopifyRequest("customers/redact", body, { webhookId: "wh-crash" })));
    expect(first.statusCode).toBe(503);
    expect(records(platform)).toHaveLength(1);
    expect(gdprEvents(platform)).toHaveLength(0);

    const retry = await run(platform.layer, program(shopifyRequest("customers/redact", body, { webhookId: "wh-crash" })));
    expect(retry.statusCode).toBe(200);
    expect(JSON.parse(retry.body)).toEqual({ status: "accepted" });
    expect(records(platform)).toHaveLength(1);
    expect(gdprEvents(platform)).toHaveLength(1);
    expect(platform.state.alerts).toHaveLength(1);
  });

  test("a bad signature is 401 and records nothing", async () => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("customers/redact", compliance("customers-redact"), { secret: "not-the-secret" })));
    expect(response.statusCode).toBe(401);
    expect(records(platform)).toEqual([]);
    expect(platform.state.objects.size).toBe(0);
    expect(platform.state.events).toEqual([]);
  });

  test.each([
    ['{"shop_domain":"acme-coffee.myshopify.com","orders_to_redact":[]}', "needs a customer object"],
    ['{"customer":{"email":"not an address"},"orders_to_redact":[]}', "names no customer"],
    ['{"customer":{"id":1},"orders_to_redact":"1,2"}', "orders_to_redact must be a list"],
    ['{"customer":{"id":1},"orders_to_redact":[1.5]}', "orders_to_redact[0] must be an order id"],
    ['{"customer":{"id":1.5}}', "customer.id must be a whole number"],
  ])("customers/redact %s is 400 naming what to fix, nothing stored", async (body, message) => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("customers/redact", body)));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toContain(message);
    expect(platform.state.objects.size).toBe(0);
    expect(records(platform)).toEqual([]);
  });

  test("a customer id beyond 2^53 is kept exactly (never rounded)", async () => {
    const platform = platformWith();
    const response = await run(platform.layer, program(shopifyRequest("customers/redact", '{"customer":{"id":99999999999999999999}}', { webhookId: "wh-big" })));
    expect(response.statusCode).toBe(200);
    expect(records(platform)[0]!.identifiers).toEqual([{ kind: "customer-id", value: "shopify:99999999999999999999" }]);
  });

  test("other topics make no request", async () => {
    const platform = platformWith();
    await run(platform.layer, program(shopifyRequest("customers/update", '{"id":191167,"email":"john@example.com"}')));
    expect(records(platform)).toEqual([]);
    expect(gdprEvents(platform)).toEqual([]);
  });
});

describe("request records (functions/gdpr/requests.ts)", () => {
  const input = {
    requestId: "cli-1",
    kind: "customer-redact" as const,
    origin: "cli" as const,
    receivedAt: "2026-01-01T00:00:00.000Z",
    identifiers: [{ kind: "email" as const, value: "ada@example.com" }],
  };

  test("create is idempotent, steps are listed once, complete erases the identifiers and keeps the keyed hashes", async () => {
    const platform = platformWith();
    const result = await run(
      platform.layer,
      Effect.gen(function* () {
        const first = yield* createRequest(input);
        const again = yield* createRequest({ ...input, receivedAt: "2026-01-05T00:00:00.000Z" });
        yield* setStatus("cli-1", "running");
        yield* markStep("cli-1", "hot-store");
        yield* markStep("cli-1", "hot-store");
        yield* markStep("cli-1", "raw");
        const done = yield* completeRequest("cli-1", "2026-01-02T00:00:00.000Z", ["email:abc"]);
        const late = yield* markStep("cli-1", "late-step", "failed");
        const completedAgain = yield* completeRequest("cli-1", "2026-01-09T00:00:00.000Z", ["email:abc"]);
        return { first, again, done, late, completedAgain, stored: yield* getRequest("cli-1"), all: yield* listRequests() };
      }),
    );
    expect(result.first.created).toBe(true);
    expect(result.again).toEqual({ created: false, record: result.first.record });
    expect(result.first.record.dueAt).toBe("2026-01-31T00:00:00.000Z");
    expect(result.done).toMatchObject({ status: "complete", stepsDone: ["hot-store", "raw"], subjectKeys: ["email:abc"], completedAt: "2026-01-02T00:00:00.000Z" });
    expect(result.done.identifiers).toBeUndefined();
    expect(result.late).toEqual(result.done);
    expect(result.completedAgain).toEqual(result.done);
    expect(Option.getOrThrow(result.stored)).toEqual(result.done);
    expect(JSON.stringify(platform.items("gdprRequests"))).not.toContain("ada@example.com");
    expect(result.all).toEqual([result.done]);
  });

  test("markStep on an unknown request fails with NotFound", async () => {
    const platform = platformWith();
    const exit = await Effect.runPromiseExit(Effect.provide(markStep("nope", "raw"), platform.layer));
    expect(exit._tag).toBe("Failure");
    expect(JSON.stringify(exit)).toContain("NotFound");
  });

  test("overdue: older than 25 days and not complete", () => {
    const received = { receivedAt: "2026-01-01T00:00:00.000Z" };
    const at = (iso: string) => new Date(iso);
    expect(isOverdue({ ...received, status: "running" }, at("2026-01-26T00:00:00.000Z"))).toBe(false);
    expect(isOverdue({ ...received, status: "running" }, at("2026-01-26T00:00:01.000Z"))).toBe(true);
    expect(isOverdue({ ...received, status: "awaiting-confirmation" }, at("2026-02-10T00:00:00.000Z"))).toBe(true);
    expect(isOverdue({ ...received, status: "complete" }, at("2026-02-10T00:00:00.000Z"))).toBe(false);
  });
});
