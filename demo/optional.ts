/**
 * The demo stages that drive other parts of the platform: the backfill workflow, the analytics
 * transforms and the data-quality checks. Each is found by its file; when a part is not
 * installed the stage is skipped and says so, rather than failing the whole demo.
 *
 * These are adapters: they call the parts' public entry points and turn their results into
 * stage checks. The interfaces they rely on are listed next to each one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Progress } from "./progress";
import { listObjectKeys, locateLake, openLakeDatabase } from "../local/lake-views";
import { repositoryRoot } from "../local/functions";
import type { LocalPlatform } from "../local/platform";
import { check, equalCheck, type Check } from "./stage";
import { defaultDayStart } from "./traffic";
import { bulkObjects } from "../contracts/bulk-entities";

export interface StageContext {
  readonly platform: LocalPlatform;
  readonly dataDir: string;
  readonly now: Date;
  readonly progress: Progress;
  readonly env: NodeJS.ProcessEnv;
  readonly days?: number;
  readonly dayStart?: string;
  /** Orders of the day paid through Stripe (GIDs), which the reconciliation view must match. */
  readonly stripePaidOrders?: ReadonlyArray<string>;
}

export interface OptionalStage {
  readonly detail: string;
  readonly checks?: ReadonlyArray<Check>;
  readonly skipped?: boolean;
  /** What the summary shows for the stage. */
  readonly data?: unknown;
  readonly reconciliation?: unknown;
}

const installed = (...files: string[]) => files.every((file) => fs.existsSync(path.join(repositoryRoot, file)));

const notInstalled = (what: string, files: ReadonlyArray<string>): OptionalStage => ({
  skipped: true,
  detail: `skipped: not installed (${what}: ${files.filter((file) => !fs.existsSync(path.join(repositoryRoot, file))).join(", ")} missing)`,
  data: { skipped: "not installed" },
});

const isoDate = (at: Date | string) => new Date(at).toISOString().slice(0, 10);

/** Counts with the query layer, so the stages check the lake as a user would see it. */
const countInLake = async (dataDir: string, sql: string, needs: ReadonlyArray<string>): Promise<number | undefined> => {
  const database = await openLakeDatabase(locateLake(dataDir), { hotStoreViews: [] });
  try {
    if (!needs.every((name) => database.relations.some((relation) => relation.name === name))) return undefined;
    const reader = await database.connection.runAndReadAll(sql);
    return Number(reader.getRowObjectsJson()[0]?.n ?? 0);
  } finally {
    database.close();
  }
};

// --- Backfill ----------------------------------------------------------------------------------

const backfillFiles = ["local/state-machine.ts", "local/shopify-standin/server.ts"];

interface BackfillResult {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: {
    readonly runId: string;
    readonly succeeded: number;
    readonly partial: number;
    readonly failed: number;
    readonly results: ReadonlyArray<{ object: string; outcome: string; totalRows: number; reason?: string }>;
  };
  readonly summary?: BackfillResult["output"];
  readonly error?: string;
  readonly cause?: string;
  /** How the backfill reached Shopify (local/state-machine.ts LocalShopifyApp). */
  readonly shopifyApp?: { readonly auth: string; readonly apiVersion: string; readonly endpoint: string; readonly tokensIssued?: number };
}
interface StateMachineModule {
  readonly runLocalBackfill: (options: {
    input: { runId: string; objects: ReadonlyArray<string>; since: string; until: string };
    dataDir: string;
    env: NodeJS.ProcessEnv;
    onProgress?: (progress: { state: string; kind: string; object?: string; detail?: string }) => void;
  }) => Promise<BackfillResult>;
}

interface ObjectManifest {
  readonly object: string;
  readonly objectCount: number;
  readonly totalRows: number;
  readonly countCheck: string;
  readonly outcome?: string;
  readonly entities?: ReadonlyArray<{ readonly entity: string; readonly rows: number }>;
}

// Every object the backfill exports (contracts/bulk-entities.ts): the demo shows each entity landing.
const BACKFILL_OBJECTS = bulkObjects;

/**
 * The backfill's window: the `days` days of history before the demo's day of live traffic, so
 * the shop's order numbers rise with time across the two (as the gap check expects).
 */
export const backfillWindow = (now: Date, days: number) => {
  const until = defaultDayStart(now);
  return { since: new Date(until.getTime() - days * 86_400_000), until };
};

/**
 * The stand-in numbers its orders #1001, #1002, ... over the backfill window; the demo's day
 * continues after the last one. Interface used: local/shopify-standin/dataset.ts `rootCountFor`.
 */
