/**
 * Version strings for `HotStore.putIfNewer`: newer state wins whatever order events arrive in.
 * A version is `<time>#<status rank>#<tie-breaker>`, every part fixed-width so that string order
 * is time order, then status precedence (a final state beats an intermediate one recorded at the
 * same instant), then an arbitrary but deterministic tie-breaker so that any permutation of the
 * same deliveries converges on the same item. Used by the Stripe and Recharge processors; the
 * Shopify processors order by `updated_at` itself (processor-frame.ts `upsertNewest`).
 */

/** Rank of a status in `ranks` (unknown statuses rank lowest), two digits. */
export const statusRank = (ranks: Readonly<Record<string, number>>, status: string): string => String(Math.max(0, Math.min(99, ranks[status] ?? 0))).padStart(2, "0");

/** Normalises a provider timestamp to ISO-8601 UTC with milliseconds; offset-less text is read as UTC. */
export const normaliseTimestamp = (text: string): string | undefined => {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
  const isDateOnly = /^\d{4}-\d{2}-\d{2}$/.test(trimmed);
  const date = new Date(hasZone || isDateOnly ? trimmed : `${trimmed}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

export const isoFromUnixSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();

export const versionOf = (time: string, rank: string, tieBreaker: string): string => `${time}#${rank}#${tieBreaker}`;

/** Unix seconds as a fixed-width sortable string (Stripe's `created`). */
export const sortableSeconds = (seconds: number): string => String(Math.max(0, Math.floor(seconds))).padStart(12, "0");
