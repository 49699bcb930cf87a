/**
 * Whether each platform secret holds a value. The value is read only to tell a real value from
 * an empty one or a placeholder, and is dropped immediately: it never reaches output or a log.
 */
import { randomBytes } from "node:crypto";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
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

/**
 * Secrets the platform makes itself (no provider issues them): `sdp secrets generate` fills each
 * one that has no value. The subject index's HMAC key: 32 random bytes, hex.
 */
export const generatedSecrets: ReadonlyArray<SecretKey> = ["subjectIndexKey"];

/** The shortest subject index key accepted (characters): 32 random bytes in hex are 64. */
export const SUBJECT_INDEX_KEY_MIN_LENGTH = 32;

const hintFor = (key: SecretKey, name: string, env: string) =>
  generatedSecrets.includes(key) ? `generate it: npx sdp secrets generate --env ${env} (or ${putValueHint(name).replace(/^set it: /, "")})` : putValueHint(name);

export const checkSecret = async (client: SecretsManagerClient, key: SecretKey, name: string, env = "<env>"): Promise<SecretStatus> => {
  const status = (state: SecretState, detail: string): SecretStatus => ({ key, name, state, populated: state === "populated", detail });
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    if (described.DeletedDate) return status("scheduled-for-deletion", `scheduled for deletion: aws secretsmanager restore-secret --secret-id ${name}`);
    const stages = Object.values(described.VersionIdsToStages ?? {}).flat();
    if (!stages.includes("AWSCURRENT")) return status("no-value", `exists but has no value; ${hintFor(key, name, env)}`);
    const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
    const real = value.SecretString !== undefined ? holdsRealValue(value.SecretString) : (value.SecretBinary?.length ?? 0) > 0;
    if (!real) return status("empty", `holds an empty or placeholder value; ${hintFor(key, name, env)}`);
    if (key === "subjectIndexKey" && (value.SecretString ?? "").trim().length < SUBJECT_INDEX_KEY_MIN_LENGTH) {
      return status("invalid", `is shorter than ${SUBJECT_INDEX_KEY_MIN_LENGTH} characters (a guessable HMAC key); ${hintFor(key, name, env)} before anything is indexed`);
    }
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

export type GenerateOutcome = "generated" | "kept" | "would-generate" | "failed";

export interface GenerateResult {
  readonly key: SecretKey;
  readonly name: string;
  readonly outcome: GenerateOutcome;
  /** What happened and why; never the value. */
  readonly detail: string;
}

/**
 * Fills each platform-generated secret (`generatedSecrets`) that has no value (or a placeholder)
 * with a fresh random one. A secret that holds a value is always kept, and a present but invalid
 * one is reported, never replaced: rotating the subject index key orphans the index
 * (docs/runbooks/rotating-secrets.md). Repeatable: a second run (or a retry after a crash
 * between the put and the report) finds the value and keeps it.
 */
export const generateSecrets = async (
  client: SecretsManagerClient,
  config: EnvironmentConfig,
  options: { readonly dryRun?: boolean; readonly random?: () => string } = {},
): Promise<GenerateResult[]> => {
  const names = secretNames(config.brand, config.name);
  const random = options.random ?? (() => randomBytes(32).toString("hex"));
  const results: GenerateResult[] = [];
  for (const key of generatedSecrets) {
    const name = names[key];
    const status = await checkSecret(client, key, name, config.name);
    const result = (outcome: GenerateOutcome, detail: string) => results.push({ key, name, outcome, detail });
    if (status.populated) {
      result("kept", "holds a value; kept (rotating it orphans the subject index: see docs/runbooks/rotating-secrets.md)");
      continue;
    }
    if (status.state !== "no-value" && status.state !== "empty" && status.state !== "invalid") {
      result("failed", status.detail);
      continue;
    }
    if (status.state === "invalid") {
      result("failed", `${status.detail.replace(/;.*$/, "")}; it may already key index items, so it is not replaced: rotate it by hand (docs/runbooks/rotating-secrets.md)`);
      continue;
    }
    if (options.dryRun === true) {
      result("would-generate", `${status.state === "empty" ? "holds a placeholder" : "has no value"}; would store 32 random bytes (hex)`);
      continue;
    }
    try {
      await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: random() }));
      result("generated", "stored 32 random bytes (hex)");
    } catch (error) {
      const info = awsErrorInfo(error);
      result("failed", isAccessDenied(error) ? `access denied: the caller needs secretsmanager:PutSecretValue on ${name}` : `${info.name}: ${info.message}`);
    }
  }
  return results;
};
