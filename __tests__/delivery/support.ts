/** Shared test plumbing for the delivery commands: captured IO and SDK-boundary mocked clients. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { CommandFailed, UsageError, type Command, type CommandIO } from "../../cli/command";
import type { AwsClients } from "../../delivery/aws";

export const captureIO = (env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (chunk) => out.push(String(chunk)));
  stderr.on("data", (chunk) => err.push(String(chunk)));
  const io: CommandIO = { stdout, stderr, env, cwd: process.cwd() };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
};

/** Runs a command the way cli/main.ts does: UsageError -> 2, CommandFailed -> 1. */
export const runCommand = async (command: Command, argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const captured = captureIO(env);
  let code: number;
  try {
    code = await command.run(argv, captured.io);
  } catch (error) {
    if (error instanceof UsageError) {
      captured.io.stderr.write(`usage: ${error.message}\n`);
      code = 2;
    } else if (error instanceof CommandFailed) {
      captured.io.stderr.write(`${error.message}\n`);
      code = 1;
    } else throw error;
  }
  // Let the PassThrough streams deliver what was written.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
};

/** Real SDK clients whose `send` aws-sdk-client-mock intercepts: nothing leaves the process. */
export const mockedAws = () => {
  const clients: AwsClients = {
    sts: new STSClient({ region: "eu-west-1" }),
    s3: new S3Client({ region: "eu-west-1" }),
    dynamodb: new DynamoDBClient({ region: "eu-west-1" }),
    secretsManager: new SecretsManagerClient({ region: "eu-west-1" }),
    eventBridge: new EventBridgeClient({ region: "eu-west-1" }),
    lambda: new LambdaClient({ region: "eu-west-1" }),
  };
  const regions: string[] = [];
  return {
    clients,
    factory: (region: string) => {
      regions.push(region);
      return clients;
    },
    regions,
    sts: mockClient(clients.sts),
    s3: mockClient(clients.s3),
    dynamodb: mockClient(clients.dynamodb),
    secretsManager: mockClient(clients.secretsManager),
    eventBridge: mockClient(clients.eventBridge),
    lambda: mockClient(clients.lambda),
  };
};

export const awsError = (name: string, httpStatusCode: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

/** A temp dir holding executables named like the given tools, for PATH-based binary lookup. */
export const fakeBinDir = (scripts: Record<string, string>) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-bin-"));
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
    fs.chmodSync(file, 0o755);
  }
  return dir;
};

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
