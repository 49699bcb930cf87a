import { PLATFORM_DETAIL_TYPE, platformSources, rechargeTopicFamilies, routes, shopifyTopicFamilies, type ShopifyTopicFamily } from "../../contracts/events";
import { InvalidEventPattern, matchesPattern, validatePattern } from "../../local/event-pattern";
import { partnerEnvelope as partnerEnvelopeOf } from "../support";

describe("matchesPattern", () => {
  it("matches exact values, any candidate, and numbers/booleans/null by type", () => {
    const pattern = { source: ["a", "b"], "detail-type": ["t"] };
    expect(matchesPattern(pattern, { source: "b", "detail-type": "t" })).toBe(true);
    expect(matchesPattern(pattern, { source: "c", "detail-type": "t" })).toBe(false);
    expect(matchesPattern(pattern, { source: "a" })).toBe(false);
    expect(matchesPattern({ n: [1], f: [false], z: [null] }, { n: 1, f: false, z: null })).toBe(true);
    expect(matchesPattern({ n: [1] }, { n: "1" })).toBe(false);
  });

  it("supports prefix, suffix, equals-ignore-case and anything-but", () => {
    expect(matchesPattern({ s: [{ prefix: "aws.partner/shopify.com" }] }, { s: "aws.partner/shopify.com/1/x" })).toBe(true);
    expect(matchesPattern({ s: [{ prefix: "aws.partner/shopify.com" }] }, { s: "aws.partner/stripe.com" })).toBe(false);
    expect(matchesPattern({ s: [{ suffix: ".json" }] }, { s: "a.json" })).toBe(true);
    expect(matchesPattern({ t: [{ "equals-ignore-case": "orders/create" }] }, { t: "ORDERS/Create" })).toBe(true);
    expect(matchesPattern({ t: [{ "equals-ignore-case": "orders/create" }] }, { t: "orders/created" })).toBe(false);
    expect(matchesPattern({ t: [{ "equals-ignore-case": "1" }] }, { t: 1 })).toBe(false);
    expect(matchesPattern({ t: [{ "anything-but": ["x", "y"] }] }, { t: "z" })).toBe(true);
    expect(matchesPattern({ t: [{ "anything-but": "x" }] }, { t: "x" })).toBe(false);
  });

  it("supports exists true and false", () => {
    expect(matchesPattern({ a: [{ exists: true }] }, { a: "" })).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ a: [{ exists: false }] }, { a: 1 })).toBe(false);
  });

  it("matches nested objects and never treats a scalar as an object", () => {
    const pattern = { detail: { metadata: { topic: ["x"] } } };
    expect(matchesPattern(pattern, { detail: { metadata: { topic: "x", other: 1 } } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { metadata: "x" } })).toBe(false);
    expect(matchesPattern(pattern, { detail: {} })).toBe(false);
    expect(matchesPattern(pattern, null)).toBe(false);
    expect(matchesPattern(pattern, "detail")).toBe(false);
  });

  it("matches an event array when any element matches", () => {
    expect(matchesPattern({ tags: ["vip"] }, { tags: ["new", "vip"] })).toBe(true);
    expect(matchesPattern({ tags: ["vip"] }, { tags: ["new"] })).toBe(false);
    expect(matchesPattern({ tags: ["vip"] }, { tags: [] })).toBe(false);
  });

  it("supports $or at any level, together with sibling fields", () => {
    const pattern = { source: ["s"], detail: { $or: [{ a: ["1"] }, { b: ["2"] }] } };
    expect(matchesPattern(pattern, { source: "s", detail: { a: "1" } })).toBe(true);
    expect(matchesPattern(pattern, { source: "s", detail: { b: "2" } })).toBe(true);
    expect(matchesPattern(pattern, { source: "s", detail: { a: "2", b: "1" } })).toBe(false);
    expect(matchesPattern(pattern, { source: "x", detail: { a: "1" } })).toBe(false);
  });
});

