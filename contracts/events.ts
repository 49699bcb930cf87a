/**
 * Topic routing and event patterns. The ingestion stack turns each route into an EventBridge
 * rule (-> SQS queue with DLQ -> processor), and `sdp local` routes with the same patterns through
 * `matchesPattern` in local/, so the two cannot drift.
 */

/** Detail-type of Shopify's partner bus envelope. */
export const SHOPIFY_DETAIL_TYPE = "shopifyWebhook";
export const SHOPIFY_PARTNER_SOURCE_PREFIX = "aws.partner/shopify.com";

/** `source` of the events our own doors publish to the platform bus. */
export const platformSources = {
  shopify: "sdp.shopify",
  recharge: "sdp.recharge",
  stripe: "sdp.stripe",
} as const;

/** Detail-type of platform bus events: one verified webhook, already stored raw. */
export const PLATFORM_DETAIL_TYPE = "webhookReceived";

/**
 * Detail of an event on the platform bus. `payload` is inline when it fits EventBridge's
 * 256 KiB limit; otherwise processors read it from `rawKey`.
 */
export interface PlatformEventDetail {
  readonly source: "shopify" | "recharge" | "stripe";
  readonly topic: string;
  readonly eventId: string;
  readonly receivedAt: string;
  readonly rawKey: string;
  readonly payload?: unknown;
  readonly shopDomain?: string;
  /**
   * Delivery headers the processors need, names lower-cased (Shopify: x-shopify-api-version,
   * x-shopify-event-id); processors see them as IncomingEvent.metadata, as on the partner bus.
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A family of Shopify topics: one webhook subscription, one EventBridge rule per door, one processor. */
export interface ShopifyFamilySpec {
  /** The topics, as Shopify names them (lower case). */
  readonly topics: ReadonlyArray<string>;
  /**
   * The processor function (contracts/functions.ts) the family's rules deliver to. Its spec's
   * `handlerModule` exports one handler per topic here, and a test holds the two equal.
   */
  readonly processor: string;
  /** The app's access scopes Shopify requires to deliver these topics (its webhooks reference). */
  readonly scopes: ReadonlyArray<string>;
}

/**
 * The Shopify topic -> handler mapping: each topic belongs to one family, each family to one
 * processor. The webhook subscriptions (delivery/shopify-app-config.ts), the ingestion stack's
 * rules and `sdp local`'s routes are all made from this.
 */
export const shopifyFamilies = {
  orders: {
    processor: "shopify-orders",
    scopes: ["read_orders"],
    topics: [
      "orders/create",
      "orders/updated",
      "orders/paid",
      "orders/cancelled",
      "orders/fulfilled",
      "orders/partially_fulfilled",
      "orders/delete",
      "refunds/create",
      "fulfillments/create",
      "fulfillments/update",
    ],
  },
  customers: { processor: "shopify-customers", scopes: ["read_customers"], topics: ["customers/create", "customers/update", "customers/enable", "customers/disable", "customers/delete"] },
  products: { processor: "shopify-products", scopes: ["read_products"], topics: ["products/create", "products/update", "products/delete"] },
  // checkouts/* and carts/* are delivered to apps with read_orders.
  checkouts: { processor: "shopify-checkouts", scopes: ["read_orders"], topics: ["checkouts/create", "checkouts/update", "carts/create", "carts/update"] },
  app: { processor: "shopify-app", scopes: [], topics: ["app/uninstalled"] },
  bulkOperations: { processor: "backfill-bulk-finish", scopes: [], topics: ["bulk_operations/finish"] },
} as const satisfies Record<string, ShopifyFamilySpec>;

export type ShopifyTopicFamily = keyof typeof shopifyFamilies;
const shopifyFamilyNames = Object.keys(shopifyFamilies) as ShopifyTopicFamily[];

/** The topics of each family. */
export const shopifyTopicFamilies = Object.fromEntries(shopifyFamilyNames.map((family) => [family, shopifyFamilies[family].topics])) as {
  readonly [F in ShopifyTopicFamily]: (typeof shopifyFamilies)[F]["topics"];
};
export const shopifyTopics: ReadonlyArray<string> = shopifyFamilyNames.flatMap((family) => shopifyFamilies[family].topics);

/** The Shopify topics each processor is routed (processor name -> topics). */
export const shopifyTopicsByProcessor = (): ReadonlyMap<string, ReadonlyArray<string>> => {
  const byProcessor = new Map<string, string[]>();
  for (const family of shopifyFamilyNames) {
    const { processor, topics } = shopifyFamilies[family];
    byProcessor.set(processor, [...(byProcessor.get(processor) ?? []), ...topics]);
  }
  return byProcessor;
};

/** The lake entity (raw/shopify/<entity>/...) of a Shopify topic: the part before the slash. */
export const shopifyEntityOfTopic = (topic: string) => topic.split("/")[0]!.toLowerCase();

export const rechargeTopicFamilies = {
  subscriptions: ["subscription/created", "subscription/updated", "subscription/activated", "subscription/cancelled", "subscription/deleted", "subscription/skipped", "subscription/unskipped", "subscription/paused"],
  charges: ["charge/created", "charge/updated", "charge/paid", "charge/failed", "charge/max_retries_reached", "charge/refunded", "charge/uncaptured", "charge/upcoming", "charge/deleted"],
} as const;

export const stripeTypePrefixes = ["charge.", "payment_intent.", "invoice.", "charge.dispute."] as const;

/** An EventBridge event pattern (the subset we use: exact values, prefix, equals-ignore-case, $or). */
export type EventPattern = { readonly [key: string]: unknown };

/** Shopify's header names arrive in any letter case; the patterns accept the two we have seen. */
const shopifyTopicHeaderKeys = ["X-Shopify-Topic", "x-shopify-topic"] as const;

export const shopifyPartnerPattern = (family: ShopifyTopicFamily): EventPattern => ({
  source: [{ prefix: SHOPIFY_PARTNER_SOURCE_PREFIX }],
  "detail-type": [SHOPIFY_DETAIL_TYPE],
  detail: {
    metadata: {
      $or: shopifyTopicHeaderKeys.map((key) => ({ [key]: shopifyTopicFamilies[family].map((topic) => ({ "equals-ignore-case": topic })) })),
    },
  },
});

/** Platform bus pattern for the HTTPS Shopify door (topics already normalised to lower case). */
export const shopifyPlatformPattern = (family: ShopifyTopicFamily): EventPattern => ({
  source: [platformSources.shopify],
  "detail-type": [PLATFORM_DETAIL_TYPE],
  detail: { topic: [...shopifyTopicFamilies[family]] },
});

export const rechargePattern = (): EventPattern => ({
  source: [platformSources.recharge],
  "detail-type": [PLATFORM_DETAIL_TYPE],
});

export const stripePattern = (): EventPattern => ({
  source: [platformSources.stripe],
  "detail-type": [PLATFORM_DETAIL_TYPE],
});

export interface Route {
  /** Unique id: rule and queue names derive from it. */
  readonly id: string;
  readonly bus: "partner" | "platform";
  readonly pattern: EventPattern;
  /** Name of the processor function in `contracts/functions.ts`. */
  readonly processor: string;
}

export const routes: ReadonlyArray<Route> = [
  ...shopifyFamilyNames.flatMap((family): Route[] => [
    { id: `shopify-partner-${family}`, bus: "partner", pattern: shopifyPartnerPattern(family), processor: shopifyFamilies[family].processor },
    { id: `shopify-https-${family}`, bus: "platform", pattern: shopifyPlatformPattern(family), processor: shopifyFamilies[family].processor },
  ]),
  { id: "recharge", bus: "platform", pattern: rechargePattern(), processor: "recharge-processor" },
  { id: "stripe", bus: "platform", pattern: stripePattern(), processor: "stripe-processor" },
];

export const platformBusName = (brand: string, env: string) => `${brand}-${env}-platform`;
