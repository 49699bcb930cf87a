/**
 * What the Stripe door needs to know about a verified body before storing it: the event id (the
 * dedup key and the raw object's name), the type (the topic) and the lake entity. Only the
 * envelope is checked here; the objects are decoded by the processor.
 */
import { Either } from "effect";
import { InvalidPayload } from "../kernel/errors";
import { eventIdProblem, firstProblem, topicProblem } from "../kernel/limits";
import { parseJsonObjectBody, type DescribedDelivery } from "../kernel/webhook-body";

export type { DescribedDelivery } from "../kernel/webhook-body";

const ENTITY = /^[a-z0-9_]+$/;

/** `charge.dispute.created` -> dispute; `payment_intent.succeeded` -> payment_intent; odd text -> unknown. */
export const stripeEntityOfType = (type: string): string => {
  if (type.startsWith("charge.dispute.")) return "dispute";
  const family = type.split(".")[0] ?? "";
  return ENTITY.test(family) ? family : "unknown";
};

export const describeStripeBody = (rawBody: Buffer): Either.Either<DescribedDelivery, InvalidPayload> => {
  const parsed = parseJsonObjectBody(rawBody);
  if (Either.isLeft(parsed)) return Either.left(parsed.left);
  const payload = parsed.right;
  const { id, type } = payload as { id?: unknown; type?: unknown };
  if (typeof id !== "string" || id.trim() === "") return Either.left(new InvalidPayload({ reason: "event id is missing", field: "id" }));
  if (typeof type !== "string" || type.trim() === "") return Either.left(new InvalidPayload({ reason: "event type is missing", field: "type" }));
  // Stripe event ids (`evt_...`) and types (`payment_intent.succeeded`) become key segments.
  const limit = firstProblem(eventIdProblem(id, "id"), topicProblem(type, "type"));
  if (limit !== undefined) return Either.left(limit);
  return Either.right({ eventId: id, topic: type, entity: stripeEntityOfType(type), payload });
};
