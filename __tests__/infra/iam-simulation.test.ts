/**
 * The CI roles, proven by simulation (@cloud-copilot/iam-simulate) on the synthesized stacks:
 * every call Terraform makes for every resource of the 21 CI-applied stacks is allowed to the
 * deploy role (and the read calls to the plan role), with each resource's real ARN; the classic
 * privilege-escalation and data-read paths are denied; the workload boundary never blocks a
 * grant. Mutations of the synthesized policies show that each check can fail.
 */
import { deployedEnvironments } from "../../config/environments";
import { bootstrapStackName, githubRoleNamePrefix, permissionsBoundaryArn } from "../../contracts/naming";
import { allStacks } from "../../delivery/stacks";
import { simulateCiRoles, type CiSimulationReport } from "../../policies/ci-simulation";
import type { TfJson } from "../../policies/guardrails";
import { formatIamSummary, summarizeIam, type IamSummary } from "../../policies/iam-summary";
import { terraformResourceTypes } from "../../policies/terraform-calls";
import { resourcesOf, synthesize, type Synthesized } from "./helpers";

type Json = Record<string, any>;

describe("CI roles proven by simulation", () => {
  let synth: Synthesized;
  let stacks: Record<string, TfJson>;
  let ciStacks: string[];
  let bootstrapStacks: string[];
  let summary: IamSummary;

  beforeAll(async () => {
    synth = synthesize();
    ciStacks = synth.stacks.map((s) => s.node.id);
    bootstrapStacks = synth.bootstrapStacks.map((s) => s.node.id);
    stacks = Object.fromEntries([...ciStacks, ...bootstrapStacks].map((name) => [name, synth.stack(name)]));
    summary = await summarizeIam(stacks, ciStacks, bootstrapStacks);
  }, 240_000);
  afterAll(() => synth.cleanup());

  const prod = (layer: string) => `acme-prod-${layer}`;
  const clone = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;
  /** The synthesized stacks with one bootstrap stack's role policy edited. */
  const withPolicy = (env: string, policyName: string, edit: (statements: Json[]) => Json[]) => {
    const bootstrap = clone(stacks[bootstrapStackName("acme", env)]);
    const policy = Object.values(bootstrap.resource.aws_iam_role_policy as Record<string, Json>).find((p) => p.name === policyName)!;
    policy.policy = JSON.stringify({ Version: "2012-10-17", Statement: edit(JSON.parse(policy.policy).Statement) });
    return { ...stacks, [bootstrapStackName("acme", env)]: bootstrap as TfJson };
  };
  const withoutSid = (sid: string) => (statements: Json[]) => statements.filter((s) => s.Sid !== sid);
  const simulateProd = (layers: string[], input: Record<string, TfJson> = stacks): Promise<CiSimulationReport> =>
    simulateCiRoles({ stacks: input, ciStacks: layers.map(prod), bootstrapStacks: [bootstrapStackName("acme", "prod")] });

  it("prints the guardrail summary for all 21 stacks: 0 unknown actions, 0 escalation paths, 0 missing CI permissions", () => {
    expect(summary.stacks).toBe(21);
    const text = formatIamSummary(summary);
    expect(text).toContain("IAM guardrails for all 21 stacks (+ 3 bootstrap): unknown actions 0, escalation paths 0, missing CI permissions 0");
    expect({
      unknownActions: summary.unknownActions,
      escalationPaths: summary.escalationPaths,
      missingCiPermissions: summary.missingCiPermissions,
      otherIamViolations: summary.otherIamViolations,
      boundaryBlockedGrants: summary.boundaryBlockedGrants,
      resourceTypesWithoutCalls: summary.resourceTypesWithoutCalls,
    }).toEqual({ unknownActions: 0, escalationPaths: 0, missingCiPermissions: 0, otherIamViolations: 0, boundaryBlockedGrants: 0, resourceTypesWithoutCalls: [] });
    // Non-vacuous: thousands of calls over every resource type, dozens of attempts per environment.
    expect(summary.simulatedCalls).toBeGreaterThan(5000);
    expect(summary.escalationAttempts).toBeGreaterThanOrEqual(3 * 50);
  });

  it("has a row of Terraform calls for every resource type the 21 stacks create (a new type without one fails)", async () => {
    const created = new Set(ciStacks.flatMap((name) => Object.keys(stacks[name]!.resource ?? {})));
    expect([...created].filter((type) => !terraformResourceTypes[type])).toEqual([]);
    expect(summary.simulation.resourceTypes).toEqual([...created].sort());
    for (const type of created) expect(summary.simulation.calls.some((call) => call.address.startsWith(`${type}.`))).toBe(true);

    const lake = clone(stacks[prod("lake")]);
    lake.resource.aws_s3_bucket_inventory = { inv: { bucket: "${aws_s3_bucket.lake_bucket.id}", name: "all" } };
    const report = await simulateProd(["lake"], { ...stacks, [prod("lake")]: lake as TfJson });
    expect(report.typesWithoutRow).toEqual(["aws_s3_bucket_inventory"]);
  });

  it("allows what the first real deploy lacked: CreateEventSourceMapping, the backfill parameter, GetPartitionIndexes", () => {
    const allowed = (role: string, action: string, resource: RegExp) =>
      summary.simulation.calls.filter((c) => c.env === "prod" && c.role === role && c.action === action && resource.test(c.resource));
    expect(allowed("deploy", "lambda:CreateEventSourceMapping", /^\*$/).length).toBeGreaterThan(5);
    for (const action of ["ssm:PutParameter", "ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource", "ssm:AddTagsToResource", "ssm:DeleteParameter"])
      expect(allowed("deploy", action, /parameter\/acme\/prod\/backfill\/state-machine-arn|^\*$/).length).toBeGreaterThan(0);
    expect(allowed("plan", "ssm:GetParameter", /parameter\/acme\/prod\/backfill\//).length).toBeGreaterThan(0);
    expect(allowed("deploy", "glue:GetPartitionIndexes", /:table\/acme_prod_lake\//).length).toBeGreaterThan(5);
    expect(allowed("plan", "glue:GetPartitionIndexes", /:table\/acme_prod_lake\//).length).toBeGreaterThan(5);
    // Plans read each state's digest from the lock table (the S3 backend's getMD5), for their own state and every remote state.
    expect(allowed("plan", "dynamodb:GetItem", /:table\/acme-terraform-locks$/).length).toBeGreaterThan(7);
    expect(summary.simulation.calls.filter((c) => c.env === "prod" && c.role === "plan" && /^(s3:PutObject|dynamodb:(PutItem|DeleteItem))$/.test(c.action))).toEqual([]);
    // A plan of a changed workflow validates its definition (wildcard-only states:ValidateStateMachineDefinition).
    expect(allowed("plan", "states:ValidateStateMachineDefinition", /^\*$/).length).toBeGreaterThan(0);
    for (const call of summary.simulation.calls) expect(call.decision).toBe("Allowed");
  });

  it("finds missing permissions when a grant is taken away (the simulation can fail)", async () => {
    const noMappings = await simulateProd(["backfill"], withPolicy("prod", "deploy-this-environment", withoutSid("CreateEventSourceMappingsForOwnFunctions")));
    expect(noMappings.missing.map((c) => c.action)).toContain("lambda:CreateEventSourceMapping");
    const noParameters = await simulateProd(["backfill"], withPolicy("prod", "deploy-this-environment", withoutSid("EnvironmentParameters")));
    expect(new Set(noParameters.missing.map((c) => c.action))).toEqual(
      new Set(["ssm:PutParameter", "ssm:GetParameter", "ssm:ListTagsForResource", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:DeleteParameter"]),
    );
    const noIndexes = await simulateProd(
      ["lake"],
      withPolicy("prod", "plan-this-environment", (statements) =>
        statements.map((s) => ({ ...s, Action: [s.Action].flat().filter((a: string) => a !== "glue:GetPartitionIndexes") })),
      ),
    );
    expect(noIndexes.missing.filter((c) => c.role === "plan").map((c) => c.action)).toEqual(Array(noIndexes.missing.length).fill("glue:GetPartitionIndexes"));
    const noDigest = await simulateProd(["monitoring"], withPolicy("prod", "plan-this-environment", withoutSid("ReadStateDigest")));
    expect(new Set(noDigest.missing.map((c) => `${c.role} ${c.action} ${c.address.split(".")[0]}`))).toEqual(
      new Set(["plan dynamodb:GetItem terraform", "plan dynamodb:GetItem data"]),
    );
  }, 60_000);

  it.each([
    "create a role without the boundary",
    "attach AdministratorAccess to a bounded role",
    "pass a role outside the environment to Lambda",
    "a bounded role with an admin policy creates a role",
    "assume a role created to trust the deploy role",
    "rewrite the plan role with iam:UpdateAssumeRolePolicy",
    "rewrite the plan role with iam:PutRolePolicy",
    "rewrite the plan role with iam:AttachRolePolicy",
    "rewrite the deploy role with iam:PutRolePolicy",
    "pull request rewrites its own plan role with iam:PutRolePolicy",
    "change the boundary policy with iam:CreatePolicyVersion",
    "change the boundary policy with iam:DeletePolicy",
    "remove a role's boundary",
    "read a secret value",
    "read a lake object",
    "decrypt with an environment key",
    "rewrite the key policy of a key it does not own",
    "schedule deletion of a key it does not own",
  ])("denies the escalation or data read: %s", (name) => {
    const attempts = summary.simulation.escalations.filter((e) => e.name === name);
    expect(attempts.map((e) => e.env).sort()).toEqual([...deployedEnvironments].sort());
    for (const attempt of attempts) expect(attempt.decision).toMatch(/Denied$/);
  });

  it("finds escalation paths when a guard is taken away", async () => {
    const names = async (input: Record<string, TfJson>) => (await simulateProd(["hot-stores"], input)).escalationPaths.map((e) => e.name);
    // Without the explicit deny, ManageWorkloadRoles and RolesOnlyWithTheBoundary (acme-prod-*) would cover the CI roles too.
    expect(await names(withPolicy("prod", "deploy-this-environment", withoutSid("NeverTheCiRoles")))).toEqual(
      expect.arrayContaining(["rewrite the plan role with iam:UpdateAssumeRolePolicy", "rewrite the plan role with iam:PutRolePolicy"]),
    );
    const unbounded = withPolicy("prod", "deploy-this-environment", (statements) =>
      statements.map((s) => (s.Sid === "RolesOnlyWithTheBoundary" ? { ...s, Condition: undefined } : s)),
    );
    expect(await names(unbounded)).toEqual(expect.arrayContaining(["create a role without the boundary", "create a role with another boundary (AdministratorAccess)"]));
    const readsSecrets = withPolicy("prod", "deploy-this-environment", (statements) => [
      ...statements.filter((s) => s.Sid !== "NoDataReads"),
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "arn:aws:secretsmanager:eu-west-1:333333333333:secret:acme/prod/*" },
    ]);
    // (the explicit deny also keeps dynamodb:* on the environment's tables from reading hot-store items)
    expect(await names(readsSecrets)).toEqual(expect.arrayContaining(["read a secret value", "read a hot-store item"]));
  }, 60_000);

  it("puts the workload boundary on every role of the 21 stacks and keeps the CI roles in the bootstrap stacks", () => {
    for (const name of ciStacks) {
      const env = name.split("-")[1]!;
      const config = synth.environments.find((e) => e.env.name === env)!.env;
      for (const role of resourcesOf(stacks[name]!, "aws_iam_role")) {
        expect(role.permissions_boundary).toBe(permissionsBoundaryArn(config.accountId, "acme", env));
        expect(role.name.startsWith(githubRoleNamePrefix("acme", env))).toBe(false);
      }
      expect(resourcesOf(stacks[name]!, "aws_iam_openid_connect_provider")).toEqual([]);
    }
    for (const name of bootstrapStacks) {
      expect(
        resourcesOf(stacks[name]!, "aws_iam_role")
          .map((r) => r.name)
          .sort(),
      ).toEqual([`${name.replace(/-bootstrap$/, "")}-github-deploy`, `${name.replace(/-bootstrap$/, "")}-github-plan`]);
      expect((stacks[name]!.terraform?.backend?.s3 as Json).key).toMatch(/^bootstrap\//);
    }
    // CI (sdp deploy, changed-stacks, atlantis, the workflows) knows only the 21 layer stacks.
    expect(
      allStacks()
        .map((t) => t.stack)
        .sort(),
    ).toEqual([...ciStacks].sort());
  });
});
