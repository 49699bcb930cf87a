/**
 * Webhook subscriptions as code: the `[webhooks]` section of a `shopify.app.toml`, generated from
 * `contracts/events.ts`, and the difference between what a shop is subscribed to and the contract.
 *
 *   - `api_version` from the environment (config/environments.ts `shopifyApiVersion`);
 *   - one `[[webhooks.subscriptions]]` per topic family, delivered to the partner event source
 *     (`arn:aws:events:<region>::event-source/aws.partner/shopify.com/<app-id>/<name>`), which the
 *     ingestion stack's rules route to the family's processor;
 *   - the compliance topics (customers/data_request, customers/redact, shop/redact) to the HTTPS
 *     door, as every published example delivers them (the GraphQL API cannot create them).
 * `shopify app deploy` then subscribes everything.
 */
import type { EnvironmentConfig } from "../config/schema";
import { shopifyFamilies, shopifyTopicFamilies, type ShopifyTopicFamily } from "../contracts/events";

export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;

export interface AppConfigInput {
  readonly apiVersion: string;
  readonly region: string;
  /** aws.partner/shopify.com/<app-id>/<name> */
  readonly partnerEventSource: string;
  /** The HTTPS door for the compliance topics, e.g. https://<api-id>.execute-api.<region>.amazonaws.com/webhooks/shopify */
  readonly complianceUri: string;
  /** Named in the header comment (how to regenerate). */
  readonly env?: string;
}

export interface Subscription {
  readonly family: ShopifyTopicFamily | "compliance";
  readonly topics: ReadonlyArray<string>;
  readonly uri: string;
  readonly compliance: boolean;
}

export const partnerEventSourceArn = (region: string, partnerEventSource: string) => `arn:aws:events:${region}::event-source/${partnerEventSource}`;

/** The subscriptions the contract asks for, in the contract's order. */
export const contractSubscriptions = (input: Pick<AppConfigInput, "region" | "partnerEventSource" | "complianceUri">): Subscription[] => {
  const arn = partnerEventSourceArn(input.region, input.partnerEventSource);
  return [
    ...(Object.keys(shopifyTopicFamilies) as ShopifyTopicFamily[]).map((family) => ({ family, topics: [...shopifyTopicFamilies[family]], uri: arn, compliance: false })),
    { family: "compliance" as const, topics: [...COMPLIANCE_TOPICS], uri: input.complianceUri, compliance: true },
  ];
};

const tomlString = (value: string) => JSON.stringify(value);
const tomlArray = (values: ReadonlyArray<string>) => `[ ${values.map(tomlString).join(", ")} ]`;

/** The `[webhooks]` section (TOML text, ending with a newline). */
export const webhooksSection = (input: AppConfigInput): string => {
  const lines = [
    `# Generated from contracts/events.ts by \`sdp shopify app-config${input.env ? ` --env ${input.env}` : ""}\`; do not edit by hand.`,
    "[webhooks]",
    `api_version = ${tomlString(input.apiVersion)}`,
  ];
  for (const subscription of contractSubscriptions(input)) {
    lines.push("");
    lines.push(
      subscription.compliance ? "  # Compliance topics: to the HTTPS door (/webhooks/shopify)." : `  # ${subscription.family}: to the partner event source (EventBridge).`,
    );
    lines.push("  [[webhooks.subscriptions]]");
    lines.push(`  ${subscription.compliance ? "compliance_topics" : "topics"} = ${tomlArray(subscription.topics)}`);
    lines.push(`  uri = ${tomlString(subscription.uri)}`);
  }
  return `${lines.join("\n")}\n`;
};

