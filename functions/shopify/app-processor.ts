/** Lambda entry of `shopify-app` (contracts/functions.ts): SQS batches of EventBridge events from either door. */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { appHandlers } from "./app";
import { shopifyProcessor } from "./processor";

export const program = shopifyProcessor("shopify-app", appHandlers);

export const handler = sqsHandler(program, liveLayer());
