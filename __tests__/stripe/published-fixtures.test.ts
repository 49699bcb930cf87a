/**
 * Stripe's published sample objects through the real path: the signed delivery through the door
 * (stripe-ingress), the event it publishes routed by the contract's rules to its processor, and
 * the hot-store row that processor writes, keyed by the object's id.
 *
 * The bodies (`__tests__/fixtures/stripe/reference/*.json`, see its README) are written for this
 * repository after Stripe's published sample objects (stripe/openapi `openapi/fixtures3.json`, the
 * objects stripe-mock serves), keeping their ids and exactly the shape of every field a processor
 * reads, nulls included. Stripe's file itself is not committed (it is Stripe's, not ours).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "effect";
import { outcomeOf } from "../../functions/kernel/adapters";
import { program as ingress } from "../../functions/stripe/ingress";
import { stripeTargetOf } from "../../functions/stripe/processor-program";
import { envelopeOf } from "../support";
import { processorFor } from "../support/bus";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "./support/payments-platform";
import { RECEIVED_AT, stripeRequest } from "./support/fixtures";

type Json = Record<string, any>;
const referenceDir = path.join(__dirname, "..", "fixtures", "stripe", "reference");
const referenceIndex = JSON.parse(fs.readFileSync(path.join(referenceDir, "index.json"), "utf8")) as Array<{ file: string; type: string; object: string }>;

/** The event types the platform routes, one published object each (and two it only keeps raw). */
const routedTypes: Array<[type: string, resource: string]> = [
  ["charge.succeeded", "charge"],
  ["charge.failed", "charge"],
  ["charge.refunded", "charge"],
  ["payment_intent.processing", "payment_intent"],
  ["payment_intent.succeeded", "payment_intent"],
  ["payment_intent.payment_failed", "payment_intent"],
  ["invoice.paid", "invoice"],
  ["invoice.payment_failed", "invoice"],
  ["charge.dispute.created", "dispute"],
  ["charge.dispute.closed", "dispute"],
  ["charge.refund.updated", "refund"],
  ["customer.created", "customer"],
];

type Delivered = { platform: PaymentsTestPlatform; status: number; answer: Json; exit?: Exit.Exit<unknown, unknown> };

/** Signs `body`, posts it to the door, and runs what the door published through the processor the bus routes it to. */
const deliver = async (body: string): Promise<Delivered> => {
  const platform = makePaymentsTestPlatform();
  const door = await runOn(platform, ingress(stripeRequest(body)));
  if (!Exit.isSuccess(door)) throw new Error(`ingress failed: ${JSON.stringify(door)}`);
  const delivered: Delivered = { platform, status: door.value.statusCode, answer: JSON.parse(door.value.body) as Json };
  const published = platform.published[0];
  if (!published) return delivered;
  const envelope = envelopeOf(published, "bus-stripe-1", RECEIVED_AT);
  return { ...delivered, exit: await runOn(platform, processorFor(envelope)(envelope)) };
};

const tableOf = (type: string, object: Json) => stripeTargetOf(type, String(object.object));

/** The checks every published object gets: accepted, raw bytes kept, decoded, and its row keyed by the object's id (or kept raw only). */
const expectProcessed = (delivered: Delivered, body: string, event: Json) => {
  const object = event.data.object as Json;
  expect({ status: delivered.status, answer: delivered.answer }).toEqual({ status: 200, answer: { status: "accepted" } });
  const raw = delivered.platform.objectKeys().find((key) => key.startsWith("raw/stripe/"));
  expect(raw).toBeDefined();
  expect(delivered.platform.objectText(raw!)).toBe(body);
  expect(delivered.exit).toBeDefined();
  if (!Exit.isSuccess(delivered.exit!)) throw new Error(`${event.type}: ${JSON.stringify(outcomeOf(delivered.exit!))}`);
  const table = tableOf(event.type, object);
  if (table === undefined) {
    expect(delivered.platform.metricTotal("UnknownEventType")).toBe(1);
    expect([...delivered.platform.items("payments"), ...delivered.platform.items("invoices"), ...delivered.platform.items("disputes")]).toEqual([]);
    return;
  }
  const row = delivered.platform.item(table, String(object.id));
  expect(row).toMatchObject({ id: object.id, last_event_id: event.id, last_event_type: event.type });
  // What the sample says is what the row says; what it leaves null or out, the row leaves out.
  const same: Record<string, string> = { status: "status", amount: "amount", currency: "currency", amount_paid: "amount_paid", amount_due: "amount_due", reason: "reason" };
  for (const [field, column] of Object.entries(same)) {
    if (!(field in object)) continue;
    if (table === "invoices" && field === "status") continue; // invoice status falls back to draft
    if (object[field] === null) expect(row).not.toHaveProperty(column);
    else expect(row![column]).toEqual(object[field]);
  }
  if (object.customer === null) expect(row).not.toHaveProperty("customer_id");
  if (typeof object.customer === "string") expect(row!.customer_id).toBe(object.customer);
};

describe("Stripe reference bodies (after Stripe's published sample objects) through door and processor", () => {
  it("covers every event type routed above", () => {
    expect(referenceIndex.map((entry) => entry.type).sort()).toEqual(routedTypes.map(([type]) => type).sort());
  });

  test.each(referenceIndex.map((entry) => [entry.type, entry.file] as const))("%s (%s)", async (type, file) => {
    const body = fs.readFileSync(path.join(referenceDir, file), "utf8");
    const event = JSON.parse(body) as Json;
    expect(event.type).toBe(type);
    expectProcessed(await deliver(body), body, event);
  });

  // Every published sample carries the fields a row is keyed and ordered on; one that did not would be dead-lettered, naming it.
  test.each([
    ["charge-succeeded.json", "id"],
    ["charge-dispute-created.json", "status"],
    ["payment_intent-succeeded.json", "status"],
  ])("%s without data.object.%s is stored raw, then dead-lettered naming the field", async (file, field) => {
    const event = JSON.parse(fs.readFileSync(path.join(referenceDir, file), "utf8")) as Json;
    delete event.data.object[field];
    const body = JSON.stringify(event);
    const delivered = await deliver(body);
    expect({ status: delivered.status, answer: delivered.answer }).toEqual({ status: 200, answer: { status: "accepted" } });
    const outcome = outcomeOf(delivered.exit!);
    expect(outcome).toMatchObject({ kind: "dead-letter" });
    expect(outcome.kind === "dead-letter" ? outcome.reason : "").toContain(`InvalidPayload: ${field}:`);
    expect([...delivered.platform.items("payments"), ...delivered.platform.items("disputes")]).toEqual([]);
  });
});
