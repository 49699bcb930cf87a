/**
 * The data-quality checks over a local lake (`sdp dq`, the demo's data-quality stage), with the
 * same program the scheduled function runs in AWS: SQL facts on DuckDB, lake objects from the
 * data dir's files, hot-store counts through a running platform, alerts to its alerts.jsonl.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConfigProvider, Effect, Layer } from "effect";
import { loadEnvironment } from "../config/environments";
import { tableKeys, tableSpecs } from "../contracts/tables";
import type { WebhookRecoveryAlert } from "../contracts/webhook-recovery";
import { openLakeDir } from "../etl/lake";
import { lakeObjectStoreLayer } from "../etl/lake-object-store";
import { queryFactsOnDuckDb } from "../etl/quality";
import { dataQualityProgram } from "../functions/data-quality/handler-program";
import { makeTestPlatform } from "../functions/kernel/memory";
import { documentClientFor, makeDynamoHotStore } from "../functions/kernel/live";
import { Alerts, HotStore } from "../functions/kernel/services";
import { LocalAlertLog } from "./alerts";
import { readRunningPlatform } from "./platform";

/**
 * The hot stores of a running `sdp local` on this data dir, read through the live HotStore; the
 * table names reach it through a config provider (the environment is left alone).
 */
const runningHotStore = (dataDir: string) => {
  const info = readRunningPlatform(dataDir);
  if (!info) return undefined;
  const names = new Map(tableKeys.flatMap((key) => (info.tables[key] ? [[tableSpecs[key].envVar, info.tables[key]!] as const] : [])));
  const client = documentClientFor(new DynamoDBClient({ region: info.region, endpoint: info.endpoints.dynamodb, credentials: info.credentials }));
  return {
    layer: Layer.succeed(
      HotStore,
      makeDynamoHotStore(() => client),
    ),
    config: ConfigProvider.fromMap(names).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv())),
  };
};

/**
 * `webhookRecoveryAlert` defaults to the local environment's (config/environments.ts, the schema's
 * default unless set there), as the analytics stack gives each deployed environment its own; the
 * shop time zone is the local environment's too, as `sdp etl` uses it for orders_enriched.dt.
 */
export const runDataQualityLocally = async (
  dataDir: string,
  date: string,
  _io: { readonly env: NodeJS.ProcessEnv },
  webhookRecoveryAlert: WebhookRecoveryAlert = loadEnvironment("local").webhookRecoveryAlert,
) => {
  const lake = openLakeDir(dataDir);
  const { shopTimezone } = loadEnvironment("local");
  const queryFacts = await queryFactsOnDuckDb(lake, date, shopTimezone);
  const hotStore = runningHotStore(dataDir);
  // Locally nobody reads EMF metrics or the platform bus, so those land in memory (the report
  // lists the days to backfill). Alerts of an `sdp local`/`sdp demo` data dir go to its
  // alerts.jsonl, once per failed check and day, like the platform's other alerts.
  const platform = makeTestPlatform();
  const alertLog = fs.existsSync(path.join(dataDir, "s3")) ? new LocalAlertLog(path.join(dataDir, "alerts.jsonl")) : undefined;
  const checkedAt = new Date().toISOString();
  const program = dataQualityProgram({
    date,
    runId: `local-${checkedAt.replace(/[-:.]/g, "").slice(0, 15)}`,
    checkedAt,
    queryFacts,
    hotStore: hotStore ? "counts" : "none",
    webhookRecoveryAlert,
    shopTimezone,
  });
  const withStore = program.pipe(Effect.provide(lakeObjectStoreLayer(lake)));
  const withHotStore = hotStore ? withStore.pipe(Effect.provide(hotStore.layer), Effect.withConfigProvider(hotStore.config)) : withStore;
  const withAlerts = alertLog ? withHotStore.pipe(Effect.provide(Layer.succeed(Alerts, alertLog.service))) : withHotStore;
  return Effect.runPromise(withAlerts.pipe(Effect.provide(platform.layer)));
};
