/**
 * The retention policy as plain data, shared by config/retention.ts (which decodes each
 * environment's), the stack that hands it to the scheduled purge (SDP_RETENTION_POLICY, JSON),
 * the purge itself (functions/retention/purge.ts) and `sdp retention`.
 *
 * A "table" is the key path in front of its partition segment (`raw/shopify/checkouts`,
 * `processed/shopify/orders_enriched`, `metadata/data-quality`).
 */
export const retentionLayers = ["raw", "snapshots", "processed", "curated", "metadata"] as const;
export type RetentionLayer = (typeof retentionLayers)[number];

export interface RetentionPolicy {
  readonly layers: Readonly<Record<RetentionLayer, number>>;
  /** Table path -> days, overriding its layer. */
  readonly tables: Readonly<Record<string, number>>;
  /** Snapshot runs of a table always kept, newest first, whatever their age (the current full copy). */
  readonly keepLatestRuns: number;
}

/** The days a table keeps (its override, else its layer's); undefined for a path outside the layers. */
export const retentionDaysOf = (policy: RetentionPolicy, table: string): number | undefined => {
  const override = policy.tables[table];
  if (override !== undefined) return override;
  const layer = table.split("/")[0] as RetentionLayer;
  return (retentionLayers as ReadonlyArray<string>).includes(layer) ? policy.layers[layer] : undefined;
};

const isDays = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value > 0;

/** Reads a policy handed over as JSON (the function's environment): the problem, or the policy. */
export const parseRetentionPolicy = (text: string | undefined): { readonly policy: RetentionPolicy } | { readonly problem: string } => {
  if (text === undefined || text.trim() === "") return { problem: "no retention policy given (SDP_RETENTION_POLICY is not set)" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: "the retention policy is not JSON" };
  }
  const candidate = value as Partial<RetentionPolicy> | null;
  if (typeof candidate !== "object" || candidate === null || typeof candidate.layers !== "object" || candidate.layers === null)
    return { problem: "the retention policy needs layers" };
  for (const layer of retentionLayers) if (!isDays(candidate.layers[layer])) return { problem: `layers.${layer} must be a positive whole number of days` };
  const tables = candidate.tables ?? {};
  for (const [table, days] of Object.entries(tables)) if (!isDays(days)) return { problem: `tables.${table} must be a positive whole number of days` };
  const keepLatestRuns = candidate.keepLatestRuns ?? 1;
  if (!Number.isInteger(keepLatestRuns) || keepLatestRuns < 1) return { problem: "keepLatestRuns must be at least 1" };
  return { policy: { layers: candidate.layers, tables, keepLatestRuns } };
};
