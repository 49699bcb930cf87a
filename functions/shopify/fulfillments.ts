/**
 * fulfillments/create and fulfillments/update into the fulfillments hot store: one item per
 * fulfillment (keyed by its GID, pointing at its order), guarded by `updated_at`, with the
 * tracking details and the fulfilled line items (line item GID and quantity).
 */
import { Effect, Schema } from "effect";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, type TopicHandler } from "./processor";
import { Gid, Id, NullableId, NullableInt, NullableString, NullableTimestamp, optionalNullable, Timestamp } from "./schemas";

/** fulfillments/create, fulfillments/update: keyed on `id`, pointing at `order_id`, versioned by `updated_at`. */
export const FulfillmentPayload = Schema.Struct({
  id: Id,
  admin_graphql_api_id: optionalNullable(Gid),
  order_id: Id,
  status: Schema.optional(NullableString),
  shipment_status: Schema.optional(NullableString),
  service: Schema.optional(NullableString),
  name: Schema.optional(NullableString),
  location_id: Schema.optional(NullableId),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  tracking_company: Schema.optional(NullableString),
  tracking_number: Schema.optional(NullableString),
  tracking_numbers: optionalNullable(Schema.Array(Schema.String)),
  line_items: optionalNullable(Schema.Array(Schema.Struct({ id: Schema.optional(NullableId), quantity: Schema.optional(NullableInt) }))),
});
export type FulfillmentPayload = typeof FulfillmentPayload.Type;

const decodeFulfillment = decodePayload(FulfillmentPayload, "fulfillment");

export const fulfillmentRecord = (fulfillment: FulfillmentPayload): Item => {
  const lines = (fulfillment.line_items ?? []).map((line) =>
    compact({ line_item_id: line.id != null ? gid("LineItem", line.id) : undefined, quantity: line.quantity ?? undefined }),
  );
  return compact({
    id: gidOf("Fulfillment", fulfillment),
    entity: "fulfillment",
    order_id: gid("Order", fulfillment.order_id),
    name: fulfillment.name,
    status: fulfillment.status,
    shipment_status: fulfillment.shipment_status,
    service: fulfillment.service,
    location_id: fulfillment.location_id != null ? gid("Location", fulfillment.location_id) : undefined,
    tracking_company: fulfillment.tracking_company,
    tracking_number: fulfillment.tracking_number,
    tracking_numbers: fulfillment.tracking_numbers && fulfillment.tracking_numbers.length > 0 ? [...fulfillment.tracking_numbers] : undefined,
    line_count: lines.length,
    item_quantity: lines.reduce((total, line) => total + (typeof line.quantity === "number" ? line.quantity : 0), 0),
    line_items: lines,
    created_at: utcOrUndefined(fulfillment.created_at),
    updated_at: utc(fulfillment.updated_at),
  });
};

const handleFulfillment: TopicHandler = (event) =>
  Effect.gen(function* () {
    const fulfillment = yield* decodeEvent(decodeFulfillment, event);
    yield* upsertNewer("fulfillments", withApiVersion(fulfillmentRecord(fulfillment), event));
  });

export const fulfillmentHandlers: Readonly<Record<string, TopicHandler>> = {
  "fulfillments/create": handleFulfillment,
  "fulfillments/update": handleFulfillment,
};
