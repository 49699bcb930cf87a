/**
 * The guardrail engine: evaluates a rule pack on a synthesized stack (the Terraform JSON that
 * `cdktn synth` writes), so what is checked is exactly what Terraform will plan.
 *
 * A finding can be suppressed only on the resource itself, with a written justification:
 *
 *   suppress(resource, "S3_ACCESS_LOGGING", "this is the access-log bucket; logging it to itself would loop")
 *
 * which lands in the resource's `//` comment block of the synthesized JSON, where a plan
 * reviewer sees it. A suppression without a justification is itself a violation.
 */
import type { TerraformResource } from "cdktn";

export type TfJson = {
  readonly "//"?: unknown;
  readonly terraform?: { readonly backend?: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  readonly provider?: Record<string, ReadonlyArray<Record<string, unknown>>>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
};

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  /** Terraform address, e.g. `aws_s3_bucket.lake_bucket_1A2B3C4D`. */
  readonly address: string;
  readonly body: Record<string, unknown>;
  /** Construct path from cdktn metadata, when present. */
  readonly path?: string;
}

export interface Finding {
  readonly address: string;
  readonly problem: string;
}

export interface RuleContext {
  readonly stack: TfJson;
  /** The `environment` default tag of the aws provider (dev, staging, prod). */
  readonly environment: string | undefined;
  resources(type: string): ReadonlyArray<ResourceRef>;
  /** Resources of `type` whose `attribute` (or anything, when omitted) refers to `target`. */
  referencing(type: string, target: ResourceRef, attribute?: string): ReadonlyArray<ResourceRef>;
}

export interface GuardrailRule {
  readonly id: string;
  readonly title: string;
  /** How to fix a violation (printed with it). */
  readonly fix: string;
  check(context: RuleContext): ReadonlyArray<Finding>;
}

export interface Violation {
  readonly ruleId: string;
  readonly stack: string;
  readonly address: string;
  readonly path?: string;
  readonly problem: string;
  readonly fix: string;
}

export interface Suppressed {
  readonly ruleId: string;
  readonly address: string;
  readonly justification: string;
}

export interface GuardrailReport {
  readonly violations: ReadonlyArray<Violation>;
  readonly suppressed: ReadonlyArray<Suppressed>;
}

interface SuppressionEntry {
  readonly rule: string;
  readonly justification: string;
}

export const MIN_JUSTIFICATION_LENGTH = 20;

/** Suppresses one rule on one resource, with the reason (at least a sentence) a reviewer reads. */
export const suppress = (resource: TerraformResource, ruleId: string, justification: string): void => {
  const entries = [...(suppressionRegistry.get(resource) ?? []), { rule: ruleId, justification }];
  suppressionRegistry.set(resource, entries);
  resource.addOverride("//.guardrails.suppress", entries);
};

const suppressionRegistry = new WeakMap<TerraformResource, SuppressionEntry[]>();

const suppressionsOf = (body: Record<string, unknown> | undefined): SuppressionEntry[] => {
  const comment = body?.["//"] as { guardrails?: { suppress?: SuppressionEntry[] } } | undefined;
  return [...(comment?.guardrails?.suppress ?? [])];
};

/** Reads a value that Terraform JSON may render as a block object or a one-element list. */
export const block = (value: unknown): Record<string, unknown> | undefined => {
  const item = Array.isArray(value) ? value[0] : value;
  return item !== null && typeof item === "object" ? (item as Record<string, unknown>) : undefined;
};

export const list = <T = unknown>(value: unknown): T[] => (value === undefined || value === null ? [] : Array.isArray(value) ? (value as T[]) : [value as T]);

/** `${aws_x.name.attr}` style references (also inside larger strings). */
export const refersTo = (value: unknown, target: { type: string; name: string }, attribute?: string): boolean => {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return text.includes(`${target.type}.${target.name}.${attribute ?? ""}`);
};

export const buildContext = (stack: TfJson): RuleContext => {
  const resourcesByType = new Map<string, ResourceRef[]>();
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    resourcesByType.set(
      type,
      Object.entries(byName).map(([name, body]) => ({
        type,
        name,
        address: `${type}.${name}`,
        body,
        path: (body["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path,
      })),
    );
  }
  const provider = block(stack.provider?.aws);
  const tags = block(provider?.default_tags)?.tags as Record<string, string> | undefined;
  return {
    stack,
    environment: tags?.environment,
    resources: (type) => resourcesByType.get(type) ?? [],
    referencing: (type, target, attribute) =>
      (resourcesByType.get(type) ?? []).filter((candidate) =>
        attribute === undefined ? refersTo({ ...candidate.body, "//": undefined }, target) : refersTo(candidate.body[attribute], target),
      ),
  };
};

const findResource = (context: RuleContext, address: string): ResourceRef | undefined => {
  const [type, name] = address.split(".");
  return context.resources(type ?? "").find((resource) => resource.name === name);
};

export const evaluateGuardrails = (stackName: string, stack: TfJson, rules: ReadonlyArray<GuardrailRule>): GuardrailReport => {
  const context = buildContext(stack);
  const violations: Violation[] = [];
  const suppressed: Suppressed[] = [];
  for (const rule of rules) {
    for (const finding of rule.check(context)) {
      const resource = findResource(context, finding.address);
      const suppression = suppressionsOf(resource?.body).find((entry) => entry.rule === rule.id);
      if (suppression && typeof suppression.justification === "string" && suppression.justification.trim().length >= MIN_JUSTIFICATION_LENGTH) {
        suppressed.push({ ruleId: rule.id, address: finding.address, justification: suppression.justification });
        continue;
      }
      violations.push({ ruleId: rule.id, stack: stackName, address: finding.address, path: resource?.path, problem: finding.problem, fix: rule.fix });
    }
  }
  return { violations, suppressed };
};

export const formatViolations = (violations: ReadonlyArray<Violation>): string =>
  violations.map((v) => `${v.ruleId} ${v.stack} ${v.address}${v.path ? ` (${v.path})` : ""}: ${v.problem}\n    fix: ${v.fix}`).join("\n");

export class GuardrailViolation extends Error {
  readonly _tag = "GuardrailViolation";
  constructor(readonly violations: ReadonlyArray<Violation>) {
    super(`${violations.length} guardrail violation(s):\n${formatViolations(violations)}`);
  }
}
