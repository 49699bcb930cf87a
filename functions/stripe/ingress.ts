/**
 * stripe-ingress: `POST /webhooks/stripe`. Verifies `Stripe-Signature` (signature.ts), then the
 * kernel's webhook door stores the raw event under its event id (a redelivery is stored once and
 * answered `duplicate`), publishes it to the platform bus and answers 200 within the second.
 * 401 for a bad signature (nothing stored), 400 for a body that is not a Stripe event, 413 over
 * 1 MiB. Without a readable secret the door answers 500 so Stripe redelivers later.
 */
import { Effect, Either } from "effect";
import { httpHandler } from "../kernel/adapters";
import type { HttpRequest } from "../kernel/function-shape";
import { webhookIngress, type VerifiedWebhook } from "../kernel/ingress";
import { liveLayer } from "../kernel/live";
import { describeStripeBody } from "./describe";
import { verifyStripeRequest } from "./signature";

export const verifyStripeWebhook = (request: HttpRequest) =>
  verifyStripeRequest(request).pipe(
    // No secret, no verdict: a 500 makes Stripe retry instead of losing the event to a 401.
    Effect.catchTag("SecretUnavailable", (error) => Effect.die(new Error(`Stripe webhook secret unavailable: ${error.reason}`))),
    Effect.zipRight(
      Effect.suspend(() =>
        Either.match(describeStripeBody(request.rawBody), {
          onLeft: (error) => Effect.fail(error),
          onRight: ({ eventId, topic, entity }) => Effect.succeed<VerifiedWebhook>({ eventId, topic, entity }),
        }),
      ),
    ),
  );

export const program = webhookIngress({ source: "stripe", verify: verifyStripeWebhook });

export const handler = httpHandler(program, liveLayer());
