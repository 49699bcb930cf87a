/** Lambda entry of `shopify-orders` (contracts/functions.ts): SQS batches of EventBridge events from either door. */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { orderHandlers } from "./orders";
import { shopifyProcessor } from "./processor";

export const program = shopifyProcessor("shopify-orders", orderHandlers);

export const handler = sqsHandler(program, liveLayer());
