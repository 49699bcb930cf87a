/**
 * EventBridge envelopes as tests deliver them: a Shopify partner-bus event (as an object for the
 * programs, or as JSON text for `POST /events`), a platform-bus event as the HTTPS doors publish
 * it, and an event a program published as a rule's target receives it.
 */
import { PLATFORM_DETAIL_TYPE, SHOPIFY_DETAIL_TYPE, platformSources } from "../../contracts/events";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import type { BusEvent } from "../../functions/kernel/services";

let counter = 0;
/** A fresh id, unique within the test run. */
export const nextId = (prefix = "wh") => `${prefix}-${Date.now().toString(36)}-${(counter += 1)}`;

export interface PartnerOptions {
  readonly id?: string;
  readonly time?: string;
  readonly source?: string;
  readonly account?: string;
  readonly region?: string;
  readonly webhookId?: string;
  /** X-Shopify-Event-Id (left out when not given). */
  readonly eventId?: string;
  readonly shopDomain?: string;
  readonly apiVersion?: string;
  /** X-Shopify-Triggered-At (left out when not given). */
  readonly triggeredAt?: string;
  /** The name the topic header is spelled with (default X-Shopify-Topic, or as `headerCase` says). */
  readonly topicHeader?: string;
  readonly headerCase?: "canonical" | "lower" | "upper";
  /** More metadata headers, as given (after the others). */
  readonly metadata?: Record<string, string>;
}

const cased = (name: string, style: PartnerOptions["headerCase"]) => (style === "lower" ? name.toLowerCase() : style === "upper" ? name.toUpperCase() : name);

/** The envelope around `detail`, in the order EventBridge writes its fields. */
const partnerHead = (options: PartnerOptions, defaults: Required<Pick<PartnerOptions, "id" | "time" | "source" | "account" | "region">>) => ({
  version: "0",
  id: options.id ?? defaults.id,
  "detail-type": SHOPIFY_DETAIL_TYPE,
  source: options.source ?? defaults.source,
  account: options.account ?? defaults.account,
  time: options.time ?? defaults.time,
  region: options.region ?? defaults.region,
  resources: [] as string[],
});

const partnerMetadata = (topic: string, options: PartnerOptions, defaults: { shopDomain: string; apiVersion: string; webhookId: string }): Record<string, string> => {
  const style = options.headerCase ?? "canonical";
  const header = (name: string) => cased(name, style);
  return {
    [header("Content-Type")]: "application/json",
    [options.topicHeader ?? header("X-Shopify-Topic")]: topic,
    [header("X-Shopify-Shop-Domain")]: options.shopDomain ?? defaults.shopDomain,
    [header("X-Shopify-Webhook-Id")]: options.webhookId ?? defaults.webhookId,
    [header("X-Shopify-API-Version")]: options.apiVersion ?? defaults.apiVersion,
    ...(options.triggeredAt !== undefined ? { [header("X-Shopify-Triggered-At")]: options.triggeredAt } : {}),
    ...(options.eventId !== undefined ? { [header("X-Shopify-Event-Id")]: options.eventId } : {}),
    ...options.metadata,
  };
};

/** A Shopify partner-bus envelope (the unit tests' shop, acme-coffee), as the processors receive it. */
export const partnerEnvelope = (topic: string, payload: unknown, options: PartnerOptions = {}): BusEnvelope =>
  ({
    ...partnerHead(options, {
      id: `evt-${nextId()}`,
      time: "2026-03-01T15:20:01Z",
      source: "aws.partner/shopify.com/123456/acme-coffee",
      account: "111111111111",
      region: "us-east-1",
    }),
    detail: { payload, metadata: partnerMetadata(topic, options, { shopDomain: "acme-coffee.myshopify.com", apiVersion: "2025-10", webhookId: nextId() }) },
  }) as BusEnvelope;

/**
 * A partner-bus envelope (the local platform's shop, acme-dev) as JSON text, as `POST /events`
 * takes it: the payload is spliced in as text so ids beyond 2^53 keep every digit, as on the real
 * bus. Triggered-At defaults to the time, the event id to `event-<webhook id>`.
 */
export const partnerEnvelopeText = (options: PartnerOptions & { readonly topic: string; readonly webhookId: string; readonly payloadText: string }): string => {
  const time = options.time ?? "2026-01-31T10:00:00Z";
  const head = partnerHead(options, { id: `evt-${nextId()}`, time, source: "aws.partner/shopify.com/123456/acme-dev", account: "000000000000", region: "us-east-1" });
  const metadata = partnerMetadata(
    options.topic,
    { ...options, triggeredAt: options.triggeredAt ?? options.time ?? "2026-01-31T10:00:00.000Z", eventId: options.eventId ?? `event-${options.webhookId}` },
    { shopDomain: "acme-store.myshopify.com", apiVersion: "2026-01", webhookId: options.webhookId },
  );
  return `${JSON.stringify(head).slice(0, -1)},"detail":{"metadata":${JSON.stringify(metadata)},"payload":${options.payloadText}}}`;
};

/** A platform-bus event as our HTTPS door publishes it for a Shopify delivery. */
export const platformEnvelope = (topic: string, payload: unknown, options: { eventId?: string; rawKey?: string; inline?: boolean; receivedAt?: string } = {}): BusEnvelope => ({
  id: `evt-${nextId()}`,
  source: platformSources.shopify,
  "detail-type": PLATFORM_DETAIL_TYPE,
  time: options.receivedAt ?? "2026-03-01T15:20:01Z",
  detail: {
    source: "shopify",
    topic,
    eventId: options.eventId ?? nextId(),
    receivedAt: options.receivedAt ?? "2026-03-01T15:20:01Z",
    rawKey: options.rawKey ?? `raw/shopify/${topic.split("/")[0]}/dt=2026-03-01/x.json`,
    ...(options.inline === false ? {} : { payload }),
    shopDomain: "acme-coffee.myshopify.com",
    // As the HTTPS door keeps them (the same version partnerEnvelope says).
    attributes: { "x-shopify-api-version": "2025-10" },
  },
});

/**
 * An event a program published, as EventBridge delivers it to a rule's target. With `account`
 * (and `region`), the full envelope with version and resources, as a queue message carries it.
 */
export const envelopeOf = (event: BusEvent, id: string, time: string, full?: { readonly account: string; readonly region: string }): BusEnvelope =>
  full
    ? ({
        version: "0",
        id,
        source: event.source,
        "detail-type": event.detailType,
        time,
        account: full.account,
        region: full.region,
        resources: [],
        detail: event.detail,
      } as BusEnvelope)
    : { id, source: event.source, "detail-type": event.detailType, time, detail: event.detail };
