/**
 * The Shopify topic -> handler mapping of contracts/events.ts against the code: every topic a
 * rule routes reaches a processor whose handler module (contracts/functions.ts `handlerModule`)
 * has a handler for it, and every handler there is for a routed topic. A handler no rule routes
 * (customers/enable and customers/disable were such) or a routed topic no handler takes (it would
 * be stored raw and counted as UnhandledTopic, never processed) fails here.
 */
import * as path from "node:path";
import { routes, shopifyFamilies, shopifyTopics, shopifyTopicsByProcessor } from "../../contracts/events";
import { functionSpec, functionSpecs } from "../../contracts/functions";

const root = path.resolve(__dirname, "..", "..");

const handlersOf = (processor: string): Record<string, unknown> | undefined => {
  const { handlerModule } = functionSpec(processor);
  if (!handlerModule) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path.join(root, handlerModule.path)) as Record<string, unknown>;
  const handlers = module[handlerModule.topicHandlers];
  if (typeof handlers !== "object" || handlers === null) throw new Error(`${handlerModule.path} does not export ${handlerModule.topicHandlers}`);
  return handlers as Record<string, unknown>;
};

describe("Shopify topics and their handlers", () => {
  it("every routed topic has a handler and every handler a route", () => {
    for (const [processor, topics] of shopifyTopicsByProcessor()) {
      const handlers = handlersOf(processor);
      if (handlers === undefined) {
        // A processor without a topic map handles its one topic in its entry (backfill-bulk-finish).
        expect({ processor, topics: topics.length }).toEqual({ processor, topics: 1 });
        continue;
      }
      expect({ processor, handled: Object.keys(handlers).sort() }).toEqual({ processor, handled: [...topics].sort() });
      for (const [topic, handler] of Object.entries(handlers)) expect({ topic, handler: typeof handler }).toEqual({ topic, handler: "function" });
    }
  });

  it("every function with a handler module is a queue processor that Shopify topics are routed to", () => {
    const routed = shopifyTopicsByProcessor();
    for (const spec of functionSpecs.filter((candidate) => candidate.handlerModule !== undefined)) {
      expect({ name: spec.name, trigger: spec.trigger, routed: routed.has(spec.name) }).toEqual({ name: spec.name, trigger: "sqs", routed: true });
    }
  });

  it("routes each topic to one family, and each family through both doors to its processor", () => {
    expect(shopifyTopics.length).toBe(new Set(shopifyTopics).size);
    for (const [family, { processor }] of Object.entries(shopifyFamilies)) {
      const familyRoutes = routes.filter((route) => route.id === `shopify-partner-${family}` || route.id === `shopify-https-${family}`);
      expect(familyRoutes.map((route) => [route.bus, route.processor])).toEqual([
        ["partner", processor],
        ["platform", processor],
      ]);
    }
    expect(shopifyTopics).toEqual(expect.arrayContaining(["customers/enable", "customers/disable"]));
  });
});
