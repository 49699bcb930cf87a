/**
 * Recharge money and time fields: valid shapes are stored exactly; invalid values ("abc", 1e400,
 * "garbage") are an InvalidPayload naming the field (never its value) that the SQS adapter sends
 * to the DLQ, and nothing reaches the tables. Both ways a payload can reach the processor are
 * exercised: inline in the bus event, and read back from the raw lake (how a body holding 1e400
 * travels, since the door never inlines it).
 */
import { Exit } from "effect";
import { outcomeOf } from "../../functions/kernel/adapters";
import { program as ingress } from "../../functions/recharge/ingress";
import { program } from "../../functions/recharge/processor";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "../stripe/support/payments-platform";
import { rechargeEnvelope, rechargeFixture, rechargeRequest } from "../stripe/support/fixtures";
import { envelopeOf } from "../support";

/** Replaces the object's own `"field": <value>` (4-space indent) in the fixture's raw text (so 1e400 stays a literal). */
const withRaw = (file: string, field: string, literal: string | undefined) => {
  const raw = rechargeFixture(file).rawBody;
  const pattern = new RegExp(`\\n( {4})"${field}": [^\\n]*?(,?)\\n`);
  if (!pattern.test(raw)) throw new Error(`${file} has no ${field}`);
  return raw.replace(pattern, (_match, indent: string, comma: string) => (literal === undefined ? "\n" : `\n${indent}"${field}": ${literal}${comma}\n`));
};

const deliverBoth = async (topic: string, raw: string) => {
  const results = [];
  for (const inline of [true, false]) {
    const platform = makePaymentsTestPlatform();
    const envelope = rechargeEnvelope(topic, raw, { inline });
    if (!inline) platform.putObject((envelope.detail as { rawKey: string }).rawKey, raw);
    results.push({ platform, exit: await runOn(platform, program(envelope)) });
  }
  return results;
};

const expectDeadLettered = (platform: PaymentsTestPlatform, exit: Exit.Exit<unknown, unknown>, field: string, value: string) => {
  expect(Exit.isFailure(exit)).toBe(true);
  const failure = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as { _tag: string; field?: string; reason: string }) : undefined;
  expect(failure).toMatchObject({ _tag: "InvalidPayload", field });
  expect(failure!.reason).toContain(field);
  expect(failure!.reason).not.toContain(value);
  expect(outcomeOf(exit).kind).toBe("dead-letter");
  expect(platform.items("subscriptions")).toEqual([]);
  expect(platform.items("charges")).toEqual([]);
};

describe("Recharge validation: invalid money and time go to the DLQ, naming the field", () => {
  const invalid: Array<[string, string, string, string, string]> = [
    ["subscription-created.json", "subscription/created", "price", '"abc"', "subscription.price"],
    ["subscription-created.json", "subscription/created", "price", "1e400", "subscription.price"],
    ["subscription-created.json", "subscription/created", "price", '"1e3"', "subscription.price"],
    ["subscription-created.json", "subscription/created", "created_at", '"garbage"', "subscription.created_at"],
    ["subscription-created.json", "subscription/created", "updated_at", '"2026-13-45T99:00:00"', "subscription.updated_at"],
    ["subscription-created.json", "subscription/created", "next_charge_scheduled_at", '"soon"', "subscription.next_charge_scheduled_at"],
    ["subscription-created.json", "subscription/created", "quantity", "1e400", "subscription.quantity"],
    ["subscription-created.json", "subscription/created", "presentment_currency", '"US Dollars"', "subscription.presentment_currency"],
    ["charge-failed-1.json", "charge/failed", "total_price", '"abc"', "charge.total_price"],
    ["charge-failed-1.json", "charge/failed", "total_price", "-1e400", "charge.total_price"],
    ["charge-failed-1.json", "charge/failed", "created_at", '"garbage"', "charge.created_at"],
    ["charge-failed-1.json", "charge/failed", "retry_date", '"next week"', "charge.retry_date"],
    ["charge-failed-1.json", "charge/failed", "scheduled_at", "20261119", "charge.scheduled_at"],
  ];
  test.each(invalid)("%s: %s = %s", async (file, topic, field, literal, path) => {
    for (const { platform, exit } of await deliverBoth(topic, withRaw(file, field, literal))) expectDeadLettered(platform, exit, path, literal.replace(/"/g, ""));
  });

  test("a missing updated_at (what rows are ordered by) is refused; a missing price or created_at is not", async () => {
    for (const { platform, exit } of await deliverBoth("subscription/created", withRaw("subscription-created.json", "updated_at", undefined))) {
      expectDeadLettered(platform, exit, "subscription.updated_at", "2026");
    }
    for (const field of ["price", "created_at"]) {
      for (const { platform, exit } of await deliverBoth("subscription/created", withRaw("subscription-created.json", field, undefined))) {
        expect(Exit.isSuccess(exit)).toBe(true);
        expect(platform.item("subscriptions", "27384576")).toBeDefined();
      }
    }
  });
});

describe("Recharge validation: the published shapes are stored exactly", () => {
  test("decimal text or (API 2021-01) a number; offset-less timestamps are UTC; dates stay dates", async () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ["price", '"29.95"', { price: "29.95" }],
      ["price", "27", { price: "27.00" }],
      ["price", "29.5", { price: "29.50" }],
      ["created_at", '"2024-01-01T10:00:00"', { created_at: "2024-01-01T10:00:00.000Z" }],
      ["created_at", '"2024-01-01T10:00:00-05:00"', { created_at: "2024-01-01T15:00:00.000Z" }],
      ["next_charge_scheduled_at", '"2026-12-01"', { next_charge_date: "2026-12-01" }],
      ["created_at", "null", {}],
    ];
    for (const [field, literal, expected] of cases) {
      for (const { platform, exit } of await deliverBoth("subscription/created", withRaw("subscription-created.json", field, literal))) {
        expect(Exit.isSuccess(exit)).toBe(true);
        expect(platform.item("subscriptions", "27384576")).toMatchObject(expected);
      }
    }
  });

  test("a charge's total_price is stored as decimal text", async () => {
    for (const { platform, exit } of await deliverBoth("charge/failed", withRaw("charge-failed-1.json", "total_price", "32.9"))) {
      expect(Exit.isSuccess(exit)).toBe(true);
      expect(platform.item("charges", "386456981")).toMatchObject({ total_price: "32.90", created_at: "2026-11-15T04:00:00.000Z" });
    }
  });
});

describe("Recharge door: a body holding 1e400 is accepted raw but never travels inline", () => {
  test("the bus event points at the raw object; the processor reading it dead-letters the field", async () => {
    const raw = withRaw("subscription-created.json", "price", "1e400");
    const platform = makePaymentsTestPlatform();
    const answer = await runOn(platform, ingress(rechargeRequest("subscription/created", raw)));
    expect(Exit.isSuccess(answer) && answer.value.statusCode).toBe(200);
    const [published] = platform.published;
    expect((published!.detail as { payload?: unknown }).payload).toBeUndefined();
    const envelope = envelopeOf(published!, "bus-1", "2026-11-27T06:00:00Z");
    expectDeadLettered(platform, await runOn(platform, program(envelope)), "subscription.price", "1e400");
  });
});