describe("validatePattern", () => {
  it("accepts every route pattern in contracts/events.ts", () => {
    for (const route of routes) expect(() => validatePattern(route.pattern)).not.toThrow();
  });

  it.each([
    [{ source: "a" }, "leaf values must be arrays"],
    [{ source: [] }, "empty candidate list"],
    [{ source: [{ numeric: [">", 1] }] }, "unsupported operator"],
    [{ source: [{ prefix: 1 }] }, "prefix needs a string"],
    [{ $or: [{ a: ["1"] }] }, "$or needs an array of at least two"],
    [{ source: [[1]] }, "a candidate must be"],
  ])("rejects %j", (pattern, message) => {
    expect(() => validatePattern(pattern as never)).toThrow(InvalidEventPattern);
    expect(() => validatePattern(pattern as never)).toThrow(message);
  });
});

/** Sample events of every topic, as each door delivers them. */
const partnerEnvelope = (topic: string, headerKey: string) =>
  partnerEnvelopeOf(
    topic,
    { id: 1 },
    {
      id: "e6f2f7a8-0000-4000-8000-000000000001",
      source: "aws.partner/shopify.com/123456/acme-dev",
      time: "2026-01-31T10:00:00Z",
      region: "eu-west-1",
      topicHeader: headerKey,
      webhookId: "w-1",
    },
  );

const platformEvent = (source: string, topic: string) => ({
  id: "p-1",
  source,
  "detail-type": PLATFORM_DETAIL_TYPE,
  time: "2026-01-31T10:00:00Z",
  detail: { source: source.replace("sdp.", ""), topic, eventId: "ev-1", receivedAt: "2026-01-31T10:00:00Z", rawKey: "raw/x" },
});

const matchingRouteIds = (event: unknown) => routes.filter((route) => matchesPattern(route.pattern, event)).map((route) => route.id);

describe("contracts/events.ts routes", () => {
  const families = Object.keys(shopifyTopicFamilies) as ShopifyTopicFamily[];

  for (const family of families) {
    for (const topic of shopifyTopicFamilies[family]) {
      it(`partner-bus ${topic} reaches shopify-partner-${family} only, whatever the header/topic letter case`, () => {
        for (const headerKey of ["X-Shopify-Topic", "x-shopify-topic"]) {
          for (const spelling of [topic, topic.toUpperCase()]) {
            expect(matchingRouteIds(partnerEnvelope(spelling, headerKey))).toEqual([`shopify-partner-${family}`]);
          }
        }
      });

      it(`platform-bus ${topic} reaches shopify-https-${family} only`, () => {
        expect(matchingRouteIds(platformEvent(platformSources.shopify, topic))).toEqual([`shopify-https-${family}`]);
      });
    }
  }

  it("routes every Recharge topic to the recharge route only", () => {
    for (const topic of Object.values(rechargeTopicFamilies).flat()) {
      expect(matchingRouteIds(platformEvent(platformSources.recharge, topic))).toEqual(["recharge"]);
    }
  });

  it("routes Stripe event types to the stripe route only", () => {
    for (const type of ["charge.succeeded", "payment_intent.payment_failed", "invoice.paid", "charge.dispute.created"]) {
      expect(matchingRouteIds(platformEvent(platformSources.stripe, type))).toEqual(["stripe"]);
    }
  });

  it("routes nothing for unknown topics, foreign sources or other detail-types", () => {
    expect(matchingRouteIds(partnerEnvelope("orders/archived", "X-Shopify-Topic"))).toEqual([]);
    expect(matchingRouteIds({ ...partnerEnvelope("orders/create", "X-Shopify-Topic"), source: "aws.partner/other.com/1/x" })).toEqual([]);
    expect(matchingRouteIds({ ...partnerEnvelope("orders/create", "X-Shopify-Topic"), "detail-type": "other" })).toEqual([]);
    expect(matchingRouteIds(platformEvent("sdp.other", "orders/create"))).toEqual([]);
    // The platform door normalises topics to lower case, so its pattern is exact.
    expect(matchingRouteIds(platformEvent(platformSources.shopify, "ORDERS/CREATE"))).toEqual([]);
  });
});
