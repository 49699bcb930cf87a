/** app/uninstalled: the event is stored raw (by the processor frame) and raises one critical alert. */
import { Effect } from "effect";
import { Alerts } from "../kernel/services";
import { decodePayload } from "./keys";
import { type TopicHandler } from "./processor";
import { businessEffectKeyOf, decodeEvent } from "./event-identity";
import { Shop } from "./schemas";

const decodeShop = decodePayload(Shop, "shop");

const handleUninstalled: TopicHandler = (event) =>
  Effect.gen(function* () {
    const shop = yield* decodeEvent(decodeShop, event);
    const domain = shop.myshopify_domain ?? event.shopDomain ?? shop.domain ?? "unknown shop";
    const alerts = yield* Alerts;
    const { published } = yield* alerts.publish({
      kind: "app-uninstalled",
      severity: "critical",
      subject: `Shopify app uninstalled from ${domain}`,
      message: `The app was uninstalled from ${domain} at ${event.triggeredAt}. Webhooks for this shop stop; reinstall the app to resume real-time ingestion.`,
      // One alert per merchant action, however many deliveries carry it (X-Shopify-Event-Id).
      dedupKey: `app-uninstalled:${domain}:${businessEffectKeyOf(event)}`,
    });
    yield* Effect.logWarning("app uninstalled", { shop: domain, alerted: published });
  });

export const appHandlers: Readonly<Record<string, TopicHandler>> = {
  "app/uninstalled": handleUninstalled,
};
