/**
 * Which stacks does a pull request change? Compares the synthesized Terraform JSON of two
 * `cdktf.out` directories (the PR's and the base branch's) and prints a GitHub Actions matrix
 * of the stacks to plan.
 *
 *   npx tsx delivery/changed-stacks.ts --base ../base/cdktf.out --head cdktf.out [--github-output]
 *
 * `//` keys are cdktn's comments (construct paths, cdktn version): they never reach Terraform,
 * so a change there alone does not warrant a plan.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadEnvironment } from "../config/environments";
import { githubPlanRoleArn } from "../contracts/naming";
import { allStacks, type StackTarget } from "./stacks";

export type StackChange = "added" | "changed" | "removed" | "unchanged";

export interface StackComparison {
  readonly stack: string;
  readonly change: StackChange;
}

export interface MatrixEntry {
  readonly stack: string;
  readonly env: string;
  readonly layer: string;
  readonly dir: string;
  readonly region: string;
  readonly role_arn: string;
}

export interface ChangedStacksResult {
  readonly comparisons: ReadonlyArray<StackComparison>;
  readonly matrix: { readonly include: ReadonlyArray<MatrixEntry> };
  /** Synthesized stacks the delivery catalogue does not know: listed, never planned blindly. */
  readonly unknown: ReadonlyArray<string>;
}

/** Canonical form: keys sorted, cdktn `//` comments dropped. */
export const canonicalJson = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .filter((key) => key !== "//")
        .sort()
        .map((key) => [key, canonicalJson((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
};

/** Stack name -> canonical JSON text of `stacks/<name>/cdk.tf.json`. A missing dir has no stacks. */
export const readSynthesizedStacks = (outDir: string): Map<string, string> => {
  const stacksDir = path.join(outDir, "stacks");
  const result = new Map<string, string>();
  if (!fs.existsSync(stacksDir)) return result;
  for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
    const file = path.join(stacksDir, entry.name, "cdk.tf.json");
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    result.set(entry.name, JSON.stringify(canonicalJson(parsed)));
  }
  return result;
};

export const compareStacks = (base: Map<string, string>, head: Map<string, string>): StackComparison[] => {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort();
  return names.map((stack) => {
    const before = base.get(stack);
    const after = head.get(stack);
    const change: StackChange = before === undefined ? "added" : after === undefined ? "removed" : before === after ? "unchanged" : "changed";
    return { stack, change };
  });
};

const matrixEntry = (target: StackTarget): MatrixEntry => {
  const config = loadEnvironment(target.env);
  return {
    stack: target.stack,
    env: target.env,
    layer: target.layer,
    dir: target.dir,
    region: config.region,
    role_arn: githubPlanRoleArn(config.accountId, config.brand, target.env),
  };
};

export const changedStacks = (baseOutDir: string, headOutDir: string, catalogue: ReadonlyArray<StackTarget> = allStacks()): ChangedStacksResult => {
  const comparisons = compareStacks(readSynthesizedStacks(baseOutDir), readSynthesizedStacks(headOutDir));
  const toPlan = new Set(comparisons.filter((c) => c.change === "added" || c.change === "changed").map((c) => c.stack));
  // Catalogue order = environments in promotion order, layers in dependency order.
  const include = catalogue.filter((target) => toPlan.has(target.stack)).map(matrixEntry);
  const known = new Set(catalogue.map((target) => target.stack));
  const unknown = comparisons.filter((c) => c.change !== "unchanged" && !known.has(c.stack)).map((c) => c.stack);
  return { comparisons, matrix: { include }, unknown };
};

export const summarize = (result: ChangedStacksResult): string => {
  const lines = result.comparisons.filter((c) => c.change !== "unchanged").map((c) => `  ${c.change.padEnd(8)} ${c.stack}`);
  const head = lines.length === 0 ? "No stack changed." : `${lines.length} stack(s) differ from the base branch:`;
  const bootstrap = result.unknown.filter((stack) => stack.endsWith("-bootstrap"));
  const others = result.unknown.filter((stack) => !stack.endsWith("-bootstrap"));
  const unknown = [
    ...(bootstrap.length > 0
      ? [
          `Bootstrap stacks (CI roles, permissions boundary; an administrator applies them with \`npx sdp bootstrap --env <env> --apply\`, CI never plans them): ${bootstrap.join(", ")}`,
        ]
      : []),
    ...(others.length > 0 ? [`Not in the delivery catalogue (not planned): ${others.join(", ")}`] : []),
  ];
  return [head, ...lines, ...unknown].join("\n");
};

const main = (argv: string[]): number => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { base: { type: "string" }, head: { type: "string" }, "github-output": { type: "boolean", default: false } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`changed-stacks: ${(error as Error).message}\n`);
    return 2;
  }
  if (!values.base || !values.head) {
    process.stderr.write("usage: changed-stacks --base <base cdktf.out> --head <head cdktf.out> [--github-output]\n");
    return 2;
  }
  if (!fs.existsSync(path.join(values.head, "stacks"))) {
    process.stderr.write(`changed-stacks: ${values.head}/stacks does not exist: run \`npm run synth\` first\n`);
    return 1;
  }
  const result = changedStacks(values.base, values.head);
  process.stderr.write(`${summarize(result)}\n`);
  const matrix = JSON.stringify(result.matrix);
  process.stdout.write(`${matrix}\n`);
  if (values["github-output"]) {
    const outputFile = process.env.GITHUB_OUTPUT;
    if (!outputFile) {
      process.stderr.write("changed-stacks: --github-output needs the GITHUB_OUTPUT environment variable (set by GitHub Actions)\n");
      return 2;
    }
    fs.appendFileSync(outputFile, `matrix=${matrix}\nany=${result.matrix.include.length > 0}\n`);
  }
  return 0;
};

if (require.main === module) process.exitCode = main(process.argv.slice(2));