export const firstOrderNumberAfterBackfill = (now: Date, days: number): number => {
  const file = path.join(repositoryRoot, "local/shopify-standin/dataset.ts");
  if (!fs.existsSync(file)) return 1001;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { rootCountFor } = require(file) as { rootCountFor: (options: { since: string; until: string }) => number };
    const { since, until } = backfillWindow(now, days);
    return 1001 + rootCountFor({ since: since.toISOString(), until: until.toISOString() });
  } catch {
    return 1001;
  }
};

/**
 * Interface used: local/state-machine.ts `runLocalBackfill({input: {runId, objects, since, until},
 * dataDir, env, onProgress})`, which reuses the running platform's emulators and starts the
 * Shopify stand-in; and the per-object manifests under metadata/reconciliation/run=<id>/.
 */
export const runBackfill = async (context: StageContext): Promise<OptionalStage> => {
  if (!installed(...backfillFiles)) return notInstalled("the backfill workflow", backfillFiles);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runLocalBackfill } = require(path.join(repositoryRoot, "local/state-machine.ts")) as StateMachineModule;
  const days = context.days ?? 90;
  const { since, until } = backfillWindow(context.now, days);
  const runId = `demo-${until.toISOString().slice(0, 13).replace(/[-T:]/g, "")}`;
  // The demo always exports from the stand-in, never from a real shop named in the environment.
  const env = { ...context.env };
  for (const name of ["SHOPIFY_GRAPHQL_ENDPOINT", "SHOPIFY_ADMIN_TOKEN"]) delete env[name];
  const bar = context.progress.bar(`backfill ${days} days (${BACKFILL_OBJECTS.join(", ")})`, BACKFILL_OBJECTS.length);
  const recorded = new Set<string>();
  const result = await runLocalBackfill({
    input: { runId, objects: BACKFILL_OBJECTS, since: since.toISOString(), until: until.toISOString() },
    dataDir: context.dataDir,
    env,
    onProgress: (progress) => {
      if (progress.kind === "entered" && progress.object && progress.state.startsWith("Record") && !recorded.has(progress.object)) {
        recorded.add(progress.object);
        bar.tick(1, `${progress.object} exported`);
      } else if (progress.kind === "entered" && progress.object) {
        bar.tick(0, `${progress.object}: ${progress.state}`);
      } else if (progress.kind === "retried" || progress.kind === "failed") {
        bar.tick(0, `${progress.object ?? progress.state}: ${progress.kind}`);
      }
    },
  });
  const output = result.output ?? result.summary;
  bar.done(result.status === "SUCCEEDED" ? `run ${runId} succeeded` : `run ${runId} ${result.status}: ${result.error ?? ""}`);

  const lake = locateLake(context.dataDir);
  const manifests: ObjectManifest[] = listObjectKeys(lake, `metadata/reconciliation/run=${runId}/`)
    .map((key) => {
      try {
        return JSON.parse(lake.objects.read(key) ?? "{}") as ObjectManifest;
      } catch {
        return undefined;
      }
    })
    .filter((manifest): manifest is ObjectManifest => manifest !== undefined && typeof manifest.object === "string" && typeof manifest.countCheck === "string");
  const reconciliation = Object.fromEntries(
    manifests.map((manifest) => [
      manifest.object,
      { objectCount: manifest.objectCount, rowsWritten: manifest.totalRows, countCheck: manifest.countCheck, outcome: manifest.outcome ?? null },
    ]),
  );
  // Parquet rows as DuckDB reads them back, per entity of this run.
  const entityRows: Record<string, number> = {};
  for (const manifest of manifests) {
    for (const entity of manifest.entities ?? []) {
      entityRows[entity.entity] =
        (await countInLake(context.dataDir, `SELECT count(*) AS n FROM "snapshot_${entity.entity}" WHERE run = '${runId}'`, [`snapshot_${entity.entity}`])) ?? 0;
    }
  }
  // Summed: an entity several objects write (metafields of orders, customers, products) is one dataset.
  const manifestRows: Record<string, number> = {};
  for (const manifest of manifests) for (const entity of manifest.entities ?? []) manifestRows[entity.entity] = (manifestRows[entity.entity] ?? 0) + entity.rows;
  const checks: Check[] = [
    check(
      "workflow succeeded",
      result.status === "SUCCEEDED",
      "SUCCEEDED",
      result.status === "SUCCEEDED" ? "SUCCEEDED" : `${result.status}: ${result.error ?? ""} ${result.cause ?? ""}`.trim(),
    ),
    equalCheck(
      "every object exported in full",
      BACKFILL_OBJECTS.map((object) => `${object}: succeeded`),
      BACKFILL_OBJECTS.map((object) => `${object}: ${output?.results.find((item) => item.object === object)?.outcome ?? "missing"}`),
    ),
    equalCheck(
      "reconciliation: rows written = Shopify objectCount",
      BACKFILL_OBJECTS.map((object) => `${object}: match`),
      BACKFILL_OBJECTS.map((object) => `${object}: ${reconciliation[object]?.countCheck ?? "no manifest"}`),
    ),
    equalCheck("Parquet rows read back = rows in the manifests", manifestRows, entityRows),
    // The stand-in plays a Dev Dashboard app: client credentials exchanged for short-lived tokens.
    check(
      "Admin API reached with a client-credentials app",
      result.shopifyApp?.auth === "client-credentials" && (result.shopifyApp.tokensIssued ?? 0) >= 1,
      "client-credentials, at least one token issued",
      result.shopifyApp ? `${result.shopifyApp.auth}, ${result.shopifyApp.tokensIssued ?? 0} token(s) issued` : "not reported",
    ),
  ];
  const total = Object.values(entityRows).reduce((sum, rows) => sum + rows, 0);
  return {
    detail: `run ${runId}, ${since.toISOString().slice(0, 10)} to ${until.toISOString().slice(0, 10)}: ${Object.entries(entityRows)
      .map(([entity, rows]) => `${entity} ${rows}`)
      .join(
        ", ",
      )} (${total} Parquet rows)${result.shopifyApp ? `; Admin API ${result.shopifyApp.apiVersion} with ${result.shopifyApp.auth} (${result.shopifyApp.tokensIssued ?? 0} token(s))` : ""}`,
    checks,
    data: {
      runId,
      since: since.toISOString(),
      until: until.toISOString(),
      status: result.status,
      parquetRows: entityRows,
      ...(result.shopifyApp ? { adminApiVersion: result.shopifyApp.apiVersion, adminAuth: result.shopifyApp.auth, tokensIssued: result.shopifyApp.tokensIssued ?? 0 } : {}),
    },
    reconciliation,
  };
};

