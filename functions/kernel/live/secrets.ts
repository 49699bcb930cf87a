/**
 * Secrets: from Secrets Manager in AWS (cached with a TTL), from environment variables under
 * `sdp local` (SDP_SECRETS_SOURCE=env). Every value read is registered with the redactor, so a
 * secret never reaches a log line.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Effect, Layer, Redacted } from "effect";
import { secretEnvVars } from "../../../contracts/env-vars";
import type { SecretKey } from "../../../contracts/functions";
import { errorName } from "../aws-errors";
import { SecretUnavailable } from "../errors";
import { registerSecretValue } from "../redact";
import { Secrets } from "../services";
import { optionalConfig } from "../config";
import { scopedClient, sdk } from "./sdk";

/** Set to "env" (sdp local) to read secret values from environment variables instead of Secrets Manager. */
export const SECRETS_SOURCE_VAR = "SDP_SECRETS_SOURCE";

/** The variables of each secret: the one map, in contracts/env-vars.ts. */
export const secretVariables = secretEnvVars;

/** A secret string may be the value itself or a JSON object holding it (`secret`, `value`, `token` or `secrets`). */
export const secretValueOf = (secretString: string): string => {
  const trimmed = secretString.trim();
  if (!trimmed.startsWith("{")) return trimmed;
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    for (const field of ["secrets", "secret", "value", "token", "apiKey", "api_key"]) {
      const value = parsed[field];
      if (typeof value === "string") return value;
      if (Array.isArray(value) && value.every((entry) => typeof entry === "string")) return value.join(",");
    }
  } catch {
    // Not JSON after all: the whole string is the secret.
  }
  return trimmed;
};

export const makeSecrets = (client: () => SecretsManagerClient, options: { readonly ttlMs?: number } = {}): Secrets["Type"] => {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const cache = new Map<SecretKey, { value: Redacted.Redacted<string>; until: number }>();
  const unavailable = (key: SecretKey, reason: string) => new SecretUnavailable({ secret: key, reason });

  const fromEnv = (key: SecretKey) =>
    Effect.flatMap(optionalConfig(secretVariables[key].value), (value) => {
      if (value === undefined || value.trim() === "") return Effect.fail(unavailable(key, `environment variable ${secretVariables[key].value} is not set`));
      registerSecretValue(value);
      return Effect.succeed(Redacted.make(value.trim()));
    });

  const fromSecretsManager = (key: SecretKey) =>
    Effect.gen(function* () {
      const cached = cache.get(key);
      if (cached && cached.until > Date.now()) return cached.value;
      const arn = yield* optionalConfig(secretVariables[key].arn);
      if (arn === undefined || arn === "") return yield* Effect.fail(unavailable(key, `environment variable ${secretVariables[key].arn} is not set`));
      const response = yield* Effect.tryPromise({
        try: () => client().send(new (sdk.secrets().GetSecretValueCommand)({ SecretId: arn })),
        catch: (error) => unavailable(key, `GetSecretValue failed: ${errorName(error)}`),
      });
      if (response.SecretString === undefined) return yield* Effect.fail(unavailable(key, "the secret has no string value"));
      const plain = secretValueOf(response.SecretString);
      registerSecretValue(plain);
      const value = Redacted.make(plain);
      cache.set(key, { value, until: Date.now() + ttlMs });
      return value;
    });

  return { get: (key) => Effect.flatMap(optionalConfig(SECRETS_SOURCE_VAR), (source) => (source === "env" ? fromEnv(key) : fromSecretsManager(key))) };
};

/** Secrets with their own Secrets Manager client, destroyed with the layer. */
export const SecretsLive: Layer.Layer<Secrets> = Layer.scoped(
  Secrets,
  Effect.map(
    scopedClient(() => new (sdk.secrets().SecretsManagerClient)({})),
    (client) => makeSecrets(client),
  ),
);
