/** `sdp deploy`: dry run, preflight failures and the real run, with AWS mocked at the SDK boundary. */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { DescribeEventSourceCommand } from "@aws-sdk/client-eventbridge";
import { GetAccountSettingsCommand } from "@aws-sdk/client-lambda";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import * as fs from "node:fs";
import * as path from "node:path";
import { createDeployCommand } from "../../cli/commands/deploy";
import { runCli } from "../../cli/main";
import { environmentCatalogue } from "../../config/environments";
import { secretNames } from "../../contracts/env-vars";
import { runProcess } from "../../delivery/deploy";
import { awsError, captureIO, fakeBinDir, mockedAws, runCommand, tempDir } from "./support";

const devAccount = "493817260154";
const prodAccount = "730245681937";

/**
 * config/environments.ts as a brand fills it in: real account ids and e-mail addresses (the
 * committed catalogue holds placeholders, which the preflight rejects: see the tests below).
 */
const catalogue: Record<string, unknown> = {
  ...environmentCatalogue,
  dev: { ...(environmentCatalogue.dev as object), accountId: devAccount, stateBucket: `acme-terraform-state-${devAccount}`, alertEmails: ["data-alerts-dev@acme-shop.com"] },
  prod: { ...(environmentCatalogue.prod as object), accountId: prodAccount, stateBucket: `acme-terraform-state-${prodAccount}`, alertEmails: ["oncall@acme-shop.com"] },
};

/** A healthy account: credentials, state bucket, lock table, partner source, Lambda quota and every secret populated. */
const healthy = (account = devAccount) => {
  const aws = mockedAws();
  aws.sts.on(GetCallerIdentityCommand).resolves({ Account: account, Arn: `arn:aws:sts::${account}:assumed-role/dev/me` });
  aws.eventBridge.on(DescribeEventSourceCommand).resolves({ Name: "aws.partner/shopify.com/123456/acme-dev", State: "PENDING" });
  aws.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000 } });
  aws.s3.on(HeadBucketCommand).resolves({});
  aws.dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE" } });
  aws.secretsManager.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
  aws.secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: "shpat_real-looking-token-value" }) });
  return aws;
};

