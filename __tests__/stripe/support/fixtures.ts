/** Loads the Recharge and Stripe fixtures and turns them into what the doors and processors receive. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Either } from "effect";
import { PLATFORM_DETAIL_TYPE, platformSources, type PlatformEventDetail } from "../../../contracts/events";
import { rawEventKey } from "../../../contracts/lake-layout";
import type { BusEnvelope, HttpRequest } from "../../../functions/kernel/function-shape";
import { describeRechargeDelivery } from "../../../functions/recharge/describe";
import { signRechargePayload } from "../../../functions/recharge/signature";
import { describeStripeBody } from "../../../functions/stripe/describe";
import { signStripePayload } from "../../../functions/stripe/signature";

const fixtureRoot = path.join(__dirname, "..", "..", "fixtures");

export interface RechargeFixture {
  readonly file: string;
  readonly topic: string;
  readonly rawBody: string;
}
export interface StripeFixture {
  readonly file: string;
  readonly type: string;
  readonly rawBody: string;
}

export const rechargeFixtures: ReadonlyArray<RechargeFixture> = (
  JSON.parse(fs.readFileSync(path.join(fixtureRoot, "recharge", "index.json"), "utf8")) as Array<{ file: string; topic: string }>
).map((entry) => ({ ...entry, rawBody: fs.readFileSync(path.join(fixtureRoot, "recharge", entry.file), "utf8") }));
export const stripeFixtures: ReadonlyArray<StripeFixture> = (
  JSON.parse(fs.readFileSync(path.join(fixtureRoot, "stripe", "index.json"), "utf8")) as Array<{ file: string; type: string }>
).map((entry) => ({ ...entry, rawBody: fs.readFileSync(path.join(fixtureRoot, "stripe", entry.file), "utf8") }));

export const rechargeFixture = (file: string) => {
  const found = rechargeFixtures.find((fixture) => fixture.file === file);
  if (!found) throw new Error(`no Recharge fixture ${file}`);
  return found;
};
export const stripeFixture = (file: string) => {
  const found = stripeFixtures.find((fixture) => fixture.file === file);
  if (!found) throw new Error(`no Stripe fixture ${file}`);
  return found;
};

export const RECEIVED_AT = "2026-11-27T06:00:00.000Z";
export const RECHARGE_SECRET = "recharge-test-client-secret";
export const STRIPE_SECRET = "whsec_stripe_test_secret";
export const NOW_SECONDS = 1_795_000_000;

/** The envelope the platform bus delivers for a payments delivery, as the door would publish it. */
const paymentsEnvelope = (
  source: "recharge" | "stripe",
  described: { readonly topic: string; readonly eventId: string; readonly entity: string; readonly payload: unknown },
  options: { inline?: boolean },
): BusEnvelope => {
  const detail: PlatformEventDetail = {
    source,
    topic: described.topic,
    eventId: described.eventId,
    receivedAt: RECEIVED_AT,
    rawKey: rawEventKey(source, described.entity, RECEIVED_AT, described.eventId),
    ...(options.inline === false ? {} : { payload: described.payload }),
  };
  return { id: `bus-${described.eventId}`, source: platformSources[source], "detail-type": PLATFORM_DETAIL_TYPE, time: RECEIVED_AT, detail };
};

/** The envelope the platform bus delivers for a Recharge delivery (as the door would publish it). */
export const rechargeEnvelope = (topic: string, rawBody: string, options: { inline?: boolean } = {}): BusEnvelope =>
  paymentsEnvelope("recharge", Either.getOrThrow(describeRechargeDelivery({ "x-recharge-topic": topic }, Buffer.from(rawBody))), options);

export const stripeEnvelope = (rawBody: string, options: { inline?: boolean } = {}): BusEnvelope =>
  paymentsEnvelope("stripe", Either.getOrThrow(describeStripeBody(Buffer.from(rawBody))), options);

export const rechargeRequest = (
  topic: string,
  rawBody: string,
  headers: Record<string, string> = signRechargePayload(rawBody, RECHARGE_SECRET, { timestampSeconds: NOW_SECONDS }),
): HttpRequest => ({
  method: "POST",
  path: "/webhooks/recharge",
  headers: { "content-type": "application/json", "x-recharge-topic": topic, ...headers },
  rawBody: Buffer.from(rawBody),
  requestId: "req-recharge",
  receivedAt: RECEIVED_AT,
});

export const stripeRequest = (rawBody: string, header: string = signStripePayload(rawBody, [STRIPE_SECRET], NOW_SECONDS)): HttpRequest => ({
  method: "POST",
  path: "/webhooks/stripe",
  headers: { "content-type": "application/json", "stripe-signature": header },
  rawBody: Buffer.from(rawBody),
  requestId: "req-stripe",
  receivedAt: RECEIVED_AT,
});

/** A copy of a JSON body with `edit` applied to its parsed form (big integers are not used here). */
export const editJson = (rawBody: string, edit: (value: any) => void): string => {
  const value = JSON.parse(rawBody);
  edit(value);
  return JSON.stringify(value);
};
