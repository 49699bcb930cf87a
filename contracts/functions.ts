/**
 * Every Lambda function of the platform, described once. The stacks build each with the
 * `EffectFunction` module and grant exactly what is listed here; `sdp local` runs the same
 * handler exports in-process with the same environment variables.
 */
import type { AlertKind } from "./alerts";
import type { SecretKey } from "./env-vars";
import { shopifyFamilies, type HandlerModule, type ShopifyFamilySpec } from "./events";
import { retentionPurgePrefixes } from "./lake-layout";
import type { TableKey } from "./tables";

export type { SecretKey } from "./env-vars";
export type { HandlerModule } from "./events";

export interface FunctionSpec {
  readonly name: string;
  readonly layer: "ingestion" | "backfill" | "analytics";
  /**
   * Path of the TypeScript entry file from the repository root. For a spec with `handlerModule`
   * it is the shared frame (SHOPIFY_FAMILY_ENTRY, exporting `familyProcessor`), and the function's
   * real entry is generated: `familyProcessor(<name>, <the handler module's export>)` as `program`
   * and `handler` (modules/bundle.ts `familyEntrySource`; `sdp local` builds the same program,
   * local/functions.ts), so each bundle holds its own family's code and no other.
   */
  readonly entry: string;
  /** Exported handler name in the entry file (Lambda's `index.<handler>`). */
  readonly handler: string;
  /** For a processor that dispatches by topic: the module holding its topic handlers (its entry is generated, see `entry`). */
  readonly handlerModule?: HandlerModule;
  /**
   * Packages that cannot be bundled (native addons such as @duckdb/node-api): shipped in the zip's
   * node_modules instead (modules/bundle.ts), and the function runs on x86_64.
   */
  readonly nativeModules?: ReadonlyArray<string>;
  readonly trigger: "http" | "sqs" | "state-machine" | "schedule";
  readonly description: string;
  readonly tables: { readonly read: ReadonlyArray<TableKey>; readonly write: ReadonlyArray<TableKey> };
  /**
   * Lake prefixes the function reads and writes, and (rarely: never raw/) deletes objects under.
   * A writer gets no DeleteObject: nothing is lost even when a function misbehaves.
   */
  readonly lake: { readonly read: ReadonlyArray<string>; readonly write: ReadonlyArray<string>; readonly delete?: ReadonlyArray<string> };
  readonly secrets: ReadonlyArray<SecretKey>;
  readonly publishesToPlatformBus?: boolean;
  /** The alert kinds the function raises: it gets the alerts topic (and each kind's own topic, if it has one). */
  readonly alertKinds?: ReadonlyArray<AlertKind>;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  readonly reservedConcurrency?: number;
  /**
   * Size of /tmp in MB (Lambda: 512, the default, to 10240). A function that stages files there
   * (a bulk export, its Parquet, DuckDB's spill) must say how much it needs.
   */
  readonly ephemeralStorageMb?: number;
  /** For HTTP functions: the route key, e.g. "POST /webhooks/shopify". */
  readonly route?: string;
}

/** Whether the function publishes alerts (it raises at least one kind). */
export const publishesAlerts = (spec: Pick<FunctionSpec, "alertKinds">): boolean => (spec.alertKinds ?? []).length > 0;

/** Concurrent executions a function reserves when its spec sets none (sdp deploy checks the quota). */
export const DEFAULT_RESERVED_CONCURRENCY = 10;

const processor = (name: string, entry: string, write: ReadonlyArray<TableKey>, description: string, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
  name,
  layer: "ingestion",
  entry,
  handler: "handler",
  trigger: "sqs",
  description,
  tables: { read: [], write: [...write, "idempotency"] },
  lake: { read: ["raw/"], write: ["raw/"] },
  secrets: [],
  ...extra,
});

/** The entry file of every Shopify family processor: the frame its generated entry calls (see FunctionSpec `entry`). */
export const SHOPIFY_FAMILY_ENTRY = "functions/shopify/family-processor.ts";

/**
 * One queue processor per Shopify family with a handler module (contracts/events.ts
 * `shopifyFamilies`, most declared on their table in contracts/tables.ts): named by the family,
 * writing its tables, described by it. A new family gets its spec here without an edit.
 */
