/**
 * refunds/create into the refunds hot store: one item per refund (keyed by its GID, pointing at
 * its order), with its refund line items and order adjustments as lists. Refunds never change
 * once created, so their creation time is their version. The amount is what the refund's
 * successful refund transactions moved; the line and adjustment amounts are what Shopify says
 * they cover.
 */
import { Effect, Schema } from "effect";
import { addDecimals } from "../kernel/decimal";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, type TopicHandler } from "./processor";
import {
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
  Timestamp,
  Transaction,
} from "./schemas";

const RefundLineItem = Schema.Struct({
  id: Schema.optional(NullableId),
  line_item_id: Schema.optional(NullableId),
  quantity: Schema.optional(NullableInt),
  restock_type: Schema.optional(NullableString),
  location_id: Schema.optional(NullableId),
  subtotal: Schema.optional(NullableMoney),
  total_tax: Schema.optional(NullableMoney),
});

const OrderAdjustment = Schema.Struct({
  id: Schema.optional(NullableId),
  kind: Schema.optional(NullableString),
  reason: Schema.optional(NullableString),
  amount: Schema.optional(NullableMoney),
  tax_amount: Schema.optional(NullableMoney),
});

/** refunds/create: keyed on `id`, pointing at `order_id`, versioned by `created_at`; the rest is optional. */
export const RefundPayload = Schema.Struct({
  id: Id,
  admin_graphql_api_id: optionalNullable(Gid),
  order_id: Id,
  created_at: Timestamp,
  processed_at: Schema.optional(NullableTimestamp),
  restock: Schema.optional(NullableBoolean),
  refund_line_items: optionalNullable(Schema.Array(RefundLineItem)),
  order_adjustments: optionalNullable(Schema.Array(OrderAdjustment)),
  transactions: optionalNullable(Schema.Array(Transaction)),
});
export type RefundPayload = typeof RefundPayload.Type;

const decodeRefund = decodePayload(RefundPayload, "refund");

const money = (amount: string | number | null | undefined) => (amount != null ? moneyText(amount) : undefined);
const sum = (amounts: ReadonlyArray<string>) => (amounts.length > 0 ? addDecimals(...amounts) : "0.00");

export const refundRecord = (refund: RefundPayload): Item => {
  const transactions = refund.transactions ?? [];
  const refunded = transactions.flatMap((transaction) =>
    (transaction.kind ?? "refund") === "refund" && (transaction.status == null || transaction.status === "success") && transaction.amount != null
      ? [moneyText(transaction.amount)]
      : [],
  );
  const lines = (refund.refund_line_items ?? []).map((line) =>
    compact({
      id: line.id != null ? gid("RefundLineItem", line.id) : undefined,
      line_item_id: line.line_item_id != null ? gid("LineItem", line.line_item_id) : undefined,
      quantity: line.quantity ?? undefined,
      restock_type: line.restock_type ?? undefined,
      location_id: line.location_id != null ? gid("Location", line.location_id) : undefined,
      subtotal: money(line.subtotal),
      total_tax: money(line.total_tax),
    }),
  );
  const adjustments = (refund.order_adjustments ?? []).map((adjustment) =>
    compact({
      id: adjustment.id != null ? gid("OrderAdjustment", adjustment.id) : undefined,
      kind: adjustment.kind ?? undefined,
      reason: adjustment.reason ?? undefined,
      amount: money(adjustment.amount),
      tax_amount: money(adjustment.tax_amount),
    }),
  );
  return compact({
    id: gidOf("Refund", refund),
    entity: "refund",
    order_id: gid("Order", refund.order_id),
    created_at: utc(refund.created_at),
    // Refunds never change: their creation time is their version.
    updated_at: utc(refund.created_at),
    processed_at: utcOrUndefined(refund.processed_at),
    amount: sum(refunded),
    currency: transactions.find((transaction) => transaction.currency != null)?.currency ?? undefined,
    restock: refund.restock ?? undefined,
    line_count: lines.length,
    line_quantity: lines.reduce((total, line) => total + (typeof line.quantity === "number" ? line.quantity : 0), 0),
    lines_subtotal: sum(lines.flatMap((line) => (typeof line.subtotal === "string" ? [line.subtotal] : []))),
    refund_line_items: lines,
    adjustments_total: sum(adjustments.flatMap((adjustment) => (typeof adjustment.amount === "string" ? [adjustment.amount] : []))),
    order_adjustments: adjustments,
    transaction_ids: transactions.flatMap((transaction) => (transaction.id != null ? [gid("OrderTransaction", transaction.id)] : [])),
  });
};

const handleRefund: TopicHandler = (event) =>
  Effect.gen(function* () {
    const refund = yield* decodeEvent(decodeRefund, event);
    yield* upsertNewer("refunds", withApiVersion(refundRecord(refund), event));
  });

export const refundHandlers: Readonly<Record<string, TopicHandler>> = {
  "refunds/create": handleRefund,
};
