/** Lambda entry of `shopify-products` (contracts/functions.ts): SQS batches of EventBridge events from either door. */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { productHandlers } from "./products";
import { shopifyProcessor } from "./processor";

export const program = shopifyProcessor("shopify-products", productHandlers);

export const handler = sqsHandler(program, liveLayer());
