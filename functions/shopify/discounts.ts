/**
 * discounts/* into the discounts hot store. The payloads are short: a discount's GID
 * (`gid://shopify/DiscountCodeNode/<id>` or `.../DiscountAutomaticNode/<id>`), title, status and
 * times; a redeem code notice names the discount and the code.
 *
 *   discount     keyed by its GID, versioned by `updated_at`; `discount_type` code or automatic
 *   redeem code  keyed by `<discount GID>#code=<code>` (the same key whether added or removed),
 *                pointing at its discount; versioned by the notice's `updated_at`
 *
 * discounts/delete leaves a tombstone at the payload's `deleted_at` (the trigger time when absent);
 * discounts/redeemcode_removed tombstones the code's row. Both rows carry `discount_id`, so the
 * by-discount index lists a discount with its codes.
 */
import { Effect, Schema } from "effect";
import type { Item } from "../kernel/services";
import { decodeEvent, triggeredAtOf, withApiVersion } from "./event-identity";
import { compact, decodePayload, legacyIdOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Gid, NullableString, NullableTimestamp, optionalNullable, Timestamp } from "./schemas";

/** discounts/create, discounts/update: keyed on `admin_graphql_api_id`, versioned by `updated_at`. */
export const DiscountPayload = Schema.Struct({
  admin_graphql_api_id: Gid,
  title: Schema.optional(NullableString),
  status: Schema.optional(NullableString),
  created_at: Schema.optional(NullableTimestamp),
  updated_at: Timestamp,
});
export type DiscountPayload = typeof DiscountPayload.Type;

/** discounts/delete. */
export const DiscountDeletion = Schema.Struct({ admin_graphql_api_id: Gid, deleted_at: Schema.optional(NullableTimestamp) });

/** discounts/redeemcode_added, discounts/redeemcode_removed. */
export const RedeemCodeNotice = Schema.Struct({
  admin_graphql_api_id: Gid,
  redeem_code: Schema.Struct({ id: optionalNullable(Gid), code: Schema.String.pipe(Schema.minLength(1)) }),
  updated_at: Schema.optional(NullableTimestamp),
});
export type RedeemCodeNotice = typeof RedeemCodeNotice.Type;

const decodeDiscount = decodePayload(DiscountPayload, "discount");
const decodeDeletion = decodePayload(DiscountDeletion, "discount deletion");
const decodeRedeemCode = decodePayload(RedeemCodeNotice, "redeem code");

const typeOf = (discountGid: string) => (/\/DiscountAutomatic/.test(discountGid) ? "automatic" : /\/DiscountCode/.test(discountGid) ? "code" : undefined);

export const redeemCodeKey = (discountGid: string, code: string) => `${discountGid}#code=${code}`;

export const discountRecord = (discount: DiscountPayload): Item =>
  compact({
    id: discount.admin_graphql_api_id,
    entity: "discount",
    legacy_id: legacyIdOf(discount.admin_graphql_api_id),
    discount_id: discount.admin_graphql_api_id,
    discount_type: typeOf(discount.admin_graphql_api_id),
    title: discount.title,
    status: discount.status,
    created_at: utcOrUndefined(discount.created_at),
    updated_at: utc(discount.updated_at),
  });

export const redeemCodeRecord = (notice: RedeemCodeNotice, updatedAt: string): Item =>
  compact({
    id: redeemCodeKey(notice.admin_graphql_api_id, notice.redeem_code.code),
    entity: "redeem_code",
    discount_id: notice.admin_graphql_api_id,
    redeem_code_id: notice.redeem_code.id ?? undefined,
    code: notice.redeem_code.code,
    updated_at: updatedAt,
  });

const handleDiscount: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDiscount, event), (discount) => Effect.asVoid(upsertNewer("discounts", withApiVersion(discountRecord(discount), event))));

const handleDiscountDelete: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDeletion, event), (deletion) =>
    Effect.asVoid(
      writeTombstone(
        "discounts",
        { id: deletion.admin_graphql_api_id },
        event,
        withApiVersion({ entity: "discount", discount_id: deletion.admin_graphql_api_id, discount_type: typeOf(deletion.admin_graphql_api_id) }, event),
        deletion.deleted_at ?? undefined,
      ),
    ),
  );

const noticeTime = (notice: RedeemCodeNotice, triggeredAt: string) => (notice.updated_at ? utc(notice.updated_at) : triggeredAt);

const handleCodeAdded: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeRedeemCode, event), (notice) =>
    Effect.asVoid(upsertNewer("discounts", withApiVersion(redeemCodeRecord(notice, noticeTime(notice, triggeredAtOf(event))), event))),
  );

const handleCodeRemoved: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeRedeemCode, event), (notice) => {
    const { id, updated_at: _version, ...rest } = redeemCodeRecord(notice, noticeTime(notice, triggeredAtOf(event)));
    return Effect.asVoid(writeTombstone("discounts", { id }, event, withApiVersion(rest, event), noticeTime(notice, triggeredAtOf(event))));
  });

export const discountHandlers: Readonly<Record<string, TopicHandler>> = {
  "discounts/create": handleDiscount,
  "discounts/update": handleDiscount,
  "discounts/delete": handleDiscountDelete,
  "discounts/redeemcode_added": handleCodeAdded,
  "discounts/redeemcode_removed": handleCodeRemoved,
};
