/**
 * Webhook completeness, measured per source: how many events reached the lake by webhook, how
 * many only through the nightly reconciliation (functions/reconcile/), and when that share means
 * the webhooks are failing. Written by payments-reconcile, read by the data-quality run.
 *
 * A recovered event's raw copy lies where its webhook's would (raw/<source>/<entity>/dt=<day it
 * was recovered>/<event-id>.json, same name, same dedup key). Beside it the reconciliation leaves
 * a marker, named by both days so the data-quality run counts with listings only:
 *
 *   metadata/reconciliation/recovered/<source>/dt=<recovered day>/event=<event day>/<entity>/<event-id>.json
 *
 *   - the day's webhook count = raw objects of the day - markers under dt=<day>/ (the raw copies
 *     the reconciliation wrote that day are not webhook deliveries);
 *   - the day's recovered count = markers under event=<day>/ of that day and the days after
 *     (an event of the evening is usually recovered the next night).
 * The event day is the provider's own time: a Stripe event's `created`, a Recharge object's `updated_at`.
 */
import { rechargeTopicFamilies, shopifyEntityOfTopic, shopifyTopics, stripeTypePrefixes } from "./events";
import { keySegment, lakePrefixes, type Source } from "./lake-layout";

export const RECOVERED_EVENTS_PREFIX = `${lakePrefixes.reconciliation}recovered/`;

/** Where the markers of one source and recovery day are (optionally of one event day). */
export const recoveredEventsPrefix = (source: Source, recoveredDay: string, eventDay?: string) =>
  `${RECOVERED_EVENTS_PREFIX}${source}/dt=${recoveredDay}/${eventDay === undefined ? "" : `event=${eventDay}/`}`;

/** The marker of one recovered event (see above). */
export const recoveredEventKey = (source: Source, recoveredDay: string, eventDay: string, entity: string, eventId: string) =>
  `${recoveredEventsPrefix(source, recoveredDay, eventDay)}${keySegment(entity)}/${keySegment(eventId)}.json`;

/** What a marker holds: ids and times, never payload values. */
export interface RecoveredEventMarker {
  readonly source: Source;
  readonly entity: string;
  readonly topic: string;
  readonly eventId: string;
  /** The provider's time of the event (ISO). */
  readonly eventAt: string;
  readonly recoveredAt: string;
  readonly rawKey: string;
  readonly runId: string;
}

/**
 * How many days after its event an event may still be recovered and counted for its day: Stripe's
 * reconciliation lists 3 days back, Recharge's lists from its last run (a week covers missed nights).
 */
export const RECOVERY_LAG_DAYS = 7;

/** The raw entities each source's webhooks land in: what "received by webhook" counts. */
export const webhookEntities: Readonly<Record<Source, ReadonlyArray<string>>> = {
  shopify: [...new Set(shopifyTopics.map(shopifyEntityOfTopic))].sort(),
  recharge: [...new Set(Object.values(rechargeTopicFamilies).flatMap((topics) => topics.map((topic) => topic.split("/")[0]!)))].sort(),
  stripe: [...new Set(stripeTypePrefixes.map((prefix) => (prefix === "charge.dispute." ? "dispute" : prefix.slice(0, -1))))].sort(),
};

/** Whether a source's missed webhooks are recovered event by event (Shopify's nightly re-export restores state as snapshots instead). */
export const recoveredSources: ReadonlyArray<Source> = ["recharge", "stripe"];

/**
 * When recovery means the webhooks are failing: more than `maxRecoveredShare` of a day's events
 * (received + recovered) had to be recovered, and at least `minRecovered` of them (so a quiet day
 * with one straggler does not page anyone). The environments set it in config/ (schema default
 * below); the data-quality function gets it in these variables' values.
 */
export interface WebhookRecoveryAlert {
  readonly maxRecoveredShare: number;
  readonly minRecovered: number;
}

export const defaultWebhookRecoveryAlert: WebhookRecoveryAlert = { maxRecoveredShare: 0.02, minRecovered: 3 };
