/**
 * The S3 key layout of the data lake (one bucket per brand and environment):
 *
 *   raw/<source>/<entity>/dt=YYYY-MM-DD/<event-id>.json      verified events, as received
 *   snapshots/shopify/<entity>/run=<bulk-run-id>/*.parquet    bulk exports
 *   processed/shopify/orders_enriched/dt=YYYY-MM-DD/*.parquet
 *   curated/<view>/...
 *   metadata/{data-quality,reconciliation,gdpr-audit}/...
 *
 * Event ids and run ids become key segments, so they are sanitised, never parsed as numbers.
 */

export type Source = "shopify" | "recharge" | "stripe";
export const sources: ReadonlyArray<Source> = ["shopify", "recharge", "stripe"];

const SAFE_SEGMENT = /^[A-Za-z0-9._=-]+$/;

/** Makes an id safe for one S3 key segment without losing distinctness (percent-encodes the rest). */
export const keySegment = (id: string): string => {
  if (id.length === 0) throw new Error("an S3 key segment cannot be empty");
  if (SAFE_SEGMENT.test(id) && id !== "." && id !== "..") return id;
  return Array.from(Buffer.from(id, "utf8"))
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9._=-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
};

/** YYYY-MM-DD (UTC) of an ISO-8601 timestamp or Date. */
export const partitionDate = (at: string | Date): string => {
  const date = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${String(at)}`);
  return date.toISOString().slice(0, 10);
};

export const lakePrefixes = {
  raw: "raw/",
  snapshots: "snapshots/",
  processed: "processed/",
  curated: "curated/",
  dataQuality: "metadata/data-quality/",
  reconciliation: "metadata/reconciliation/",
  gdprAudit: "metadata/gdpr-audit/",
  /** The retention purge's own audit entries (functions/retention/purge.ts). */
  retention: "metadata/retention/",
  athenaResults: "athena-results/",
  /** Personal data exported for a data request: readable only by the operator role and the export's presigned link. */
  gdprExports: "restricted/gdpr-exports/",
} as const;

export const rawPrefix = (source: Source, entity?: string) => (entity ? `raw/${source}/${keySegment(entity)}/` : `raw/${source}/`);

export const rawEventKey = (source: Source, entity: string, receivedAt: string | Date, eventId: string) =>
  `raw/${source}/${keySegment(entity)}/dt=${partitionDate(receivedAt)}/${keySegment(eventId)}.json`;

export const snapshotPrefix = (entity: string, runId: string) => `snapshots/shopify/${keySegment(entity)}/run=${keySegment(runId)}/`;

/** Where the orders_enriched table lives, Hive-partitioned by `dt=YYYY-MM-DD/`: the one place this prefix is written. */
export const ORDERS_ENRICHED_PREFIX = `${lakePrefixes.processed}shopify/orders_enriched/`;

export const processedOrdersPrefix = (date?: string) => (date ? `${ORDERS_ENRICHED_PREFIX}dt=${date}/` : ORDERS_ENRICHED_PREFIX);

export const curatedPrefix = (view: string) => `curated/${keySegment(view)}/`;

export const reconciliationManifestKey = (runId: string) => `metadata/reconciliation/run=${keySegment(runId)}/manifest.json`;

export const dataQualityResultKey = (date: string, runId: string) => `metadata/data-quality/dt=${date}/${keySegment(runId)}.json`;

export const gdprAuditKey = (date: string, requestId: string) => `metadata/gdpr-audit/dt=${date}/${keySegment(requestId)}.json`;

/** One retention purge run's audit entry (what it deleted, per partition; never object contents). */
export const retentionAuditKey = (date: string, runId: string) => `metadata/retention/dt=${date}/${keySegment(runId)}.json`;

/**
 * The prefixes the retention purge may delete partitions under (its function's DeleteObject grants
 * are exactly these). Not the audit trails (metadata/gdpr-audit/, metadata/retention/): they are the
 * proof of what was deleted, kept by S3 lifecycle only.
 */
export const retentionPurgePrefixes = ["raw/", "snapshots/", "processed/", "curated/", "metadata/data-quality/", "metadata/reconciliation/", "metadata/decode-failures/"] as const;

/** restricted/gdpr-exports/<request id>/: one data request's export (subject.json, the data; stores.json, what was searched). */
export const gdprExportPrefix = (requestId: string) => `${lakePrefixes.gdprExports}${keySegment(requestId)}/`;

/** One object's (orders, customers, products) part of a backfill run's reconciliation. */
export const reconciliationObjectKey = (runId: string, object: string) => `metadata/reconciliation/run=${keySegment(runId)}/${keySegment(object)}.json`;

/**
 * How far one object's download got (parts uploaded, the offset to resume at), rewritten after
 * every part so a later invocation resumes there. Not `.json`, so the reconciliation views and
 * the data-quality facts, which read every `.json` under metadata/reconciliation/, skip it.
 */
export const reconciliationProgressKey = (runId: string, object: string) => `metadata/reconciliation/run=${keySegment(runId)}/${keySegment(object)}.download-progress`;

/** Events whose payload did not decode (they went to the DLQ), one object each: what `sdp dq` counts per topic and API version. */
export const decodeFailurePrefix = (date: string) => `metadata/decode-failures/dt=${date}/`;

/** metadata/decode-failures/dt=<date>/<topic, "/" as ".">/<api version>/<event id>.json: counted from the keys alone. */
export const decodeFailureKey = (receivedAt: string | Date, topic: string, apiVersion: string, eventId: string) =>
  `${decodeFailurePrefix(partitionDate(receivedAt))}${keySegment(topic.replace(/\//g, "."))}/${keySegment(apiVersion)}/${keySegment(eventId)}.json`;

/** Topic and API version of a decode-failure key (undefined for any other key). */
export const decodeFailureOfKey = (key: string): { readonly topic: string; readonly apiVersion: string } | undefined => {
  const match = /^metadata\/decode-failures\/dt=[^/]+\/([^/]+)\/([^/]+)\/[^/]+\.json$/.exec(key);
  return match ? { topic: decodeURIComponent(match[1]!).replace(/\./g, "/"), apiVersion: decodeURIComponent(match[2]!) } : undefined;
};
