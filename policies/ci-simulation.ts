/**
 * Proves the CI roles by simulation (@cloud-copilot/iam-simulate), on the synthesized JSON:
 *
 * 1. Missing CI permissions: for every resource of the CI-applied stacks, every call Terraform
 *    makes for its type (policies/terraform-calls.ts) with the resource's real ARN is Allowed for
 *    the deploy role (create, read, update, delete) and, for the read calls, for the plan role.
 * 2. Escalation paths: the classic privilege-escalation and data-read requests are denied to the
 *    deploy and plan roles, and to a workload role whatever its own policy says (boundary).
 * 3. Boundary coverage: every grant of every workload role stays within the boundary, so the
 *    boundary never breaks a function at run time.
 *
 * The CI roles' and the boundary's policies are read from the bootstrap stacks' synthesized JSON,
 * so what is proven is what `sdp bootstrap --apply` creates.
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { githubDeployRoleName, githubPlanRoleName, permissionsBoundaryName } from "../contracts/naming";
import { attachablePolicyArns, preflightCalls } from "./ci-roles";
import { list, type TfJson } from "./guardrails";
import type { PolicyStatement } from "./iam";
import { actionInfo, expandActions, resourceTypesOfArn } from "./iam-catalogue";
import { modelOf, policyDocuments } from "./iam-rules";
import { callsOf, terraformResourceTypes, type Call } from "./terraform-calls";
import type { ResolvedResource, TerraformModel } from "./terraform-model";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";

export interface SimulatedCall {
  readonly env: string;
  readonly role: "deploy" | "plan";
  readonly stack: string;
  readonly address: string;
  readonly phase: "create" | "read" | "update" | "delete";
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
  readonly detail?: string;
}

export interface EscalationAttempt {
  readonly env: string;
  readonly name: string;
  readonly principal: "deploy" | "plan" | "bounded workload role";
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
  readonly detail?: string;
}

export interface CiSimulationReport {
  readonly stacks: ReadonlyArray<string>;
  readonly resourceTypes: ReadonlyArray<string>;
  /** Resource types of the CI-applied stacks without a row in terraformResourceTypes. */
  readonly typesWithoutRow: ReadonlyArray<string>;
  readonly calls: ReadonlyArray<SimulatedCall>;
  readonly missing: ReadonlyArray<SimulatedCall>;
  readonly escalations: ReadonlyArray<EscalationAttempt>;
  /** Escalation attempts that were not denied. */
  readonly escalationPaths: ReadonlyArray<EscalationAttempt>;
  /** Workload grants the boundary would block (a function would fail at run time). */
  readonly boundaryBlocked: ReadonlyArray<SimulatedCall>;
}

interface EnvPolicies {
  readonly env: string;
  readonly account: string;
  readonly region: string;
  readonly brand: string;
  readonly deployArn: string;
  readonly planArn: string;
  readonly deploy: ReadonlyArray<{ name: string; policy: unknown }>;
  readonly plan: ReadonlyArray<{ name: string; policy: unknown }>;
  readonly boundary: unknown;
  readonly boundaryArn: string;
}

const doc = (statements: ReadonlyArray<PolicyStatement>) => ({ Version: "2012-10-17", Statement: statements });

/** The CI roles' and boundary's policies of each environment, from its bootstrap stack. */
const ciPolicies = (model: TerraformModel, bootstrapStacks: ReadonlyArray<string>): Map<string, EnvPolicies> => {
  const out = new Map<string, EnvPolicies>();
  for (const stack of bootstrapStacks) {
    const env = model.env(stack);
    const docs = policyDocuments(model, stack);
    const rolePolicies = (roleName: string) =>
      model
        .resources(stack)
        .filter((r) => r.type === "aws_iam_role_policy" && model.resolve(stack, String(r.body.role)) === roleName)
        .map((r) => ({ name: String(r.body.name), policy: JSON.parse(model.resolve(stack, String(r.body.policy))) as unknown }));
    const boundary = model.resources(stack).find((r) => r.type === "aws_iam_policy" && r.body.name === permissionsBoundaryName(env.brand, env.environment));
    if (!boundary || docs.length === 0) continue;
    out.set(env.environment, {
      env: env.environment,
      account: env.account,
      region: env.region,
      brand: env.brand,
      deployArn: `arn:aws:iam::${env.account}:role/${githubDeployRoleName(env.brand, env.environment)}`,
      planArn: `arn:aws:iam::${env.account}:role/${githubPlanRoleName(env.brand, env.environment)}`,
      deploy: rolePolicies(githubDeployRoleName(env.brand, env.environment)),
      plan: rolePolicies(githubPlanRoleName(env.brand, env.environment)),
      boundary: JSON.parse(model.resolve(stack, String(boundary.body.policy))) as unknown,
      boundaryArn: `arn:aws:iam::${env.account}:policy/${permissionsBoundaryName(env.brand, env.environment)}`,
    });
  }
  return out;
};

