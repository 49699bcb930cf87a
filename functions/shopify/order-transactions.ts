/**
 * order_transactions/create into the order-transactions hot store: one item per transaction
 * (authorization, capture, sale, refund, void), keyed by its GID and pointing at its order.
 * Transactions are created once and never updated by webhook, so their creation time is their
 * version. Fees are not in the webhook payload (Admin GraphQL `OrderTransaction.fees` only): the
 * bulk export carries them.
 */
import { Effect, Schema } from "effect";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, type TopicHandler } from "./processor";
import { Gid, Id, moneyText, NullableBoolean, NullableId, NullableMoney, NullableString, NullableTimestamp, optionalNullable, Timestamp } from "./schemas";

/** order_transactions/create: keyed on `id`, pointing at `order_id`, versioned by `created_at`. */
export const OrderTransactionPayload = Schema.Struct({
  id: Id,
  admin_graphql_api_id: optionalNullable(Gid),
  order_id: Id,
  created_at: Timestamp,
  processed_at: Schema.optional(NullableTimestamp),
  kind: Schema.optional(NullableString),
  gateway: Schema.optional(NullableString),
  status: Schema.optional(NullableString),
  amount: Schema.optional(NullableMoney),
  currency: Schema.optional(NullableString),
  parent_id: Schema.optional(NullableId),
  error_code: Schema.optional(NullableString),
  source_name: Schema.optional(NullableString),
  payment_id: Schema.optional(NullableString),
  test: Schema.optional(NullableBoolean),
  manual_payment_gateway: Schema.optional(NullableBoolean),
});
export type OrderTransactionPayload = typeof OrderTransactionPayload.Type;

const decodeTransaction = decodePayload(OrderTransactionPayload, "order transaction");

export const orderTransactionRecord = (transaction: OrderTransactionPayload): Item =>
  compact({
    id: gidOf("OrderTransaction", transaction),
    entity: "order_transaction",
    order_id: gid("Order", transaction.order_id),
    parent_id: transaction.parent_id != null ? gid("OrderTransaction", transaction.parent_id) : undefined,
    kind: transaction.kind,
    gateway: transaction.gateway,
    status: transaction.status,
    amount: transaction.amount != null ? moneyText(transaction.amount) : undefined,
    currency: transaction.currency,
    error_code: transaction.error_code,
    source_name: transaction.source_name,
    payment_id: transaction.payment_id,
    test: transaction.test ?? undefined,
    manual_payment_gateway: transaction.manual_payment_gateway ?? undefined,
    created_at: utc(transaction.created_at),
    processed_at: utcOrUndefined(transaction.processed_at),
    // Created once: the creation time is the version.
    updated_at: utc(transaction.created_at),
  });

const handleTransaction: TopicHandler = (event) =>
  Effect.gen(function* () {
    const transaction = yield* decodeEvent(decodeTransaction, event);
    yield* upsertNewer("orderTransactions", withApiVersion(orderTransactionRecord(transaction), event));
  });

export const orderTransactionHandlers: Readonly<Record<string, TopicHandler>> = {
  "order_transactions/create": handleTransaction,
};
