/**
 * stripe-processor (SQS behind the platform bus rule `stripe`): one verified Stripe event into the
 * payments / invoices / disputes hot stores, with alerts. InvalidPayload goes to the DLQ without
 * retry; store errors retry.
 */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { platformProcessor } from "../kernel/processor-frame";
import { processStripeDelivery } from "./processor-program";

export const program = platformProcessor("stripe-processor", "stripe", processStripeDelivery);

/** Alerts go to the topic of their kind when the stack granted one (kernel `alertTopicOf`). */
export const handler = sqsHandler(program, liveLayer());