interface Request {
  readonly principal: string;
  readonly account: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  readonly identity: ReadonlyArray<{ name: string; policy: unknown }>;
  readonly boundary?: unknown;
  readonly resourcePolicy?: unknown;
}

const cache = new Map<string, Promise<{ decision: Decision; detail?: string }>>();
/** Shapes (principal policies, action, resource type, context keys) validated by runSimulation: the context keys it ignored. */
const validatedShapes = new Map<string, Promise<ReadonlyArray<string> | undefined>>();
const policyIds = new WeakMap<object, number>();
let nextPolicyId = 1;
const idOf = (value: unknown) => {
  if (value === null || typeof value !== "object") return String(value);
  if (!policyIds.has(value)) policyIds.set(value, nextPolicyId++);
  return String(policyIds.get(value));
};

/**
 * A request's shape: what iam-simulate validates (the policies, the action, the resource type
 * the ARN is, the context keys). Once one request of a shape passed the validated
 * `runSimulation`, the others of that shape are evaluated with `runUnsafeSimulation` without
 * the context keys runSimulation ignored for it (keys the action and resource type do not
 * take), which is what runSimulation does after its validation: same decisions, a fraction of
 * the time (ten thousand calls per synth).
 */
const shapeOf = async (request: Request): Promise<string> => {
  const service = request.action.slice(0, request.action.indexOf(":"));
  const types = request.resource === "*" ? ["*"] : await resourceTypesOfArn(service, request.resource);
  return [
    request.identity.map((p) => idOf(p.policy)).join(","),
    idOf(request.boundary),
    idOf(request.resourcePolicy),
    request.action,
    types.join("|"),
    Object.keys(request.context).sort().join(","),
  ].join(" ");
};

