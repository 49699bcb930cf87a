/**
 * stripe-ingress: `POST /webhooks/stripe`. Verifies `Stripe-Signature` (signature.ts), then the
 * kernel's webhook door stores the raw event under its event id (a redelivery is stored once and
 * answered `duplicate`), publishes it to the platform bus and answers 200 within the second.
 * 401 for a bad signature (nothing stored), 400 for a body that is not a Stripe event, 413 over
 * 1 MiB. Without a readable secret the door answers 500 so Stripe redelivers later.
 */
import { httpHandler } from "../kernel/adapters";
import { webhookIngress } from "../kernel/ingress";
import { liveLayer } from "../kernel/live";
import { verifyThenDescribe } from "../kernel/webhook-body";
import { describeStripeBody } from "./describe";
import { verifyStripeRequest } from "./signature";

export const verifyStripeWebhook = verifyThenDescribe("Stripe", verifyStripeRequest, (request) => describeStripeBody(request.rawBody));

export const program = webhookIngress({ source: "stripe", verify: verifyStripeWebhook });

export const handler = httpHandler(program, liveLayer());
