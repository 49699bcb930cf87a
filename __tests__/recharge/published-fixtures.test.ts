/**
 * Recharge payloads through the real path: the signed delivery through the door
 * (recharge-ingress), the event it publishes routed by the contract's rules to its processor, and
 * the hot-store row that processor writes, keyed by the object's id.
 *
 * No Recharge-published sample is committed (none could be had for this repository; see
 * __tests__/fixtures/recharge/README.md), so every committed fixture (written for the scenarios,
 * after Recharge's API 2021-11 objects) goes door -> bus -> processor here, keyed or kept raw as
 * its topic says.
 */
import { Exit } from "effect";
import { parseJson } from "../../functions/kernel/json";
import { outcomeOf } from "../../functions/kernel/adapters";
import { program as ingress } from "../../functions/recharge/ingress";
import { rechargeEntityOfTopic } from "../../functions/recharge/topics";
import { envelopeOf } from "../support";
import { processorFor } from "../support/bus";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "../stripe/support/payments-platform";
import { RECEIVED_AT, rechargeFixtures, rechargeRequest } from "../stripe/support/fixtures";

type Json = Record<string, any>;
type Delivered = { platform: PaymentsTestPlatform; status: number; answer: Json; exit?: Exit.Exit<unknown, unknown> };

/** Signs `body`, posts it to the door under `topic`, and runs what the door published through the processor the bus routes it to. */
const deliver = async (topic: string, body: string): Promise<Delivered> => {
  const platform = makePaymentsTestPlatform();
  const door = await runOn(platform, ingress(rechargeRequest(topic, body)));
  if (!Exit.isSuccess(door)) throw new Error(`ingress failed: ${JSON.stringify(door)}`);
  const delivered: Delivered = { platform, status: door.value.statusCode, answer: JSON.parse(door.value.body) as Json };
  const published = platform.published[0];
  if (!published) return delivered;
  const envelope = envelopeOf(published, "bus-recharge-1", RECEIVED_AT);
  return { ...delivered, exit: await runOn(platform, processorFor(envelope)(envelope)) };
};

const rows = (platform: PaymentsTestPlatform) => [...platform.items("subscriptions"), ...platform.items("charges")];

/** The id as text, every digit kept (ids may exceed 2^53: the body is read as the platform reads it). */
const objectOf = (topic: string, body: string): Json | undefined => {
  const entity = rechargeEntityOfTopic(topic);
  const parsed = parseJson(body) as Json;
  return entity ? (parsed[entity] as Json | undefined) : undefined;
};

/** The fields a Recharge row is keyed (`id`) and ordered (`status`, `updated_at`) on. */
const KEYED = ["id", "status", "updated_at"] as const;

const expectAcceptedAndRaw = (delivered: Delivered, body: string) => {
  expect({ status: delivered.status, answer: delivered.answer }).toEqual({ status: 200, answer: { status: "accepted" } });
  const raw = delivered.platform.objectKeys().find((key) => key.startsWith("raw/recharge/"));
  expect(raw).toBeDefined();
  expect(delivered.platform.objectText(raw!)).toBe(body);
  expect(delivered.exit).toBeDefined();
};

/** Accepted, raw bytes kept, decoded, and its row keyed by the object's id (or kept raw only, for topics not processed). */
const expectProcessed = (delivered: Delivered, topic: string, body: string) => {
  expectAcceptedAndRaw(delivered, body);
  if (!Exit.isSuccess(delivered.exit!)) throw new Error(`${topic}: ${JSON.stringify(outcomeOf(delivered.exit!))}`);
  const entity = rechargeEntityOfTopic(topic);
  if (entity === undefined) {
    expect(delivered.platform.metricTotal("UnknownEventType")).toBe(1);
    expect(rows(delivered.platform)).toEqual([]);
    return;
  }
  const object = objectOf(topic, body)!;
  const table = entity === "subscription" ? "subscriptions" : "charges";
  const row = delivered.platform.item(table, String(object.id));
  expect(row).toBeDefined();
  expect(row).toMatchObject({ id: String(object.id) });
  expect(rows(delivered.platform)).toHaveLength(1);
  if (topic !== "subscription/deleted" && topic !== "charge/deleted") expect(String(row!.status)).toBe(String(object.status).toLowerCase());
};

describe("Recharge fixtures through door, bus and processor", () => {
  test.each(rechargeFixtures.map((fixture) => [fixture.topic, fixture.file, fixture.rawBody] as const))("%s (%s)", async (topic, _file, body) => {
    expectProcessed(await deliver(topic, body), topic, body);
  });
});

/** A row-bearing fixture without a field its row is keyed or ordered on cannot become a row: dead-lettered, naming the field, its raw copy kept. */
const rowFixtures = rechargeFixtures.filter((fixture) => {
  const entity = rechargeEntityOfTopic(fixture.topic);
  if (entity === undefined || fixture.topic.endsWith("/deleted")) return false;
  // JSON.parse would round an id beyond 2^53 (the large-ids fixture has its own tests), so only the others are edited here.
  const id: unknown = (JSON.parse(fixture.rawBody) as Json)[entity]?.id;
  return typeof id !== "number" || Number.isSafeInteger(id);
});

describe("a Recharge fixture missing a keyed or ordering field", () => {
  test.each(rowFixtures.flatMap((fixture) => KEYED.map((field) => [fixture.topic, field, fixture.rawBody] as const)))("%s without %s", async (topic, field, original) => {
    const parsed = JSON.parse(original) as Json;
    const entity = rechargeEntityOfTopic(topic)!;
    delete (parsed[entity] as Json)[field];
    const body = JSON.stringify(parsed);
    const delivered = await deliver(topic, body);
    expectAcceptedAndRaw(delivered, body);
    const outcome = outcomeOf(delivered.exit!);
    expect(outcome.kind).toBe("dead-letter");
    expect(outcome.kind === "dead-letter" ? outcome.reason : "").toContain(field);
    expect(rows(delivered.platform)).toEqual([]);
  });
});
