/**
 * The demo's generated traffic: deterministic, signed the way each provider signs (checked with
 * the platform's own verifiers), shaped as the processors decode, routed by the contract's
 * patterns, and honest about what it expects (duplicates, forgeries, out-of-order updates).
 */
import { DiscountDeletion, DiscountPayload, RedeemCodeNotice } from "../../functions/shopify/discounts";
import { DraftOrderPayload } from "../../functions/shopify/draft-orders";
import { fulfillmentOrderSchemaOf } from "../../functions/shopify/fulfillment-orders";
import { FulfillmentPayload } from "../../functions/shopify/fulfillments";
import { InventoryItemPayload, InventoryLevelDisconnect, InventoryLevelPayload } from "../../functions/shopify/inventory";
import { LocationPayload } from "../../functions/shopify/locations";
import { OrderTransactionPayload } from "../../functions/shopify/order-transactions";
import { RefundPayload } from "../../functions/shopify/refunds";
import { Either, Schema } from "effect";
import { routes, shopifyTopics } from "../../contracts/events";
import { parseEnvelope } from "../../local/event-door";
import { matchesPattern } from "../../local/event-pattern";
import { ChargeWebhook, SubscriptionWebhook } from "../../functions/recharge/schemas";
import { verifyRechargeSignature } from "../../functions/recharge/signature";
import { StripeCharge, StripeDispute, StripeEvent, StripeInvoice, StripePaymentIntent } from "../../functions/stripe/schemas";
import { verifyStripeSignature } from "../../functions/stripe/signature";
import * as Shopify from "../../functions/shopify/schemas";
import { shopifySignature } from "../support";
import { webhookSecretsFrom } from "../../demo/signing";
import { defaultDayStart, generateTraffic, replayLineOf, type Delivery } from "../../demo/traffic";
import { parseReplayLine } from "../../cli/commands/replay";

