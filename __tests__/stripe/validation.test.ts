/**
 * Stripe money and time fields: amounts are safe integers in minor units, `created` and the other
 * timestamps whole Unix seconds within years 1970-9999, currencies three-letter codes. Anything
 * else is an InvalidPayload naming the field (never its value) that the SQS adapter dead-letters,
 * and nothing reaches the tables. Payloads go both inline and read back from the raw lake.
 */
import { Exit } from "effect";
import { outcomeOf } from "../../functions/kernel/adapters";
import { program } from "../../functions/stripe/processor";
import { makePaymentsTestPlatform, runOn, type PaymentsTestPlatform } from "./support/payments-platform";
import { stripeEnvelope, stripeFixture } from "./support/fixtures";

/** Replaces the first `"field": <value>` at `indent` spaces in the fixture's raw text (literals such as 1e400 stay literal). */
const withRaw = (file: string, field: string, literal: string, indent: number) => {
  const raw = stripeFixture(file).rawBody;
  const pattern = new RegExp(`\\n( {${indent}})"${field}": [^\\n]*?(,?)\\n`);
  if (!pattern.test(raw)) throw new Error(`${file} has no ${field} at indent ${indent}`);
  return raw.replace(pattern, (_match, spaces: string, comma: string) => `\n${spaces}"${field}": ${literal}${comma}\n`);
};

const deliverBoth = async (raw: string) => {
  const results = [];
  for (const inline of [true, false]) {
    const platform = makePaymentsTestPlatform();
    const envelope = stripeEnvelope(raw, { inline });
    if (!inline) platform.putObject((envelope.detail as { rawKey: string }).rawKey, raw);
    results.push({ platform, exit: await runOn(platform, program(envelope)) });
  }
  return results;
};

const expectDeadLettered = (platform: PaymentsTestPlatform, exit: Exit.Exit<unknown, unknown>, field: string, value: string) => {
  const failure = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as { _tag: string; field?: string; reason: string }) : undefined;
  expect(failure).toMatchObject({ _tag: "InvalidPayload", field });
  expect(failure!.reason).not.toContain(value);
  expect(outcomeOf(exit).kind).toBe("dead-letter");
  expect([...platform.items("payments"), ...platform.items("invoices"), ...platform.items("disputes")]).toEqual([]);
};

describe("Stripe validation: invalid money and time go to the DLQ, naming the field", () => {
  // Indent 6: data.object's own fields; indent 2: the event's.
  const invalid: Array<[string, string, string, number, string]> = [
    ["charge-succeeded.json", "amount", '"150.00"', 6, "amount"],
    ["charge-succeeded.json", "amount", "150.5", 6, "amount"],
    ["charge-succeeded.json", "amount", "1e400", 6, "amount"],
    ["charge-succeeded.json", "amount", "123456789012345678901", 6, "amount"],
    ["charge-succeeded.json", "amount_refunded", '"abc"', 6, "amount_refunded"],
    ["charge-succeeded.json", "currency", '"dollars"', 6, "currency"],
    ["charge-succeeded.json", "created", '"2026-11-27"', 6, "created"],
    ["charge-succeeded.json", "created", "1e15", 6, "created"],
    ["charge-succeeded.json", "created", "-5", 6, "created"],
    ["charge-succeeded.json", "created", "1e400", 2, "created"],
    ["charge-succeeded.json", "created", "1794999990.5", 2, "created"],
    ["invoice-paid.json", "amount_paid", '"abc"', 6, "amount_paid"],
    ["invoice-paid.json", "period_end", "99999999999999", 6, "period_end"],
    ["charge-dispute-created.json", "amount", "-1e400", 6, "amount"],
  ];
  test.each(invalid)("%s: %s = %s", async (file, field, literal, indent, path) => {
    for (const { platform, exit } of await deliverBoth(withRaw(file, field, literal, indent))) expectDeadLettered(platform, exit, path, literal.replace(/"/g, ""));
  });

  test("an object id that could not be a table key is refused", async () => {
    for (const { platform, exit } of await deliverBoth(withRaw("charge-succeeded.json", "id", `"${"ch_".padEnd(300, "x")}"`, 6)))
      expectDeadLettered(platform, exit, "id", "xxxxxxxx");
  });
});

describe("Stripe validation: the published shapes are stored exactly", () => {
  test("integer minor units and Unix seconds", async () => {
    for (const { platform, exit } of await deliverBoth(stripeFixture("charge-succeeded.json").rawBody)) {
      expect(Exit.isSuccess(exit)).toBe(true);
      expect(platform.item("payments", "ch_3QfakeCharge0001")).toMatchObject({
        amount: 15000,
        currency: "usd",
        created: "2026-11-18T11:06:30.000Z",
        event_created: "2026-11-18T11:06:40.000Z",
      });
    }
  });
});
