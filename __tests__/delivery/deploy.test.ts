/** `sdp deploy`: dry run, preflight failures and the real run, with AWS mocked at the SDK boundary. */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import * as fs from "node:fs";
import * as path from "node:path";
import { createDeployCommand } from "../../cli/commands/deploy";
import { runCli } from "../../cli/main";
import { secretNames } from "../../contracts/env-vars";
import { runProcess } from "../../delivery/deploy";
import { awsError, captureIO, fakeBinDir, mockedAws, runCommand, tempDir } from "./support";

const devAccount = "111111111111";

/** A healthy dev account: credentials, state bucket, lock table and every secret populated. */
const healthy = () => {
  const aws = mockedAws();
  aws.sts.on(GetCallerIdentityCommand).resolves({ Account: devAccount, Arn: `arn:aws:sts::${devAccount}:assumed-role/dev/me` });
  aws.s3.on(HeadBucketCommand).resolves({});
  aws.dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE" } });
  aws.secretsManager.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
  aws.secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: "shpat_real-looking-token-value" }) });
  return aws;
};

describe("sdp deploy --dry-run", () => {
  it("prints checks, stack order and the command, and calls nothing", async () => {
    const aws = healthy();
    let ran = false;
    const command = createDeployCommand({ awsClients: aws.factory, runProcess: async () => ((ran = true), 0) });
    const result = await runCommand(command, ["--env", "dev", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Deploy plan for dev (account 111111111111, eu-west-1)");
    expect(result.stdout).toContain("state bucket acme-terraform-state-111111111111 reachable");
    expect(result.stdout).toContain("lock table acme-terraform-locks reachable");
    expect(result.stdout).toContain("acme/dev/shopify/webhook");
    const order = [...result.stdout.matchAll(/^ {3}\d+\. (acme-dev-[a-z-]+) /gm)].map((m) => m[1]);
    expect(order[0]).toBe("acme-dev-foundation");
    expect(order.at(-1)).toBe("acme-dev-monitoring");
    expect(order).toHaveLength(7);
    expect(result.stdout).toContain(`npx cdktn deploy ${order.join(" ")}`);
    expect(result.stdout).toContain("Dry run: nothing was checked or deployed.");
    expect(aws.regions).toEqual([]);
    expect(aws.sts.calls()).toHaveLength(0);
    expect(ran).toBe(false);
  });

  it("--json with --stacks: dependency order, assumed dependencies, no secrets check for foundation alone", async () => {
    const command = createDeployCommand({ awsClients: healthy().factory });
    const result = await runCommand(command, ["--env", "prod", "--stacks", "lake,acme-prod-foundation", "--dry-run", "--json", "--auto-approve"]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.stacks.map((t: { stack: string }) => t.stack)).toEqual(["acme-prod-foundation", "acme-prod-lake"]);
    expect(plan.command).toEqual(["cdktn", "deploy", "acme-prod-foundation", "acme-prod-lake", "--auto-approve"]);
    expect(plan.needsSecrets).toBe(false);
    const partial = JSON.parse((await runCommand(command, ["--env", "prod", "--stacks", "ingestion", "--dry-run", "--json"])).stdout);
    expect(partial.command).toEqual(["cdktn", "deploy", "acme-prod-ingestion", "--ignore-missing-stack-dependencies"]);
    expect(partial.assumedDeployed).toEqual(["foundation", "lake", "hot-stores"]);
    expect(partial.needsSecrets).toBe(true);
  });
});

describe("sdp deploy usage errors (exit 2)", () => {
  const command = createDeployCommand({ awsClients: healthy().factory });
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
    runCommand(createDeployCommand({ awsClients: aws.factory, root }), argv, env);

  it("no credentials: says how to sign in, skips the AWS checks, deploys nothing", async () => {
    const aws = healthy();
    aws.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", 0, "Could not load credentials from any providers"));
    const record = path.join(root, "record");
    const result = await deploy(aws, ["--env", "dev"], { PATH: bin, SDP_TEST_RECORD: record });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Preflight failed for dev: nothing was deployed.");
    expect(result.stderr).toContain("[FAIL] AWS credentials valid (sts:GetCallerIdentity): no valid AWS credentials (CredentialsProviderError");
    expect(result.stderr).toContain("fix: sign in to account 111111111111, e.g. `aws sso login --profile acme-dev`");
    expect(result.stderr).toContain("[skip] state bucket");
    expect(aws.s3.calls()).toHaveLength(0);
    expect(fs.existsSync(record)).toBe(false);
  });

  it("wrong account: names both accounts and the config file", async () => {
    const aws = healthy();
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:sts::999999999999:assumed-role/x/y" });
    const result = await deploy(aws, ["--env", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[FAIL] AWS account is 111111111111 (dev): credentials are for account 999999999999, but dev is account 111111111111 (config/environments.ts)");
    expect(result.stderr).toContain("fix: switch to a profile for account 111111111111");
    expect(aws.secretsManager.calls()).toHaveLength(0);
  });

  it("missing secret, secret without a value and placeholder value: each named with its fix, no value printed", async () => {
    const aws = healthy();
    const names = secretNames("acme", "dev");
    aws.secretsManager.on(DescribeSecretCommand, { SecretId: names.stripeApi }).rejects(awsError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret."));
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
    expect(result.stderr).toContain("bucket acme-terraform-state-111111111111 does not exist");
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
    const ok = await runCommand(createDeployCommand({ awsClients: aws.factory, root }), ["--env", "dev", "--stacks", "foundation"], { PATH: bin });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("acme-terraform-locks (reachable with dynamodb:GetItem)");
    expect(aws.dynamodb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({ TableName: "acme-terraform-locks", Key: { LockID: { S: "sdp-preflight-probe" } } });

    aws.dynamodb.on(GetItemCommand).rejects(awsError("AccessDeniedException", 400));
    const denied = await runCommand(createDeployCommand({ awsClients: aws.factory, root }), ["--env", "dev", "--stacks", "foundation"], { PATH: bin });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("[FAIL] lock table acme-terraform-locks reachable (dynamodb:DescribeTable): access denied to acme-terraform-locks");
    expect(denied.stderr).toContain("fix: grant dynamodb:GetItem, PutItem, DeleteItem");
  });
});
