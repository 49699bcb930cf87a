/**
 * How each provider signs a webhook, from the sender's side (the demo, replay fixtures, tests).
 * The platform's verifiers live in functions/<provider>/; these produce what they check.
 */
import { createHash, createHmac } from "node:crypto";
import { envVars, LOCAL_DEFAULT_WEBHOOK_SECRET } from "../contracts/env-vars";

/** Shopify: base64 HMAC-SHA256 of the raw body with the app's secret (X-Shopify-Hmac-Sha256). */
export const shopifyHmac = (secret: string, body: string) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

/** Recharge: hex SHA-256 of the client secret followed by the raw body (X-Recharge-Hmac-Sha256). */
export const rechargeHash = (secret: string, body: string) => createHash("sha256").update(secret, "utf8").update(body, "utf8").digest("hex");

/** Stripe: `t=<ts>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe-Signature). */
export const stripeSignature = (secret: string, body: string, timestampSeconds: number) =>
  `t=${timestampSeconds},v1=${createHmac("sha256", secret).update(`${timestampSeconds}.${body}`, "utf8").digest("hex")}`;

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
