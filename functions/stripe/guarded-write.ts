/**
 * The processors' only hot-store write: a conditional put that keeps the newest version (see
 * versions.ts). This is what makes redelivery harmless, so the processors need no separate
 * idempotency record (which would cost two more writes per event): a repeat of the same delivery
 * carries the same version and is refused like any older one. Only then, on the rare refusal, is
 * the stored item read to tell a duplicate (same version) from a genuinely stale update.
 */
import { Effect, Option } from "effect";
import type { TableKey } from "../../contracts/tables";
import { HotStore, type Item } from "../kernel/services";

export const VERSION_ATTRIBUTE = "version";

export type WriteOutcome = "written" | "stale" | "duplicate";

export const putNewest = (table: TableKey, item: Item) =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const outcome = yield* store.putIfNewer(table, item, VERSION_ATTRIBUTE);
    if (outcome === "written") return "written" as WriteOutcome;
    const stored = yield* store.get(table, { id: item.id });
    return (Option.isSome(stored) && stored.value[VERSION_ATTRIBUTE] === item[VERSION_ATTRIBUTE] ? "duplicate" : "stale") as WriteOutcome;
  });

export const outcomeMetric: Record<WriteOutcome, string> = { written: "RecordWritten", stale: "StaleUpdate", duplicate: "DuplicateEvent" };
