/**
 * recharge-ingress: `POST /webhooks/recharge`. Verifies `X-Recharge-Hmac-Sha256` and, when
 * present, `X-Recharge-Webhook-Signature` (signature.ts); takes the topic from
 * `X-Recharge-Topic`; then the kernel's webhook door stores the raw body under a delivery id
 * (describe.ts: a redelivery is stored once and answered `duplicate`), publishes it to the
 * platform bus and answers 200. 401 bad signature (nothing stored), 400 malformed JSON or
 * missing topic, 413 over 1 MiB, 500 when the secret cannot be read (Recharge retries).
 */
import { httpHandler } from "../kernel/adapters";
import { webhookIngress } from "../kernel/ingress";
import { liveLayer } from "../kernel/live";
import { verifyThenDescribe } from "../kernel/webhook-body";
import { describeRechargeDelivery } from "./describe";
import { verifyRechargeRequest } from "./signature";

export const verifyRechargeWebhook = verifyThenDescribe("Recharge", verifyRechargeRequest, (request) => describeRechargeDelivery(request.headers, request.rawBody));

export const program = webhookIngress({ source: "recharge", verify: verifyRechargeWebhook });

export const handler = httpHandler(program, liveLayer());
