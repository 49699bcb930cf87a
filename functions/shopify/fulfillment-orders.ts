/**
 * fulfillment_orders/* into the fulfillment-orders hot store. These payloads are notices, not the
 * resource: each names one or more fulfillment orders in a role (`fulfillment_order`,
 * `original_fulfillment_order`, `moved_fulfillment_order`, `remaining_fulfillment_order`, ...)
 * with their status at that moment, and carries no `updated_at`. So each fulfillment order named
 * becomes (or replaces) one item keyed by its GID, versioned by the delivery's
 * X-Shopify-Triggered-At: an older notice never overwrites a newer one.
 *
 * Required: the topic's principal role (`fulfillment_order`; `submitted_fulfillment_order` for
 * fulfillment_request_submitted; `moved_fulfillment_order` for moved; `fulfillment_order_merges`
 * for merged) and its `id`. Every other role and field is optional.
 */
import { Effect, Schema } from "effect";
import type { IncomingEvent } from "../kernel/incoming-event";
import type { Item } from "../kernel/services";
import { decodeEvent, triggeredAtOf, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, legacyIdOf, utcOrUndefined } from "./keys";
import { upsertNewer, type TopicHandler } from "./processor";
import { NullableBoolean, NullableString, NullableTimestamp, optionalNullable } from "./schemas";

