/**
 * Checks run before `sdp deploy` touches anything (and by `sdp deploy --dry-run`, which only
 * reads): each says what it found and, when it fails, what to do about it. Checks that need AWS
 * credentials are skipped (not failed twice) when there are none; a dry run without credentials
 * still checks the config (placeholder accounts, example e-mails) and skips the rest.
 */
import { DescribeTableCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { EnvironmentConfig } from "../config/schema";
import { secretNames } from "../contracts/env-vars";
import { awsErrorInfo, isAccessDenied, isCredentialError, isNotFound, type AwsClients } from "./aws";
import { accountReadiness, concurrencyReadiness, emailReadiness, partnerSourceReadiness, type Readiness } from "./readiness";
import { checkSecrets } from "./secrets";
import { locateBinary, repoRoot } from "./toolchain";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do; present on every failure. */
  readonly fix?: string;
}

export interface PreflightDeps {
  readonly clients: AwsClients;
  readonly env: NodeJS.ProcessEnv;
  /** Where node_modules/.bin is looked up (tests point it at a temp dir). */
  readonly binRoot?: string;
}

export interface PreflightOptions {
  /**
   * Whether the stacks being deployed run functions that read secrets. The foundation stack
   * creates the secrets, so a first deploy of foundation alone must not require them.
   */
  readonly needsSecrets: boolean;
  /** Whether the selection creates the Shopify partner bus (ingestion), whose source must exist. */
  readonly needsPartnerSource?: boolean;
  /** Concurrent executions the deployed functions reserve (0: no function, no quota check). */
  readonly reservedConcurrency?: number;
  /** `--dry-run`: missing credentials skip the AWS checks instead of failing them. */
  readonly dryRun?: boolean;
}

/** The checks in the order they run, for `--dry-run` to list without running them. */
export const preflightCheckTitles = (config: EnvironmentConfig): Array<{ id: string; title: string }> => [
  { id: "config-account", title: `${config.name} accountId is a real AWS account (config/environments.ts)` },
  { id: "config-emails", title: "alert e-mails are real addresses (config/environments.ts)" },
  { id: "terraform", title: "terraform binary on PATH" },
  { id: "cdktn", title: "cdktn CLI (CDK Terrain; node_modules/.bin or PATH)" },
  { id: "aws-credentials", title: "AWS credentials valid (sts:GetCallerIdentity)" },
  { id: "aws-account", title: `AWS account is ${config.accountId} (${config.name})` },
  { id: "state-bucket", title: `state bucket ${config.stateBucket} reachable (s3:HeadBucket)` },
  { id: "lock-table", title: `lock table ${config.stateLockTable} reachable (dynamodb:DescribeTable)` },
  { id: "partner-source", title: `Shopify partner event source ${config.shopifyPartnerEventSource ?? "(none)"} exists (events:DescribeEventSource)` },
  { id: "lambda-concurrency", title: "functions' reserved concurrency fits the account's Lambda quota (lambda:GetAccountSettings)" },
  {
    id: "secrets",
    title: `secrets populated: ${Object.values(secretNames(config.brand, config.name)).join(", ")}`,
  },
];

const titleOf = (config: EnvironmentConfig, id: string) => preflightCheckTitles(config).find((check) => check.id === id)!.title;

const bootstrapFix = (config: EnvironmentConfig) => `run \`npx sdp bootstrap --env ${config.name} --apply\` with credentials for account ${config.accountId}`;