const secrets = webhookSecretsFrom({});
const signedAt = 1_800_000_000;
const dayStart = new Date("2026-11-26T06:00:00.000Z");
const traffic = generateTraffic({ dayStart, secrets, signedAtSeconds: signedAt });
const header = (delivery: Delivery, name: string) => Object.entries(delivery.headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

describe("generated traffic", () => {
  it("is the same for the same seed and day, and different for another seed", () => {
    expect(generateTraffic({ dayStart, secrets, signedAtSeconds: signedAt })).toEqual(traffic);
    expect(generateTraffic({ dayStart, secrets, signedAtSeconds: signedAt, seed: 7 }).deliveries[0]!.body).not.toBe(traffic.deliveries[0]!.body);
  });

  it("covers every door, the required topics, duplicates and forgeries", () => {
    const doors = new Set(traffic.deliveries.map((delivery) => delivery.door));
    expect([...doors].sort()).toEqual(["events", "recharge", "shopify", "stripe"]);
    const topics = new Set(traffic.deliveries.map((delivery) => delivery.topic));
    for (const topic of [
      "orders/create",
      "orders/paid",
      "orders/updated",
      "orders/cancelled",
      "orders/fulfilled",
      "customers/create",
      "customers/update",
      "products/create",
      "products/update",
      "checkouts/create",
      "checkouts/update",
      "carts/create",
      "subscription/created",
      "subscription/cancelled",
      "charge/paid",
      "charge/failed",
      "charge.succeeded",
      "charge.failed",
      "invoice.paid",
      "charge.dispute.created",
    ]) {
      expect(topics).toContain(topic);
    }
    expect(traffic.expectations.duplicates).toBeGreaterThan(5);
    expect(traffic.expectations.forged).toBe(2);
    expect(traffic.deliveries.filter((delivery) => delivery.kind === "original")).toHaveLength(traffic.expectations.uniqueEvents);
    // Shopify goes through both doors.
    const shopifyDoors = new Set(traffic.deliveries.filter((delivery) => delivery.source === "shopify").map((delivery) => delivery.door));
    expect([...shopifyDoors].sort()).toEqual(["events", "shopify"]);
  });

  it("signs Shopify HTTPS deliveries with base64 HMAC-SHA256 of the raw body, forgeries with another secret", () => {
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.door === "shopify")) {
      const expected = shopifySignature(secrets.shopify, delivery.body);
      expect(header(delivery, "X-Shopify-Hmac-Sha256") === expected).toBe(delivery.kind !== "forged");
      for (const name of ["X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Shop-Domain", "X-Shopify-Triggered-At"]) expect(header(delivery, name)).toBeTruthy();
      expect(shopifyTopics).toContain(header(delivery, "X-Shopify-Topic"));
    }
  });

  it("signs Recharge and Stripe deliveries so the platform's verifiers accept them (and reject the forgery)", () => {
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.door === "recharge")) {
      const result = verifyRechargeSignature({
        rawBody: Buffer.from(delivery.body),
        legacyHash: header(delivery, "X-Recharge-Hmac-Sha256"),
        timestampedSignature: undefined,
        secrets: [secrets.recharge],
        nowSeconds: signedAt,
        toleranceSeconds: 300,
      });
      expect(result.ok).toBe(true);
    }
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.door === "stripe")) {
      const result = verifyStripeSignature({
        rawBody: Buffer.from(delivery.body),
        header: header(delivery, "Stripe-Signature"),
        secrets: [secrets.stripe],
        nowSeconds: signedAt + 10,
        toleranceSeconds: 300,
      });
      expect(result.ok).toBe(delivery.kind !== "forged");
    }
  });

  it("shapes Recharge and Stripe payloads as their processors decode them", () => {
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.door === "recharge")) {
      const schema = delivery.topic.startsWith("subscription/") ? SubscriptionWebhook : ChargeWebhook;
      expect(Either.isRight(Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)(JSON.parse(delivery.body)))).toBe(true);
    }
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.door === "stripe" && candidate.kind !== "forged")) {
      const event = Schema.decodeUnknownSync(StripeEvent)(JSON.parse(delivery.body));
      const object = event.data.object as { object: string };
      const schema = { charge: StripeCharge, payment_intent: StripePaymentIntent, invoice: StripeInvoice, dispute: StripeDispute }[object.object];
      expect(schema).toBeDefined();
      expect(Either.isRight(Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)(object))).toBe(true);
    }
  });

  it("shapes Shopify payloads as the Shopify processors decode them", () => {
    const byTopic: Record<string, Schema.Schema<any, any, never>> = {
      "locations/delete": Shopify.Deletion,
      "draft_orders/delete": Shopify.Deletion,
      "inventory_levels/disconnect": InventoryLevelDisconnect,
      "discounts/delete": DiscountDeletion,
      "discounts/redeemcode_added": RedeemCodeNotice,
      "discounts/redeemcode_removed": RedeemCodeNotice,
    };
    const byEntity: Record<string, Schema.Schema<any, any, never>> = {
      orders: Shopify.Order,
      customers: Shopify.Customer,
      products: Shopify.Product,
      checkouts: Shopify.Checkout,
      carts: Shopify.Cart,
      refunds: RefundPayload,
      order_transactions: OrderTransactionPayload,
      fulfillments: FulfillmentPayload,
      inventory_items: InventoryItemPayload,
      inventory_levels: InventoryLevelPayload,
      locations: LocationPayload,
      discounts: DiscountPayload,
      draft_orders: DraftOrderPayload,
    };
    const schemaOf = (topic: string) => byTopic[topic] ?? (topic.startsWith("fulfillment_orders/") ? fulfillmentOrderSchemaOf(topic) : byEntity[topic.split("/")[0]!]);
    // Every topic the contract routes to a processor with handlers is in the day's traffic.
    const sent = new Set(traffic.deliveries.filter((candidate) => candidate.source === "shopify").map((candidate) => candidate.topic));
    for (const topic of [
      "refunds/create",
      "order_transactions/create",
      "fulfillments/update",
      "inventory_levels/disconnect",
      "locations/delete",
      "discounts/redeemcode_removed",
      "draft_orders/delete",
    ])
      expect(sent).toContain(topic);
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.source === "shopify")) {
      const payload = delivery.door === "events" ? JSON.parse(delivery.body).detail.payload : JSON.parse(delivery.body);
      const decoded = Schema.decodeUnknownEither(schemaOf(delivery.topic) as Schema.Schema<unknown, unknown>)(payload);
      if (Either.isLeft(decoded)) throw new Error(`${delivery.topic} does not decode: ${decoded.left.message}`);
    }
  });

  it("sends partner-bus envelopes that the event door accepts and the contract's routes match", () => {
    const partnerRoutes = routes.filter((route) => route.bus === "partner");
    for (const delivery of traffic.deliveries.filter((candidate) => candidate.door === "events")) {
      const parsed = parseEnvelope(Buffer.from(delivery.body));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.topic).toBe(delivery.topic);
      expect(partnerRoutes.filter((route) => matchesPattern(route.pattern, parsed.envelope as never))).toHaveLength(1);
    }
  });

  it("makes every duplicate a byte-identical redelivery sent after its original", () => {
    for (const duplicate of traffic.deliveries.filter((delivery) => delivery.kind === "duplicate")) {
      const original = traffic.deliveries.find((delivery) => delivery.kind === "original" && delivery.eventKey === duplicate.eventKey)!;
      expect(original).toBeDefined();
      expect(duplicate.body).toBe(original.body);
      expect(duplicate.headers).toEqual(original.headers);
      expect(duplicate.door).toBe(original.door);
      expect(duplicate.wave).toBeGreaterThan(original.wave);
    }
    const keys = traffic.deliveries.filter((delivery) => delivery.kind === "original").map((delivery) => `${delivery.source}:${delivery.eventKey}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("sends some older updates after newer ones, and expects the newer state", () => {
    const orderUpdates = traffic.deliveries
      .filter((delivery) => delivery.source === "shopify" && delivery.topic.startsWith("orders/") && delivery.kind === "original")
      .map((delivery) => {
        const payload = JSON.parse(delivery.door === "events" ? JSON.stringify(JSON.parse(delivery.body).detail.payload) : delivery.body);
        return { id: payload.admin_graphql_api_id as string, updatedAt: Date.parse(payload.updated_at), wave: delivery.wave };
      });
    const late = orderUpdates.filter((update) => orderUpdates.some((other) => other.id === update.id && other.wave < update.wave && other.updatedAt > update.updatedAt));
    expect(late.length).toBeGreaterThan(0);
    for (const update of late) {
      const expected = traffic.expectations.rows.find((row) => row.table === "orders" && row.key.id === update.id && row.field === "updated_at")!;
      expect(Date.parse(expected.value)).toBeGreaterThan(update.updatedAt);
    }
    const newest = new Map<string, number>();
    for (const update of orderUpdates) newest.set(update.id, Math.max(newest.get(update.id) ?? 0, update.updatedAt));
    for (const row of traffic.expectations.rows.filter((candidate) => candidate.table === "orders" && candidate.field === "updated_at")) {
      expect(Date.parse(row.value)).toBe(newest.get(row.key.id));
    }
  });

  it("keeps every simulated timestamp inside its day", () => {
    const start = dayStart.getTime();
    for (const row of traffic.expectations.rows.filter((candidate) => candidate.compare === "time")) {
      expect(Date.parse(row.value)).toBeGreaterThanOrEqual(start);
      expect(Date.parse(row.value)).toBeLessThan(start + 86_400_000);
    }
    expect(defaultDayStart(new Date("2026-11-27T06:42:10Z")).toISOString()).toBe("2026-11-26T06:00:00.000Z");
  });

  it("writes replay lines that sdp replay reads back into the same requests", () => {
    for (const delivery of traffic.deliveries) {
      const parsed = parseReplayLine(replayLineOf(delivery));
      expect(parsed.ok).toBe(true);
      if (parsed.ok !== true) continue;
      expect(parsed.request.path).toBe(delivery.path);
      expect(parsed.request.body).toBe(delivery.body);
    }
  });
});
