import { Effect, Redacted } from "effect";
import { loggerLayer, withLogContext } from "../../functions/kernel/logger";
import { REDACTED, redact, redactText, registerSecretValue } from "../../functions/kernel/redact";
import { fixture } from "../shopify/support";

const PII = ["jane.doe@example.com", "+1 415-555-0134", "+14155550134", "742 Evergreen Terrace", "97403", "Springfield", "4242 4242 4242 4242"];

describe("redaction", () => {
  test("drops addresses, contact details and card data from a whole Shopify order", () => {
    const text = JSON.stringify(redact(fixture("order")));
    for (const value of PII) expect(text).not.toContain(value);
    expect(text).toContain("gid://shopify/Order/5432109876543");
    expect(text).toContain("134.85");
  });

  test("scrubs free text: e-mails, phone numbers, Luhn-valid card numbers, street addresses", () => {
    const line = "mail jane.doe@example.com call +1 (415) 555-0134 or 415.555.0134, card 4242 4242 4242 4242, ship to 742 Evergreen Terrace";
    const scrubbed = redactText(line);
    expect(scrubbed).not.toMatch(/jane|555|4242|Evergreen/);
    // Ordinary ids, amounts and dates survive.
    expect(redactText("order 5432109876543 total 134.85 on 2026-03-01T10:00:00Z")).toBe("order 5432109876543 total 134.85 on 2026-03-01T10:00:00Z");
  });

  test("removes registered secret values and Effect Redacted values", () => {
    registerSecretValue("shpss_rotating_one_123456,shpss_rotating_two_654321");
    expect(redactText("secret was shpss_rotating_two_654321 oops")).toBe(`secret was ${REDACTED} oops`);
    expect(redact({ value: Redacted.make("hidden-value") })).toEqual({ value: REDACTED });
    expect(redact({ authorization: "Bearer abc", api_key: "k" })).toEqual({ authorization: REDACTED, api_key: REDACTED });
  });
});

describe("JSON logger", () => {
  test("writes one redacted JSON line per log call with level, message, correlation id and function", async () => {
    const lines: string[] = [];
    await Effect.runPromise(
      Effect.logInfo("order stored", { email: "jane.doe@example.com", note: "call +1 415-555-0134", orderId: "gid://shopify/Order/1" }).pipe(
        withLogContext({ correlationId: "corr-1", functionName: "shopify-orders" }),
        Effect.provide(loggerLayer((line) => lines.push(line))),
      ),
    );
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "info", message: "order stored", correlationId: "corr-1", function: "shopify-orders" });
    expect(entry.details.orderId).toBe("gid://shopify/Order/1");
    expect(lines[0]).not.toContain("jane.doe");
    expect(lines[0]).not.toContain("555-0134");
  });

  test("honours the minimum level", async () => {
    const lines: string[] = [];
    const { LogLevel } = await import("effect");
    await Effect.runPromise(Effect.zipRight(Effect.logDebug("hidden"), Effect.logWarning("shown")).pipe(Effect.provide(loggerLayer((line) => lines.push(line), LogLevel.Info))));
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(["shown"]);
  });
});
