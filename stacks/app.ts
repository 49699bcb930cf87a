/**
 * Builds the CDK Terrain (cdktn) app: for each deployed environment, the seven layer stacks, wired by passing
 * one stack's constructs into the next (cdktn turns each use into a cross-stack reference through
 * the producer's remote state). main.ts calls this; tests call it with their own app/outdir.
 */
import { App } from "cdktn";
import { deployedEnvironments, environmentCatalogue, loadEnvironment } from "../config/environments";
import type { EnvironmentConfig, EnvironmentName } from "../config/schema";
import { formatViolations, type GuardrailRule, type TfJson } from "../policies/guardrails";
import { evaluateEnvironmentGuardrails, type EnvironmentGuardrailRule } from "../policies/environment-rules";
import { AnalyticsStack } from "./analytics";
import { BackfillStack } from "./backfill";
import { BootstrapStack } from "./bootstrap";
import { FoundationStack } from "./foundation";
import { HotStoresStack } from "./hot-stores";
import { IngestionStack } from "./ingestion";
import { LakeStack } from "./lake";
import { MonitoringStack } from "./monitoring";
import { PlatformStack } from "./platform-stack";
import { specEntry, prebundleSpecs, type FunctionEntryResolver } from "./spec-functions";

export interface BuildAppOptions {
  /** An existing app (e.g. `Testing.app()`); otherwise a new App with `outdir`. */
  readonly app?: App;
  readonly outdir?: string;
  /** Which environments to build (default: every deployed environment). */
  readonly environments?: ReadonlyArray<EnvironmentName>;
  /** The environment catalogue to decode (default: config/environments.ts). */
  readonly catalogue?: Record<string, unknown>;
  readonly rules?: ReadonlyArray<GuardrailRule>;
  /** Rules over all stacks of an environment at once (default: policies/environment-rules.ts). */
  readonly environmentRules?: ReadonlyArray<EnvironmentGuardrailRule>;
  /** Which entry each contract function is built from (default: its own, once the file exists). */
  readonly functionEntry?: FunctionEntryResolver;
  readonly bundleCacheDir?: string;
}

export interface EnvironmentStacks {
  readonly env: EnvironmentConfig;
  /** CI roles and the permissions boundary: applied by `sdp bootstrap`, never by CI (not in `stacks`). */
  readonly bootstrap: BootstrapStack;
  readonly foundation: FoundationStack;
  readonly lake: LakeStack;
  readonly hotStores: HotStoresStack;
  readonly ingestion: IngestionStack;
  readonly backfill: BackfillStack;
  readonly analytics: AnalyticsStack;
  readonly monitoring: MonitoringStack;
}

export interface BuiltApp {
  readonly app: App;
  readonly environments: ReadonlyArray<EnvironmentStacks>;
  /** The layer stacks CI plans and applies (7 per environment). */
  readonly stacks: ReadonlyArray<PlatformStack>;
  /** One bootstrap stack per environment, synthesized with the others but applied only by `sdp bootstrap --apply`. */
  readonly bootstrapStacks: ReadonlyArray<BootstrapStack>;
}

export const buildApp = (options: BuildAppOptions = {}): BuiltApp => {
  // Decode every environment first: a bad catalogue fails before any construct exists.
  const catalogue = options.catalogue ?? environmentCatalogue;
  const envs = (options.environments ?? deployedEnvironments).map((name) => loadEnvironment(name, catalogue));
  const app = options.app ?? new App(options.outdir ? { outdir: options.outdir, skipValidation: false } : {});
  const stackOptions = { rules: options.rules };
  const shared = { functionEntry: options.functionEntry, bundleCacheDir: options.bundleCacheDir };
  prebundleSpecs(options.functionEntry ?? specEntry, options.bundleCacheDir);

  const environments = envs.map((env): EnvironmentStacks => {
    if (env.name === "local") throw new Error('"local" runs on the embedded platform (sdp local), not in AWS: it has no stacks');
    const bootstrap = new BootstrapStack(app, env, stackOptions);
    const foundation = new FoundationStack(app, env, stackOptions);
    const lake = new LakeStack(app, env, { foundation }, stackOptions);
    const hotStores = new HotStoresStack(app, env, { foundation }, stackOptions);
    const ingestion = new IngestionStack(app, env, { foundation, lake, hotStores, ...shared }, stackOptions);
    const backfill = new BackfillStack(app, env, { foundation, lake, hotStores, ingestion, ...shared }, stackOptions);
    const analytics = new AnalyticsStack(app, env, { foundation, lake, hotStores, ...shared }, stackOptions);
    const monitoring = new MonitoringStack(app, env, { foundation, lake, hotStores, ingestion, backfill, analytics }, stackOptions);
    return { env, bootstrap, foundation, lake, hotStores, ingestion, backfill, analytics, monitoring };
  });
  const stacks = environments.flatMap((e) => [e.foundation, e.lake, e.hotStores, e.ingestion, e.backfill, e.analytics, e.monitoring]);
  addEnvironmentGuardrails(app, options.environmentRules);
  return { app, environments, stacks, bootstrapStacks: environments.map((e) => e.bootstrap) };
};

/**
 * Runs the cross-stack rules once every stack is synthesized (an App validation runs after the
 * stacks'), over each environment's stacks: every PlatformStack in the app at that time, so
 * every stack of an environment (the bootstrap stack too) is checked with the rest.
 */
export const addEnvironmentGuardrails = (app: App, rules?: ReadonlyArray<EnvironmentGuardrailRule>): void => {
  app.node.addValidation({
    validate: () => {
      const byEnvironment = new Map<string, PlatformStack[]>();
      for (const stack of app.node.findAll().filter((node): node is PlatformStack => node instanceof PlatformStack)) {
        byEnvironment.set(stack.env.name, [...(byEnvironment.get(stack.env.name) ?? []), stack]);
      }
      const violations = [...byEnvironment.values()].flatMap((envStacks) =>
        evaluateEnvironmentGuardrails(
          envStacks.map((stack) => ({ name: stack.node.id, json: stack.toTerraform() as TfJson })),
          rules,
        ),
      );
      return violations.length > 0 ? [`guardrail violations across stacks:\n${formatViolations(violations)}`] : [];
    },
  });
};
