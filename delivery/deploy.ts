/**
 * `sdp deploy`'s plan of actions: which checks run, which stacks deploy in which order, and the
 * exact command. `--dry-run` prints this plan; a real run executes the same plan.
 */
import { spawn } from "node:child_process";
import type { EnvironmentConfig } from "../config/schema";
import { DEFAULT_RESERVED_CONCURRENCY, functionSpecs } from "../contracts/functions";
import type { Layer } from "../contracts/naming";
import { preflightCheckTitles } from "./preflight";
import { missingDependencies, type StackTarget } from "./stacks";

/** Layers whose functions read a secret at run time (from contracts/functions.ts). */
export const layersReadingSecrets: ReadonlySet<string> = new Set(functionSpecs.filter((spec) => spec.secrets.length > 0).map((spec) => spec.layer));

/** Concurrency the functions of these layers reserve once deployed (contracts/functions.ts). */
export const reservedConcurrencyOf = (layers: ReadonlyArray<string>): number =>
  functionSpecs.filter((spec) => layers.includes(spec.layer)).reduce((sum, spec) => sum + (spec.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY), 0);

export interface DeployPlan {
  readonly env: string;
  readonly accountId: string;
  readonly region: string;
  readonly stacks: ReadonlyArray<StackTarget>;
  /** Layers the selection depends on but does not include: they must already be deployed. */
  readonly assumedDeployed: ReadonlyArray<Layer>;
  readonly needsSecrets: boolean;
  /** The selection creates the Shopify partner bus, whose event source must already exist. */
  readonly needsPartnerSource: boolean;
  /** What the functions of the selected and already-deployed layers reserve, checked against the quota. */
  readonly reservedConcurrency: number;
  readonly checks: ReadonlyArray<{ id: string; title: string }>;
  /** argv of the deploy command, run from the repository root. */
  readonly command: ReadonlyArray<string>;
}

export const planDeploy = (config: EnvironmentConfig, selection: ReadonlyArray<StackTarget>, options: { autoApprove: boolean }): DeployPlan => {
  const assumedDeployed = missingDependencies(selection);
  const command = [
    "cdktn",
    "deploy",
    ...selection.map((target) => target.stack),
    ...(options.autoApprove ? ["--auto-approve"] : []),
    // cdktn (like cdktf before it) refuses a stack whose dependency is not selected unless told it is already deployed.
    ...(assumedDeployed.length > 0 ? ["--ignore-missing-stack-dependencies"] : []),
  ];
  return {
    env: config.name,
    accountId: config.accountId,
    region: config.region,
    stacks: selection,
    assumedDeployed,
    needsSecrets: selection.some((target) => layersReadingSecrets.has(target.layer)),
    needsPartnerSource: selection.some((target) => target.layer === "ingestion") && config.shopifyPartnerEventSource !== undefined,
    reservedConcurrency: reservedConcurrencyOf([...selection.map((target) => target.layer), ...assumedDeployed]),
    checks: preflightCheckTitles(config),
    command,
  };
};

export const formatDeployPlan = (plan: DeployPlan): string => {
  const lines = [
    `Deploy plan for ${plan.env} (account ${plan.accountId}, ${plan.region}):`,
    "",
    "1. Preflight checks:",
    ...plan.checks.map((check) => `   - ${check.title}${check.id === "secrets" && !plan.needsSecrets ? " (skipped: no selected stack reads a secret)" : ""}`),
    "",
    "2. Stacks, in dependency order:",
    ...plan.stacks.map((target, index) => `   ${index + 1}. ${target.stack} (${target.layer})`),
  ];
  if (plan.assumedDeployed.length > 0) lines.push(`   assumed already deployed: ${plan.assumedDeployed.join(", ")}`);
  lines.push("", "3. Command (from the repository root):", `   npx ${plan.command.join(" ")}`);
  return lines.join("\n");
};

export type ProcessRunner = (
  command: string,
  args: ReadonlyArray<string>,
  options: { cwd: string; env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
) => Promise<number>;

/** Runs a child process, streaming its output to the given streams; resolves with its exit code. */
export const runProcess: ProcessRunner = (command, args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ["inherit", "pipe", "pipe"] });
    child.stdout.on("data", (chunk) => options.stdout.write(chunk));
    child.stderr.on("data", (chunk) => options.stderr.write(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