/**
 * A function that writes the GDPR subject index (functions/gdpr/subject-index.ts): the processors
 * (every event passes the index write) and the backfill download (every Parquet part). It writes
 * the table (BatchWriteItem) and reads the index's HMAC key.
 */
const indexesSubjects = (spec: FunctionSpec): FunctionSpec => ({
  ...spec,
  tables: { read: spec.tables.read, write: [...spec.tables.write, "subjectIndex"] },
  secrets: [...spec.secrets, "subjectIndexKey"],
});

export const shopifyProcessorSpecs = (families: Readonly<Record<string, ShopifyFamilySpec>>): FunctionSpec[] =>
  Object.values(families).flatMap(({ processor: name, handlerModule, writes = [], description, alertKinds }) =>
    handlerModule === undefined
      ? []
      : [
          indexesSubjects(
            processor(name, SHOPIFY_FAMILY_ENTRY, writes as ReadonlyArray<TableKey>, description ?? `Shopify ${name} events.`, {
              handlerModule,
              // A payload that does not decode is recorded under metadata/decode-failures/ (functions/shopify/event-identity.ts decodeEvent) before it goes to the DLQ.
              lake: { read: ["raw/"], write: ["raw/", "metadata/decode-failures/"] },
              ...(alertKinds ? { alertKinds } : {}),
            }),
          ),
        ],
  );

