/**
 * The deployable stacks, derived from contracts/naming.ts and config/ only (never from synth
 * output), so delivery tooling agrees with main.ts without waiting for a synth.
 */
import { deployedEnvironments, loadEnvironment } from "../config/environments";
import type { EnvironmentConfig } from "../config/schema";
import { layerDependencies, layers, stackName, type Layer } from "../contracts/naming";

export type DeployedEnvironment = (typeof deployedEnvironments)[number];

export interface StackTarget {
  readonly env: DeployedEnvironment;
  readonly layer: Layer;
  readonly stack: string;
  /** Synthesized Terraform directory, relative to the repository root. */
  readonly dir: string;
}

export const synthOutDir = "cdktf.out";
export const stackDir = (stack: string) => `${synthOutDir}/stacks/${stack}`;

export const isDeployedEnvironment = (value: string): value is DeployedEnvironment => (deployedEnvironments as ReadonlyArray<string>).includes(value);

/**
 * Layers in dependency order (Kahn's algorithm). Ties keep the order of `layers`, so the result
 * is stable and reviewable; a cycle is a programming error in contracts/naming.ts.
 */
export const layersInDeployOrder = (selected: ReadonlyArray<Layer> = layers, dependencies: Record<Layer, ReadonlyArray<Layer>> = layerDependencies): Layer[] => {
  const wanted = new Set(selected);
  const ordered: Layer[] = [];
  const done = new Set<Layer>();
  const pending = layers.filter((layer) => wanted.has(layer));
  while (pending.length > 0) {
    // Only dependencies that are themselves selected constrain the order.
    const next = pending.find((layer) => dependencies[layer].every((dep) => done.has(dep) || !wanted.has(dep)));
    if (next === undefined) throw new Error(`layerDependencies has a cycle among: ${pending.join(", ")}`);
    ordered.push(next);
    done.add(next);
    pending.splice(pending.indexOf(next), 1);
  }
  return ordered;
};

/** Length of the longest dependency chain below a layer: layers of one depth can deploy together. */
export const layerDepth = (layer: Layer, dependencies: Record<Layer, ReadonlyArray<Layer>> = layerDependencies): number =>
  dependencies[layer].reduce((depth, dep) => Math.max(depth, layerDepth(dep, dependencies) + 1), 0);

export const stackTarget = (config: EnvironmentConfig, layer: Layer): StackTarget => {
  const stack = stackName(config.brand, config.name, layer);
  return { env: config.name as DeployedEnvironment, layer, stack, dir: stackDir(stack) };
};

export const stacksOf = (env: DeployedEnvironment, config: EnvironmentConfig = loadEnvironment(env)): StackTarget[] =>
  layersInDeployOrder().map((layer) => stackTarget(config, layer));

/** Every deployable stack: environments in promotion order, layers in dependency order. */
export const allStacks = (): StackTarget[] => deployedEnvironments.flatMap((env) => stacksOf(env));

export class UnknownStacks extends Error {
  readonly _tag = "UnknownStacks";
}

/**
 * Resolves `--stacks a,b` (layer names or full stack names of this environment) to targets in
 * dependency order. Unknown names are reported together with the valid ones.
 */
export const selectStacks = (env: DeployedEnvironment, requested: ReadonlyArray<string> | undefined, config?: EnvironmentConfig): StackTarget[] => {
  const all = stacksOf(env, config);
  if (requested === undefined || requested.length === 0) return all;
  const unknown: string[] = [];
  const chosen = new Set<Layer>();
  for (const raw of requested) {
    const name = raw.trim();
    const match = all.find((target) => target.layer === name || target.stack === name);
    if (match) chosen.add(match.layer);
    else unknown.push(name === "" ? '""' : name);
  }
  if (unknown.length > 0) {
    throw new UnknownStacks(
      `unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} for ${env}. Valid: ${all.map((t) => t.layer).join(", ")} ` +
        `(or the full names ${all.map((t) => t.stack).join(", ")})`,
    );
  }
  return layersInDeployOrder([...chosen]).map((layer) => all.find((target) => target.layer === layer)!);
};

/** Dependencies of the selection that are not selected: they must already be deployed. */
export const missingDependencies = (selection: ReadonlyArray<StackTarget>): Layer[] => {
  const chosen = new Set(selection.map((target) => target.layer));
  const missing = new Set<Layer>();
  for (const target of selection) for (const dep of layerDependencies[target.layer]) if (!chosen.has(dep)) missing.add(dep);
  return layers.filter((layer) => missing.has(layer));
};

/** Looks a synthesized stack name up among the deployable stacks. */
export const findStack = (stack: string): StackTarget | undefined => allStacks().find((target) => target.stack === stack);
