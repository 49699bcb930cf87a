/**
 * Topic routing and event patterns. The ingestion stack turns each route into an EventBridge
 * rule (-> SQS queue with DLQ -> processor), and `sdp local` routes with the same patterns through
 * `matchesPattern` in local/, so the two cannot drift.
 */
import type { AlertKind } from "./alerts";
import { tableSpecs, type TableSpec } from "./tables";

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

/** The module of a processor's logic: it exports one handler per topic (topic -> handler). */
export interface HandlerModule {
  /** Path of the TypeScript file from the repository root. */
  readonly path: string;
  /** Name of its export, a Record<topic, handler>; its keys are the topics routed to the function. */
  readonly topicHandlers: string;
}

/** A family of Shopify topics: one webhook subscription, one EventBridge rule per door, one processor. */
export interface ShopifyFamilySpec {
  /** The topics, as Shopify names them (lower case). */
  readonly topics: ReadonlyArray<string>;
  /** The processor function (contracts/functions.ts) the family's rules deliver to. */
  readonly processor: string;
  /** The app's access scopes Shopify requires to deliver these topics (its webhooks reference). */
  readonly scopes: ReadonlyArray<string>;
  /**
   * The module exporting one handler per topic here (a test holds the two equal). A family with
   * one is served by a processor derived from it (contracts/functions.ts `shopifyProcessorSpecs`,
   * built from a generated entry); one without names a processor declared by hand that handles its
   * one topic in its own entry (backfill-bulk-finish).
   */
  readonly handlerModule?: HandlerModule;
  /** The hot-store tables the derived processor writes (it also gets the idempotency table). */
  readonly writes?: ReadonlyArray<string>;
  /** The derived processor's description. */
  readonly description?: string;
  /** The alert kinds the derived processor raises (contracts/alerts.ts). */
  readonly alertKinds?: ReadonlyArray<AlertKind>;
}

/**
 * A family declared on its table spec (contracts/tables.ts `shopifyFamily`): the processor is
 * `shopify-<family>`, it writes that table (and `alsoWrites`). This is the shape that makes "a new
 * family with its own table adds its table spec and its handler module, nothing else" literally
 * true: the family's topics, scopes and handler module are part of the table spec, and its routes,
 * subscriptions, queue, processor spec, grants and local routes are derived from there.
 */
export interface ShopifyTableFamily {
  readonly family: string;
  readonly topics: ReadonlyArray<string>;
  readonly scopes: ReadonlyArray<string>;
  readonly handlerModule: HandlerModule;
  readonly description: string;
  /** Other tables (keys of contracts/tables.ts) the processor writes besides its own. */
  readonly alsoWrites?: ReadonlyArray<string>;
  readonly alertKinds?: ReadonlyArray<AlertKind>;
}

/** The families that have no table of their own. */
const tablelessShopifyFamilies = {
  app: {
    processor: "shopify-app",
    scopes: [],
    topics: ["app/uninstalled"],
    handlerModule: { path: "functions/shopify/app.ts", topicHandlers: "appHandlers" },
    writes: [],
    description: "app/uninstalled: stores the event and alerts.",
    alertKinds: ["app-uninstalled"],
  },
  bulkOperations: { processor: "backfill-bulk-finish", scopes: [], topics: ["bulk_operations/finish"] },
} as const satisfies Record<string, ShopifyFamilySpec>;

type TableFamilyName = {
  [K in keyof typeof tableSpecs]: (typeof tableSpecs)[K] extends { readonly shopifyFamily: { readonly family: infer F extends string } } ? F : never;
}[keyof typeof tableSpecs];
export type ShopifyTopicFamily = TableFamilyName | keyof typeof tablelessShopifyFamilies;

/** The processor name of a family declared on its table. */
export const shopifyProcessorName = (family: string) => `shopify-${family}`;

/**
 * The Shopify topic -> handler mapping of the given tables (contracts/tables.ts by default): the
 * families declared on tables, in table order, then the table-less ones. Each topic belongs to one
 * family, each family to one processor.
 */
export const shopifyFamiliesOf = (tables: Readonly<Record<string, TableSpec>>): Readonly<Record<string, ShopifyFamilySpec>> => ({
  ...Object.fromEntries(
    Object.entries(tables).flatMap(([key, table]): Array<[string, ShopifyFamilySpec]> => {
      const declared = table.shopifyFamily;
      if (declared === undefined) return [];
      const { family, topics, scopes, handlerModule, description, alsoWrites = [], alertKinds } = declared;
      return [
        [family, { processor: shopifyProcessorName(family), topics, scopes, handlerModule, writes: [key, ...alsoWrites], description, ...(alertKinds ? { alertKinds } : {}) }],
      ];
    }),
  ),
  ...tablelessShopifyFamilies,
});

/**
 * The Shopify topic -> handler mapping: the webhook subscriptions (delivery/shopify-app-config.ts),
 * the ingestion stack's rules, the processor specs and `sdp local`'s routes are all made from this.
 */
