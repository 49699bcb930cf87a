/**
 * Lambda entry of `shopify-ingress`: `POST /webhooks/shopify` (HMAC-verified, stored raw, published
 * to the platform bus). The compliance topics (customers/data_request, customers/redact,
 * shop/redact) are also checked before the raw write and, once stored, recorded as GDPR requests
 * (functions/gdpr/compliance.ts).
 */
import { httpHandler } from "../kernel/adapters";
import { webhookIngress } from "../kernel/ingress";
import { liveLayer } from "../kernel/live";
import { complianceProblem, recordComplianceRequest } from "../gdpr/compliance";
import { verifyShopifyWebhook } from "./signature";

export const program = webhookIngress({ source: "shopify", verify: verifyShopifyWebhook, validate: complianceProblem, afterStore: recordComplianceRequest });

export const handler = httpHandler(program, liveLayer());
