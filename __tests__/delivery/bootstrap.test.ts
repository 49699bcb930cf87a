/** `sdp bootstrap`: plan without --apply, idempotent creation with --apply (SDK-boundary mocks). */
import { CreateTableCommand, DescribeTableCommand, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createBootstrapCommand } from "../../cli/commands/bootstrap";
import type { ProcessRunner } from "../../delivery/deploy";
import { awsError, mockedAws, runCommand } from "./support";

const noSleep = async () => undefined;
/** `cdktn deploy <bootstrap stack>` as `sdp bootstrap --apply` would run it, recorded instead. */
let stackDeploys: string[][] = [];
const runProcess: ProcessRunner = async (command, args) => {
  stackDeploys.push([command, ...args]);
  return 0;
};
beforeEach(() => {
  stackDeploys = [];
});

const freshAccount = () => {
  const aws = mockedAws();
  aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "111111111111" });
  aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
  aws.s3.on(CreateBucketCommand).resolves({});
  aws.dynamodb
    .on(DescribeTableCommand)
    .rejectsOnce(awsError("ResourceNotFoundException", 400))
    .resolvesOnce({ Table: { TableStatus: "CREATING" } })
    .resolves({ Table: { TableStatus: "ACTIVE" } });
  aws.dynamodb.on(CreateTableCommand).resolves({});
  return aws;
};

describe("sdp bootstrap", () => {
  it("without --apply prints the plan and calls nothing", async () => {
    const aws = freshAccount();
    const result = await runCommand(createBootstrapCommand({ awsClients: aws.factory, runProcess }), ["--env", "prod"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("create S3 bucket acme-terraform-state-333333333333 in eu-west-1");
    expect(result.stdout).toContain("TLS");
    expect(result.stdout).toContain("hash key LockID (S), on-demand");
    expect(result.stdout).toContain("point-in-time recovery");
    expect(result.stdout).toContain("npx sdp bootstrap --env prod --apply");
    expect(aws.regions).toEqual([]);
  });

  it("--apply creates a versioned, encrypted, private, TLS-only bucket and an on-demand PITR lock table", async () => {
    const aws = freshAccount();
    const result = await runCommand(createBootstrapCommand({ awsClients: aws.factory, sleep: noSleep, runProcess }), ["--env", "dev", "--apply"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const bucket = "acme-terraform-state-111111111111";
    expect(aws.s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({
      Bucket: bucket,
      ObjectOwnership: "BucketOwnerEnforced",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
    expect(aws.s3.commandCalls(PutBucketVersioningCommand)[0]!.args[0].input.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(aws.s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      "aws:kms",
    );
    expect(aws.s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse(aws.s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    });
    expect(aws.s3.commandCalls(PutBucketTaggingCommand)[0]!.args[0].input.Tagging?.TagSet).toEqual(expect.arrayContaining([{ Key: "environment", Value: "dev" }]));

    const table = aws.dynamodb.commandCalls(CreateTableCommand)[0]!.args[0].input;
    expect(table).toMatchObject({
      TableName: "acme-terraform-locks",
      KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
      SSESpecification: { Enabled: true },
    });
    // PITR only once the table is ACTIVE (it was CREATING on the first poll).
    expect(aws.dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(3);
    expect(aws.dynamodb.commandCalls(UpdateContinuousBackupsCommand)[0]!.args[0].input.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(result.stdout).toContain("[state-bucket] bucket acme-terraform-state-111111111111: created");
    expect(result.stdout).toContain("[lock-table] table acme-terraform-locks: created");
    // ... then the bootstrap stack (CI roles, permissions boundary), which CI never applies.
    expect(stackDeploys).toHaveLength(1);
    expect(stackDeploys[0]!.slice(1)).toEqual(["deploy", "acme-dev-bootstrap"]);
    expect(stackDeploys[0]![0]).toMatch(/cdktn$/);
  });

  it("--apply fails, naming the stack, when the bootstrap stack's deploy fails", async () => {
    const aws = freshAccount();
    const failing: ProcessRunner = async () => 1;
    const result = await runCommand(createBootstrapCommand({ awsClients: aws.factory, sleep: noSleep, runProcess: failing }), ["--env", "dev", "--apply"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cdktn deploy acme-dev-bootstrap exited with 1");
  });

  it("plans the bootstrap stack last", async () => {
    const result = await runCommand(createBootstrapCommand({ awsClients: freshAccount().factory, runProcess }), ["--env", "dev"]);
    expect(result.stdout).toContain("[bootstrap-stack] cdktn deploy acme-dev-bootstrap");
    expect(stackDeploys).toEqual([]);
  });

  it("is idempotent: existing bucket and table are kept and their settings re-applied", async () => {
    const aws = mockedAws();
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "111111111111" });
    aws.s3.on(HeadBucketCommand).resolves({});
    aws.dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE" } });
    const result = await runCommand(createBootstrapCommand({ awsClients: aws.factory, sleep: noSleep, runProcess }), ["--env", "dev", "--apply", "--json"]);
    expect(result.code).toBe(0);
    expect(aws.s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(aws.dynamodb.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(aws.s3.commandCalls(PutBucketVersioningCommand)).toHaveLength(1);
    expect(aws.dynamodb.commandCalls(UpdateContinuousBackupsCommand)).toHaveLength(1);
    const report = JSON.parse(result.stdout);
    expect(report.outcomes[0]).toEqual({ resource: "state-bucket", action: "bucket acme-terraform-state-111111111111", result: "exists" });
  });

  it("refuses to create anything in the wrong account", async () => {
    const aws = freshAccount();
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "333333333333" });
    const result = await runCommand(createBootstrapCommand({ awsClients: aws.factory, runProcess }), ["--env", "dev", "--apply"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("credentials are for account 333333333333, but dev is account 111111111111");
    expect(aws.s3.calls()).toHaveLength(0);
    expect(aws.dynamodb.calls()).toHaveLength(0);
  });

  it("a bucket name owned by another account fails with what to change", async () => {
    const aws = freshAccount();
    aws.s3.on(HeadBucketCommand).rejects(awsError("Forbidden", 403));
    const result = await runCommand(createBootstrapCommand({ awsClients: aws.factory, runProcess }), ["--env", "dev", "--apply"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("choose another stateBucket in config/environments.ts");
    expect(aws.s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it("gives up waiting for a table that never becomes ACTIVE", async () => {
    const aws = freshAccount();
    aws.dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: "CREATING" } });
    const command = createBootstrapCommand({ awsClients: aws.factory, sleep: noSleep, runProcess });
    const result = await runCommand(command, ["--env", "dev", "--apply"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is still CREATING; re-run bootstrap in a minute");
  });

  it("usage errors exit 2", async () => {
    const command = createBootstrapCommand({ awsClients: freshAccount().factory });
    expect((await runCommand(command, [])).code).toBe(2);
    expect((await runCommand(command, ["--env", "local"])).code).toBe(2);
  });
});
