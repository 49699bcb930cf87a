/**
 * What the Recharge door needs to know about a verified body before storing it. Recharge sends
 * no event id, so one is derived from the delivery itself: `<topic>.<object id>.<hash of the raw
 * body>`. A redelivery carries the same bytes (same id, stored once); every real change moves
 * `updated_at` (a new id). The object id is read without rounding (ids may exceed 2^53).
 */
import { Either } from "effect";
import { InvalidPayload } from "../kernel/errors";
import { MAX_TOPIC_LENGTH } from "../kernel/limits";
import { parseJsonObjectBody, type DescribedDelivery } from "../kernel/webhook-body";
import { sha256Hex } from "../kernel/webhook-signature";
import { RECHARGE_TOPIC_HEADER } from "./signature";
import { rechargeLakeEntity } from "./topics";

const TOPIC = /^[a-z0-9_]+\/[a-z0-9_]+$/;

const objectIdOf = (payload: Record<string, unknown>, entity: string): string | undefined => {
  const object = payload[entity];
  if (object === null || typeof object !== "object") return undefined;
  const id = (object as { id?: unknown }).id;
  const text = typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id)) ? String(id) : undefined;
  return text && /^[A-Za-z0-9_-]{1,64}$/.test(text) ? text : undefined;
};

export const describeRechargeDelivery = (headers: Readonly<Record<string, string>>, rawBody: Buffer): Either.Either<DescribedDelivery, InvalidPayload> => {
  const topic = headers[RECHARGE_TOPIC_HEADER]?.trim().toLowerCase();
  if (!topic) return Either.left(new InvalidPayload({ reason: "X-Recharge-Topic header is missing", field: RECHARGE_TOPIC_HEADER }));
  // Recharge topics (`subscription/created`, `charge/max_retries_reached`) are under 40 characters;
  // the topic becomes the lake entity and part of the event id (limits.ts).
  if (topic.length > MAX_TOPIC_LENGTH || !TOPIC.test(topic)) {
    return Either.left(
      new InvalidPayload({ reason: `X-Recharge-Topic must be <resource>/<event> in a-z 0-9 _, at most ${MAX_TOPIC_LENGTH} characters`, field: RECHARGE_TOPIC_HEADER }),
    );
  }
  const parsed = parseJsonObjectBody(rawBody);
  if (Either.isLeft(parsed)) return Either.left(parsed.left);
  const payload = parsed.right;
  const entity = rechargeLakeEntity(topic);
  const objectId = objectIdOf(payload, entity) ?? "noid";
  const eventId = `${topic.replace("/", "-")}.${objectId}.${sha256Hex(topic, "\n", rawBody).slice(0, 20)}`;
  return Either.right({ eventId, topic, entity, payload });
};
