/**
 * recharge-processor (SQS behind the platform bus rule `recharge`): one verified Recharge delivery
 * per event into the subscriptions / charges hot stores, with alerts. InvalidPayload goes to the
 * DLQ without retry; store errors retry.
 */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { platformProcessor } from "../kernel/processor-frame";
import { processRechargeDelivery } from "./processor-program";

export const program = platformProcessor("recharge-processor", "recharge", processRechargeDelivery);

/** Alerts go to the topic of their kind when the stack granted one (kernel `alertTopicOf`). */
export const handler = sqsHandler(program, liveLayer());
