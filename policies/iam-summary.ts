/**
 * The IAM part of the guardrail pack, over all synthesized stacks at once: the IAM rules
 * (policies/iam-rules.ts) on every stack, and the CI-role simulations (policies/ci-simulation.ts).
 * `npm run synth` prints the summary and fails unless every count is 0.
 */
import type { TfJson, Violation } from "./guardrails";
import { simulateCiRoles, type CiSimulationReport } from "./ci-simulation";
import { evaluateIamGuardrails, modelOf } from "./iam-rules";

export interface IamSummary {
  /** The CI-applied stacks the summary covers. */
  readonly stacks: number;
  readonly bootstrapStacks: number;
  readonly unknownActions: number;
  readonly escalationPaths: number;
  readonly missingCiPermissions: number;
  /** Other IAM rule violations (wildcard-only scoping, resource types, condition keys, * resources). */
  readonly otherIamViolations: number;
  readonly boundaryBlockedGrants: number;
  readonly resourceTypesWithoutCalls: ReadonlyArray<string>;
  readonly simulatedCalls: number;
  readonly resourceTypes: number;
  readonly escalationAttempts: number;
  readonly suppressed: number;
  readonly violations: ReadonlyArray<Violation>;
  readonly simulation: CiSimulationReport;
}

export const summarizeIam = async (stacks: Readonly<Record<string, TfJson>>, ciStacks: ReadonlyArray<string>, bootstrapStacks: ReadonlyArray<string>): Promise<IamSummary> => {
  const model = modelOf(stacks);
  const violations: Violation[] = [];
  let suppressed = 0;
  for (const stack of [...bootstrapStacks, ...ciStacks]) {
    const report = await evaluateIamGuardrails(model, stack);
    violations.push(...report.violations);
    suppressed += report.suppressed.length;
  }
  const simulation = await simulateCiRoles({ stacks, ciStacks, bootstrapStacks });
  const unknown = violations.filter((v) => v.ruleId === "IAM_ACTION_EXISTS");
  return {
    stacks: ciStacks.length,
    bootstrapStacks: bootstrapStacks.length,
    unknownActions: unknown.length,
    escalationPaths: simulation.escalationPaths.length,
    missingCiPermissions: simulation.missing.length,
    otherIamViolations: violations.length - unknown.length,
    boundaryBlockedGrants: simulation.boundaryBlocked.length,
    resourceTypesWithoutCalls: simulation.typesWithoutRow,
    simulatedCalls: simulation.calls.length,
    resourceTypes: simulation.resourceTypes.length,
    escalationAttempts: simulation.escalations.length,
    suppressed,
    violations,
    simulation,
  };
};

export const iamSummaryPassed = (s: IamSummary) =>
  s.unknownActions === 0 &&
  s.escalationPaths === 0 &&
  s.missingCiPermissions === 0 &&
  s.otherIamViolations === 0 &&
  s.boundaryBlockedGrants === 0 &&
  s.resourceTypesWithoutCalls.length === 0;

const sample = <T>(items: ReadonlyArray<T>, show: (item: T) => string, max = 20) => [
  ...items.slice(0, max).map((item) => `    ${show(item)}`),
  ...(items.length > max ? [`    ... and ${items.length - max} more`] : []),
];

export const formatIamSummary = (s: IamSummary): string =>
  [
    `IAM guardrails for all ${s.stacks} stacks (+ ${s.bootstrapStacks} bootstrap): unknown actions ${s.unknownActions}, escalation paths ${s.escalationPaths}, missing CI permissions ${s.missingCiPermissions}`,
    `  ${s.simulatedCalls} simulated Terraform calls over ${s.resourceTypes} resource types, ${s.escalationAttempts - s.escalationPaths} of ${s.escalationAttempts} escalation attempts denied` +
      `, other IAM findings ${s.otherIamViolations}, grants outside the boundary ${s.boundaryBlockedGrants}, ${s.suppressed} justified suppressions`,
    ...(s.resourceTypesWithoutCalls.length > 0 ? [`  resource types without a row in policies/terraform-calls.ts: ${s.resourceTypesWithoutCalls.join(", ")}`] : []),
    ...sample(s.violations, (v) => `${v.ruleId} ${v.stack} ${v.address}: ${v.problem}`),
    ...sample(s.simulation.missing, (c) => `missing: ${c.role} role ${c.action} on ${c.resource} (${c.phase} ${c.address} in ${c.stack}: ${c.decision})`),
    ...sample(s.simulation.escalationPaths, (e) => `escalation: ${e.principal} can ${e.name}: ${e.action} on ${e.resource} (${e.decision})`),
    ...sample(s.simulation.boundaryBlocked, (c) => `boundary blocks ${c.action} on ${c.resource} granted by ${c.address} in ${c.stack}`),
  ].join("\n");
