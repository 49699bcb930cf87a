/**
 * Whether each platform secret holds a value. The value is read only to tell a real value from
 * an empty one or a placeholder, and is dropped immediately: it never reaches output or a log.
 */
import { DescribeSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { EnvironmentConfig } from "../config/schema";
import { secretNames } from "../contracts/env-vars";
import { adminSecretKind } from "../functions/shopify/admin-token";
import { awsErrorInfo, isAccessDenied, isNotFound } from "./aws";

export type SecretKey = keyof ReturnType<typeof secretNames>;
export type SecretState = "populated" | "empty" | "invalid" | "no-value" | "missing" | "scheduled-for-deletion" | "access-denied" | "error";

/** What the Shopify Admin secret holds (never its value). */
export const shopifyAdminKinds = {
  "access-token": "accessToken (legacy custom app)",
  "client-credentials": "clientId + clientSecret (Dev Dashboard app)",
} as const;

export interface SecretStatus {
  readonly key: SecretKey;
  readonly name: string;
  readonly state: SecretState;
  readonly populated: boolean;
  /** What is wrong and what to do; never contains the value. */
  readonly detail: string;
  /** shopifyAdmin only: which kind of credentials it holds. */
  readonly kind?: keyof typeof shopifyAdminKinds;
}

/** Whole-value templates only: a random token may well contain "todo" somewhere. */
const placeholder = /^(|\{\}|\[\]|null|""|<.*>|(replace|change|set)[_-]?me|placeholder|todo|tbd|changeit)$/i;

/** True when a secret string holds something real (not blank, not a template left by Terraform). */
export const holdsRealValue = (secret: string): boolean => {
  const text = secret.trim();
  if (placeholder.test(text)) return false;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      const values = Object.values(parsed as Record<string, unknown>);
      // A half-filled template ({"shop": "...", "token": ""}) is not a usable secret.
      return values.length > 0 && values.every((value) => typeof value !== "string" || holdsRealValue(value));
    }
  } catch {
    // not JSON: a plain secret string
  }
  return true;
};

const putValueHint = (name: string) => `set it: aws secretsmanager put-secret-value --secret-id ${name} --secret-string file://<file> (see docs/runbooks/rotating-secrets.md)`;

export const checkSecret = async (client: SecretsManagerClient, key: SecretKey, name: string, env = "<env>"): Promise<SecretStatus> => {
  const status = (state: SecretState, detail: string): SecretStatus => ({ key, name, state, populated: state === "populated", detail });
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    if (described.DeletedDate) return status("scheduled-for-deletion", `scheduled for deletion: aws secretsmanager restore-secret --secret-id ${name}`);
    const stages = Object.values(described.VersionIdsToStages ?? {}).flat();
    if (!stages.includes("AWSCURRENT")) return status("no-value", `exists but has no value; ${putValueHint(name)}`);
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
    const real = value.SecretString !== undefined ? holdsRealValue(value.SecretString) : (value.SecretBinary?.length ?? 0) > 0;
    if (!real) return status("empty", `holds an empty or placeholder value; ${putValueHint(name)}`);
    if (key === "shopifyAdmin" && value.SecretString !== undefined) {
      const { kind, problem } = adminSecretKind(value.SecretString);
      if (kind === undefined) return status("invalid", `${problem ?? "is not a Shopify Admin secret"}; ${putValueHint(name)} (see docs/shopify-app.md)`);
      return { ...status("populated", `holds ${shopifyAdminKinds[kind]}`), kind };
    }
    return status("populated", "holds a value");
  } catch (error) {
    if (isNotFound(error)) return status("missing", `does not exist: deploy the foundation stack first (sdp deploy --env ${env} --stacks foundation)`);
    if (isAccessDenied(error)) return status("access-denied", `access denied: the caller needs secretsmanager:DescribeSecret and GetSecretValue on ${name}`);
    const info = awsErrorInfo(error);
    return status("error", `${info.name}: ${info.message}`);
  }
};

export const checkSecrets = async (client: SecretsManagerClient, config: EnvironmentConfig): Promise<SecretStatus[]> => {
  const names = secretNames(config.brand, config.name);
  const statuses: SecretStatus[] = [];
  // One at a time: six calls, and a throttled burst would only blur the report.
  for (const key of Object.keys(names) as SecretKey[]) statuses.push(await checkSecret(client, key, names[key], config.name));
  return statuses;
};
