/** Lambda entry of `shopify-customers` (contracts/functions.ts): SQS batches of EventBridge events from either door. */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { customerHandlers } from "./customers";
import { shopifyProcessor } from "./processor";

export const program = shopifyProcessor("shopify-customers", customerHandlers);

export const handler = sqsHandler(program, liveLayer());
