/** Names shared by the stacks, the functions, the CLI and the local platform. Plain data. */

export const layers = ["foundation", "lake", "hot-stores", "ingestion", "backfill", "analytics", "monitoring"] as const;
export type Layer = (typeof layers)[number];

/** Which layers a layer reads cross-stack references from; deploy order follows it. */
export const layerDependencies: Record<Layer, ReadonlyArray<Layer>> = {
  foundation: [],
  lake: ["foundation"],
  "hot-stores": ["foundation"],
  ingestion: ["foundation", "lake", "hot-stores"],
  // ingestion routes bulk_operations/finish to the backfill layer's queue consumer.
  backfill: ["foundation", "lake", "hot-stores", "ingestion"],
  // the data-quality function reads the hot stores (contracts/functions.ts).
  // The analytics rule that turns data-quality gaps into backfills sits on the ingestion layer's
  // platform bus and targets the backfill layer's state machine.
  analytics: ["foundation", "lake", "hot-stores", "ingestion", "backfill"],
  monitoring: ["foundation", "lake", "hot-stores", "ingestion", "backfill", "analytics"],
};

export const stackName = (brand: string, env: string, layer: Layer) => `${brand}-${env}-${layer}`;
export const stateKey = (env: string, layer: Layer) => `${env}/${layer}.tfstate`;

export const lakeBucketName = (brand: string, accountId: string, env: string) => `${brand}-data-lake-${accountId}-${env}`;
export const accessLogBucketName = (brand: string, accountId: string, env: string) => `${brand}-access-logs-${accountId}-${env}`;
export const tableName = (brand: string, env: string, logicalName: string) => `${brand}-${env}-${logicalName}`;
export const resourcePrefix = (brand: string, env: string) => `${brand}-${env}`;

/**
 * GitHub Actions reaches AWS only through OIDC (no stored keys). The bootstrap stack creates, per
 * environment, the deploy role with this name; its trust allows the audience `sts.amazonaws.com`
 * and only the `deploy` subject of `githubOidcSubjects`. `.github/workflows/*` and `sdp deploy` derive the ARN
 * from here, so the name lives in one place.
 */
export const githubDeployRoleName = (brand: string, env: string) => `${brand}-${env}-github-deploy`;
export const githubDeployRoleArn = (accountId: string, brand: string, env: string) => `arn:aws:iam::${accountId}:role/${githubDeployRoleName(brand, env)}`;
/** Every CI role of an environment matches this (CI may never change them: policies deny it). */
export const githubRoleNamePrefix = (brand: string, env: string) => `${brand}-${env}-github-`;
/**
 * The bootstrap stack of an environment: the GitHub OIDC provider, the CI deploy and plan roles
 * and the permissions boundary every other role must carry. It is applied with administrator
 * credentials by `sdp bootstrap --apply`, never by CI, and is not one of the `layers`: delivery
 * tooling (sdp deploy, changed-stacks, atlantis) never lists it. Its state lives outside the
 * `<env>/` prefix the CI roles may read and write.
 */
export const bootstrapStackName = (brand: string, env: string) => `${brand}-${env}-bootstrap`;
export const bootstrapStateKey = (env: string) => `bootstrap/${env}.tfstate`;
/** The managed policy every role the CI-applied stacks create must have as its permissions boundary. */
export const permissionsBoundaryName = (brand: string, env: string) => `${brand}-${env}-workload-boundary`;
export const permissionsBoundaryArn = (accountId: string, brand: string, env: string) => `arn:aws:iam::${accountId}:policy/${permissionsBoundaryName(brand, env)}`;
export const githubOidcProviderUrl = "https://token.actions.githubusercontent.com";
export const githubOidcAudience = "sts.amazonaws.com";
/**
 * Pull-request plans use a second, read-only role: a pull request runs code nobody has reviewed
 * yet, so it must not get the deploy role. It needs read access to what the stacks manage
 * (Describe/List/Get, no data-plane reads of the lake or secret values) and s3:GetObject +
 * s3:ListBucket on the state bucket; plans run with `-lock=false`, so no lock-table writes (but
 * dynamodb:GetItem: the S3 backend reads the state's digest item from the lock table).
 */
export const githubPlanRoleName = (brand: string, env: string) => `${brand}-${env}-github-plan`;
export const githubPlanRoleArn = (accountId: string, brand: string, env: string) => `arn:aws:iam::${accountId}:role/${githubPlanRoleName(brand, env)}`;
/**
 * `sub` claims each role trusts: deploy jobs run in the GitHub environment named like the
 * platform environment (it carries the required reviewers and the main-only branch rule);
 * plan jobs run for pull requests (GitHub gives pull requests from forks no OIDC token).
 */
export const githubOidcSubjects = (repository: string, env: string) => ({
  deploy: `repo:${repository}:environment:${env}`,
  plan: `repo:${repository}:pull_request`,
});
