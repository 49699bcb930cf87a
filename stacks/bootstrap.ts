/**
 * The bootstrap stack of an environment (`<brand>-<env>-bootstrap`): what CI must never be able
 * to change, applied only with administrator credentials by `sdp bootstrap --apply`:
 * - the GitHub OIDC provider and the CI roles: the deploy role (assumed by deploy jobs in the
 *   GitHub environment) and the read-only plan role (assumed by pull-request plans);
 * - the permissions boundary every role of the CI-applied stacks must carry.
 * It is not a layer: `sdp deploy`, changed-stacks, atlantis and the workflows list only the
 * layer stacks, and its state lives under `bootstrap/` in the state bucket, outside the `<env>/`
 * prefix the CI roles may read and write.
 */
import { IamOpenidConnectProvider } from "@cdktn/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktn/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { githubDeployRoleName, githubOidcAudience, githubOidcProviderUrl, githubOidcSubjects, githubPlanRoleName } from "../contracts/naming";
import { boundaryPolicyName, boundaryStatements, deployStatements, planStatements } from "../policies/ci-roles";
import { suppress } from "../policies/guardrails";
import { policyDocument } from "../policies/iam";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";

const GITHUB_OIDC_HOST = new URL(githubOidcProviderUrl).host;

const CI_ROLE_WITHOUT_BOUNDARY =
  "A CI role is created by an administrator in the bootstrap stack, never by CI; the workload boundary would take away the IAM and KMS management it exists for, and CI cannot change it (the deploy role denies iam:* on <brand>-<env>-github-*).";

export class BootstrapStack extends PlatformStack {
  readonly deployRole: IamRole;
  /** Read-only role for pull-request plans (a pull request runs code nobody reviewed yet). */
  readonly planRole: IamRole;
  readonly boundary: IamPolicy;

  constructor(scope: Construct, env: EnvironmentConfig, options: PlatformStackOptions = {}) {
    super(scope, env, "bootstrap", options);

    this.boundary = new IamPolicy(this, "workload-boundary", {
      name: boundaryPolicyName(env),
      description: `Permissions boundary of every role the ${env.brand} ${env.name} stacks create: platform data services only; no IAM, STS or Terraform state.`,
      policy: policyDocument(boundaryStatements(env)),
    });
    suppress(
      this.boundary,
      "IAM_NO_STAR_ACTION",
      "A permissions boundary is a ceiling, not a grant: service wildcards of the platform's data services bound what any workload role's own least-privilege policy can add.",
    );
    suppress(
      this.boundary,
      "IAM_NO_STAR_RESOURCE",
      "A permissions boundary is a ceiling, not a grant: the workload roles' own policies name the resources; the boundary only excludes services (IAM, STS) and the Terraform state.",
    );

    const oidc = new IamOpenidConnectProvider(this, "github-oidc", { url: githubOidcProviderUrl, clientIdList: [githubOidcAudience] });
    const subjects = githubOidcSubjects(env.githubRepository, env.name);
    const githubTrust = (subject: string) =>
      policyDocument([
        {
          Effect: "Allow",
          Principal: { Federated: oidc.arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: githubOidcAudience, [`${GITHUB_OIDC_HOST}:sub`]: subject } },
        },
      ]);

    this.deployRole = new IamRole(this, "deploy-role", {
      name: githubDeployRoleName(env.brand, env.name),
      description: `Assumed by GitHub Actions of ${env.githubRepository} in its "${env.name}" environment to run cdktn deploy.`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrust(subjects.deploy),
    });
    suppress(this.deployRole, "IAM_ROLE_BOUNDARY", CI_ROLE_WITHOUT_BOUNDARY);
    const deployPolicy = new IamRolePolicy(this, "deploy-policy", {
      role: this.deployRole.id,
      name: "deploy-this-environment",
      policy: policyDocument(deployStatements(env)),
    });
    suppress(
      deployPolicy,
      "IAM_NO_STAR_ACTION",
      "Terraform creates, updates and deletes every resource of these services for this environment; each service wildcard is limited to the environment's own name prefix, and IAM, KMS, S3 and secrets are granted action by action.",
    );

    this.planRole = new IamRole(this, "plan-role", {
      name: githubPlanRoleName(env.brand, env.name),
      description: `Assumed by pull-request workflows of ${env.githubRepository} to run a read-only terraform plan (-lock=false).`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrust(subjects.plan),
    });
    suppress(this.planRole, "IAM_ROLE_BOUNDARY", CI_ROLE_WITHOUT_BOUNDARY);
    new IamRolePolicy(this, "plan-policy", {
      role: this.planRole.id,
      name: "plan-this-environment",
      policy: policyDocument(planStatements(env)),
    });

    new TerraformOutput(this, "deploy-role-arn", {
      value: this.deployRole.arn,
      description: "Role deploy workflows assume (aws-actions/configure-aws-credentials role-to-assume).",
    });
    new TerraformOutput(this, "plan-role-arn", { value: this.planRole.arn, description: "Read-only role pull-request plans assume." });
    new TerraformOutput(this, "workload-boundary-arn", { value: this.boundary.arn, description: "Permissions boundary of every role of the CI-applied stacks." });
  }
}
