/**
 * Webhook signatures as each provider sends them, for every test that signs a delivery. They are
 * the platform's own signers (functions/<provider>/signature.ts), so the recipes exist once; the
 * signature suites (__tests__/{shopify,recharge,stripe}/*signature*) check those signers against
 * independently computed digests.
 */
import { shopifySignature as shopifyHmac } from "../../functions/shopify/signature";
import { RECHARGE_HASH_HEADER, RECHARGE_SIGNATURE_HEADER, signRechargePayload } from "../../functions/recharge/signature";
import { signStripePayload } from "../../functions/stripe/signature";

export { signRechargePayload, signStripePayload };

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Shopify: base64 HMAC-SHA256 of the raw body (X-Shopify-Hmac-Sha256). */
export const shopifySignature = (secret: string, body: string | Buffer): string => shopifyHmac(secret, body);

/** Recharge's legacy scheme: hex SHA-256 of the secret followed by the raw body (X-Recharge-Hmac-Sha256). */
export const rechargeHash = (secret: string, body: string | Buffer): string => signRechargePayload(body, secret)[RECHARGE_HASH_HEADER]!;

/** Recharge's timestamped scheme: `t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (X-Recharge-Webhook-Signature). */
export const rechargeSignature = (secret: string, body: string | Buffer, timestampSeconds = nowSeconds()): string =>
  signRechargePayload(body, secret, { timestampSeconds })[RECHARGE_SIGNATURE_HEADER]!;

/** Stripe: `t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe-Signature). */
export const stripeSignature = (secret: string, body: string | Buffer, timestampSeconds = nowSeconds()): string => signStripePayload(body, [secret], timestampSeconds);
