/**
 * The AWS clients delivery uses, behind a factory so tests hand in clients that
 * aws-sdk-client-mock intercepts at the SDK boundary (and nothing else of ours is faked).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";

export interface AwsClients {
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly secretsManager: SecretsManagerClient;
  /** Reads the Shopify partner event source (preflight). */
  readonly eventBridge: EventBridgeClient;
  /** Reads the account's concurrency quota (preflight). */
  readonly lambda: LambdaClient;
}

export type AwsClientFactory = (region: string) => AwsClients;

/** Real clients with the default credential chain (AWS_PROFILE, SSO, env vars, OIDC in CI). */
export const defaultAwsClients: AwsClientFactory = (region) => ({
  sts: new STSClient({ region }),
  s3: new S3Client({ region }),
  dynamodb: new DynamoDBClient({ region }),
  secretsManager: new SecretsManagerClient({ region }),
  eventBridge: new EventBridgeClient({ region }),
  lambda: new LambdaClient({ region }),
});

export interface AwsErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly httpStatus?: number;
}

export const awsErrorInfo = (error: unknown): AwsErrorInfo => {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name ?? e?.Code ?? "Error", message: e?.message ?? String(error), httpStatus: e?.$metadata?.httpStatusCode };
};

const credentialErrorNames = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
  "TokenRefreshRequired",
]);

export const isCredentialError = (error: unknown) => credentialErrorNames.has(awsErrorInfo(error).name);

export const isAccessDenied = (error: unknown) => {
  const info = awsErrorInfo(error);
  return info.name === "AccessDenied" || info.name === "AccessDeniedException" || info.name === "Forbidden" || info.httpStatus === 403;
};

export const isNotFound = (error: unknown) => {
  const info = awsErrorInfo(error);
  return info.name === "NotFound" || info.name === "NoSuchBucket" || info.name === "ResourceNotFoundException" || info.httpStatus === 404;
};
