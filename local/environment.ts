/**
 * The process environment the live kernel layers read when they run inside `sdp local`: the
 * same variable names the stacks set in Lambda (contracts/env-vars.ts, tableSpecs[...].envVar),
 * pointed at the emulators. The AWS SDK v3 picks the endpoints up from AWS_ENDPOINT_URL_*.
 *
 * Webhook secrets come from SHOPIFY_WEBHOOK_SECRET / RECHARGE_WEBHOOK_SECRET /
 * STRIPE_WEBHOOK_SECRET when set (comma-separated for rotation), otherwise from the documented
 * local default LOCAL_DEFAULT_WEBHOOK_SECRET ("local-dev-webhook-secret").
 */
import { envVars, LOCAL_DEFAULT_WEBHOOK_SECRET } from "../contracts/env-vars";
import { platformBusName } from "../contracts/events";
import { tableKeys, tableSpecs } from "../contracts/tables";
import { S3_CONDITIONAL_WRITES_VAR } from "../functions/kernel/live";
import type { Emulators } from "./emulators";
import { localSubjectIndexKey } from "./subject-index-key";

export const webhookSecretVars = [envVars.shopifyWebhookSecret, envVars.rechargeWebhookSecret, envVars.stripeWebhookSecret] as const;

/** The variables to set; `inherited` is the environment the user started us with; `dataDir` holds the subject index key (local/subject-index-key.ts). */
export const localEnvironment = (emulators: Emulators, inherited: NodeJS.ProcessEnv, dataDir?: string): Record<string, string> => {
  const { environment } = emulators;
  const variables: Record<string, string> = {
    AWS_REGION: emulators.region,
    AWS_DEFAULT_REGION: emulators.region,
    AWS_ACCESS_KEY_ID: emulators.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulators.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: emulators.endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
    // Newer SDKs send streaming uploads as aws-chunked with trailing checksums; s3rver does not
    // understand them, so checksums are sent only where an operation requires one.
    AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
    AWS_EC2_METADATA_DISABLED: "true",
    [envVars.environment]: environment.name,
    [envVars.brand]: environment.brand,
    [envVars.lakeBucket]: emulators.bucket,
    [envVars.eventBusName]: platformBusName(environment.brand, environment.name),
    [envVars.alertsTopicArn]: `arn:aws:sns:${emulators.region}:${environment.accountId}:${environment.brand}-${environment.name}-alerts`,
    [envVars.shopifyShopDomain]: inherited[envVars.shopifyShopDomain] ?? environment.shopDomain,
    [envVars.shopifyApiVersion]: inherited[envVars.shopifyApiVersion] ?? environment.shopifyApiVersion,
    SDP_SECRETS_SOURCE: "env",
    // The patched s3rver honours If-None-Match: * (local/s3rver-patch.ts): one PUT per raw write, no HEAD first.
    [S3_CONDITIONAL_WRITES_VAR]: "true",
  };
  for (const key of tableKeys) variables[tableSpecs[key].envVar] = emulators.tables[key];
  for (const name of webhookSecretVars) {
    const given = inherited[name];
    variables[name] = given !== undefined && given.trim() !== "" ? given : LOCAL_DEFAULT_WEBHOOK_SECRET;
  }
  // The GDPR subject index's HMAC key: given, or generated once in the data dir.
  variables[envVars.subjectIndexKey] = localSubjectIndexKey(inherited, dataDir);
  // The payments APIs' credentials (sdp reconcile payments), when given; no default.
  for (const name of [envVars.stripeApiKey, envVars.rechargeApiToken]) {
    const given = inherited[name];
    if (given !== undefined && given.trim() !== "") variables[name] = given;
  }
  return variables;
};

/** Sets the variables on `target` (process.env by default) and returns a function restoring it. */
export const applyEnvironment = (variables: Record<string, string>, target: NodeJS.ProcessEnv = process.env): (() => void) => {
  const previous = new Map(Object.keys(variables).map((name) => [name, target[name]] as const));
  Object.assign(target, variables);
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete target[name];
      else target[name] = value;
    }
  };
};
