/**
 * Per-shop leases in the `leases` table (pk `shop`, sk `slot`, TTL `expires_at`) so at most N
 * bulk queries run for a shop at once (five from API 2026-01, one before). A slot is taken with
 * a conditional create; a slot whose lease has expired (a crashed run) is reclaimed. A run only
 * ever releases its own lease, and nothing here cancels a bulk operation.
 */
import { Data, Effect } from "effect";
import { HotStore, type StoreError } from "../kernel/services";

export class LeaseUnavailable extends Data.TaggedError("LeaseUnavailable")<{ readonly shop: string; readonly limit: number; readonly reason?: string }> {
  override get message() {
    return `all ${this.limit} bulk query slot(s) of ${this.shop} are busy${this.reason ? `: ${this.reason}` : ""}`;
  }
}

export interface Lease {
  readonly shop: string;
  readonly slot: string;
  readonly runId: string;
  readonly object: string;
  readonly operationId?: string;
}

export const slotName = (index: number) => `bulk-query-${index}`;

export const DEFAULT_LEASE_SECONDS = 24 * 3600;

export const acquireLease = (input: {
  readonly shop: string;
  readonly runId: string;
  readonly object: string;
  readonly limit: number;
  readonly ttlSeconds?: number;
  readonly now?: Date;
}): Effect.Effect<Lease, LeaseUnavailable | StoreError, HotStore> =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const now = input.now ?? new Date();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const existing = yield* store.query("leases", undefined, "shop", input.shop);
    // A retried submit finds the lease it already holds (and the operation it already started).
    const mine = existing.find((item) => item.runId === input.runId && item.object === input.object);
    if (mine) return toLease(mine);
    for (let index = 0; index < input.limit; index++) {
      const slot = slotName(index);
      const holder = existing.find((item) => item.slot === slot);
      if (holder && Number(holder.expires_at) > nowSeconds) continue;
      if (holder) yield* store.delete("leases", { shop: input.shop, slot });
      const created = yield* store.putIfNotExists("leases", {
        shop: input.shop,
        slot,
        runId: input.runId,
        object: input.object,
        acquired_at: now.toISOString(),
        expires_at: nowSeconds + (input.ttlSeconds ?? DEFAULT_LEASE_SECONDS),
      });
      if (created) return { shop: input.shop, slot, runId: input.runId, object: input.object };
    }
    return yield* Effect.fail(new LeaseUnavailable({ shop: input.shop, limit: input.limit }));
  });

const toLease = (item: Record<string, unknown>): Lease => ({
  shop: String(item.shop),
  slot: String(item.slot),
  runId: String(item.runId),
  object: String(item.object),
  ...(typeof item.operationId === "string" ? { operationId: item.operationId } : {}),
});

export const attachOperation = (lease: Lease, operationId: string) =>
  Effect.flatMap(HotStore, (store) => store.updateIfExists("leases", { shop: lease.shop, slot: lease.slot }, { operationId }));

/** Deletes the lease if (and only if) it still belongs to this run. */
export const releaseLease = (shop: string, slot: string, runId: string): Effect.Effect<boolean, StoreError, HotStore> =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const item = yield* store.get("leases", { shop, slot });
    if (item._tag === "None" || item.value.runId !== runId) return false;
    yield* store.delete("leases", { shop, slot });
    return true;
  });

/** The lease holding a bulk operation, if any (the bulk_operations/finish webhook uses it). */
export const findLeaseByOperation = (shop: string, operationId: string) =>
  Effect.map(
    Effect.flatMap(HotStore, (store) => store.query("leases", undefined, "shop", shop)),
    (items) => items.find((item) => item.operationId === operationId),
  );

/**
 * Pushes a running operation's lease expiry forward (bulk queries may run for days; the lease
 * must outlive them or another run could take the slot while Shopify still counts it).
 */
export const renewLease = (shop: string, slot: string, runId: string, ttlSeconds = DEFAULT_LEASE_SECONDS, now = new Date()): Effect.Effect<boolean, StoreError, HotStore> =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const item = yield* store.get("leases", { shop, slot });
    if (item._tag === "None" || item.value.runId !== runId) return false;
    return yield* store.updateIfExists("leases", { shop, slot }, { expires_at: Math.floor(now.getTime() / 1000) + ttlSeconds });
  });
