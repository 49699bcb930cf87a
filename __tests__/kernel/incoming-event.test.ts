import { Exit } from "effect";
import { decodeIncomingEvent, headerValue, partnerEventId } from "../../functions/kernel/incoming-event";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { run, runExit } from "../shopify/support";
import { partnerEnvelope, platformEnvelope } from "../support";

describe("decodeIncomingEvent", () => {
  test("a partner-bus envelope: topic in any letter case, webhook id, shop, trigger time", async () => {
    const platform = makeTestPlatform();
    const envelope = partnerEnvelope("Orders/Updated", { id: 1 }, { headerCase: "upper", webhookId: "wh-9", triggeredAt: "2026-03-01T15:19:59Z" });
    const event = await run(platform.layer, decodeIncomingEvent(envelope));
    expect(event).toMatchObject({
      door: "partner",
      source: "shopify",
      topic: "orders/updated",
      eventId: "wh-9",
      shopDomain: "acme-coffee.myshopify.com",
      triggeredAt: "2026-03-01T15:19:59Z",
      receivedAt: "2026-03-01T15:20:01Z",
    });
    expect(event.rawKey).toBeUndefined();
    expect(event.metadata["x-shopify-topic"]).toBe("Orders/Updated");
  });

  test("the event id falls back from X-Shopify-Webhook-Id to X-Shopify-Event-Id to the envelope id", () => {
    const envelope = partnerEnvelope("orders/updated", { id: 1 });
    const metadata = (envelope.detail as { metadata: Record<string, string> }).metadata;
    expect(partnerEventId(envelope)).toBe(metadata["X-Shopify-Webhook-Id"]);
    delete metadata["X-Shopify-Webhook-Id"];
    metadata["x-shopify-event-id"] = "event-7";
    expect(partnerEventId(envelope)).toBe("event-7");
    delete metadata["x-shopify-event-id"];
    expect(partnerEventId(envelope)).toBe(envelope.id);
    expect(headerValue({ "X-SHOPIFY-TOPIC": " a/b " }, "x-shopify-topic")).toBe("a/b");
  });

  test("a payload delivered as JSON text is parsed without losing large ids", async () => {
    const platform = makeTestPlatform();
    const event = await run(platform.layer, decodeIncomingEvent(partnerEnvelope("orders/delete", '{"id": 12345678901234567890}')));
    expect(event.payload).toEqual({ id: "12345678901234567890" });
    expect(event.rawText).toBe('{"id": 12345678901234567890}');
  });

  test("platform events: inline payload, or loaded from rawKey; problems are InvalidPayload", async () => {
    const platform = makeTestPlatform();
    platform.state.objects.set("raw/shopify/orders/dt=2026-03-01/e2.json", { body: Buffer.from('{"id": 9007199254740993}') });
    const inline = await run(platform.layer, decodeIncomingEvent(platformEnvelope("orders/updated", { id: 1 }, { eventId: "e1" })));
    expect(inline).toMatchObject({ door: "platform", eventId: "e1", payload: { id: 1 } });
    const stored = await run(
      platform.layer,
      decodeIncomingEvent(platformEnvelope("orders/updated", undefined, { eventId: "e2", inline: false, rawKey: "raw/shopify/orders/dt=2026-03-01/e2.json" })),
    );
    expect(stored.payload).toEqual({ id: "9007199254740993" });
    const noEventId = platformEnvelope("orders/updated", { id: 1 });
    delete (noEventId.detail as Record<string, unknown>).eventId;
    for (const bad of [noEventId, { ...noEventId, "detail-type": "other" }, { ...noEventId, source: "someone.else" }]) {
      const exit = await runExit(platform.layer, decodeIncomingEvent(bad));
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && (exit.cause.error as { _tag: string })._tag).toBe("InvalidPayload");
    }
  });
});