// --- Analytics ---------------------------------------------------------------------------------

const analyticsFiles = ["etl/runner.ts", "etl/lake.ts"];

interface EtlModule {
  readonly runEtl: (options: { lake: unknown; date: string; full?: boolean; log?: (line: string) => void; shopTimezone?: string }) => Promise<{
    readonly orders: number;
    readonly partitionsWritten: ReadonlyArray<string>;
    readonly views: Readonly<Record<string, number>>;
    readonly durationMs: number;
  }>;
}
interface LakeModule {
  readonly openLakeDir: (dataDir: string, bucket?: string) => unknown;
}

/** Interface used: etl/runner.ts `runEtl({lake, date, full, log, shopTimezone})`, etl/lake.ts `openLakeDir(dataDir, bucket)` and config's `loadEnvironment`. */
export const runAnalytics = async (context: StageContext): Promise<OptionalStage> => {
  if (!installed(...analyticsFiles)) return notInstalled("the analytics transforms", analyticsFiles);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runEtl } = require(path.join(repositoryRoot, "etl/runner.ts")) as EtlModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openLakeDir } = require(path.join(repositoryRoot, "etl/lake.ts")) as LakeModule;
  const lake = locateLake(context.dataDir);
  const bar = context.progress.bar("analytics", 0);
  // Days in the shop's time zone, as `sdp etl` and Athena compute them (config/environments.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadEnvironment } = require(path.join(repositoryRoot, "config/environments.ts")) as { loadEnvironment: (name: string) => { shopTimezone: string } };
  const shopTimezone = loadEnvironment("local").shopTimezone;
  const result = await runEtl({ lake: openLakeDir(context.dataDir, lake.bucket), date: isoDate(context.now), full: true, log: (line) => bar.tick(0, line), shopTimezone });
  bar.done(`${result.orders} orders enriched`);
  // The GDPR subject index for the ETL's Parquet outputs (processed/, curated/): functions/gdpr/parquet-index.ts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { indexEtlOutputs } = require(path.join(repositoryRoot, "functions/gdpr/parquet-index.ts")) as { indexEtlOutputs: () => Promise<number> };
  await indexEtlOutputs();
  // Every distinct order of the lake (webhooks and bulk snapshots) must appear once.
  const rawOrders = `SELECT DISTINCT COALESCE(json_extract_string(payload, '$.admin_graphql_api_id'), 'gid://shopify/Order/' || json_extract_string(payload, '$.id')) AS id FROM raw_events
                     WHERE source = 'shopify' AND entity = 'orders' AND json_extract_string(payload, '$.created_at') IS NOT NULL`;
  const expected = await countInLake(
    context.dataDir,
    fs.existsSync(path.join(lake.bucketDir, "snapshots", "shopify", "orders"))
      ? `SELECT count(*) AS n FROM (${rawOrders} UNION SELECT DISTINCT id FROM snapshot_orders)`
      : `SELECT count(*) AS n FROM (${rawOrders})`,
    ["raw_events"],
  );
  const stored = await countInLake(context.dataDir, "SELECT count(*) AS n FROM orders_enriched", ["orders_enriched"]);
  const checks: Check[] = [
    check("orders_enriched has rows", result.orders > 0, "> 0", result.orders),
    equalCheck("orders_enriched Parquet rows = orders computed", result.orders, stored),
  ];
  if (expected !== undefined) checks.push(equalCheck("one row per distinct order of the lake (webhooks + snapshots)", expected, result.orders));
  if (context.stripePaidOrders && context.stripePaidOrders.length > 0 && "orders_payments_reconciliation" in result.views) {
    const ids = context.stripePaidOrders.map((id) => `'${id.replace(/'/g, "''")}'`).join(", ");
    const matched = await countInLake(context.dataDir, `SELECT count(*) AS n FROM orders_payments_reconciliation WHERE status = 'matched' AND order_id IN (${ids})`, [
      "orders_payments_reconciliation",
    ]);
    checks.push(equalCheck("every order paid through Stripe reconciles with its charge", context.stripePaidOrders.length, matched));
  }
  return {
    detail: `orders_enriched: ${result.orders} orders in ${result.partitionsWritten.length} daily partitions; views: ${Object.entries(result.views)
      .map(([view, rows]) => `${view} ${rows}`)
      .join(", ")}`,
    checks,
    data: { orders: result.orders, partitions: result.partitionsWritten.length, views: result.views, durationMs: result.durationMs },
  };
};

