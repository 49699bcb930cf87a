/** Pieces the delivery commands (deploy, secrets, bootstrap, shopify) share; the work itself is in delivery/. */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { deployedEnvironments, loadEnvironment } from "../config/environments";
import type { EnvironmentConfig } from "../config/schema";
import { CommandFailed, UsageError } from "./command";
import { awsErrorInfo, isCredentialError } from "../delivery/aws";
import { isDeployedEnvironment, type DeployedEnvironment } from "../delivery/stacks";

/** `catalogue`: the environment catalogue to read (default config/environments.ts; tests pass their own). */
export const requireDeployedEnv = (value: string | undefined, catalogue?: Record<string, unknown>): { env: DeployedEnvironment; config: EnvironmentConfig } => {
  if (value === undefined) throw new UsageError(`--env is required (one of ${deployedEnvironments.join(", ")})`);
  if (!isDeployedEnvironment(value)) {
    const hint = value === "local" ? " (local runs on the embedded platform: use `sdp local`)" : "";
    throw new UsageError(`--env must be one of ${deployedEnvironments.join(", ")}, got "${value}"${hint}`);
  }
  return { env: value, config: loadEnvironment(value, catalogue) };
};

/** Fails (exit 1) unless the caller has valid credentials for the environment's account. */
export const requireAccount = async (sts: STSClient, config: EnvironmentConfig): Promise<string> => {
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    const info = awsErrorInfo(error);
    throw new CommandFailed(
      `${isCredentialError(error) ? "no valid AWS credentials" : "sts:GetCallerIdentity failed"} (${info.name}: ${info.message}).\n` +
        `  fix: sign in to account ${config.accountId}, e.g. \`aws sso login --profile ${config.brand}-${config.name}\` and \`export AWS_PROFILE=${config.brand}-${config.name}\``,
    );
  }
  if (account !== config.accountId) {
    throw new CommandFailed(
      `credentials are for account ${account}, but ${config.name} is account ${config.accountId} (config/environments.ts).\n` +
        `  fix: switch to a profile for account ${config.accountId}, or correct accountId in config/environments.ts`,
    );
  }
  return account;
};

export const writeJson = (stream: NodeJS.WritableStream, value: unknown) => stream.write(`${JSON.stringify(value, null, 2)}\n`);
