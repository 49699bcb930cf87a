import { createHash, createHmac } from "node:crypto";
import { Effect, Exit, Layer, Redacted, TestClock, TestContext } from "effect";
import { SecretUnavailable } from "../../functions/kernel/errors";
import { Secrets } from "../../functions/kernel/services";
import { signRechargePayload, verifyRechargeRequest, verifyRechargeSignature } from "../../functions/recharge/signature";

const body = Buffer.from('{"subscription":{"id":1234567890123456789012,"status":"active"}}');
const secret = "recharge-client-secret";
const now = 1_795_000_000;
const window = 48 * 3600;
const verify = (headers: Record<string, string>, overrides: Partial<Parameters<typeof verifyRechargeSignature>[0]> = {}) =>
  verifyRechargeSignature({
    rawBody: body,
    legacyHash: headers["x-recharge-hmac-sha256"],
    timestampedSignature: headers["x-recharge-webhook-signature"],
    secrets: [secret],
    nowSeconds: now,
    toleranceSeconds: window,
    ...overrides,
  });

describe("Recharge signature verification", () => {
  it("the legacy header is a plain SHA-256 of secret + body, not an HMAC", () => {
    const plain = createHash("sha256").update(secret).update(body).digest("hex");
    const hmac = createHmac("sha256", secret).update(body).digest("hex");
    expect(signRechargePayload(body, secret)["x-recharge-hmac-sha256"]).toBe(plain);
    expect(verify({ "x-recharge-hmac-sha256": plain })).toEqual({ ok: true });
    expect(verify({ "x-recharge-hmac-sha256": hmac }).ok).toBe(false);
    // Secret first: body + secret is a different hash.
    expect(verify({ "x-recharge-hmac-sha256": createHash("sha256").update(body).update(secret).digest("hex") }).ok).toBe(false);
  });

  it("accepts the timestamped scheme alone or with the legacy header", () => {
    const both = signRechargePayload(body, secret, { timestampSeconds: now - 60 });
    expect(verify(both)).toEqual({ ok: true });
    expect(verify({ "x-recharge-webhook-signature": both["x-recharge-webhook-signature"]! })).toEqual({ ok: true });
    const expected = createHmac("sha256", secret)
      .update(`${now - 60}.`)
      .update(body)
      .digest("hex");
    expect(both["x-recharge-webhook-signature"]).toBe(`t=${now - 60},v1=${expected}`);
  });

  it("every header present must verify: a bad timestamped signature is not excused by a good legacy hash", () => {
    const good = signRechargePayload(body, secret, { timestampSeconds: now });
    expect(verify({ ...good, "x-recharge-webhook-signature": `t=${now},v1=${"0".repeat(64)}` }).ok).toBe(false);
    expect(verify({ ...good, "x-recharge-hmac-sha256": "0".repeat(64) }).ok).toBe(false);
  });

  it("rejects stale (and far-future) timestamps; the window is configurable", () => {
    const stale = signRechargePayload(body, secret, { timestampSeconds: now - window - 1 });
    expect(verify(stale)).toEqual({ ok: false, reason: "X-Recharge-Webhook-Signature timestamp outside the window" });
    expect(verify(signRechargePayload(body, secret, { timestampSeconds: now + window + 1 })).ok).toBe(false);
    expect(verify(signRechargePayload(body, secret, { timestampSeconds: now - 600 }), { toleranceSeconds: 300 }).ok).toBe(false);
    expect(verify(signRechargePayload(body, secret, { timestampSeconds: now - window })).ok).toBe(true);
  });

  it("accepts any configured secret during rotation, and nothing signed with an unknown one", () => {
    const signedWithOld = signRechargePayload(body, "old-secret", { timestampSeconds: now });
    expect(verify(signedWithOld, { secrets: [secret, "old-secret"] })).toEqual({ ok: true });
    expect(verify(signedWithOld).ok).toBe(false);
  });

  it("rejects missing, malformed and tampered signatures", () => {
    expect(verify({})).toEqual({ ok: false, reason: "missing X-Recharge-Hmac-Sha256 / X-Recharge-Webhook-Signature header" });
    expect(verify({ "x-recharge-hmac-sha256": "abc" }).ok).toBe(false);
    expect(verify({ "x-recharge-webhook-signature": "v1=abc" }).ok).toBe(false);
    expect(verify({ "x-recharge-webhook-signature": `t=${now}` }).ok).toBe(false);
    expect(verify({ "x-recharge-webhook-signature": `t=soon,v1=${"a".repeat(64)}` }).ok).toBe(false);
    expect(verify(signRechargePayload(body, secret), { rawBody: Buffer.from(body.toString().replace("active", "paused")) }).ok).toBe(false);
    expect(verify(signRechargePayload(body, secret), { secrets: [] }).ok).toBe(false);
  });
});

describe("verifyRechargeRequest", () => {
  const layer = (value: string) =>
    Layer.succeed(Secrets, {
      get: (key) => (key === "rechargeWebhook" ? Effect.succeed(Redacted.make(value)) : Effect.fail(new SecretUnavailable({ secret: key, reason: "absent" }))),
    });
  const run = (headers: Record<string, string>, clockSeconds: number) =>
    Effect.runPromise(
      Effect.exit(
        Effect.gen(function* () {
          yield* TestClock.setTime(clockSeconds * 1000);
          return yield* verifyRechargeRequest({ method: "POST", path: "/webhooks/recharge", headers, rawBody: body, requestId: "r", receivedAt: "2026-11-27T00:00:00.000Z" });
        }).pipe(Effect.provide(layer(`${secret},old-secret`)), Effect.provide(TestContext.TestContext)),
      ),
    );

  it("uses the rotation secrets and the Effect clock", async () => {
    expect(Exit.isSuccess(await run(signRechargePayload(body, "old-secret", { timestampSeconds: now }), now))).toBe(true);
    const late = await run(signRechargePayload(body, secret, { timestampSeconds: now }), now + window + 10);
    expect(Exit.isFailure(late) && JSON.stringify(late.cause)).toContain("InvalidSignature");
  });
});
