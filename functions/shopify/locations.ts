/** locations/* into the locations hot store; locations/delete leaves a tombstone. */
import { Effect, Schema } from "effect";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Deletion, Gid, Id, NullableBoolean, NullableString, NullableTimestamp, optionalNullable, Timestamp } from "./schemas";

/** locations/create, update, activate, deactivate: keyed on `id`, versioned by `updated_at`. */
export const LocationPayload = Schema.Struct({
  id: Id,
  admin_graphql_api_id: optionalNullable(Gid),
  name: Schema.optional(NullableString),
  active: Schema.optional(NullableBoolean),
  legacy: Schema.optional(NullableBoolean),
  city: Schema.optional(NullableString),
  province_code: Schema.optional(NullableString),
  country_code: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
});
export type LocationPayload = typeof LocationPayload.Type;

const decodeLocation = decodePayload(LocationPayload, "location");
const decodeDeletion = decodePayload(Deletion, "deletion");

export const locationRecord = (location: LocationPayload): Item => {
  const id = gidOf("Location", location);
  return compact({
    id,
    entity: "location",
    legacy_id: legacyIdOf(id),
    name: location.name,
    active: location.active ?? undefined,
    legacy: location.legacy ?? undefined,
    city: location.city,
    province_code: location.province_code,
    country_code: location.country_code,
    created_at: utcOrUndefined(location.created_at),
    updated_at: utc(location.updated_at),
  });
};

const handleLocation: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeLocation, event), (location) => Effect.asVoid(upsertNewer("locations", withApiVersion(locationRecord(location), event))));

const handleLocationDelete: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDeletion, event), (deletion) =>
    Effect.asVoid(writeTombstone("locations", { id: gid("Location", deletion.id) }, event, withApiVersion({ entity: "location", legacy_id: idText(deletion.id) }, event))),
  );

export const locationHandlers: Readonly<Record<string, TopicHandler>> = {
  "locations/create": handleLocation,
  "locations/update": handleLocation,
  "locations/activate": handleLocation,
  "locations/deactivate": handleLocation,
  "locations/delete": handleLocationDelete,
};