export const shopifyFamilies = shopifyFamiliesOf(tableSpecs) as Readonly<Record<ShopifyTopicFamily, ShopifyFamilySpec>>;

const shopifyFamilyNames = Object.keys(shopifyFamilies) as ShopifyTopicFamily[];

/** The topics of each family. */
export const shopifyTopicFamilies = Object.fromEntries(shopifyFamilyNames.map((family) => [family, shopifyFamilies[family].topics])) as {
  readonly [F in ShopifyTopicFamily]: ReadonlyArray<string>;
};
export const shopifyTopics: ReadonlyArray<string> = shopifyFamilyNames.flatMap((family) => shopifyFamilies[family].topics);

/** The Shopify topics each processor is routed (processor name -> topics). */
export const shopifyTopicsByProcessor = (families: Readonly<Record<string, ShopifyFamilySpec>> = shopifyFamilies): ReadonlyMap<string, ReadonlyArray<string>> => {
  const byProcessor = new Map<string, string[]>();
  for (const { processor, topics } of Object.values(families)) {
    byProcessor.set(processor, [...(byProcessor.get(processor) ?? []), ...topics]);
  }
  return byProcessor;
};

/** The lake entity (raw/shopify/<entity>/...) of a Shopify topic: the part before the slash. */
export const shopifyEntityOfTopic = (topic: string) => topic.split("/")[0]!.toLowerCase();

/**
 * Topics that remove what they name: every `<entity>/delete`, plus the two removals that are not
 * called delete. Their processors write a tombstone (`deleted: true`, `deleted_at`) instead of a
 * row, and their raw copies carry `deleted-at` in the object's metadata (docs/data-dictionary.md).
 */
export const isShopifyTombstoneTopic = (topic: string) => topic.endsWith("/delete") || topic === "inventory_levels/disconnect" || topic === "discounts/redeemcode_removed";

export const rechargeTopicFamilies = {
  subscriptions: [
    "subscription/created",
    "subscription/updated",
    "subscription/activated",
    "subscription/cancelled",
    "subscription/deleted",
    "subscription/skipped",
    "subscription/unskipped",
    "subscription/paused",
  ],
  charges: [
    "charge/created",
    "charge/updated",
    "charge/paid",
    "charge/failed",
    "charge/max_retries_reached",
    "charge/refunded",
    "charge/uncaptured",
    "charge/upcoming",
    "charge/deleted",
  ],
} as const;

export const stripeTypePrefixes = ["charge.", "payment_intent.", "invoice.", "charge.dispute."] as const;

/** An EventBridge event pattern (the subset we use: exact values, prefix, equals-ignore-case, $or). */
export type EventPattern = { readonly [key: string]: unknown };

/** Shopify's header names arrive in any letter case; the patterns accept the two we have seen. */
const shopifyTopicHeaderKeys = ["X-Shopify-Topic", "x-shopify-topic"] as const;

/** Partner bus pattern for a family (by name) or a list of topics. */
export const shopifyPartnerPattern = (family: ShopifyTopicFamily | ReadonlyArray<string>): EventPattern => ({
  source: [{ prefix: SHOPIFY_PARTNER_SOURCE_PREFIX }],
  "detail-type": [SHOPIFY_DETAIL_TYPE],
  detail: {
    metadata: {
      $or: shopifyTopicHeaderKeys.map((key) => ({ [key]: topicsOf(family).map((topic) => ({ "equals-ignore-case": topic })) })),
    },
  },
});

const topicsOf = (family: ShopifyTopicFamily | ReadonlyArray<string>): ReadonlyArray<string> => (typeof family === "string" ? shopifyTopicFamilies[family] : family);

/** Platform bus pattern for the HTTPS Shopify door (topics already normalised to lower case). */
export const shopifyPlatformPattern = (family: ShopifyTopicFamily | ReadonlyArray<string>): EventPattern => ({
  source: [platformSources.shopify],
  "detail-type": [PLATFORM_DETAIL_TYPE],
  detail: { topic: [...topicsOf(family)] },
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

/** The routes of the given Shopify families (both doors each), then Recharge's and Stripe's. */
export const routesOf = (families: Readonly<Record<string, ShopifyFamilySpec>>): ReadonlyArray<Route> => [
  ...Object.entries(families).flatMap(([family, { topics, processor }]): Route[] => [
    { id: `shopify-partner-${family}`, bus: "partner", pattern: shopifyPartnerPattern(topics), processor },
    { id: `shopify-https-${family}`, bus: "platform", pattern: shopifyPlatformPattern(topics), processor },
  ]),
  { id: "recharge", bus: "platform", pattern: rechargePattern(), processor: "recharge-processor" },
  { id: "stripe", bus: "platform", pattern: stripePattern(), processor: "stripe-processor" },
];

export const routes: ReadonlyArray<Route> = routesOf(shopifyFamilies);

export const platformBusName = (brand: string, env: string) => `${brand}-${env}-platform`;
