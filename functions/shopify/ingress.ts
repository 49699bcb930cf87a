/** Lambda entry of `shopify-ingress`: `POST /webhooks/shopify` (HMAC-verified, stored raw, published to the platform bus). */
import { httpHandler } from "../kernel/adapters";
import { webhookIngress } from "../kernel/ingress";
import { liveLayer } from "../kernel/live";
import { verifyShopifyWebhook } from "./signature";

export const program = webhookIngress({ source: "shopify", verify: verifyShopifyWebhook });

export const handler = httpHandler(program, liveLayer());
