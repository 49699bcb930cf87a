/**
 * inventory_items/* and inventory_levels/* into the inventory hot store.
 *
 *   item   `gid://shopify/InventoryItem/<id>`: sku, tracked, cost, origin; versioned by `updated_at`
 *   level  `gid://shopify/InventoryLevel/<location id>?inventory_item_id=<item id>` (Shopify's own
 *          GID of a level): available at a location; versioned by `updated_at`
 *
 * Both carry `inventory_item_id` (the by-item index lists an item with its levels); levels carry
 * `location_id` (by-location). inventory_items/delete and inventory_levels/disconnect leave
 * tombstones (processor.ts writeTombstone) at the delivery's trigger time.
 */
import { Effect, Schema } from "effect";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Deletion, Gid, Id, moneyText, NullableBoolean, NullableInt, NullableMoney, NullableString, NullableTimestamp, optionalNullable, Timestamp } from "./schemas";

/** inventory_items/create, inventory_items/update: keyed on `id`, versioned by `updated_at`. */
export const InventoryItemPayload = Schema.Struct({
  id: Id,
  admin_graphql_api_id: optionalNullable(Gid),
  sku: Schema.optional(NullableString),
  tracked: Schema.optional(NullableBoolean),
  requires_shipping: Schema.optional(NullableBoolean),
  cost: Schema.optional(NullableMoney),
  country_code_of_origin: Schema.optional(NullableString),
  province_code_of_origin: Schema.optional(NullableString),
  harmonized_system_code: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
});
export type InventoryItemPayload = typeof InventoryItemPayload.Type;

/** inventory_levels/connect, inventory_levels/update: keyed on item and location, versioned by `updated_at`. */
export const InventoryLevelPayload = Schema.Struct({
  inventory_item_id: Id,
  location_id: Id,
  available: Schema.optional(NullableInt),
  updated_at: Timestamp,
});
export type InventoryLevelPayload = typeof InventoryLevelPayload.Type;

/** inventory_levels/disconnect: only the two ids. */
export const InventoryLevelDisconnect = Schema.Struct({ inventory_item_id: Id, location_id: Id });

const decodeItem = decodePayload(InventoryItemPayload, "inventory item");
const decodeLevel = decodePayload(InventoryLevelPayload, "inventory level");
const decodeDisconnect = decodePayload(InventoryLevelDisconnect, "inventory level");
const decodeDeletion = decodePayload(Deletion, "deletion");

export const inventoryLevelId = (inventoryItemId: Id | string, locationId: Id | string) =>
  `gid://shopify/InventoryLevel/${idText(locationId)}?inventory_item_id=${idText(inventoryItemId)}`;

export const inventoryItemRecord = (item: InventoryItemPayload): Item => {
  const id = gidOf("InventoryItem", item);
  return compact({
    id,
    entity: "inventory_item",
    legacy_id: legacyIdOf(id),
    inventory_item_id: id,
    sku: item.sku,
    tracked: item.tracked ?? undefined,
    requires_shipping: item.requires_shipping ?? undefined,
    cost: item.cost != null ? moneyText(item.cost) : undefined,
    country_code_of_origin: item.country_code_of_origin,
    province_code_of_origin: item.province_code_of_origin,
    harmonized_system_code: item.harmonized_system_code,
    created_at: utcOrUndefined(item.created_at),
    updated_at: utc(item.updated_at),
  });
};

export const inventoryLevelRecord = (level: InventoryLevelPayload): Item =>
  compact({
    id: inventoryLevelId(level.inventory_item_id, level.location_id),
    entity: "inventory_level",
    inventory_item_id: gid("InventoryItem", level.inventory_item_id),
    location_id: gid("Location", level.location_id),
    available: level.available ?? undefined,
    updated_at: utc(level.updated_at),
  });

const handleItem: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeItem, event), (item) => Effect.asVoid(upsertNewer("inventory", withApiVersion(inventoryItemRecord(item), event))));

const handleItemDelete: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDeletion, event), (deletion) => {
    const id = gid("InventoryItem", deletion.id);
    return Effect.asVoid(writeTombstone("inventory", { id }, event, withApiVersion({ entity: "inventory_item", legacy_id: idText(deletion.id), inventory_item_id: id }, event)));
  });

const handleLevel: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeLevel, event), (level) => Effect.asVoid(upsertNewer("inventory", withApiVersion(inventoryLevelRecord(level), event))));

const handleLevelDisconnect: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDisconnect, event), (level) =>
    Effect.asVoid(
      writeTombstone(
        "inventory",
        { id: inventoryLevelId(level.inventory_item_id, level.location_id) },
        event,
        withApiVersion({ entity: "inventory_level", inventory_item_id: gid("InventoryItem", level.inventory_item_id), location_id: gid("Location", level.location_id) }, event),
      ),
    ),
  );

export const inventoryHandlers: Readonly<Record<string, TopicHandler>> = {
  "inventory_items/create": handleItem,
  "inventory_items/update": handleItem,
  "inventory_items/delete": handleItemDelete,
  "inventory_levels/connect": handleLevel,
  "inventory_levels/update": handleLevel,
  "inventory_levels/disconnect": handleLevelDisconnect,
};