export const simulate = (request: Request): Promise<{ decision: Decision; detail?: string }> => {
  const key = JSON.stringify(request);
  if (!cache.has(key)) {
    cache.set(
      key,
      (async () => {
        const simulation: Simulation = {
          request: {
            principal: request.principal,
            action: request.action,
            resource: { resource: request.resource, accountId: request.account },
            contextVariables: { "aws:SecureTransport": "true", "aws:PrincipalArn": request.principal, "aws:PrincipalAccount": request.account, ...request.context },
          },
          identityPolicies: request.identity.map((p) => ({ name: p.name, policy: p.policy })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
          ...(request.boundary ? { permissionBoundaryPolicies: [{ name: "boundary", policy: request.boundary }] } : {}),
        };
        // iam-data lists no API Gateway v2 resource types (Api, Apis, Tags, ...) for the HTTP-verb
        // actions, so validated simulation rejects every /apis ARN; these are evaluated unvalidated.
        if (request.action.startsWith("apigateway:") && /::\/(apis|tags)/.test(request.resource)) return { decision: runUnsafeSimulation(simulation, {}) };
        // (runUnsafeSimulation cannot name a resource policy in its analysis: those requests are always validated.)
        const shape = (request.resource.includes("*") && request.resource !== "*") || request.resourcePolicy ? undefined : await shapeOf(request);
        const ignored = shape === undefined ? undefined : await validatedShapes.get(shape);
        if (ignored !== undefined) {
          const contextVariables = Object.fromEntries(Object.entries(simulation.request.contextVariables).filter(([key]) => !ignored.includes(key)));
          return { decision: runUnsafeSimulation({ ...simulation, request: { ...simulation.request, contextVariables } }, {}) };
        }
        const validated = runSimulation(simulation, {});
        if (shape !== undefined && !validatedShapes.has(shape))
          validatedShapes.set(
            shape,
            validated.then((r) => (r.resultType === "single" ? (r.result.ignoredContextKeys ?? []) : undefined)),
          );
        const result = await validated;
        if (result.resultType === "error") return { decision: "Error" as const, detail: JSON.stringify(result.errors).slice(0, 500) };
        return { decision: result.overallResult };
      })(),
    );
  }
  return cache.get(key)!;
};

/** Tags a resource carries (provider default_tags and its own), as request context. */
const tagContext = (r: ResolvedResource): Record<string, string | string[]> => {
  const tags: Record<string, string> = { ...r.env.tags, ...((r.body.tags as Record<string, string> | undefined) ?? {}) };
  return {
    ...Object.fromEntries(
      Object.entries(tags).flatMap(([k, v]) => [
        [`aws:ResourceTag/${k}`, String(v)],
        [`aws:RequestTag/${k}`, String(v)],
      ]),
    ),
    "aws:TagKeys": Object.keys(tags),
  };
};

/** Key policies (by key ARN) and bucket policies (by bucket ARN) that the simulations include as resource policies. */
const resourcePolicies = (model: TerraformModel, stacks: ReadonlyArray<string>) => {
  const byArn = new Map<string, unknown>();
  for (const stack of stacks) {
    for (const instance of model.resources(stack)) {
      const r = model.resolved(instance);
      if (instance.type === "aws_kms_key" && typeof instance.body.policy === "string")
        byArn.set(terraformResourceTypes.aws_kms_key!.arn!(r), JSON.parse(model.resolve(stack, instance.body.policy)));
      if (instance.type === "aws_s3_bucket_policy" && typeof instance.body.policy === "string")
        byArn.set(`arn:aws:s3:::${r.get("bucket")}`, JSON.parse(model.resolve(stack, instance.body.policy)));
    }
  }
  return (resource: string) => {
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
    return byArn.get(resource) ?? (bucket ? byArn.get(`arn:aws:s3:::${bucket}`) : undefined);
  };
};

const callResources = async (call: Call, r: ResolvedResource, defaultArn: string): Promise<string[]> => {
  const info = await actionInfo(call.action);
  if (info?.wildcardOnly) return ["*"];
  return [...(call.resources ? call.resources(r) : [defaultArn])];
};

/** The escalation and data-read attempts of one environment; each must be denied. */
const escalationAttempts = (p: EnvPolicies): Array<Omit<EscalationAttempt, "decision" | "env"> & { context?: Record<string, string | string[]>; resourcePolicy?: unknown }> => {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${p.region}:${p.account}:${resource}`;
  const prefix = `${p.brand}-${p.env}`;
  const newRole = `arn:aws:iam::${p.account}:role/${prefix}-escalate`;
  const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
  const withBoundary = { "iam:PermissionsBoundary": p.boundaryArn };
  const ciRoles = [p.deployArn, p.planArn];
  const ownKeyTags = { "aws:ResourceTag/brand": p.brand, "aws:ResourceTag/environment": p.env };
  const foreignKey = arn("kms", "key/00000000-1111-2222-3333-444444444444");
  const rootKeyPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${p.account}:root` }, Action: "kms:*", Resource: "*" }] };
  return [
    // create a role + attach AdministratorAccess + pass it to a new Lambda
    { name: "create a role without the boundary", principal: "deploy", action: "iam:CreateRole", resource: newRole },
    {
      name: "create a role with another boundary (AdministratorAccess)",
      principal: "deploy",
      action: "iam:CreateRole",
      resource: newRole,
      context: { "iam:PermissionsBoundary": admin },
    },
    {
      name: "attach AdministratorAccess to a bounded role",
      principal: "deploy",
      action: "iam:AttachRolePolicy",
      resource: newRole,
      context: { ...withBoundary, "iam:PolicyARN": admin },
    },
    {
      name: "attach an unlisted customer policy to a bounded role",
      principal: "deploy",
      action: "iam:AttachRolePolicy",
      resource: newRole,
      context: { ...withBoundary, "iam:PolicyARN": `arn:aws:iam::${p.account}:policy/${prefix}-anything` },
    },
    {
      name: "pass a role outside the environment to Lambda",
      principal: "deploy",
      action: "iam:PassRole",
      resource: `arn:aws:iam::${p.account}:role/OrganizationAccountAccessRole`,
      context: { "iam:PassedToService": "lambda.amazonaws.com" },
    },
    { name: "pass a workload role to EC2", principal: "deploy", action: "iam:PassRole", resource: newRole, context: { "iam:PassedToService": "ec2.amazonaws.com" } },
    { name: "pass the deploy role to Lambda", principal: "deploy", action: "iam:PassRole", resource: p.deployArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } },
    { name: "a bounded role with an admin policy creates a role", principal: "bounded workload role", action: "iam:CreateRole", resource: newRole },
    { name: "a bounded role with an admin policy writes the deploy role's policy", principal: "bounded workload role", action: "iam:PutRolePolicy", resource: p.deployArn },
    { name: "a bounded role with an admin policy assumes the deploy role", principal: "bounded workload role", action: "sts:AssumeRole", resource: p.deployArn },
    {
      name: "a bounded role with an admin policy rewrites a key policy",
      principal: "bounded workload role",
      action: "kms:PutKeyPolicy",
      resource: arn("kms", "key/11111111-2222-3333-4444-555555555555"),
      resourcePolicy: rootKeyPolicy,
    },
    {
      name: "a bounded role with an admin policy reads the Terraform state",
      principal: "bounded workload role",
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${p.brand}-terraform-state-${p.account}/${p.env}/foundation.tfstate`,
    },
    // create a role trusting the deploy role and assume it
    { name: "assume a role created to trust the deploy role", principal: "deploy", action: "sts:AssumeRole", resource: newRole },
    { name: "assume the plan role", principal: "deploy", action: "sts:AssumeRole", resource: p.planArn },
    { name: "plan role assumes a workload role", principal: "plan", action: "sts:AssumeRole", resource: newRole },
    // rewrite the CI roles (the plan role pull requests assume, and the deploy role itself)
    ...ciRoles.flatMap((role) =>
      (
        [
          "iam:UpdateAssumeRolePolicy",
          "iam:PutRolePolicy",
          "iam:AttachRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:DetachRolePolicy",
          "iam:PutRolePermissionsBoundary",
          "iam:DeleteRole",
          "iam:TagRole",
        ] as const
      ).map((action) => ({
        name: `rewrite the ${role === p.planArn ? "plan" : "deploy"} role with ${action}`,
        principal: "deploy" as const,
        action,
        resource: role,
        context: { ...withBoundary, "iam:PolicyARN": attachablePolicyArns[0] },
      })),
    ),
    ...(["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"] as const).map((action) => ({
      name: `pull request rewrites its own plan role with ${action}`,
      principal: "plan" as const,
      action,
      resource: p.planArn,
      context: { ...withBoundary, "iam:PolicyARN": admin },
    })),
    // the boundary itself
    ...(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"] as const).map((action) => ({
      name: `change the boundary policy with ${action}`,
      principal: "deploy" as const,
      action,
      resource: p.boundaryArn,
    })),
    {
      name: "rewrite the trust policy of a role without the boundary",
      principal: "deploy",
      action: "iam:UpdateAssumeRolePolicy",
      resource: `arn:aws:iam::${p.account}:role/${prefix}-admin-made`,
    },
    { name: "delete a role without the boundary", principal: "deploy", action: "iam:DeleteRole", resource: `arn:aws:iam::${p.account}:role/${prefix}-admin-made` },
    {
      name: "remove a role's boundary",
      principal: "deploy",
      action: "iam:DeleteRolePermissionsBoundary",
      resource: `arn:aws:iam::${p.account}:role/${prefix}-shopify-orders`,
      context: withBoundary,
    },
    {
      name: "replace a role's boundary by AdministratorAccess",
      principal: "deploy",
      action: "iam:PutRolePermissionsBoundary",
      resource: `arn:aws:iam::${p.account}:role/${prefix}-shopify-orders`,
      context: { "iam:PermissionsBoundary": admin },
    },
    { name: "create a user", principal: "deploy", action: "iam:CreateUser", resource: `arn:aws:iam::${p.account}:user/${prefix}-escalate` },
    { name: "create access keys for a user", principal: "deploy", action: "iam:CreateAccessKey", resource: `arn:aws:iam::${p.account}:user/admin` },
    { name: "create a managed policy", principal: "deploy", action: "iam:CreatePolicy", resource: `arn:aws:iam::${p.account}:policy/${prefix}-escalate` },
    {
      name: "change the OIDC provider",
      principal: "deploy",
      action: "iam:UpdateOpenIDConnectProviderThumbprint",
      resource: `arn:aws:iam::${p.account}:oidc-provider/token.actions.githubusercontent.com`,
    },
    {
      name: "write the bootstrap stack's state",
      principal: "deploy",
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${p.brand}-terraform-state-${p.account}/bootstrap/${p.env}.tfstate`,
    },
    // what the deploy role deploys around, it cannot read
    {
      name: "read a secret value",
      principal: "deploy",
      action: "secretsmanager:GetSecretValue",
      resource: arn("secretsmanager", `secret:${p.brand}/${p.env}/shopify/admin-AbCdEf`),
    },
    {
      name: "plan role reads a secret value",
      principal: "plan",
      action: "secretsmanager:GetSecretValue",
      resource: arn("secretsmanager", `secret:${p.brand}/${p.env}/shopify/admin-AbCdEf`),
    },
    {
      name: "read a lake object",
      principal: "deploy",
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${p.brand}-data-lake-${p.account}-${p.env}/raw/shopify/orders/dt=2026-11-26/e.json`,
    },
    {
      name: "plan role reads a lake object",
      principal: "plan",
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${p.brand}-data-lake-${p.account}-${p.env}/raw/shopify/orders/dt=2026-11-26/e.json`,
    },
    { name: "read a hot-store item", principal: "deploy", action: "dynamodb:GetItem", resource: arn("dynamodb", `table/${prefix}-orders`) },
    {
      name: "decrypt with an environment key",
      principal: "deploy",
      action: "kms:Decrypt",
      resource: arn("kms", "key/11111111-2222-3333-4444-555555555555"),
      context: ownKeyTags,
      resourcePolicy: rootKeyPolicy,
    },
    {
      name: "plan role decrypts with an environment key",
      principal: "plan",
      action: "kms:Decrypt",
      resource: arn("kms", "key/11111111-2222-3333-4444-555555555555"),
      context: ownKeyTags,
      resourcePolicy: rootKeyPolicy,
    },
    { name: "rewrite the key policy of a key it does not own", principal: "deploy", action: "kms:PutKeyPolicy", resource: foreignKey, resourcePolicy: rootKeyPolicy },
    { name: "schedule deletion of a key it does not own", principal: "deploy", action: "kms:ScheduleKeyDeletion", resource: foreignKey, resourcePolicy: rootKeyPolicy },
    {
      name: "schedule deletion of another environment's key",
      principal: "deploy",
      action: "kms:ScheduleKeyDeletion",
      resource: foreignKey,
      context: { "aws:ResourceTag/brand": p.brand, "aws:ResourceTag/environment": "other" },
      resourcePolicy: rootKeyPolicy,
    },
    { name: "create a key without the environment's tags", principal: "deploy", action: "kms:CreateKey", resource: "*" },
    { name: "invoke a function (run code with its role)", principal: "deploy", action: "lambda:InvokeFunction", resource: arn("lambda", `function:${prefix}-shopify-orders`) },
    { name: "start a workflow (run code with its role)", principal: "deploy", action: "states:StartExecution", resource: arn("states", `stateMachine:${prefix}-backfill`) },
    { name: "plan role invokes a function", principal: "plan", action: "lambda:InvokeFunction", resource: arn("lambda", `function:${prefix}-shopify-orders`) },
    { name: "plan role writes the state", principal: "plan", action: "s3:PutObject", resource: `arn:aws:s3:::${p.brand}-terraform-state-${p.account}/${p.env}/foundation.tfstate` },
    { name: "plan role takes the state lock", principal: "plan", action: "dynamodb:PutItem", resource: arn("dynamodb", `table/${p.brand}-terraform-locks`) },
  ];
};

