/** What several guardrail rules share: walking one resource type, reading IAM documents, finding a bucket's companions. */
import type { PolicyStatement } from "../iam";
import { list, type Finding, type ResourceRef, type RuleContext } from "../guardrails";

/** A check of every resource of `types`: `problemOf` returns the problem, or undefined when the resource passes. */
export const perResource =
  (types: ReadonlyArray<string>, problemOf: (resource: ResourceRef, context: RuleContext) => string | undefined) =>
  (context: RuleContext): Finding[] =>
    types.flatMap((type) =>
      context.resources(type).flatMap((resource) => {
        const problem = problemOf(resource, context);
        return problem ? [{ address: resource.address, problem }] : [];
      }),
    );

/** A bucket's companion resource (versioning, encryption, ...) that points at it. */
export const companions = (context: RuleContext, bucket: ResourceRef, type: string) => context.referencing(type, bucket, "bucket");

export const parsePolicy = (value: unknown): PolicyStatement[] | "unreadable" | undefined => {
  if (value === undefined || value === null) return undefined;
  try {
    const doc = (typeof value === "string" ? JSON.parse(value) : value) as { Statement?: PolicyStatement | PolicyStatement[] };
    return list<PolicyStatement>(doc.Statement);
  } catch {
    return "unreadable";
  }
};

export const actionsOf = (statement: PolicyStatement) => list<string>(statement.Action);
export const resourcesOf = (statement: PolicyStatement) => list<string>(statement.Resource);

export const isStarPrincipal = (principal: PolicyStatement["Principal"]): boolean =>
  principal === "*" || (typeof principal === "object" && principal !== null && list(principal.AWS).includes("*"));

/** Identity policies of a stack: inline role policies, managed policies, inline_policy blocks. */
const identityPolicies = (context: RuleContext): Array<{ address: string; statements: PolicyStatement[] | "unreadable" }> => [
  ...context.resources("aws_iam_role_policy").map((r) => ({ address: r.address, statements: parsePolicy(r.body.policy) ?? [] })),
  ...context.resources("aws_iam_policy").map((r) => ({ address: r.address, statements: parsePolicy(r.body.policy) ?? [] })),
  ...context
    .resources("aws_iam_role")
    .flatMap((r) => list<Record<string, unknown>>(r.body.inline_policy).map((inline) => ({ address: r.address, statements: parsePolicy(inline.policy) ?? [] }))),
];

/** A check of every Allow statement of every identity policy (an unreadable policy is itself a finding). */
export const identityRule =
  (check: (statement: PolicyStatement) => string | undefined): ((context: RuleContext) => Finding[]) =>
  (context) =>
    identityPolicies(context).flatMap(({ address, statements }) => {
      if (statements === "unreadable") return [{ address, problem: "the policy is not a JSON document the guardrails can read" }];
      return statements
        .filter((s) => s.Effect === "Allow")
        .flatMap((statement) => {
          const problem = check(statement);
          return problem ? [{ address, problem }] : [];
        });
    });

/** Whether `value` (any block) refers to an attribute of `target`. */
export const refersToBlock = (value: unknown, target: ResourceRef): boolean => JSON.stringify(value ?? null).includes(`${target.type}.${target.name}.`);
