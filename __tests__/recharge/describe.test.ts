import { Either } from "effect";
import { describeRechargeDelivery } from "../../functions/recharge/describe";
import { describeStripeBody, stripeEntityOfType } from "../../functions/stripe/describe";

const body = Buffer.from('{"charge":{"id":98765432109876543210987,"status":"error"}}');

describe("Recharge delivery ids", () => {
  it("derives a stable id from topic, object id (exact) and body; the topic is normalised", () => {
    const first = Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": " Charge/Failed " }, body));
    const again = Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": "charge/failed" }, body));
    expect(first.topic).toBe("charge/failed");
    expect(first.entity).toBe("charge");
    expect(first.eventId).toMatch(/^charge-failed\.98765432109876543210987\.[0-9a-f]{20}$/);
    expect(again.eventId).toBe(first.eventId);
    expect(Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": "charge/updated" }, body)).eventId).not.toBe(first.eventId);
    expect(Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": "charge/failed" }, Buffer.from(`${body} `))).eventId).not.toBe(first.eventId);
  });

  it("still names deliveries without a usable object id", () => {
    const described = Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": "async_batch/processed" }, Buffer.from('{"async_batch":{"id":"../../etc"}}')));
    expect(described.eventId).toMatch(/^async_batch-processed\.noid\.[0-9a-f]{20}$/);
  });

  it("rejects a missing or odd topic and bodies that are not JSON objects", () => {
    for (const [headers, raw] of [
      [{}, body],
      [{ "x-recharge-topic": "charge" }, body],
      [{ "x-recharge-topic": "../charge/failed" }, body],
      [{ "x-recharge-topic": "charge/failed" }, Buffer.from("[1]")],
      [{ "x-recharge-topic": "charge/failed" }, Buffer.from("{")],
    ] as const) {
      expect(Either.isLeft(describeRechargeDelivery(headers, raw))).toBe(true);
    }
  });
});

describe("Stripe delivery ids", () => {
  it("uses the event id and type; the lake entity is the object family", () => {
    expect(Either.getOrThrow(describeStripeBody(Buffer.from('{"id":"evt_1","type":"charge.dispute.created"}')))).toMatchObject({
      eventId: "evt_1",
      topic: "charge.dispute.created",
      entity: "dispute",
    });
    expect(stripeEntityOfType("payment_intent.succeeded")).toBe("payment_intent");
    expect(stripeEntityOfType("v2.core.event")).toBe("v2");
    expect(stripeEntityOfType("Odd/Type.x")).toBe("unknown");
    expect(Either.isLeft(describeStripeBody(Buffer.from('{"id":"","type":"x"}')))).toBe(true);
  });
});
