/**
 * stripe-processor (SQS behind the platform bus rule `stripe`): one verified Stripe event into the
 * payments / invoices / disputes hot stores, with alerts. InvalidPayload goes to the DLQ without
 * retry; store errors retry.
 */
import { Effect } from "effect";
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import type { BusEnvelope } from "../kernel/function-shape";
import { readPaymentDelivery } from "./delivery";
import { processStripeDelivery } from "./process";

export const program = (envelope: BusEnvelope) =>
  readPaymentDelivery(envelope, "stripe").pipe(
    Effect.flatMap(processStripeDelivery),
    Effect.asVoid,
    Effect.annotateLogs({ function: "stripe-processor", correlationId: envelope.id }),
  );

/** Alerts go to the topic of their kind when the stack granted one (kernel `alertTopicOf`). */
export const handler = sqsHandler(program, liveLayer());