interface BackendCall {
  readonly address: string;
  readonly phase: "read" | "create";
  readonly action: string;
  readonly resource: string;
}

/**
 * What Terraform's S3 backend calls (hashicorp/terraform internal/backend/remote-state/s3/client.go):
 * Get = s3:GetObject of the state and, with a dynamodb_table, dynamodb:GetItem of its digest
 * (`<bucket>/<key>-md5`); workspaces are listed (s3:ListBucket); apply locks (PutItem with a
 * condition, DeleteItem), writes the state (PutObject) and its digest (PutItem).
 */
const backendCalls = (stack: TfJson, env: { account: string; region: string }): BackendCall[] => {
  const lockTableArn = (config: Record<string, unknown>) => `arn:aws:dynamodb:${String(config.region ?? env.region)}:${env.account}:table/${String(config.dynamodb_table)}`;
  const reads = (address: string, config: Record<string, unknown>): BackendCall[] => [
    { address, phase: "read", action: "s3:ListBucket", resource: `arn:aws:s3:::${String(config.bucket)}` },
    { address, phase: "read", action: "s3:GetObject", resource: `arn:aws:s3:::${String(config.bucket)}/${String(config.key)}` },
    ...(config.dynamodb_table ? [{ address, phase: "read" as const, action: "dynamodb:GetItem", resource: lockTableArn(config) }] : []),
  ];
  const own = (stack.terraform?.backend?.s3 ?? {}) as Record<string, unknown>;
  const remote = Object.entries((stack.data?.terraform_remote_state ?? {}) as Record<string, { config?: Record<string, unknown> }>);
  return [
    ...reads("terraform.backend.s3", own),
    { address: "terraform.backend.s3", phase: "create", action: "s3:PutObject", resource: `arn:aws:s3:::${String(own.bucket)}/${String(own.key)}` },
    ...(own.dynamodb_table
      ? (["dynamodb:PutItem", "dynamodb:DeleteItem"] as const).map((action) => ({ address: "terraform.backend.s3", phase: "create" as const, action, resource: lockTableArn(own) }))
      : []),
    ...remote.flatMap(([name, source]) => reads(`data.terraform_remote_state.${name}`, source.config ?? {})),
  ];
};

