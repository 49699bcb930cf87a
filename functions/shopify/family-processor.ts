/**
 * The Lambda entry frame of every Shopify family processor (contracts/functions.ts
 * `shopifyProcessorSpecs`): SQS batches of EventBridge events from either door, run through the
 * processor frame (processor.ts) with the family's topic handlers.
 *
 * No family has an entry file of its own. Each function's bundle is built from a generated entry
 * (modules/bundle.ts `familyEntrySource`) that imports this frame and the family's handler module
 * only, so a bundle holds its own family's code; `sdp local` builds the same program from the
 * spec's `handlerModule` (local/functions.ts).
 */
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { shopifyProcessor, type TopicHandler } from "./processor";

export const familyProcessor = (name: string, handlers: Readonly<Record<string, TopicHandler>>) => {
  const program = shopifyProcessor(name, handlers);
  return { program, handler: sqsHandler(program, liveLayer()) };
};
