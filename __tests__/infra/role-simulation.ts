/**
 * The IAM simulation harness the *-iam tests share: the ARNs the staging resources get in the
 * account, the resolution of a synthesized policy's Terraform references to those ARNs, the KMS
 * key policies of the foundation stack (KMS decides on the key policy and the identity policy
 * together), and a decide(call) that simulates one call on a role's policy (iam-simulate).
 */
import { simulate, type Decision } from "../../policies/ci-simulation";
import { resourcesOf, type Synthesized } from "./helpers";

export const ACCOUNT = "222222222222";
export const REGION = "eu-west-1";
export const BUCKET = `arn:aws:s3:::acme-staging-lake-${ACCOUNT}`;
export const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
export const table = (name: string) => arn("dynamodb", `table/acme-staging-${name}`);
export const key = (purpose: string) => arn("kms", `key/${purpose}-0000`);
export const secret = (name: string) => arn("secretsmanager", `secret:acme/staging/${name}-AbCdEf`);
export const ALERTS = arn("sns", "acme-staging-alerts");
/** The context of a KMS call Secrets Manager makes for the caller: the secrets key's policy allows only these. */
export const viaSecretsManager = { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` };

export type Call = readonly [action: string, resource: string, context?: Record<string, string>];
/** Named cases, so each test's title says the action and the resource. */
export const asCases = (calls: ReadonlyArray<Call>) => calls.map((call) => ({ action: call[0], resource: call[1], call }));

export type Pattern = [RegExp, (match: RegExpMatchArray) => string];
/** The references most policies hold: the lake, the tables, the keys, the secrets, the alerts topic, queues and log groups. */
export const standardPatterns: ReadonlyArray<Pattern> = [
  [/aws_s3_bucketlake_bucket_\w+arn$/, () => BUCKET],
  [/aws_dynamodb_tabletable-(\w+?)_table_\w+arn$/, (m) => table(m[1]!)],
  [/aws_kms_keykey-(\w+)arn$/, (m) => key(m[1]!)],
  [/aws_secretsmanager_secretsecret-(\w+)arn$/, (m) => secret(m[1]!)],
  [/aws_sns_topicalertsarn$/, () => ALERTS],
  [/^aws_sqs_queue\.([\w-]+)\.arn$/, (m) => arn("sqs", m[1]!)],
  [/^aws_cloudwatch_log_group\.([\w-]+)\.arn$/, (m) => arn("logs", `log-group:${m[1]!}`)],
];

/** The ARN a Terraform reference in a policy stands for (the first pattern that matches). */
export const resolverOf =
  (patterns: ReadonlyArray<Pattern> = standardPatterns) =>
  (reference: string): string => {
    for (const [pattern, to] of patterns) {
      const match = reference.match(pattern);
      if (match) return to(match);
    }
    throw new Error(`no ARN for the reference \${${reference}}: add a pattern`);
  };

export type Resolve = (reference: string) => string;
/** A synthesized policy document with its references resolved. */
export const resolvedPolicy = (policy: unknown, resolve: Resolve = resolverOf()): unknown =>
  JSON.parse(String(policy).replace(/\$\{([^}]+)\}/g, (_, reference: string) => resolve(reference)));

type Stack = ReturnType<Synthesized["stack"]>;
/** The one role policy of a stack whose role matches. */
export const rolePolicy = (stack: Stack, matches: (role: string) => boolean, resolve: Resolve = resolverOf()): unknown => {
  const found = resourcesOf(stack, "aws_iam_role_policy").filter((candidate) => matches(String(candidate.role)));
  if (found.length !== 1) throw new Error(`expected one role policy, found ${found.length}`);
  return resolvedPolicy(found[0].policy, resolve);
};

/** Simulates calls on role policies, with the foundation stack's key policy for a call on a key. */
export const roleSimulator = (synth: Synthesized) => {
  const keys = synth.stack("acme-staging-foundation").resource!.aws_kms_key as Record<string, { policy: string }>;
  const keyPolicies: Record<string, unknown> = Object.fromEntries(Object.entries(keys).map(([id, keyResource]) => [id.replace(/^key-/, ""), JSON.parse(keyResource.policy)]));
  const keyPolicyOf = (resource: string) => {
    const purpose = resource.match(/:key\/(\w+)-0000$/)?.[1];
    if (purpose === undefined) return {};
    if (!keyPolicies[purpose]) throw new Error(`no key ${purpose} in the foundation stack`);
    return { resourcePolicy: keyPolicies[purpose] };
  };
  /** The decision on one call by the role `roleName` (its identity policy `policy`). */
  return async (roleName: string, policy: unknown, [action, resource, context = {}]: Call): Promise<Decision> =>
    (
      await simulate({
        ...keyPolicyOf(resource),
        principal: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: roleName, policy }],
      })
    ).decision;
};

/** A function's (or a state machine's) role in the synthesized stacks. */
export interface FunctionRole {
  /** The stack that holds the role policy, e.g. acme-staging-analytics. */
  readonly stack: string;
  /** Picks the role (its Terraform reference) among the stack's role policies. */
  readonly roleMatch: RegExp | string;
  /** The role's name, e.g. acme-staging-payments-reconcile. */
  readonly principalName: string;
  readonly resolve?: Resolve;
}

/** decide(call) on one function's role policy. */
export const functionRoleSimulator = (synth: Synthesized, { stack, roleMatch, principalName, resolve }: FunctionRole) => {
  const matches = typeof roleMatch === "string" ? (role: string) => role.includes(roleMatch) : (role: string) => roleMatch.test(role);
  const policy = rolePolicy(synth.stack(stack), matches, resolve);
  const simulateOn = roleSimulator(synth);
  return (call: Call): Promise<Decision> => simulateOn(principalName, policy, call);
};