// --- Data quality ------------------------------------------------------------------------------

const dataQualityFiles = ["local/data-quality.ts", "functions/data-quality/handler-program.ts"];

interface DataQualityReport {
  readonly date: string;
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly errors: number; readonly warnings: number };
  readonly results: ReadonlyArray<{
    readonly check: string;
    readonly subject: string;
    readonly status: string;
    readonly severity?: string;
    readonly message: string;
    readonly details?: { readonly gaps?: ReadonlyArray<{ readonly gapStart: number; readonly gapEnd: number }> };
  }>;
  readonly backfillDays: ReadonlyArray<string>;
  readonly resultKey: string;
}
interface DqModule {
  readonly runDataQualityLocally: (dataDir: string, date: string, io: { env: NodeJS.ProcessEnv }) => Promise<DataQualityReport>;
}

/**
 * Interface used: local/data-quality.ts `runDataQualityLocally(dataDir, date, {env})` (the same
 * program the scheduled function runs, over the local lake; hot-store counts through the running
 * platform). Checked: the report is written, and no check fails with severity error.
 */
export const runDataQuality = async (context: StageContext): Promise<OptionalStage> => {
  if (!installed(...dataQualityFiles)) return notInstalled("the data-quality checks", dataQualityFiles);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runDataQualityLocally } = require(path.join(repositoryRoot, "local/data-quality.ts")) as DqModule;
  const date = isoDate(context.now);
  const bar = context.progress.bar(`data quality for ${date}`, 0);
  // A copy: the runner points table variables at the running platform.
  const report = await runDataQualityLocally(context.dataDir, date, { env: { ...context.env } });
  bar.done(`${report.summary.passed} passed, ${report.summary.failed} failed, ${report.summary.skipped} skipped`);
  const written = fs.existsSync(locateLake(context.dataDir).objects.pathOf(report.resultKey));
  const errors = report.results.filter((result) => result.status === "fail" && result.severity === "error");
  return {
    detail: `${report.summary.passed} passed, ${report.summary.failed} failed (${report.summary.errors} error, ${report.summary.warnings} warning), ${report.summary.skipped} skipped`,
    checks: [
      check("report written to the lake", written, report.resultKey, written ? report.resultKey : "missing"),
      check(
        "no check fails with severity error",
        errors.length === 0,
        "none",
        errors.map((result) => `${result.check} ${result.subject}: ${result.message}`),
      ),
    ],
    data: {
      date: report.date,
      ...report.summary,
      results: report.results.map((result) => ({
        check: `${result.check} ${result.subject}`,
        status: result.status === "fail" ? (result.severity ?? "fail") : result.status,
        detail: result.message,
      })),
      backfillDays: report.backfillDays,
      report: report.resultKey,
    },
  };
};