export const runPreflight = async (config: EnvironmentConfig, deps: PreflightDeps, options: PreflightOptions = { needsSecrets: true }): Promise<CheckResult[]> => {
  const results: CheckResult[] = [];
  const add = (id: string, status: CheckStatus, detail: string, fix?: string) => results.push({ id, title: titleOf(config, id), status, detail, fix });
  const addReadiness = (id: string, readiness: Readiness) => add(id, readiness.ok ? "pass" : "fail", readiness.detail, readiness.fix);
  const awsChecks = ["aws-account", "state-bucket", "lock-table", "partner-source", "lambda-concurrency", "secrets"];

  // Offline first: a placeholder account or example e-mail fails however the AWS checks go.
  addReadiness("config-account", accountReadiness(config));
  addReadiness("config-emails", emailReadiness(config));

  const terraform = locateBinary("terraform", deps.env, deps.binRoot ?? repoRoot);
  if (terraform) add("terraform", "pass", terraform);
  else add("terraform", "fail", "terraform is not on PATH", "install Terraform (https://developer.hashicorp.com/terraform/install) or `tfenv install`, then re-run");
  const cdktn = locateBinary("cdktn", deps.env, deps.binRoot ?? repoRoot);
  if (cdktn) add("cdktn", "pass", cdktn);
  else add("cdktn", "fail", "cdktn CLI not found", "run `npm ci` (cdktn-cli is a dev dependency) from the repository root");

  let account: string | undefined;
  try {
    const identity = await deps.clients.sts.send(new GetCallerIdentityCommand({}));
    account = identity.Account;
    add("aws-credentials", "pass", `${identity.Arn ?? "caller"}`);
  } catch (error) {
    const info = awsErrorInfo(error);
    add(
      "aws-credentials",
      options.dryRun ? "skip" : "fail",
      `${isCredentialError(error) ? `no valid AWS credentials (${info.name}: ${info.message})` : `sts:GetCallerIdentity failed (${info.name}: ${info.message})`}${options.dryRun ? "; dry run: the AWS checks are skipped" : ""}`,
      `sign in to account ${config.accountId}, e.g. \`aws sso login --profile ${config.brand}-${config.name}\` then \`export AWS_PROFILE=${config.brand}-${config.name}\``,
    );
  }

  const skip = (id: string) => add(id, "skip", "skipped: needs valid AWS credentials for the right account");
  if (account === undefined) {
    for (const id of awsChecks) skip(id);
    return results;
  }
  if (account !== config.accountId) {
    add(
      "aws-account",
      "fail",
      `credentials are for account ${account}, but ${config.name} is account ${config.accountId} (config/environments.ts)`,
      `switch to a profile for account ${config.accountId} (AWS_PROFILE=${config.brand}-${config.name}) or fix accountId in config/environments.ts`,
    );
    for (const id of awsChecks.slice(1)) skip(id);
    return results;
  }
  add("aws-account", "pass", account);

  try {
    await deps.clients.s3.send(new HeadBucketCommand({ Bucket: config.stateBucket }));
    add("state-bucket", "pass", `s3://${config.stateBucket}`);
  } catch (error) {
    if (isNotFound(error)) add("state-bucket", "fail", `bucket ${config.stateBucket} does not exist`, bootstrapFix(config));
    else if (isAccessDenied(error))
      add(
        "state-bucket",
        "fail",
        `access denied to ${config.stateBucket} (it may belong to another account)`,
        `grant s3:ListBucket on arn:aws:s3:::${config.stateBucket} or fix stateBucket in config/environments.ts`,
      );
    else add("state-bucket", "fail", `${awsErrorInfo(error).name}: ${awsErrorInfo(error).message}`, "retry; check network access to S3");
  }

  try {
    const table = await deps.clients.dynamodb.send(new DescribeTableCommand({ TableName: config.stateLockTable }));
    const status = table.Table?.TableStatus;
    if (status === "ACTIVE" || status === "UPDATING") add("lock-table", "pass", `${config.stateLockTable} (${status})`);
    else add("lock-table", "fail", `${config.stateLockTable} is ${status ?? "in an unknown state"}`, "wait until the table is ACTIVE and retry");
  } catch (error) {
    if (isNotFound(error)) add("lock-table", "fail", `table ${config.stateLockTable} does not exist`, bootstrapFix(config));
    else if (isAccessDenied(error)) {
      // Deploy roles may hold only the item actions Terraform's lock needs: a read of a key that
      // never exists proves the table is reachable just as well.
      try {
        await deps.clients.dynamodb.send(new GetItemCommand({ TableName: config.stateLockTable, Key: { LockID: { S: "sdp-preflight-probe" } } }));
        add("lock-table", "pass", `${config.stateLockTable} (reachable with dynamodb:GetItem)`);
      } catch (probeError) {
        add(
          "lock-table",
          "fail",
          `access denied to ${config.stateLockTable} (${awsErrorInfo(probeError).name})`,
          `grant dynamodb:GetItem, PutItem, DeleteItem (and DescribeTable) on the ${config.stateLockTable} table`,
        );
      }
    } else add("lock-table", "fail", `${awsErrorInfo(error).name}: ${awsErrorInfo(error).message}`, "retry; check network access to DynamoDB");
  }

  if (options.needsPartnerSource ?? true) addReadiness("partner-source", await partnerSourceReadiness(deps.clients.eventBridge, config));
  else add("partner-source", "skip", "no selected stack creates the partner bus");
  const reserved = options.reservedConcurrency ?? 0;
  if (reserved > 0) addReadiness("lambda-concurrency", await concurrencyReadiness(deps.clients.lambda, reserved));
  else add("lambda-concurrency", "skip", "no selected stack runs a function");

  if (!options.needsSecrets) {
    add("secrets", "skip", "no selected stack runs a function that reads a secret");
    return results;
  }
  const secrets = await checkSecrets(deps.clients.secretsManager, config);
  const bad = secrets.filter((secret) => !secret.populated);
  if (bad.length === 0) add("secrets", "pass", `${secrets.length} secrets hold a value`);
  else
    add(
      "secrets",
      "fail",
      bad.map((secret) => `${secret.name}: ${secret.state}`).join("; "),
      // A first deploy creates the secrets: deploy foundation, populate, then the rest.
      `${bad.map((secret) => `${secret.name}: ${secret.detail}`).join("\n        ")}\n        (first deploy? \`npx sdp deploy --env ${config.name} --stacks foundation\` creates them empty; populate them, then \`npx sdp secrets check --env ${config.name}\`)`,
    );
  return results;
};

export const preflightPassed = (results: ReadonlyArray<CheckResult>) => results.every((result) => result.status !== "fail");

const mark: Record<CheckStatus, string> = { pass: "ok  ", fail: "FAIL", skip: "skip" };

export const formatPreflight = (results: ReadonlyArray<CheckResult>): string =>
  results
    .map((result) => {
      const line = `  [${mark[result.status]}] ${result.title}: ${result.detail}`;
      return result.fix && result.status === "fail" ? `${line}\n        fix: ${result.fix}` : line;
    })
    .join("\n");
