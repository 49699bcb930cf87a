/**
 * How each provider signs a webhook, from the sender's side (the demo, replay fixtures, tests).
 * They are the platform's own signers (functions/<provider>/signature.ts), so each recipe exists
 * once and what the demo sends is what the doors check.
 */
import { envVars, LOCAL_DEFAULT_WEBHOOK_SECRET } from "../contracts/env-vars";
import { RECHARGE_HASH_HEADER, signRechargePayload } from "../functions/recharge/signature";
import { shopifySignature } from "../functions/shopify/signature";
import { signStripePayload } from "../functions/stripe/signature";

/** Shopify: base64 HMAC-SHA256 of the raw body with the app's secret (X-Shopify-Hmac-Sha256). */
export const shopifyHmac = (secret: string, body: string) => shopifySignature(secret, body);

/** Recharge: hex SHA-256 of the client secret followed by the raw body (X-Recharge-Hmac-Sha256). */
export const rechargeHash = (secret: string, body: string) => signRechargePayload(body, secret)[RECHARGE_HASH_HEADER]!;

/** Stripe: `t=<ts>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe-Signature). */
export const stripeSignature = (secret: string, body: string, timestampSeconds: number) => signStripePayload(body, [secret], timestampSeconds);

export interface WebhookSecrets {
  readonly shopify: string;
  readonly recharge: string;
  readonly stripe: string;
}

/** The secret a sender signs with: the first of a comma-separated rotation list, or the local default. */
const firstSecret = (value: string | undefined) => {
  const first = value
    ?.split(",")
    .map((part) => part.trim())
    .find((part) => part !== "");
  return first ?? LOCAL_DEFAULT_WEBHOOK_SECRET;
};

export const webhookSecretsFrom = (env: NodeJS.ProcessEnv): WebhookSecrets => ({
  shopify: firstSecret(env[envVars.shopifyWebhookSecret]),
  recharge: firstSecret(env[envVars.rechargeWebhookSecret]),
  stripe: firstSecret(env[envVars.stripeWebhookSecret]),
});
