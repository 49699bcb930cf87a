/** Lambda entry of `shopify-checkouts` (contracts/functions.ts): SQS batches of EventBridge events from either door. */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { checkoutHandlers } from "./checkouts";
import { shopifyProcessor } from "./processor";

export const program = shopifyProcessor("shopify-checkouts", checkoutHandlers);

export const handler = sqsHandler(program, liveLayer());