/** The input for an environment; fails naming what is missing. */
export const appConfigInputFor = (config: EnvironmentConfig, options: { readonly complianceUri?: string; readonly partnerEventSource?: string }): AppConfigInput => {
  const partnerEventSource = options.partnerEventSource ?? config.shopifyPartnerEventSource;
  if (partnerEventSource === undefined)
    throw new Error(
      `the ${config.name} environment has no shopifyPartnerEventSource (config/environments.ts): set it, or pass --event-source aws.partner/shopify.com/<app-id>/<name>`,
    );
  if (options.complianceUri === undefined)
    throw new Error("--door-url is required: the HTTPS door's URL for the compliance topics, e.g. https://<api-id>.execute-api.<region>.amazonaws.com/webhooks/shopify");
  if (!/^https:\/\/[^\s"]+$/.test(options.complianceUri)) throw new Error(`--door-url must be an https:// URL, got "${options.complianceUri}"`);
  return { apiVersion: config.shopifyApiVersion, region: config.region, partnerEventSource, complianceUri: options.complianceUri, env: config.name };
};

/** Where the `[webhooks]` section of a TOML file starts and ends (end: the next top-level table that is not part of it). */
const sectionBounds = (text: string): { readonly start: number; readonly end: number } | undefined => {
  const lines = text.split("\n");
  let offset = 0;
  let start: number | undefined;
  let commentStart: number | undefined;
  for (const line of lines) {
    const trimmed = line.trim();
    if (start === undefined) {
      // A comment directly above [webhooks] (the generated header) belongs to the section.
      if (trimmed.startsWith("#")) commentStart ??= offset;
      else if (trimmed === "[webhooks]") start = commentStart ?? offset;
      else commentStart = undefined;
    } else if (/^\[\[?/.test(trimmed) && !/^\[\[?webhooks[.\]]/.test(trimmed)) {
      return { start, end: offset };
    }
    offset += line.length + 1;
  }
  return start === undefined ? undefined : { start, end: text.length };
};

/** The file's `[webhooks]` section (with its leading comment), or undefined. */
export const extractWebhooksSection = (text: string): string | undefined => {
  const bounds = sectionBounds(text);
  return bounds ? `${text.slice(bounds.start, bounds.end).trimEnd()}\n` : undefined;
};

/** `text` with its `[webhooks]` section replaced by `section` (appended when it has none). */
export const replaceWebhooksSection = (text: string, section: string): string => {
  const bounds = sectionBounds(text);
  if (!bounds) return `${text.trimEnd()}${text.trim() === "" ? "" : "\n\n"}${section}`;
  const after = text.slice(bounds.end);
  return `${text.slice(0, bounds.start)}${section}${after === "" ? "" : `\n${after}`}`;
};

// ---------------------------------------------------------------------------------------------
// The shop's current subscriptions against the contract

export interface CurrentSubscription {
  /** As the GraphQL Admin API names it: ORDERS_CREATE. */
  readonly topic: string;
  readonly uri: string;
  readonly apiVersion?: string;
}

export type SubscriptionDifference =
  | { readonly kind: "missing"; readonly topic: string; readonly expectedUri: string }
  | { readonly kind: "extra"; readonly topic: string; readonly uri: string }
  | { readonly kind: "wrong-uri"; readonly topic: string; readonly uri: string; readonly expectedUri: string }
  | { readonly kind: "wrong-version"; readonly topic: string; readonly apiVersion: string; readonly expectedApiVersion: string };

/** orders/create -> ORDERS_CREATE (the GraphQL WebhookSubscriptionTopic). */
export const topicEnum = (topic: string) => topic.toUpperCase().replace(/\//g, "_");

/**
 * Compares the shop's subscriptions (GraphQL `webhookSubscriptions`) with the contract's routed
 * topics. Compliance topics are not compared: the GraphQL API neither creates nor lists them.
 */
export const diffSubscriptions = (expected: ReadonlyArray<Subscription>, expectedApiVersion: string, current: ReadonlyArray<CurrentSubscription>): SubscriptionDifference[] => {
  const wanted = new Map<string, { topic: string; uri: string }>();
  for (const subscription of expected) if (!subscription.compliance) for (const topic of subscription.topics) wanted.set(topicEnum(topic), { topic, uri: subscription.uri });
  const names = new Map([...wanted.entries()].map(([key, value]) => [key, value.topic]));
  const differences: SubscriptionDifference[] = [];
  const seen = new Set<string>();
  for (const subscription of current) {
    const key = topicEnum(subscription.topic);
    const want = wanted.get(key);
    // A topic outside the contract: shown as Shopify's topic name (the enum's last "_" is the "/"; right for nearly all).
    const topic = names.get(key) ?? (subscription.topic.includes("/") ? subscription.topic.toLowerCase() : subscription.topic.toLowerCase().replace(/_([a-z]+)$/, "/$1"));
    if (!want) {
      differences.push({ kind: "extra", topic, uri: subscription.uri });
      continue;
    }
    seen.add(key);
    if (subscription.uri !== want.uri) differences.push({ kind: "wrong-uri", topic, uri: subscription.uri, expectedUri: want.uri });
    if (subscription.apiVersion !== undefined && subscription.apiVersion !== expectedApiVersion) {
      differences.push({ kind: "wrong-version", topic, apiVersion: subscription.apiVersion, expectedApiVersion });
    }
  }
  for (const [key, want] of wanted) if (!seen.has(key)) differences.push({ kind: "missing", topic: want.topic, expectedUri: want.uri });
  return differences;
};

/** The GraphQL query `sdp shopify webhooks` runs (needs no scope beyond the app's own). */
export const WEBHOOK_SUBSCRIPTIONS_QUERY = `query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic uri apiVersion { handle } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface WebhookSubscriptionsPage {
  readonly webhookSubscriptions: {
    readonly nodes: ReadonlyArray<{ readonly id: string; readonly topic: string; readonly uri?: string | null; readonly apiVersion?: { readonly handle?: string | null } | null }>;
    readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  };
}

// ---------------------------------------------------------------------------------------------
// Access scopes, derived from what the platform asks Shopify for

/** Bulk exports (functions/backfill/queries.ts): orders older than 60 days also need read_all_orders. */
const scopeOfBulkObject: Record<string, ReadonlyArray<string>> = {
  orders: ["read_orders", "read_all_orders"],
  customers: ["read_customers"],
  products: ["read_products"],
  refunds: ["read_orders", "read_all_orders"],
  order_transactions: ["read_orders", "read_all_orders"],
  // fulfillmentOrders lists what the fulfillment order scopes grant: the merchant's own locations and third-party ones.
  fulfillment_orders: ["read_merchant_managed_fulfillment_orders", "read_third_party_fulfillment_orders"],
  inventory_items: ["read_inventory"],
  locations: ["read_locations", "read_inventory"],
  discounts: ["read_discounts"],
  order_metafields: ["read_orders", "read_all_orders"],
  customer_metafields: ["read_customers"],
  product_metafields: ["read_products"],
  draft_orders: ["read_draft_orders"],
};

/** The app's access scopes: every routed topic family and every bulk export (sorted, unique). */
export const requiredScopes = (bulkObjectNames: ReadonlyArray<string>): string[] => {
  const scopes = new Set<string>();
  // Each topic family's scopes are in its contract (contracts/events.ts shopifyFamilies).
  for (const family of Object.keys(shopifyFamilies) as ShopifyTopicFamily[]) for (const scope of shopifyFamilies[family].scopes) scopes.add(scope);
  for (const object of bulkObjectNames) {
    const needed = scopeOfBulkObject[object];
    if (needed === undefined) throw new Error(`no access scope known for the bulk export of "${object}": add it to delivery/shopify-app-config.ts`);
    for (const scope of needed) scopes.add(scope);
  }
  return [...scopes].sort();
};
