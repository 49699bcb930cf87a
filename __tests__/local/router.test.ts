import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLATFORM_DETAIL_TYPE, platformSources, routes, SHOPIFY_DETAIL_TYPE, type Route } from "../../contracts/events";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { readDeadLetters } from "../../local/queues";
import { dlqFileOf, LocalEventRouter, type RouteDelivery } from "../../local/router";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-router-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const makeRouter = (deliver: RouteDelivery) =>
  new LocalEventRouter({ routes, dataDir: dir, deliver, account: "000000000000", region: "us-east-1", backoffBaseMs: 1, backoffMaxMs: 2 });

const partner = (topic: string): BusEnvelope => ({
  id: `evt-${topic}`,
  source: "aws.partner/shopify.com/1/acme",
  "detail-type": SHOPIFY_DETAIL_TYPE,
  time: "2026-01-01T00:00:00Z",
  detail: { metadata: { "X-Shopify-Topic": topic }, payload: {} },
});

describe("LocalEventRouter", () => {
  it("delivers a partner envelope to its family's processor only, and a platform event to the platform route", async () => {
    const seen: Array<[string, string]> = [];
    const router = makeRouter(async (route, envelope) => {
      seen.push([route.id, envelope.id]);
      return { kind: "ok" };
    });
    expect(await router.publish("partner", partner("orders/paid"))).toEqual(["shopify-partner-orders"]);
    const platformEnvelope = router.envelopeOf({
      source: platformSources.stripe,
      detailType: PLATFORM_DETAIL_TYPE,
      detail: { source: "stripe", topic: "invoice.paid", eventId: "evt_1", receivedAt: "2026-01-01T00:00:00Z", rawKey: "raw/stripe/x" },
    });
    expect(platformEnvelope).toMatchObject({ account: "000000000000", region: "us-east-1", "detail-type": PLATFORM_DETAIL_TYPE });
    expect(await router.publish("platform", platformEnvelope)).toEqual(["stripe"]);
    await router.drain();
    expect(seen).toEqual([
      ["shopify-partner-orders", "evt-orders/paid"],
      ["stripe", platformEnvelope.id],
    ]);
    expect(router.counters.routes["shopify-partner-orders"]).toMatchObject({ received: 1, delivered: 1, depth: 0 });
  });

  it("keeps partner and platform buses apart and counts unmatched events", async () => {
    const router = makeRouter(async () => ({ kind: "ok" }));
    // A platform-bus event sent to the partner bus matches nothing there.
    const platformEvent = router.envelopeOf({ source: platformSources.shopify, detailType: PLATFORM_DETAIL_TYPE, detail: { topic: "orders/create" } });
    expect(await router.publish("partner", platformEvent)).toEqual([]);
    expect(await router.publish("partner", partner("orders/archived"))).toEqual([]);
    expect(router.counters.unmatched).toEqual({ partner: 2, platform: 0 });
    expect(router.counters.published).toEqual({ partner: 2, platform: 0 });
  });

  it("drain waits for events published while processing (a processor feeding the bus)", async () => {
    const order: string[] = [];
    let router!: LocalEventRouter;
    router = makeRouter(async (route, envelope) => {
      order.push(route.id);
      if (route.bus === "partner") {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await router.publish("platform", router.envelopeOf({ source: platformSources.recharge, detailType: PLATFORM_DETAIL_TYPE, detail: { from: envelope.id } }));
      }
      return { kind: "ok" };
    });
    await router.publish("partner", partner("customers/create"));
    await router.drain();
    expect(order).toEqual(["shopify-partner-customers", "recharge"]);
    expect(router.depth).toBe(0);
  });

  it("dead-letters invalid payloads to <data-dir>/dlq/<route>.jsonl", async () => {
    const letters: string[] = [];
    const router = new LocalEventRouter({
      routes,
      dataDir: dir,
      account: "0",
      region: "us-east-1",
      deliver: async () => ({ kind: "invalid", reason: "InvalidPayload: id is missing" }),
      onDeadLetter: (letter) => letters.push(letter.queue),
    });
    await router.publish("partner", partner("products/update"));
    await router.drain();
    expect(letters).toEqual(["shopify-partner-products"]);
    expect(readDeadLetters(dlqFileOf(dir, "shopify-partner-products"))).toMatchObject([{ reason: "InvalidPayload: id is missing", body: { id: "evt-products/update" } }]);
  });

  it("rejects routes with unsupported patterns or duplicate ids at construction", () => {
    const bad: Route = { id: "x", bus: "platform", pattern: { source: "sdp.shopify" }, processor: "p" };
    expect(() => new LocalEventRouter({ routes: [bad], dataDir: dir, account: "0", region: "r", deliver: async () => ({ kind: "ok" }) })).toThrow("leaf values");
    const ok: Route = { id: "y", bus: "platform", pattern: { source: ["a"] }, processor: "p" };
    expect(() => new LocalEventRouter({ routes: [ok, ok], dataDir: dir, account: "0", region: "r", deliver: async () => ({ kind: "ok" }) })).toThrow("duplicate route id");
  });
});
