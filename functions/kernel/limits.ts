/**
 * Limits on what a door lets through into a storage key, checked before any key is built.
 *
 * Every value here ends up in an S3 key (`raw/<source>/<entity>/dt=<day>/<event-id>.json`), a
 * DynamoDB partition key (`ingress:<source>:<event-id>`), S3 object metadata (HTTP headers:
 * ASCII only, 2 KB in all) or an EventBridge entry. The hard ceilings are S3's 1,024-byte keys,
 * DynamoDB's 2,048-byte partition keys, and, for the embedded platform, the 255-byte file names
 * of the filesystem s3rver writes to: the last key segment becomes `<event-id>.json` plus
 * s3rver's `._S3rver_metadata.json` suffix (22 bytes), so an event id must stay under 228 bytes.
 *
 * The limits are far above anything the providers send and well below those ceilings:
 *   - event ids: 1-200 characters of `A-Z a-z 0-9 . _ = -`, starting with a letter or digit.
 *     Shopify webhook and event ids are UUIDs (36); EventBridge envelope ids are UUIDs; Stripe
 *     documents ids of up to 255 characters but issues `evt_` ids of 28-66; the Recharge door
 *     derives `<topic>.<object id>.<20 hex>` (under 120). Only characters `keySegment` keeps as
 *     they are, so an id's key segment is exactly as long as the id.
 *   - topics: 1-100 characters of `a-z 0-9 _ . /`. Shopify's longest topics
 *     (`fulfillment_orders/scheduled_fulfillment_order_ready`) are about 50, Recharge's
 *     (`customer/payment_method_updated`) about 30, Stripe's event types
 *     (`payment_intent.amount_capturable_updated`) about 40.
 *   - shop domains: 1-255 characters of `a-z A-Z 0-9 . -` (a DNS name is at most 253;
 *     Shopify's `<shop>.myshopify.com` is under 100).
 *   - JSON nesting: 64 levels (functions/kernel/json.ts). Webhook bodies nest under 12.
 *
 * A value over a limit is an InvalidPayload (400 at a door, the DLQ behind a queue) whose reason
 * says what to fix and names the field, never quoting the value (it may be anything, PII included).
 */
import { InvalidPayload } from "./errors";

export const MAX_EVENT_ID_LENGTH = 200;
export const MAX_TOPIC_LENGTH = 100;
export const MAX_SHOP_DOMAIN_LENGTH = 255;
/** S3's own key limit (UTF-8 bytes). */
export const MAX_S3_KEY_BYTES = 1024;
/** s3rver keeps each key segment as a file name (plus a 22-byte suffix) on a filesystem capped at 255 bytes. */
export const MAX_S3_SEGMENT_BYTES = 255 - "._S3rver_metadata.json".length;

const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;
const TOPIC = /^[a-z0-9_./]+$/;
const SHOP_DOMAIN = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

/** How a rejected value looked, without quoting it: its length and whether it held control or non-ASCII characters. */
const shapeOf = (value: string): string => {
  const notes = [`${value.length} characters`, CONTROL_CHARACTERS.test(value) ? "control characters" : undefined, NON_ASCII.test(value) ? "non-ASCII characters" : undefined];
  return notes.filter((note) => note !== undefined).join(", ");
};

const problem = (field: string, rule: string, value: string) => new InvalidPayload({ reason: `${field} must be ${rule} (got ${shapeOf(value)})`, field });

/** An event id that may become a key segment, or the InvalidPayload saying what to fix. */
export const eventIdProblem = (eventId: string, field: string): InvalidPayload | undefined =>
  eventId.length >= 1 && eventId.length <= MAX_EVENT_ID_LENGTH && EVENT_ID.test(eventId)
    ? undefined
    : problem(field, `1-${MAX_EVENT_ID_LENGTH} characters of A-Z a-z 0-9 . _ = - starting with a letter or digit`, eventId);

/** A topic / event type (lower case by then), or the InvalidPayload saying what to fix. */
export const topicProblem = (topic: string, field: string): InvalidPayload | undefined =>
  topic.length >= 1 && topic.length <= MAX_TOPIC_LENGTH && TOPIC.test(topic) ? undefined : problem(field, `1-${MAX_TOPIC_LENGTH} characters of a-z 0-9 _ . /`, topic);

export const shopDomainProblem = (domain: string, field: string): InvalidPayload | undefined =>
  domain.length >= 1 && domain.length <= MAX_SHOP_DOMAIN_LENGTH && SHOP_DOMAIN.test(domain)
    ? undefined
    : problem(field, `a host name of 1-${MAX_SHOP_DOMAIN_LENGTH} characters of a-z 0-9 . -`, domain);

/** A lake entity (one key segment). */
export const entityProblem = (entity: string, field: string): InvalidPayload | undefined =>
  entity.length >= 1 && entity.length <= MAX_TOPIC_LENGTH && /^[a-z0-9_]+$/.test(entity) ? undefined : problem(field, `1-${MAX_TOPIC_LENGTH} characters of a-z 0-9 _`, entity);

/** An S3 key this platform may write: under S3's 1,024 bytes, every segment a file name s3rver can write. */
export const s3KeyProblem = (key: string, field: string): InvalidPayload | undefined => {
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes === 0 || bytes > MAX_S3_KEY_BYTES) return new InvalidPayload({ reason: `${field} must be an S3 key of 1-${MAX_S3_KEY_BYTES} bytes (got ${bytes})`, field });
  for (const segment of key.split("/")) {
    const segmentBytes = Buffer.byteLength(segment, "utf8");
    if (segmentBytes > MAX_S3_SEGMENT_BYTES)
      return new InvalidPayload({ reason: `${field} has a path segment of ${segmentBytes} bytes; each must be at most ${MAX_S3_SEGMENT_BYTES}`, field });
  }
  return undefined;
};

/** The first problem among the checks, if any. */
export const firstProblem = (...checks: ReadonlyArray<InvalidPayload | undefined>): InvalidPayload | undefined => checks.find((check) => check !== undefined);
