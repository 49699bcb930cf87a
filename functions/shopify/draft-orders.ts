/**
 * draft_orders/* into the draft-orders hot store: status, totals and the order a draft became,
 * keyed by the draft's GID and versioned by `updated_at`. No personal data (e-mail, customer,
 * addresses): those stay in the raw copy only. draft_orders/delete leaves a tombstone.
 */
import { Effect, Schema } from "effect";
import { addDecimals, multiplyDecimal } from "../kernel/decimal";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, tagList, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import {
  Deletion,
  Gid,
  Id,
  moneyText,
  NullableBoolean,
  NullableId,
  NullableInt,
  NullableMoney,
  NullableString,
  NullableTimestamp,
  optionalNullable,
  Tags,
  Timestamp,
} from "./schemas";

const DraftLine = Schema.Struct({
  product_id: Schema.optional(NullableId),
  variant_id: Schema.optional(NullableId),
  quantity: Schema.optional(NullableInt),
  price: Schema.optional(NullableMoney),
});

/** draft_orders/create, draft_orders/update: keyed on `id`, versioned by `updated_at`. */
export const DraftOrderPayload = Schema.Struct({
  id: Id,
  admin_graphql_api_id: optionalNullable(Gid),
  name: Schema.optional(NullableString),
  status: Schema.optional(NullableString),
  currency: Schema.optional(NullableString),
  total_price: Schema.optional(NullableMoney),
  subtotal_price: Schema.optional(NullableMoney),
  total_tax: Schema.optional(NullableMoney),
  taxes_included: Schema.optional(NullableBoolean),
  order_id: Schema.optional(NullableId),
  tags: Schema.optional(Tags),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
  completed_at: Schema.optional(NullableTimestamp),
  invoice_sent_at: Schema.optional(NullableTimestamp),
  line_items: optionalNullable(Schema.Array(DraftLine)),
});
export type DraftOrderPayload = typeof DraftOrderPayload.Type;

const decodeDraft = decodePayload(DraftOrderPayload, "draft order");
const decodeDeletion = decodePayload(Deletion, "deletion");

export const draftOrderRecord = (draft: DraftOrderPayload): Item => {
  const id = gidOf("DraftOrder", draft);
  const lines = draft.line_items ?? [];
  const amounts = lines.flatMap((line) => (line.price != null ? [multiplyDecimal(moneyText(line.price), line.quantity ?? 0)] : []));
  return compact({
    id,
    entity: "draft_order",
    legacy_id: legacyIdOf(id),
    name: draft.name,
    status: draft.status,
    currency: draft.currency,
    total_price: draft.total_price != null ? moneyText(draft.total_price) : undefined,
    subtotal_price: draft.subtotal_price != null ? moneyText(draft.subtotal_price) : undefined,
    total_tax: draft.total_tax != null ? moneyText(draft.total_tax) : undefined,
    taxes_included: draft.taxes_included ?? undefined,
    line_items_subtotal: amounts.length > 0 ? addDecimals(...amounts) : "0.00",
    line_count: lines.length,
    item_quantity: lines.reduce((total, line) => total + (line.quantity ?? 0), 0),
    order_id: draft.order_id != null ? gid("Order", draft.order_id) : undefined,
    tags: tagList(draft.tags),
    created_at: utcOrUndefined(draft.created_at),
    updated_at: utc(draft.updated_at),
    completed_at: utcOrUndefined(draft.completed_at),
    invoice_sent_at: utcOrUndefined(draft.invoice_sent_at),
  });
};

const handleDraft: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDraft, event), (draft) => Effect.asVoid(upsertNewer("draftOrders", withApiVersion(draftOrderRecord(draft), event))));

const handleDraftDelete: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDeletion, event), (deletion) =>
    Effect.asVoid(writeTombstone("draftOrders", { id: gid("DraftOrder", deletion.id) }, event, withApiVersion({ entity: "draft_order", legacy_id: idText(deletion.id) }, event))),
  );

export const draftOrderHandlers: Readonly<Record<string, TopicHandler>> = {
  "draft_orders/create": handleDraft,
  "draft_orders/update": handleDraft,
  "draft_orders/delete": handleDraftDelete,
};
