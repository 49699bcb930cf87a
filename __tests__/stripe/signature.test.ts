import { Effect, Exit, Layer, Redacted, TestClock, TestContext } from "effect";
import { SecretUnavailable } from "../../functions/kernel/errors";
import { Secrets } from "../../functions/kernel/services";
import { signStripePayload, verifyStripeRequest, verifyStripeSignature } from "../../functions/stripe/signature";
import { hexDigestEquals, parseSignatureHeader } from "../../functions/kernel/webhook-signature";

const body = Buffer.from('{"id":"evt_1","type":"charge.succeeded","created":1795000000}');
const secret = "whsec_test_current";
const now = 1_795_000_000;
const verify = (header: string | undefined, overrides: Partial<Parameters<typeof verifyStripeSignature>[0]> = {}) =>
  verifyStripeSignature({ rawBody: body, header, secrets: [secret], nowSeconds: now, toleranceSeconds: 300, ...overrides });

describe("Stripe-Signature verification", () => {
  it("accepts a valid signature", () => {
    expect(verify(signStripePayload(body, [secret], now))).toEqual({ ok: true });
  });

  it("rejects a signature made with another secret, a changed body, or a missing header", () => {
    expect(verify(signStripePayload(body, ["whsec_other"], now)).ok).toBe(false);
    expect(verify(signStripePayload(Buffer.from(`${body} `), [secret], now)).ok).toBe(false);
    expect(verify(undefined)).toEqual({ ok: false, reason: "missing Stripe-Signature header" });
    expect(verify("").ok).toBe(false);
  });

  it("accepts any matching v1 (Stripe rolling its secret sends two) and any configured secret (our rotation)", () => {
    const twoSignatures = signStripePayload(body, ["whsec_old", secret], now);
    expect(twoSignatures.split(",v1=")).toHaveLength(3);
    expect(verify(twoSignatures)).toEqual({ ok: true });
    expect(verify(signStripePayload(body, ["whsec_old"], now), { secrets: [secret, "whsec_old"] })).toEqual({ ok: true });
    expect(verify(signStripePayload(body, ["whsec_old"], now), { secrets: [secret] }).ok).toBe(false);
  });

  it("rejects timestamps outside the tolerance in either direction, accepts the edges", () => {
    expect(verify(signStripePayload(body, [secret], now - 300)).ok).toBe(true);
    expect(verify(signStripePayload(body, [secret], now + 300)).ok).toBe(true);
    expect(verify(signStripePayload(body, [secret], now - 301))).toEqual({ ok: false, reason: "Stripe-Signature timestamp outside the tolerance" });
    expect(verify(signStripePayload(body, [secret], now + 301)).ok).toBe(false);
    expect(verify(signStripePayload(body, [secret], now - 3600), { toleranceSeconds: 7200 }).ok).toBe(true);
  });

  it("rejects malformed headers: no t, two t, non-numeric t, no v1, only v0, truncated or non-hex v1", () => {
    const valid = signStripePayload(body, [secret], now);
    const v1 = valid.split("v1=")[1]!;
    for (const header of [
      `v1=${v1}`,
      `t=${now},t=${now},v1=${v1}`,
      `t=abc,v1=${v1}`,
      `t=${now}`,
      `t=${now},v0=${v1}`,
      `t=${now},v1=${v1.slice(0, 63)}`,
      `t=${now},v1=${"z".repeat(64)}`,
      "garbage",
      `t=-${now},v1=${v1}`,
    ]) {
      expect(verify(header).ok).toBe(false);
    }
    expect(verify(` t=${now} , v1=${v1} `).ok).toBe(true);
    expect(verify(`t=${now},v1=${v1.toUpperCase()}`).ok).toBe(true);
    expect(verify(`t=${now},v1=${v1},scheme=future`).ok).toBe(true);
  });

  it("refuses to verify with no secret configured", () => {
    expect(verify(signStripePayload(body, [secret], now), { secrets: [] }).ok).toBe(false);
  });
});

describe("constant-time compare and header parsing", () => {
  it("checks lengths before comparing and never throws", () => {
    const digest = "a".repeat(64);
    expect(hexDigestEquals(digest, "a".repeat(64))).toBe(true);
    expect(hexDigestEquals(digest, "a".repeat(63))).toBe(false);
    expect(hexDigestEquals(digest, "a".repeat(65))).toBe(false);
    expect(hexDigestEquals(digest, "")).toBe(false);
    expect(hexDigestEquals(digest, "é".repeat(64))).toBe(false);
  });

  it("keeps every value of a repeated key in order", () => {
    expect(parseSignatureHeader("t=1,v1=a,v1=b,=x,y=,noequals").get("v1")).toEqual(["a", "b"]);
  });
});

describe("verifyStripeRequest (Secrets service, Effect clock, config)", () => {
  const secretsLayer = (value: string) =>
    Layer.succeed(Secrets, {
      get: (key) => (key === "stripeWebhook" ? Effect.succeed(Redacted.make(value)) : Effect.fail(new SecretUnavailable({ secret: key, reason: "absent" }))),
    });
  const request = (header: string) => ({
    method: "POST",
    path: "/webhooks/stripe",
    headers: { "stripe-signature": header },
    rawBody: body,
    requestId: "r1",
    receivedAt: "2026-11-27T00:00:00.000Z",
  });

  const run = (header: string, secretValue: string, clockSeconds: number) =>
    Effect.runPromise(
      Effect.exit(
        Effect.gen(function* () {
          yield* TestClock.setTime(clockSeconds * 1000);
          return yield* verifyStripeRequest(request(header));
        }).pipe(Effect.provide(secretsLayer(secretValue)), Effect.provide(TestContext.TestContext)),
      ),
    );

  it("reads comma-separated rotation secrets and the injected clock", async () => {
    expect(Exit.isSuccess(await run(signStripePayload(body, ["whsec_old"], now), `${secret}, whsec_old`, now))).toBe(true);
    const stale = await run(signStripePayload(body, [secret], now), secret, now + 301);
    expect(Exit.isFailure(stale) && JSON.stringify(stale.cause)).toContain("InvalidSignature");
  });
});
