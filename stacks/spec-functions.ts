/**
 * Builds the Lambda functions described in contracts/functions.ts with EffectFunction and exactly
 * the grants each spec lists. Every spec is built from its entry file: one that is missing, or
 * lacks the spec's handler export, fails synth (modules/bundle.ts `checkEntry`).
 */
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { envVars } from "../contracts/env-vars";
import { functionSpecs, publishesAlerts, type FunctionSpec } from "../contracts/functions";
import type { TableKey } from "../contracts/tables";
import type { AlarmFactory } from "../modules/alarms";
import { checkEntry, familyEntryFile, prebundleFunctions } from "../modules/bundle";
import { EffectFunction, type ArnRef, type BucketRef, type BusRef, type FunctionKeys, type TableRef } from "../modules/effect-function";
import type { SecretKey } from "../contracts/functions";
import type { FoundationStack } from "./foundation";
import type { HotStoresStack } from "./hot-stores";
import type { LakeStack } from "./lake";

/**
 * Decides which entry file a spec is built from, or `undefined` to leave it out. The default
 * builds every spec from its own entry, and fails when that file is missing or lacks the spec's
 * handler export; tests point every spec at a fixture (or leave the functions out).
 */
export type FunctionEntryResolver = (spec: FunctionSpec) => string | undefined;
export const specEntry: FunctionEntryResolver = (spec) => {
  // A Shopify family processor is built from an entry generated from its spec (modules/bundle.ts).
  if (spec.handlerModule) return familyEntryFile({ ...spec, handlerModule: spec.handlerModule });
  checkEntry(spec.name, spec.entry, spec.handler);
  return spec.entry;
};

export interface SpecFunctionDeps {
  readonly env: EnvironmentConfig;
  readonly prefix: string;
  readonly keys: FunctionKeys;
  readonly alarms: AlarmFactory;
  readonly tables: Record<TableKey, TableRef>;
  readonly lakeBucket: BucketRef;
  readonly secrets: Record<SecretKey, ArnRef>;
  readonly alertsTopic: ArnRef;
  readonly platformBus?: BusRef;
  readonly bundleCacheDir?: string;
}

/** The lower layers every function-building stack draws keys, tables, bucket, secrets and topic from. */
export interface FunctionSources {
  readonly foundation: FoundationStack;
  readonly lake: LakeStack;
  readonly hotStores: HotStoresStack;
}

export const specFunctionDeps = (
  { foundation, lake, hotStores }: FunctionSources,
  layer: Pick<SpecFunctionDeps, "env" | "prefix" | "alarms" | "platformBus" | "bundleCacheDir">,
): SpecFunctionDeps => ({
  ...layer,
  keys: {
    logs: foundation.keys.logs.arn,
    messaging: foundation.keys.messaging.arn,
    tables: foundation.keys.tables.arn,
    lake: foundation.keys.lake.arn,
    secrets: foundation.keys.secrets.arn,
  },
  tables: hotStores.tables,
  lakeBucket: lake.lake.bucket,
  secrets: foundation.secrets,
  alertsTopic: foundation.alertsTopic,
});

/** The variables every function of an environment reads. */
export const commonEnvironment = (env: EnvironmentConfig): Record<string, string> => ({
  [envVars.environment]: env.name,
  [envVars.brand]: env.brand,
  [envVars.logLevel]: env.name === "prod" ? "info" : "debug",
  [envVars.shopifyShopDomain]: env.shopDomain,
  [envVars.shopifyApiVersion]: env.shopifyApiVersion,
});

/** Variables of one function only, from the environment's config (the data-quality run's webhook-recovery alert and shop time zone). */
export const specEnvironment = (spec: FunctionSpec, env: EnvironmentConfig): Record<string, string> =>
  spec.name === "data-quality"
    ? {
        [envVars.webhookRecoveryMaxShare]: String(env.webhookRecoveryAlert.maxRecoveredShare),
        [envVars.webhookRecoveryMinCount]: String(env.webhookRecoveryAlert.minRecovered),
        [envVars.shopTimezone]: env.shopTimezone,
      }
    : {};

export const buildSpecFunction = (scope: Construct, spec: FunctionSpec, entry: string, deps: SpecFunctionDeps): EffectFunction => {
  const fn = new EffectFunction(scope, spec.name, {
    functionName: `${deps.prefix}-${spec.name}`,
    description: spec.description,
    entry,
    handler: spec.handler,
    memoryMb: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
    reservedConcurrency: spec.reservedConcurrency,
    ephemeralStorageMb: spec.ephemeralStorageMb,
    logRetentionDays: deps.env.logRetentionDays,
    region: deps.env.region,
    keys: deps.keys,
    alarms: deps.alarms,
    nativeModules: spec.nativeModules,
    environment: { ...commonEnvironment(deps.env), ...specEnvironment(spec, deps.env) },
    bundleCacheDir: deps.bundleCacheDir,
  });
  const written = new Set(spec.tables.write);
  for (const key of spec.tables.write) fn.grantTableReadWrite(key, deps.tables[key]);
  for (const key of spec.tables.read) if (!written.has(key)) fn.grantTableRead(key, deps.tables[key]);
  for (const prefix of spec.lake.read) fn.grantLakeRead(prefix, deps.lakeBucket);
  for (const prefix of spec.lake.write) fn.grantLakeWrite(prefix, deps.lakeBucket);
  for (const prefix of spec.lake.delete ?? []) fn.grantLakeDelete(prefix, deps.lakeBucket);
  for (const key of spec.secrets) fn.grantSecretRead(key, deps.secrets[key]);
  if (spec.publishesToPlatformBus) {
    if (!deps.platformBus) throw new Error(`${spec.name} publishes to the platform bus, but its stack has none`);
    fn.grantPutEvents(deps.platformBus);
  }
  if (publishesAlerts(spec)) {
    fn.grantPublishAlerts(deps.alertsTopic);
    // The live Alerts service publishes one alert per dedupKey, remembered in the idempotency table.
    if (!written.has("idempotency")) fn.grantTableReadWrite("idempotency", deps.tables.idempotency);
  }
  return fn;
};

/** The specs of a layer that get built, with the entry each is built from. */
export const specsOfLayer = (layer: FunctionSpec["layer"], resolve: FunctionEntryResolver): Array<{ spec: FunctionSpec; entry: string }> =>
  functionSpecs.flatMap((spec) => {
    if (spec.layer !== layer) return [];
    const entry = resolve(spec);
    return entry === undefined ? [] : [{ spec, entry }];
  });

/** Bundles every function the app will build in one esbuild run (see prebundleFunctions). */
export const prebundleSpecs = (resolve: FunctionEntryResolver, cacheDir?: string): void =>
  prebundleFunctions(
    functionSpecs.flatMap((spec) => {
      const entry = resolve(spec);
      return entry === undefined ? [] : [{ name: spec.name, entry, nativeModules: spec.nativeModules, cacheDir }];
    }),
  );
