/**
 * What the Stripe door needs to know about a verified body before storing it: the event id (the
 * dedup key and the raw object's name), the type (the topic) and the lake entity. Only the
 * envelope is checked here; the objects are decoded by the processor.
 */
import { Either } from "effect";
import { InvalidPayload } from "../kernel/errors";
import { JsonTooDeep, MAX_JSON_DEPTH, parseJson } from "../kernel/json";
import { eventIdProblem, firstProblem, topicProblem } from "../kernel/limits";

export interface DescribedDelivery {
  readonly eventId: string;
  readonly topic: string;
  /** raw/<source>/<entity>/...: the object family (charge, payment_intent, invoice, dispute, customer...). */
  readonly entity: string;
  readonly payload: unknown;
}

const ENTITY = /^[a-z0-9_]+$/;

/** `charge.dispute.created` -> dispute; `payment_intent.succeeded` -> payment_intent; odd text -> unknown. */
export const stripeEntityOfType = (type: string): string => {
  if (type.startsWith("charge.dispute.")) return "dispute";
  const family = type.split(".")[0] ?? "";
  return ENTITY.test(family) ? family : "unknown";
};

export const describeStripeBody = (rawBody: Buffer): Either.Either<DescribedDelivery, InvalidPayload> => {
  let payload: unknown;
  try {
    // The kernel's parser: nesting capped before anything recurses, large integers kept exact.
    payload = parseJson(rawBody.toString("utf8"), MAX_JSON_DEPTH);
  } catch (error) {
    return Either.left(new InvalidPayload({ reason: error instanceof JsonTooDeep ? error.message : "body is not valid JSON" }));
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return Either.left(new InvalidPayload({ reason: "body is not a JSON object" }));
  const { id, type } = payload as { id?: unknown; type?: unknown };
  if (typeof id !== "string" || id.trim() === "") return Either.left(new InvalidPayload({ reason: "event id is missing", field: "id" }));
  if (typeof type !== "string" || type.trim() === "") return Either.left(new InvalidPayload({ reason: "event type is missing", field: "type" }));
  // Stripe event ids (`evt_...`) and types (`payment_intent.succeeded`) become key segments.
  const limit = firstProblem(eventIdProblem(id, "id"), topicProblem(type, "type"));
  if (limit !== undefined) return Either.left(limit);
  return Either.right({ eventId: id, topic: type, entity: stripeEntityOfType(type), payload });
};
