/**
 * recharge-processor (SQS behind the platform bus rule `recharge`): one verified Recharge delivery
 * per event into the subscriptions / charges hot stores, with alerts. InvalidPayload goes to the
 * DLQ without retry; store errors retry.
 */
import { Effect } from "effect";
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import type { BusEnvelope } from "../kernel/function-shape";
import { readPaymentDelivery } from "../stripe/delivery";
import { processRechargeDelivery } from "./process";

export const program = (envelope: BusEnvelope) =>
  readPaymentDelivery(envelope, "recharge").pipe(
    Effect.flatMap(processRechargeDelivery),
    Effect.asVoid,
    Effect.annotateLogs({ function: "recharge-processor", correlationId: envelope.id }),
  );

/** Alerts go to the topic of their kind when the stack granted one (kernel `alertTopicOf`). */
export const handler = sqsHandler(program, liveLayer());
