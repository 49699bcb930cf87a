/** The door side of the redaction suite: every fixture through both ingress programs, signed, badly signed and truncated. */
import type { Effect } from "effect";
import { program as rechargeIngress } from "../../functions/recharge/ingress";
import { signRechargePayload } from "../../functions/recharge/signature";
import { program as stripeIngress } from "../../functions/stripe/ingress";
import { signStripePayload } from "../../functions/stripe/signature";
import { NOW_SECONDS, RECHARGE_SECRET, rechargeFixtures, rechargeRequest, STRIPE_SECRET, stripeFixtures, stripeRequest } from "../stripe/support/fixtures";

export const ingressRuns = (): Array<Effect.Effect<unknown, unknown, any>> => [
  ...rechargeFixtures.flatMap((fixture) => {
    const truncated = fixture.rawBody.slice(0, fixture.rawBody.length - 3);
    return [
      rechargeIngress(rechargeRequest(fixture.topic, fixture.rawBody)),
      rechargeIngress(rechargeRequest(fixture.topic, fixture.rawBody, signRechargePayload(fixture.rawBody, "not-the-secret"))),
      rechargeIngress(rechargeRequest(fixture.topic, truncated, signRechargePayload(truncated, RECHARGE_SECRET, { timestampSeconds: NOW_SECONDS }))),
    ];
  }),
  ...stripeFixtures.flatMap((fixture) => {
    const truncated = fixture.rawBody.slice(0, fixture.rawBody.length - 3);
    return [
      stripeIngress(stripeRequest(fixture.rawBody)),
      stripeIngress(stripeRequest(fixture.rawBody, signStripePayload(fixture.rawBody, ["whsec_wrong"], NOW_SECONDS))),
      stripeIngress(stripeRequest(truncated, signStripePayload(truncated, [STRIPE_SECRET], NOW_SECONDS))),
    ];
  }),
];