export interface CiSimulationInput {
  /** Synthesized stacks by name: the CI-applied ones and the bootstrap ones. */
  readonly stacks: Readonly<Record<string, TfJson>>;
  readonly ciStacks: ReadonlyArray<string>;
  readonly bootstrapStacks: ReadonlyArray<string>;
}

export const simulateCiRoles = async (input: CiSimulationInput): Promise<CiSimulationReport> => {
  const model = modelOf(input.stacks);
  const policies = ciPolicies(model, input.bootstrapStacks);
  const policyFor = resourcePolicies(model, input.ciStacks);
  const calls: SimulatedCall[] = [];
  const types = new Set<string>();
  const withoutRow = new Set<string>();
  const boundaryBlocked: SimulatedCall[] = [];
  const preflightSimulated = new Set<string>();

  for (const stack of input.ciStacks) {
    const envName = model.env(stack).environment;
    const p = policies.get(envName);
    if (!p) throw new Error(`no bootstrap stack with CI roles and a boundary for environment ${envName}`);
    // The S3 backend: its own state and every terraform_remote_state it reads. With a dynamodb_table,
    // reading state also reads the state's digest item (getMD5: dynamodb:GetItem), -lock=false or not.
    for (const call of backendCalls(model.stacks[stack]!, model.env(stack))) {
      const roles = call.phase === "read" ? (["deploy", "plan"] as const) : (["deploy"] as const);
      for (const role of roles) {
        const result = await simulate({
          principal: role === "deploy" ? p.deployArn : p.planArn,
          account: p.account,
          action: call.action,
          resource: call.resource,
          context: {},
          identity: role === "deploy" ? p.deploy : p.plan,
        });
        calls.push({
          env: envName,
          role,
          stack,
          address: call.address,
          phase: call.phase,
          action: call.action,
          resource: call.resource,
          decision: result.decision,
          detail: result.detail,
        });
      }
    }
    // What sdp deploy reads before it deploys (its preflight): both roles run it (--dry-run in pull requests).
    if (!preflightSimulated.has(envName)) {
      preflightSimulated.add(envName);
      for (const call of preflightCalls(model.env(stack)))
        for (const role of ["deploy", "plan"] as const) {
          const result = await simulate({
            principal: role === "deploy" ? p.deployArn : p.planArn,
            account: p.account,
            action: call.action,
            resource: call.resource,
            context: {},
            identity: role === "deploy" ? p.deploy : p.plan,
          });
          calls.push({
            env: envName,
            role,
            stack,
            address: "sdp deploy preflight",
            phase: "read",
            action: call.action,
            resource: call.resource,
            decision: result.decision,
            detail: result.detail,
          });
        }
    }
    for (const instance of model.resources(stack)) {
      types.add(instance.type);
      const row = terraformResourceTypes[instance.type];
      if (!row || !row.arn) {
        withoutRow.add(instance.type);
        continue;
      }
      const r = model.resolved(instance);
      const arn = row.arn(r);
      for (const phase of ["create", "read", "update", "delete"] as const)
        for (const call of callsOf(row, phase))
          for (const resource of await callResources(call, r, arn)) {
            const context = { ...tagContext(r), ...(call.context?.(r) ?? {}) };
            const resourcePolicy = policyFor(resource);
            const roles = phase === "read" ? (["deploy", "plan"] as const) : (["deploy"] as const);
            for (const role of roles) {
              const result = await simulate({
                principal: role === "deploy" ? p.deployArn : p.planArn,
                account: p.account,
                action: call.action,
                resource,
                context,
                identity: role === "deploy" ? p.deploy : p.plan,
                resourcePolicy,
              });
              calls.push({
                env: envName,
                role,
                stack,
                address: `${instance.type}.${instance.name}`,
                phase,
                action: call.action,
                resource,
                decision: result.decision,
                detail: result.detail,
              });
            }
          }
    }

    // Workload grants stay within the boundary.
    for (const document of policyDocuments(model, stack).filter((d) => d.kind === "identity")) {
      if (document.statements === "unreadable") continue;
      for (const statement of document.statements.filter((s) => s.Effect === "Allow")) {
        // The statement's own conditions are not what is checked here: only whether the boundary lets the grant through.
        const grant = JSON.parse(model.resolve(stack, JSON.stringify({ ...statement, Condition: undefined }))) as PolicyStatement;
        const identity = [{ name: "grant", policy: doc([grant]) }];
        for (const pattern of list<string>(statement.Action))
          for (const action of await expandActions(pattern)) {
            const info = await actionInfo(action);
            const resources: string[] = [];
            for (const res of list<string>(grant.Resource)) {
              if (res.includes("${")) continue;
              if (info?.wildcardOnly) resources.push("*");
              else if ((await resourceTypesOfArn(action.slice(0, action.indexOf(":")), res)).some((type) => info?.resourceTypes.includes(type))) resources.push(res);
            }
            for (const resource of [...new Set(resources)]) {
              const result = await simulate({
                principal: `arn:aws:iam::${p.account}:role/${envName}-workload`,
                account: p.account,
                action,
                resource,
                context: { "aws:ResourceTag/brand": p.brand, "aws:ResourceTag/environment": envName },
                identity,
                boundary: p.boundary,
                resourcePolicy: policyFor(resource),
              });
              if (result.decision !== "Allowed")
                boundaryBlocked.push({
                  env: envName,
                  role: "deploy",
                  stack,
                  address: document.address,
                  phase: "read",
                  action,
                  resource,
                  decision: result.decision,
                  detail: result.detail,
                });
            }
          }
      }
    }
  }

  const escalations: EscalationAttempt[] = [];
  for (const p of policies.values()) {
    const adminPolicy = [{ name: "admin", policy: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]) }];
    for (const attempt of escalationAttempts(p)) {
      const principal = attempt.principal === "deploy" ? p.deployArn : attempt.principal === "plan" ? p.planArn : `arn:aws:iam::${p.account}:role/${p.brand}-${p.env}-escalate`;
      const result = await simulate({
        principal,
        account: p.account,
        action: attempt.action,
        resource: attempt.resource,
        context: attempt.context ?? {},
        identity: attempt.principal === "deploy" ? p.deploy : attempt.principal === "plan" ? p.plan : adminPolicy,
        ...(attempt.principal === "bounded workload role" ? { boundary: p.boundary } : {}),
        ...(attempt.resourcePolicy ? { resourcePolicy: attempt.resourcePolicy } : {}),
      });
      escalations.push({
        env: p.env,
        name: attempt.name,
        principal: attempt.principal,
        action: attempt.action,
        resource: attempt.resource,
        decision: result.decision,
        detail: result.detail,
      });
    }
  }

  return {
    stacks: input.ciStacks,
    resourceTypes: [...types].sort(),
    typesWithoutRow: [...withoutRow].sort(),
    calls,
    missing: calls.filter((c) => c.decision !== "Allowed"),
    escalations,
    escalationPaths: escalations.filter((e) => e.decision === "Allowed" || e.decision === "Error"),
    boundaryBlocked,
  };
};
