/**
 * The redaction's vendor step on its live layer (functions/gdpr/redaction-live.ts VendorApisLive)
 * against the payments stand-in (local/payments-standin/server.ts): Stripe's
 * DELETE /v1/customers/{id} answers the deleted-customer object, then 404 resource_missing;
 * Recharge's DELETE /customers/{id} answers 204, then 404. The API keys come from Secrets; a
 * wrong key is refused, never retried as transient.
 * https://docs.stripe.com/api/customers/delete, https://developer.rechargepayments.com/2021-11/customers/customers_delete
 */
import { ConfigProvider, Effect, Either, Layer } from "effect";
import { VendorApis } from "../../functions/gdpr/redaction-services";
import { VendorApisLive } from "../../functions/gdpr/redaction-live";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { startPaymentsStandin, type PaymentsStandin } from "../../local/payments-standin/server";

describe("vendor deletions against the stand-ins", () => {
  let standin: PaymentsStandin;
  beforeAll(async () => {
    standin = await startPaymentsStandin({ stripeApiKey: "sk_test_gdpr", rechargeApiToken: "rc_gdpr", stripeCustomers: ["cus_Ada123"], rechargeCustomers: ["771"] });
  });
  afterAll(() => standin.close());

  const deleteWith = (keys: { stripeApi: string; rechargeApi: string }, vendor: "stripe" | "recharge", id: string) => {
    const platform = makeTestPlatform({ secrets: keys });
    const config = Layer.setConfigProvider(
      ConfigProvider.fromMap(
        new Map([
          ["SDP_STRIPE_API_URL", standin.url],
          ["SDP_RECHARGE_API_URL", standin.url],
        ]),
      ),
    );
    return Effect.runPromise(
      Effect.either(Effect.flatMap(VendorApis, (apis) => apis.deleteCustomer(vendor, id))).pipe(
        Effect.provide(Layer.provide(VendorApisLive, platform.layers.secrets)),
        Effect.provide(config),
      ),
    );
  };
  const keys = { stripeApi: "sk_test_gdpr", rechargeApi: "rc_gdpr" };

  it("deletes a Stripe customer once; a repeat finds it absent", async () => {
    expect(await deleteWith(keys, "stripe", "cus_Ada123")).toEqual(Either.right("deleted"));
    expect(await deleteWith(keys, "stripe", "cus_Ada123")).toEqual(Either.right("absent"));
    expect(standin.deletedCustomers.stripe).toEqual(["cus_Ada123"]);
  });

  it("deletes a Recharge customer once; a repeat finds it absent", async () => {
    expect(await deleteWith(keys, "recharge", "771")).toEqual(Either.right("deleted"));
    expect(await deleteWith(keys, "recharge", "771")).toEqual(Either.right("absent"));
    expect(standin.deletedCustomers.recharge).toEqual(["771"]);
  });

  it("a wrong API key is refused with a message naming the secret, not retried", async () => {
    const result = await deleteWith({ stripeApi: "sk_wrong", rechargeApi: "rc_gdpr" }, "stripe", "cus_Other");
    expect(Either.isLeft(result) && result.left._tag).toBe("InvalidPayload");
    expect(Either.isLeft(result) && (result.left as { reason: string }).reason).toContain("stripe API secret");
  });
});
