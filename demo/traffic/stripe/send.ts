/** Stripe deliveries: an event wrapping `object`, signed with the endpoint secret (`/webhooks/stripe`). */
import { stripeSignature } from "../../signing";
import type { Day } from "../day";
import { unixSeconds } from "../formats";
import type { Delivery } from "../types";

export type StripeSend = (wave: number, type: string, object: Record<string, unknown>, created: Date) => Delivery;

export const stripeSender = (day: Day): StripeSend => {
  const { random, uuid, options, signedAt } = day;
  return (wave, type, object, created) => {
    const eventId = `evt_${random.hex(24)}`;
    const event = {
      id: eventId,
      object: "event",
      api_version: "2024-06-20",
      created: unixSeconds(created),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: `req_${random.hex(14)}`, idempotency_key: uuid() },
      type,
    };
    const body = JSON.stringify(event);
    return day.add({
      wave,
      door: "stripe",
      path: "/webhooks/stripe",
      headers: { "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": stripeSignature(options.secrets.stripe, body, signedAt) },
      body,
      source: "stripe",
      topic: type,
      eventKey: eventId,
    });
  };
};