describe("sdp deploy --dry-run", () => {
  /** Dry runs find terraform and cdktn on PATH like a real run; they run neither. */
  const tools = () => ({ PATH: fakeBinDir({ terraform: "exit 0", cdktn: "exit 0" }) });
  const dryRun = (aws: ReturnType<typeof mockedAws>, argv: string[], options: { catalogue?: Record<string, unknown>; ran?: { value: boolean } } = {}) =>
    runCommand(
      createDeployCommand({
        catalogue: options.catalogue ?? catalogue,
        awsClients: aws.factory,
        root: tempDir("sdp-root-"),
        runProcess: async () => (options.ran ? (options.ran.value = true) : undefined, 0),
      }),
      argv,
      tools(),
    );

  it("prints the stack order and the command, runs only the read-only checks, deploys nothing", async () => {
    const aws = healthy();
    const ran = { value: false };
    const result = await dryRun(aws, ["--env", "dev", "--dry-run"], { ran });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deploy plan for dev (account ${devAccount}, eu-west-1)`);
    expect(result.stdout).toContain(`state bucket acme-terraform-state-${devAccount} reachable`);
    expect(result.stdout).toContain("lock table acme-terraform-locks reachable");
    expect(result.stdout).toContain("acme/dev/shopify/webhook");
    const order = [...result.stdout.matchAll(/^ {3}\d+\. (acme-dev-[a-z-]+) /gm)].map((m) => m[1]);
    expect(order[0]).toBe("acme-dev-foundation");
    expect(order.at(-1)).toBe("acme-dev-monitoring");
    expect(order).toHaveLength(7);
    expect(result.stdout).toContain(`npx cdktn deploy ${order.join(" ")}`);
    expect(result.stdout).toContain(`[ok  ] dev accountId is a real AWS account (config/environments.ts): ${devAccount}`);
    expect(result.stdout).toContain(
      "[ok  ] Shopify partner event source aws.partner/shopify.com/123456/acme-dev exists (events:DescribeEventSource): aws.partner/shopify.com/123456/acme-dev (PENDING)",
    );
    expect(result.stdout).toMatch(
      /\[ok {2}\] functions' reserved concurrency fits the account's Lambda quota \(lambda:GetAccountSettings\): functions reserve \d+ of the 900 reservable/,
    );
    expect(result.stdout).toContain("Dry run: nothing was deployed.");
    expect(aws.eventBridge.commandCalls(DescribeEventSourceCommand)[0]!.args[0].input).toEqual({ Name: "aws.partner/shopify.com/123456/acme-dev" });
    expect(ran.value).toBe(false);
  });

  it("--json with --stacks: dependency order, assumed dependencies, no secrets check for foundation alone", async () => {
    const aws = healthy(prodAccount);
    const result = await dryRun(aws, ["--env", "prod", "--stacks", "lake,acme-prod-foundation", "--dry-run", "--json", "--auto-approve"]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.stacks.map((t: { stack: string }) => t.stack)).toEqual(["acme-prod-foundation", "acme-prod-lake"]);
    expect(plan.command).toEqual(["cdktn", "deploy", "acme-prod-foundation", "acme-prod-lake", "--auto-approve"]);
    expect(plan.needsSecrets).toBe(false);
    expect(plan.passed).toBe(true);
    // Neither layer creates the partner bus or runs a function.
    expect(plan.checks.filter((check: { status: string }) => check.status === "skip").map((check: { id: string }) => check.id)).toEqual([
      "partner-source",
      "lambda-concurrency",
      "secrets",
    ]);
    const partial = JSON.parse((await dryRun(aws, ["--env", "prod", "--stacks", "ingestion", "--dry-run", "--json"])).stdout);
    expect(partial.command).toEqual(["cdktn", "deploy", "acme-prod-ingestion", "--ignore-missing-stack-dependencies"]);
    expect(partial.assumedDeployed).toEqual(["foundation", "lake", "hot-stores"]);
    expect(partial.needsSecrets).toBe(true);
    expect(partial.needsPartnerSource).toBe(true);
  });

  it("fails on the committed placeholders: account ids and .example e-mails, with what to put instead", async () => {
    const aws = healthy("111111111111");
    const result = await dryRun(aws, ["--env", "dev", "--dry-run"], { catalogue: environmentCatalogue });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "[FAIL] dev accountId is a real AWS account (config/environments.ts): accountId 111111111111 of dev is a placeholder (one digit repeated), not an AWS account",
    );
    expect(result.stdout).toContain("fix: put the dev account's 12-digit id in config/environments.ts");
    expect(result.stdout).toContain("[FAIL] alert e-mails are real addresses (config/environments.ts): data-alerts-dev@acme.example is an example address (reserved domain)");
    expect(result.stderr).toContain("Preflight failed for dev: fix the checks marked FAIL before deploying.");
    for (const [accountId, why] of [
      ["123456789012", "an example id from AWS documentation"],
      ["000000000000", "one digit repeated"],
      ["012345678901", "a run of consecutive digits"],
    ]) {
      const placeholder = { ...catalogue, dev: { ...(catalogue.dev as object), accountId, stateBucket: `acme-terraform-state-${accountId}` } };
      const run = await dryRun(healthy(accountId), ["--env", "dev", "--dry-run"], { catalogue: placeholder });
      expect({ accountId, code: run.code, said: run.stdout.includes(`accountId ${accountId} of dev is a placeholder (${why})`) }).toEqual({ accountId, code: 1, said: true });
    }
  });

  it("fails when the Shopify partner event source does not exist yet, or was deleted", async () => {
    const aws = healthy();
    aws.eventBridge.on(DescribeEventSourceCommand).rejects(awsError("ResourceNotFoundException", 400, "Event source aws.partner/shopify.com/123456/acme-dev does not exist."));
    const missing = await dryRun(aws, ["--env", "dev", "--dry-run"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      `[FAIL] Shopify partner event source aws.partner/shopify.com/123456/acme-dev exists (events:DescribeEventSource): partner event source aws.partner/shopify.com/123456/acme-dev does not exist in account ${devAccount} (eu-west-1) yet`,
    );
    expect(missing.stdout).toContain("fix: create it from Shopify first (docs/runbooks/shopify-partner-source.md)");
    aws.eventBridge.on(DescribeEventSourceCommand).resolves({ Name: "aws.partner/shopify.com/123456/acme-dev", State: "DELETED" });
    const deleted = await dryRun(aws, ["--env", "dev", "--dry-run"]);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain("aws.partner/shopify.com/123456/acme-dev was deleted");
  });

  it("fails when the functions reserve more concurrency than the account's quota leaves reservable", async () => {
    const aws = healthy();
    aws.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 150 } });
    const result = await dryRun(aws, ["--env", "dev", "--dry-run"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /\[FAIL\] functions' reserved concurrency fits the account's Lambda quota \(lambda:GetAccountSettings\): functions reserve (\d+) concurrent executions, but the account's limit of 150 leaves only 50 reservable \(Lambda keeps 100 unreserved\)/,
    );
    expect(result.stdout).toContain("--service-code lambda --quota-code L-B99A9384 --desired-value");
  });

  it("without credentials still checks the config, and skips (not fails) the AWS checks", async () => {
    const aws = healthy();
    aws.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", 0, "Could not load credentials from any providers"));
    const result = await dryRun(aws, ["--env", "dev", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "[skip] AWS credentials valid (sts:GetCallerIdentity): no valid AWS credentials (CredentialsProviderError: Could not load credentials from any providers); dry run: the AWS checks are skipped",
    );
    expect(result.stdout).toContain("[skip] Shopify partner event source");
    expect(aws.eventBridge.calls()).toHaveLength(0);
    const placeholders = await dryRun(aws, ["--env", "dev", "--dry-run"], { catalogue: environmentCatalogue });
    expect(placeholders.code).toBe(1);
  });
});

describe("sdp deploy usage errors (exit 2)", () => {
  const command = createDeployCommand({ catalogue, awsClients: healthy().factory });
  it.each([
    [["--dry-run"], "--env is required"],
    [["--env", "qa", "--dry-run"], '--env must be one of dev, staging, prod, got "qa"'],
    [["--env", "local"], "use `sdp local`"],
    [["--env", "dev", "--stacks", "lake,warehouse", "--dry-run"], "unknown stack warehouse for dev. Valid: foundation, lake"],
    [["--env", "dev", "--bogus"], "Unknown option '--bogus'"],
  ])("%j", async (argv, message) => {
    const result = await runCommand(command, argv as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("through the real CLI entry point too", async () => {
    const captured = captureIO();
    expect(await runCli(["deploy", "--env", "dev", "--stacks", "nope", "--dry-run"], captured.io)).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(captured.stderr()).toContain("unknown stack nope");
  });
});

describe("sdp deploy preflight", () => {
  let bin: string;
  let root: string;
  beforeEach(() => {
    bin = fakeBinDir({ terraform: "exit 0", cdktn: 'echo "cdktn $*" > "$SDP_TEST_RECORD"' });
    root = tempDir("sdp-root-"); // no node_modules/.bin here: binaries come from PATH
  });

  const deploy = (aws: ReturnType<typeof mockedAws>, argv: string[], env: NodeJS.ProcessEnv = { PATH: bin }) =>
    runCommand(createDeployCommand({ catalogue, awsClients: aws.factory, root }), argv, env);

  it("no credentials: says how to sign in, skips the AWS checks, deploys nothing", async () => {
    const aws = healthy();
    aws.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", 0, "Could not load credentials from any providers"));
    const record = path.join(root, "record");
    const result = await deploy(aws, ["--env", "dev"], { PATH: bin, SDP_TEST_RECORD: record });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Preflight failed for dev: nothing was deployed.");
    expect(result.stderr).toContain("[FAIL] AWS credentials valid (sts:GetCallerIdentity): no valid AWS credentials (CredentialsProviderError");
    expect(result.stderr).toContain(`fix: sign in to account ${devAccount}, e.g. ` + "`aws sso login --profile acme-dev`");
    expect(result.stderr).toContain("[skip] state bucket");
    expect(aws.s3.calls()).toHaveLength(0);
    expect(fs.existsSync(record)).toBe(false);
  });

  it("wrong account: names both accounts and the config file", async () => {
    const aws = healthy();
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:sts::999999999999:assumed-role/x/y" });
    const result = await deploy(aws, ["--env", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `[FAIL] AWS account is ${devAccount} (dev): credentials are for account 999999999999, but dev is account ${devAccount} (config/environments.ts)`,
    );
    expect(result.stderr).toContain(`fix: switch to a profile for account ${devAccount}`);
    expect(aws.secretsManager.calls()).toHaveLength(0);
  });

  it("missing secret, secret without a value and placeholder value: each named with its fix, no value printed", async () => {
    const aws = healthy();
    const names = secretNames("acme", "dev");
    aws.secretsManager
      .on(DescribeSecretCommand, { SecretId: names.stripeApi })
      .rejects(awsError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret."));
    aws.secretsManager.on(DescribeSecretCommand, { SecretId: names.rechargeApi }).resolves({ VersionIdsToStages: {} });
    aws.secretsManager.on(GetSecretValueCommand, { SecretId: names.stripeWebhook }).resolves({ SecretString: "REPLACE_ME" });
    const result = await deploy(aws, ["--env", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[FAIL] secrets populated");
    expect(result.stderr).toContain(`${names.stripeApi}: missing`);
    expect(result.stderr).toContain(`${names.stripeApi}: does not exist: deploy the foundation stack first (sdp deploy --env dev --stacks foundation)`);
    expect(result.stderr).toContain(`${names.rechargeApi}: no-value`);
    expect(result.stderr).toContain(`aws secretsmanager put-secret-value --secret-id ${names.rechargeApi}`);
    expect(result.stderr).toContain(`${names.stripeWebhook}: empty`);
    expect(result.stderr).not.toContain("shpat_real-looking-token-value");
    expect(result.stderr).toContain("[ok  ] state bucket");
  });

  it("missing terraform, state bucket and lock table: each failing check with what to fix", async () => {
    const aws = healthy();
    aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
    aws.dynamodb.on(DescribeTableCommand).rejects(awsError("ResourceNotFoundException", 400));
    const onlyCdktn = fakeBinDir({ cdktn: "exit 0" });
    const result = await deploy(aws, ["--env", "dev", "--stacks", "foundation"], { PATH: onlyCdktn });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[FAIL] terraform binary on PATH: terraform is not on PATH");
    expect(result.stderr).toContain("[ok  ] cdktn CLI");
    expect(result.stderr).toContain(`bucket acme-terraform-state-${devAccount} does not exist`);
    expect(result.stderr).toContain("table acme-terraform-locks does not exist");
    expect(result.stderr).toContain("fix: run `npx sdp bootstrap --env dev --apply`");
    expect(result.stderr).toContain("[skip] secrets populated");
  });

  it("all checks pass: runs cdktn deploy with the stacks in dependency order", async () => {
    const aws = healthy();
    const record = path.join(root, "record");
    const result = await deploy(aws, ["--env", "dev", "--stacks", "monitoring,foundation", "--auto-approve"], { PATH: bin, SDP_TEST_RECORD: record });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Preflight passed for dev");
    expect(fs.readFileSync(record, "utf8").trim()).toBe("cdktn deploy acme-dev-foundation acme-dev-monitoring --auto-approve --ignore-missing-stack-dependencies");
    expect(result.stdout).toContain("Deployed 2 stack(s) to dev.");
    expect(aws.regions).toEqual(["eu-west-1"]);
    // The secret values were read to tell them from placeholders but never shown.
    expect(result.stdout).not.toContain("shpat_");
  });

  it("a failing cdktn deploy exits 1 with where to look", async () => {
    const failing = fakeBinDir({ terraform: "exit 0", cdktn: "echo boom >&2; exit 3" });
    const result = await deploy(healthy(), ["--env", "dev", "--json"], { PATH: failing });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("boom");
    expect(result.stderr).toContain("cdktn deploy exited with 3");
    expect(JSON.parse(result.stdout)).toMatchObject({ deployed: false, exitCode: 3 });
  });
});

describe("runProcess", () => {
  it("streams output and resolves with the exit code", async () => {
    const captured = captureIO();
    const code = await runProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 4"], { cwd: process.cwd(), env: {}, stdout: captured.io.stdout, stderr: captured.io.stderr });
    await new Promise((resolve) => setImmediate(resolve));
    expect(code).toBe(4);
    expect(captured.stdout()).toBe("out\n");
    expect(captured.stderr()).toBe("err\n");
  });
});

describe("lock-table check with a deploy role that holds only the lock's item actions", () => {
  it("passes through dynamodb:GetItem when DescribeTable is denied, fails when both are", async () => {
    const { DescribeTableCommand: Describe, GetItemCommand } = await import("@aws-sdk/client-dynamodb");
    const bin = fakeBinDir({ terraform: "exit 0", cdktn: "exit 0" });
    const root = tempDir("sdp-root-");
    const aws = healthy();
    aws.dynamodb.on(Describe).rejects(awsError("AccessDeniedException", 400));
    aws.dynamodb.on(GetItemCommand).resolves({});
    const ok = await runCommand(createDeployCommand({ catalogue, awsClients: aws.factory, root }), ["--env", "dev", "--stacks", "foundation"], { PATH: bin });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("acme-terraform-locks (reachable with dynamodb:GetItem)");
    expect(aws.dynamodb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({ TableName: "acme-terraform-locks", Key: { LockID: { S: "sdp-preflight-probe" } } });

    aws.dynamodb.on(GetItemCommand).rejects(awsError("AccessDeniedException", 400));
    const denied = await runCommand(createDeployCommand({ catalogue, awsClients: aws.factory, root }), ["--env", "dev", "--stacks", "foundation"], { PATH: bin });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("[FAIL] lock table acme-terraform-locks reachable (dynamodb:DescribeTable): access denied to acme-terraform-locks");
    expect(denied.stderr).toContain("fix: grant dynamodb:GetItem, PutItem, DeleteItem");
  });
});
