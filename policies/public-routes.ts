/**
 * The only API routes allowed without an authorizer, each with the reason it is safe. Webhook
 * senders (Shopify, Recharge, Stripe) cannot present AWS credentials or a JWT; they sign the
 * body instead, and the function rejects a request whose signature does not verify before it
 * stores or forwards anything. The APIGW_ROUTE_AUTH guardrail fails any other open route.
 */
export const signatureVerifiedRoutes: Readonly<Record<string, string>> = {
  "POST /webhooks/shopify": "Shopify webhooks: HMAC-SHA256 of the raw body (X-Shopify-Hmac-Sha256) verified by shopify-ingress before anything is stored.",
  "POST /webhooks/recharge": "Recharge webhooks: X-Recharge-Hmac-Sha256 verified by recharge-ingress before anything is stored.",
  "POST /webhooks/stripe": "Stripe webhooks: Stripe-Signature (timestamped HMAC) verified by stripe-ingress before anything is stored.",
};
