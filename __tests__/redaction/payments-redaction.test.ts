/**
 * Card details, e-mails, phone numbers and addresses in Recharge and Stripe deliveries never reach
 * a log line or an alert body. Every fixture (and a broken variant of each) goes through the doors
 * and the processors at the most verbose log level; every line is captured twice, raw from
 * Effect's logger (what our code hands it) and as the kernel's JSON logger writes it, and searched
 * for every PII value the fixtures hold.
 */
import * as fs from "node:fs";
import { Effect } from "effect";
import { program as rechargeProcessor } from "../../functions/recharge/processor";
import { program as stripeProcessor } from "../../functions/stripe/processor";
import { editJson, rechargeEnvelope, rechargeFixtures, stripeEnvelope, stripeFixtures } from "../stripe/support/fixtures";
import { makePaymentsTestPlatform, runOn } from "../stripe/support/payments-platform";
import { ingressRuns } from "./ingress-runs";

const PII_KEY =
  /(email|phone|^address[12]$|^line[12]$|^city$|^zip$|postal_code|first_name|last_name|^name$|customer_name|last4|fingerprint|exp_year|billing_address|shipping_address|browser_ip|purchase_ip|client_secret)/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD_NUMBER = /\b(?:\d[ -]?){12,18}\d\b/g;
const PHONE = /(?:\+\d{1,3}[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g;

/** Every PII value in the fixtures: values of PII fields, plus e-mails and phone numbers inside free text. */
const collectPii = (value: unknown, key = "", found = new Set<string>()): Set<string> => {
  if (typeof value === "string" || typeof value === "number") {
    const text = String(value);
    if (PII_KEY.test(key) && text.length >= 4) found.add(text);
    if (typeof value === "string")
      for (const match of [...text.matchAll(EMAIL), ...text.matchAll(PHONE), ...(PII_KEY.test(key) || /error|reason|message/.test(key) ? text.matchAll(CARD_NUMBER) : [])])
        found.add(match[0].trim());
  } else if (Array.isArray(value)) value.forEach((entry) => collectPii(entry, key, found));
  else if (value !== null && typeof value === "object") for (const [childKey, child] of Object.entries(value)) collectPii(child, childKey, found);
  return found;
};

const allFixtureBodies = [...rechargeFixtures.map((fixture) => fixture.rawBody), ...stripeFixtures.map((fixture) => fixture.rawBody)];
const pii = [...new Set(allFixtureBodies.flatMap((body) => [...collectPii(JSON.parse(body))]))];

describe("PII never reaches logs or alerts (Recharge and Stripe)", () => {
  const platform = makePaymentsTestPlatform();
  const rawLines = platform.logLines;
  const jsonLines = platform.jsonLines;
  const alertBodies: string[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    const runs: Array<Effect.Effect<unknown, unknown, any>> = [];
    for (const fixture of rechargeFixtures) {
      runs.push(rechargeProcessor(rechargeEnvelope(fixture.topic, fixture.rawBody)));
      // A broken variant of each: the failure path must not leak either.
      runs.push(
        rechargeProcessor(
          rechargeEnvelope(
            fixture.topic,
            editJson(fixture.rawBody, (value) => Object.values(value).forEach((object: any) => (object.updated_at = 17))),
          ),
        ),
      );
    }
    for (const fixture of stripeFixtures) {
      runs.push(stripeProcessor(stripeEnvelope(fixture.rawBody)));
      runs.push(stripeProcessor(stripeEnvelope(editJson(fixture.rawBody, (event) => (event.data.object.currency = 978)))));
    }
    runs.push(...ingressRuns());
    for (const run of runs) {
      // Log the failure cause as an adapter would, so error paths are searched too.
      const exit = await runOn(
        platform,
        Effect.tapErrorCause(run, (cause) => Effect.logError("run failed", cause)),
      );
      if (exit._tag === "Failure") failures.push(JSON.stringify(exit));
    }
    alertBodies.push(...platform.alerts.map((alert) => JSON.stringify(alert)));
  });

  it("has PII to look for and output to search", () => {
    expect(pii.length).toBeGreaterThan(20);
    for (const expected of [
      "mariabelle.quonsetti@example.test",
      "+1 555-013-4477",
      "742 Evergreen Terrace",
      "8431",
      "Theodric Vantablack",
      "1187 Juniper Hollow Road",
      "4000 0000 0000 0341",
      "555-013-4477",
    ])
      expect(pii).toContain(expected);
    expect(rawLines.length).toBeGreaterThan(40);
    for (const message of ["recharge delivery processed", "stripe event processed", "webhook accepted", "webhook rejected", "run failed"]) {
      expect(rawLines.some((line) => line.includes(message))).toBe(true);
      expect(jsonLines.some((line) => line.includes(message))).toBe(true);
    }
    expect(jsonLines.length).toBeGreaterThanOrEqual(rawLines.length);
    expect(alertBodies.length).toBeGreaterThanOrEqual(4);
    expect(failures.length).toBeGreaterThan(10);
  });

  it.each([
    ["raw log lines", () => rawLines],
    ["JSON log lines", () => jsonLines],
    ["alert bodies", () => alertBodies],
    ["failure causes", () => failures],
  ])("%s contain none of the fixtures' PII", (_label, lines) => {
    const output = lines().join("\n");
    const leaked = pii.filter((value) => output.includes(value));
    expect(leaked).toEqual([]);
  });

  it("the fixtures really carry the PII (the search is not vacuous)", () => {
    const bodies = allFixtureBodies.join("\n");
    expect(pii.every((value) => bodies.includes(value) || bodies.includes(JSON.stringify(value).slice(1, -1)))).toBe(true);
    expect(fs.existsSync(__filename)).toBe(true);
  });
});