/** Every function, with the Shopify processors of the given families (contracts/events.ts by default). */
export const functionSpecsOf = (families: Readonly<Record<string, ShopifyFamilySpec>>): ReadonlyArray<FunctionSpec> => [
  // Indexes subjects: a compliance webhook's raw copy names the customer (functions/gdpr/compliance.ts).
  indexesSubjects({
    name: "shopify-ingress",
    layer: "ingestion",
    entry: "functions/shopify/ingress.ts",
    handler: "handler",
    trigger: "http",
    route: "POST /webhooks/shopify",
    description: "Verifies Shopify webhook HMACs, stores the raw event and publishes it to the platform bus; records the compliance topics as GDPR requests.",
    // gdprRequests: the compliance topics' request records (functions/gdpr/compliance.ts).
    tables: { read: [], write: ["idempotency", "gdprRequests"] },
    lake: { read: [], write: ["raw/shopify/"] },
    // shopifyAdmin: a Dev Dashboard app's webhooks are signed with its client secret, read from there when shopifyWebhook is empty.
    secrets: ["shopifyWebhook", "shopifyAdmin"],
    // The platform bus also gets GDPR_REQUEST_EVENT (contracts/gdpr.ts) for each compliance request.
    publishesToPlatformBus: true,
    alertKinds: ["gdpr-request"],
  }),
  ...shopifyProcessorSpecs(families),
  {
    name: "recharge-ingress",
    layer: "ingestion",
    entry: "functions/recharge/ingress.ts",
    handler: "handler",
    trigger: "http",
    route: "POST /webhooks/recharge",
    description: "Verifies Recharge webhooks, stores the raw event and publishes it to the platform bus.",
    tables: { read: [], write: ["idempotency"] },
    lake: { read: [], write: ["raw/recharge/"] },
    secrets: ["rechargeWebhook"],
    publishesToPlatformBus: true,
  },
  indexesSubjects(
    processor("recharge-processor", "functions/recharge/processor.ts", ["subscriptions", "charges"], "Recharge subscriptions and charges.", {
      alertKinds: ["subscription-cancelled", "charge-failed"],
    }),
  ),
  {
    name: "stripe-ingress",
    layer: "ingestion",
    entry: "functions/stripe/ingress.ts",
    handler: "handler",
    trigger: "http",
    route: "POST /webhooks/stripe",
    description: "Verifies Stripe signatures, stores the raw event and publishes it to the platform bus.",
    tables: { read: [], write: ["idempotency"] },
    lake: { read: [], write: ["raw/stripe/"] },
    secrets: ["stripeWebhook"],
    publishesToPlatformBus: true,
  },
  indexesSubjects(
    processor("stripe-processor", "functions/stripe/processor.ts", ["payments", "invoices", "disputes"], "Stripe charges, payment intents, invoices and disputes.", {
      alertKinds: ["dispute-opened", "payment-failed"],
    }),
  ),
  {
    name: "backfill-submit",
    layer: "backfill",
    entry: "functions/backfill/submit.ts",
    handler: "handler",
    trigger: "state-machine",
    description: "Takes a per-shop lease and starts a Shopify bulk operation.",
    tables: { read: [], write: ["leases"] },
    lake: { read: [], write: [] },
    secrets: ["shopifyAdmin"],
  },
  {
    name: "backfill-poll",
    layer: "backfill",
    entry: "functions/backfill/poll.ts",
    handler: "handler",
    trigger: "state-machine",
    description: "Reads a bulk operation's status.",
    tables: { read: [], write: [] },
    lake: { read: [], write: [] },
    secrets: ["shopifyAdmin"],
  },
  {
    name: "backfill-download",
    layer: "backfill",
    entry: "functions/backfill/download.ts",
    handler: "handler",
    trigger: "state-machine",
    description:
      "Downloads the JSONL, converts it to Parquet with DuckDB, uploads it and checks the count; indexes each part's customers for GDPR. Also fetches each refund's line items and order adjustments (paginated Admin GraphQL, not bulk).",
    // subjectIndex: each Parquet part's customer ids, e-mails and phones (functions/gdpr/parquet-index.ts).
    tables: { read: [], write: ["subjectIndex"] },
    // Deletes the parts of an earlier, longer export of the same run that this export does not have.
    lake: { read: [], write: ["snapshots/shopify/", "metadata/reconciliation/"], delete: ["snapshots/shopify/"] },
    // shopifyAdmin: FetchRefundDetails' refund(id:) queries (refund-details-program.ts).
    secrets: ["subjectIndexKey", "shopifyAdmin"],
    nativeModules: ["@duckdb/node-api"],
    memoryMb: 3008,
    timeoutSeconds: 900,
    // The export is streamed in bounded parts with at most 2 GB on disk at a time (JSONL part plus
    // its Parquet); the other 2 GB is headroom for DuckDB's spill (temp_directory under /tmp).
    ephemeralStorageMb: 4096,
  },
  {
    name: "backfill-record",
    layer: "backfill",
    entry: "functions/backfill/record.ts",
    handler: "handler",
    trigger: "state-machine",
    description: "Releases the lease and records the run's outcome (or its failure, with an alert).",
    tables: { read: [], write: ["leases"] },
    lake: { read: ["metadata/reconciliation/"], write: ["metadata/reconciliation/"] },
    secrets: [],
    alertKinds: ["backfill-failed"],
  },
  processor("backfill-bulk-finish", "functions/backfill/bulk-finish.ts", [], "bulk_operations/finish webhook: lets a waiting run continue without polling.", { layer: "backfill" }),
  {
    name: "data-quality",
    layer: "analytics",
    entry: "functions/data-quality/handler.ts",
    handler: "handler",
    trigger: "schedule",
    description: "Runs the data-quality checks and writes their results.",
    tables: { read: ["orders", "customers", "products", "subscriptions", "payments"], write: [] },
    lake: { read: ["raw/", "snapshots/", "processed/", "metadata/", "athena-results/"], write: ["metadata/data-quality/"] },
    secrets: [],
    alertKinds: ["data-quality"],
    // Days with order-number gaps go to the platform bus as a backfill request (contracts/analytics-workflow.ts).
    publishesToPlatformBus: true,
    timeoutSeconds: 300,
  },
  {
    name: "gdpr-overdue",
    layer: "analytics",
    entry: "functions/gdpr/overdue-handler.ts",
    handler: "handler",
    trigger: "schedule",
    description: "Daily: counts the GDPR requests older than 25 days and not complete (the GdprRequestsOverdue metric the 25-day alarm watches) and alerts on each.",
    tables: { read: ["gdprRequests"], write: [] },
    lake: { read: [], write: [] },
    secrets: [],
    alertKinds: ["gdpr-overdue"],
  },
  {
    name: "retention-purge",
    layer: "analytics",
    entry: "functions/retention/handler.ts",
    handler: "handler",
    trigger: "schedule",
    description: "Daily: deletes the lake partitions entirely outside their retention window (config/retention.ts), with its own audit entry under metadata/retention/.",
    tables: { read: [], write: [] },
    // Lists and deletes partitions under the purge prefixes (contracts/lake-layout.ts retentionPurgePrefixes), never the audit trails;
    // raw/ deletes are a statement stacks/analytics.ts adds to this function alone (no spec grant deletes on raw/).
    lake: { read: [...retentionPurgePrefixes], write: ["metadata/retention/"], delete: retentionPurgePrefixes.filter((prefix) => prefix !== "raw/") },
    secrets: [],
    timeoutSeconds: 900,
    reservedConcurrency: 1,
  },
  {
    name: "payments-reconcile",
    layer: "analytics",
    entry: "functions/reconcile/payments.ts",
    handler: "handler",
    trigger: "schedule",
    description: "Nightly: lists Stripe events and Recharge subscriptions and charges, feeds what the webhooks missed through the doors' path, reports the counts.",
    // The Recharge objects are compared with their hot-store rows; the doors' path claims in the idempotency table.
    tables: { read: ["subscriptions", "charges"], write: ["idempotency"] },
    // Raw copies of what it recovers (as the doors write them); its report and Recharge's cursor under metadata/reconciliation/.
    lake: { read: ["raw/stripe/", "raw/recharge/", "metadata/reconciliation/"], write: ["raw/stripe/", "raw/recharge/", "metadata/reconciliation/"] },
    secrets: ["stripeApi", "rechargeApi"],
    // A recovered event goes to the platform bus, as the door publishes it, so the processors take it.
    publishesToPlatformBus: true,
    alertKinds: ["data-quality"],
    timeoutSeconds: 900,
    // One run at a time: the Recharge cursor is read at the start and written at the end.
    reservedConcurrency: 1,
  },
  {
    name: "gdpr-redact",
    layer: "analytics",
    entry: "functions/gdpr/redact.ts",
    handler: "handler",
    trigger: "state-machine",
    description:
      "One step of a GDPR redaction (contracts/gdpr-workflow.ts): hot store, raw objects and versions, Parquet rewrite, idempotency, dead letters, vendors, subject index; audited.",
    // Deletes the subject's items wherever the index points (any table holding customers' data).
    tables: {
      read: [],
      write: [
        "orders",
        "customers",
        "abandonedCarts",
        "refunds",
        "orderTransactions",
        "fulfillments",
        "fulfillmentOrders",
        "draftOrders",
        "subscriptions",
        "charges",
        "payments",
        "invoices",
        "disputes",
        "idempotency",
        "gdprRequests",
        "subjectIndex",
      ],
    },
    // Parquet files are rewritten in place; the raw objects' and the files' versions are deleted
    // by the statements stacks/analytics.ts adds to this function alone (never a spec grant on raw/).
    lake: {
      read: ["raw/", "snapshots/", "processed/", "curated/", "metadata/gdpr-audit/"],
      write: ["snapshots/", "processed/", "curated/", "metadata/gdpr-audit/"],
    },
    secrets: ["subjectIndexKey", "stripeApi", "rechargeApi"],
    alertKinds: ["gdpr-request"],
    nativeModules: ["@duckdb/node-api"],
    memoryMb: 3008,
    timeoutSeconds: 900,
    ephemeralStorageMb: 2048,
    // One redaction step at a time: a request's steps run one after the other.
    reservedConcurrency: 2,
  },
  // The analytics workflow's IndexPartition step: each orders_enriched partition Athena rewrote, its files read with DuckDB (functions/gdpr/index-parquet.ts).
  indexesSubjects({
    name: "gdpr-index-parquet",
    layer: "analytics",
    entry: "functions/gdpr/index-parquet.ts",
    handler: "handler",
    trigger: "state-machine",
    description:
      "Indexes the customers of an orders_enriched partition the analytics workflow just rewrote (Athena) in the GDPR subject index, reading its Parquet files with DuckDB.",
    tables: { read: [], write: [] },
    lake: { read: ["processed/"], write: [] },
    secrets: [],
    nativeModules: ["@duckdb/node-api"],
    memoryMb: 1024,
    timeoutSeconds: 300,
  }),
];

export const functionSpecs: ReadonlyArray<FunctionSpec> = functionSpecsOf(shopifyFamilies);

/** Lambda's timeout for a function whose spec sets none. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 30;

/** How long one invocation of the function may run before Lambda cuts it off. */
export const functionTimeoutSeconds = (spec: Pick<FunctionSpec, "timeoutSeconds">): number => spec.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS;

export const functionSpec = (name: string): FunctionSpec => {
  const spec = functionSpecs.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no function named "${name}" in contracts/functions.ts`);
  return spec;
};