const isResourceId = (value: unknown): value is string | number =>
  (typeof value === "string" && (/^gid:\/\/shopify\/\w+\/[^/\s]+$/.test(value) || /^\d{1,30}$/.test(value))) ||
  (typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
/** A GID (as these payloads send ids) or a numeric id. */
const ResourceId = Schema.declare(isResourceId, { identifier: "ResourceId", message: () => "expected a GID or a numeric id" });
const NullableResourceId = Schema.declare((value: unknown): value is string | number | null => value === null || isResourceId(value), {
  identifier: "ResourceId",
  message: () => "expected a GID, a numeric id or null",
});

const FulfillmentOrderRef = Schema.Struct({
  id: ResourceId,
  status: Schema.optional(NullableString),
  request_status: Schema.optional(NullableString),
  assigned_location_id: Schema.optional(NullableResourceId),
  fulfill_at: Schema.optional(NullableTimestamp),
  preparable: Schema.optional(NullableBoolean),
});
type FulfillmentOrderRef = typeof FulfillmentOrderRef.Type;

const optionalRef = optionalNullable(FulfillmentOrderRef);
const Merge = Schema.Struct({ fulfillment_order: FulfillmentOrderRef });

/** The optional roles, in the order they are written (the principal one goes last, so it wins a shared id). */
const secondaryRoles = ["original_fulfillment_order", "remaining_fulfillment_order", "replacement_fulfillment_order"] as const;
const optionalRoles = {
  fulfillment_order: optionalRef,
  original_fulfillment_order: optionalRef,
  submitted_fulfillment_order: optionalRef,
  moved_fulfillment_order: optionalRef,
  remaining_fulfillment_order: optionalRef,
  replacement_fulfillment_order: optionalRef,
  destination_location_id: Schema.optional(NullableResourceId),
};

/** Each topic's schema: its principal role required, the others optional. */
export const FulfillmentOrderNotice = Schema.Struct({ ...optionalRoles, fulfillment_order: FulfillmentOrderRef });
export const SubmittedNotice = Schema.Struct({ ...optionalRoles, submitted_fulfillment_order: FulfillmentOrderRef });
export const MovedNotice = Schema.Struct({ ...optionalRoles, moved_fulfillment_order: FulfillmentOrderRef });
export const MergedNotice = Schema.Struct({ ...optionalRoles, fulfillment_order_merges: Schema.Array(Merge) });

type Notice = Partial<Record<(typeof secondaryRoles)[number] | "fulfillment_order" | "submitted_fulfillment_order" | "moved_fulfillment_order", FulfillmentOrderRef | null>> & {
  readonly destination_location_id?: string | number | null;
  readonly fulfillment_order_merges?: ReadonlyArray<{ readonly fulfillment_order: FulfillmentOrderRef }>;
};

const gidText = (type: string, id: string | number): string => (typeof id === "string" && id.startsWith("gid://") ? id : gid(type, id));

export const fulfillmentOrderRecord = (ref: FulfillmentOrderRef, role: string, event: Pick<IncomingEvent, "topic" | "triggeredAt" | "metadata">, extra: Item = {}): Item => {
  const id = gidText("FulfillmentOrder", ref.id);
  return compact({
    id,
    entity: "fulfillment_order",
    legacy_id: legacyIdOf(id),
    status: ref.status,
    request_status: ref.request_status,
    assigned_location_id: ref.assigned_location_id != null ? gidText("Location", ref.assigned_location_id) : undefined,
    fulfill_at: utcOrUndefined(ref.fulfill_at),
    preparable: ref.preparable ?? undefined,
    last_topic: event.topic,
    last_role: role,
    ...extra,
    // The notices carry no updated_at: the delivery's trigger time orders them.
    updated_at: triggeredAtOf(event),
  });
};

/** Every fulfillment order a notice names, principal role last (a later entry for the same id replaces an earlier one). */
export const fulfillmentOrdersOf = (notice: Notice, principal: string, event: Pick<IncomingEvent, "topic" | "triggeredAt" | "metadata">): Item[] => {
  const byId = new Map<string, Item>();
  const add = (ref: FulfillmentOrderRef | null | undefined, role: string, extra: Item = {}) => {
    if (ref == null) return;
    const record = fulfillmentOrderRecord(ref, role, event, extra);
    byId.delete(record.id as string);
    byId.set(record.id as string, record);
  };
  for (const role of secondaryRoles) add(notice[role], role);
  if (notice.fulfillment_order_merges) for (const merge of notice.fulfillment_order_merges) add(merge.fulfillment_order, "fulfillment_order_merges");
  if (principal !== "fulfillment_order_merges") {
    const destination = notice.destination_location_id != null ? { destination_location_id: gidText("Location", notice.destination_location_id) } : {};
    add(notice[principal as keyof Notice] as FulfillmentOrderRef | undefined, principal, destination);
  }
  return [...byId.values()];
};

const handlerOf = <A extends Notice, I>(schema: Schema.Schema<A, I, never>, principal: string): TopicHandler => {
  const decode = decodePayload(schema, "fulfillment order notice");
  return (event) =>
    Effect.gen(function* () {
      const notice = yield* decodeEvent(decode, event);
      for (const record of fulfillmentOrdersOf(notice, principal, event)) yield* upsertNewer("fulfillmentOrders", withApiVersion(record, event));
    });
};

const handleNotice = handlerOf(FulfillmentOrderNotice, "fulfillment_order");

export const fulfillmentOrderHandlers: Readonly<Record<string, TopicHandler>> = {
  "fulfillment_orders/cancellation_request_accepted": handleNotice,
  "fulfillment_orders/cancellation_request_rejected": handleNotice,
  "fulfillment_orders/cancellation_request_submitted": handleNotice,
  "fulfillment_orders/cancelled": handleNotice,
  "fulfillment_orders/fulfillment_request_accepted": handleNotice,
  "fulfillment_orders/fulfillment_request_rejected": handleNotice,
  "fulfillment_orders/fulfillment_request_submitted": handlerOf(SubmittedNotice, "submitted_fulfillment_order"),
  "fulfillment_orders/fulfillment_service_failed_to_complete": handleNotice,
  "fulfillment_orders/hold_released": handleNotice,
  "fulfillment_orders/line_items_prepared_for_local_delivery": handleNotice,
  "fulfillment_orders/line_items_prepared_for_pickup": handleNotice,
  "fulfillment_orders/merged": handlerOf(MergedNotice, "fulfillment_order_merges"),
  "fulfillment_orders/moved": handlerOf(MovedNotice, "moved_fulfillment_order"),
  "fulfillment_orders/order_routing_complete": handleNotice,
  "fulfillment_orders/placed_on_hold": handleNotice,
  "fulfillment_orders/rescheduled": handleNotice,
  "fulfillment_orders/scheduled_fulfillment_order_ready": handleNotice,
  "fulfillment_orders/split": handleNotice,
};

/** The payload schema of each fulfillment_orders/* topic (tests decode the samples with it). */
export const fulfillmentOrderSchemaOf = (topic: string) =>
  topic === "fulfillment_orders/fulfillment_request_submitted"
    ? SubmittedNotice
    : topic === "fulfillment_orders/moved"
      ? MovedNotice
      : topic === "fulfillment_orders/merged"
        ? MergedNotice
        : FulfillmentOrderNotice;
