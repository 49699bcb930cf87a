/**
 * The Shopify Admin API access token, for every caller of the Admin API (backfill submit/poll,
 * `sdp shopify webhooks`, `sdp backfill --env local`): one token service per container.
 *
 * The `shopifyAdmin` secret holds one of
 *   { "accessToken": "shpat_..." }                      a legacy custom app's permanent token
 *   { "clientId": "...", "clientSecret": "..." }        a Dev Dashboard app (client credentials)
 * plus optional `shop` and `apiVersion`. Today's formats are still accepted: `{ "token": ... }`
 * and a bare token string.
 *
 * With client credentials the token comes from Shopify's client credentials grant
 * (`POST https://{shop}/admin/oauth/access_token`, form-encoded grant_type=client_credentials,
 * client_id, client_secret; the answer has access_token, scope and expires_in, 24 hours). It is
 *   - fetched on first use and cached in memory with its expiry;
 *   - refreshed `safetyMarginMs` before it expires;
 *   - refreshed once when the Admin API answers 401 (`invalidate`), before the call fails;
 *   - refreshed by one caller at a time: concurrent callers wait for that refresh and share it.
 * A refused client secret fails at once with `ShopifyCredentialsRejected` (never retried: a wrong
 * secret does not get better). The token and the secret stay `Redacted` and are registered with
 * the log redactor, so neither reaches a log line.
 */
import { Data, Duration, Effect, Either, Option, Redacted, Ref, Schedule } from "effect";
import { SecretUnavailable, Transient } from "../kernel/errors";
import { registerSecretValue } from "../kernel/redact";

export type AdminCredentials =
  | { readonly kind: "access-token"; readonly accessToken: Redacted.Redacted<string> }
  | { readonly kind: "client-credentials"; readonly clientId: string; readonly clientSecret: Redacted.Redacted<string> };

export type AdminSecretKind = AdminCredentials["kind"];

export interface ParsedAdminSecret {
  readonly credentials: AdminCredentials;
  readonly shop?: string;
  readonly apiVersion?: string;
}

/** Shopify refused the app's client id or secret (or the app is not installed on the shop). */
export class ShopifyCredentialsRejected extends Data.TaggedError("ShopifyCredentialsRejected")<{ readonly reason: string; readonly status?: number }> {
  override get message() {
    return this.reason;
  }
}

export type AdminTokenError = ShopifyCredentialsRejected | Transient | SecretUnavailable;

const nonBlank = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);

/**
 * Reads the `shopifyAdmin` secret text. The error names the key that is missing, never a value.
 * Accepts camelCase and Shopify's snake_case names (client_id, client_secret, access_token).
 */
export const parseAdminSecret = (raw: string): Either.Either<ParsedAdminSecret, string> => {
  const text = raw.trim();
  if (text === "") return Either.left("is empty: it needs either accessToken or clientId and clientSecret");
  if (!text.startsWith("{")) return Either.right({ credentials: { kind: "access-token", accessToken: Redacted.make(text) } });
  let parsed: Record<string, unknown>;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return Either.left("is not a JSON object");
    parsed = value as Record<string, unknown>;
  } catch {
    return Either.left("is not valid JSON");
  }
  const extra = {
    ...(nonBlank(parsed.shop) ? { shop: nonBlank(parsed.shop)! } : {}),
    ...(nonBlank(parsed.apiVersion ?? parsed.api_version) ? { apiVersion: nonBlank(parsed.apiVersion ?? parsed.api_version)! } : {}),
  };
  const clientId = nonBlank(parsed.clientId ?? parsed.client_id);
  const clientSecret = nonBlank(parsed.clientSecret ?? parsed.client_secret);
  const accessToken = nonBlank(parsed.accessToken ?? parsed.access_token ?? parsed.token);
  if (clientId !== undefined || clientSecret !== undefined) {
    if (clientId === undefined) return Either.left('has clientSecret but no "clientId" (the Dev Dashboard app\'s client id)');
    if (clientSecret === undefined) return Either.left('has clientId but no "clientSecret" (the Dev Dashboard app\'s client secret)');
    return Either.right({ credentials: { kind: "client-credentials", clientId, clientSecret: Redacted.make(clientSecret) }, ...extra });
  }
  if (accessToken !== undefined) return Either.right({ credentials: { kind: "access-token", accessToken: Redacted.make(accessToken) }, ...extra });
  return Either.left('has neither "accessToken" (a legacy custom app) nor "clientId" and "clientSecret" (a Dev Dashboard app)');
};

/** Which kind of secret a text holds, for `sdp secrets check` (never the value). */
export const adminSecretKind = (raw: string): { readonly kind?: AdminSecretKind; readonly problem?: string } => {
  const parsed = parseAdminSecret(raw);
  return Either.isRight(parsed) ? { kind: parsed.right.credentials.kind } : { problem: parsed.left };
};

/** The client credentials grant endpoint of a shop ("acme.myshopify.com" or a full origin). */
export const tokenEndpointFor = (shop: string): string =>
  /^https?:\/\//.test(shop) ? `${shop.replace(/\/+$/, "")}/admin/oauth/access_token` : `https://${shop}/admin/oauth/access_token`;

export interface TokenSource {
  readonly credentials: AdminCredentials;
  /** Where to exchange client credentials (default: the shop's /admin/oauth/access_token). */
  readonly tokenEndpoint: string;
}

export interface AdminTokenOptions {
  readonly fetch?: typeof fetch;
  /** Refresh this long before the token expires (default 5 minutes, capped at half the lifetime). */
  readonly safetyMarginMs?: number;
  readonly now?: () => number;
  /** Retries of a transient token-endpoint failure (5xx, network). */
  readonly maxRetries?: number;
  readonly baseDelay?: Duration.DurationInput;
}

export interface AdminTokens {
  /** A valid token: the cached one, or a fresh one when it is (nearly) expired. */
  readonly current: Effect.Effect<Redacted.Redacted<string>, AdminTokenError>;
  /**
   * The Admin API refused `rejected` (401): a fresh token, unless another caller has already
   * replaced it (then that one). Fails for a legacy access token, which cannot be refreshed.
   */
  readonly refreshAfterRejection: (rejected: Redacted.Redacted<string>) => Effect.Effect<Option.Option<Redacted.Redacted<string>>, AdminTokenError>;
  /** Token requests made to Shopify so far (tests and the demo summary). */
  readonly exchanges: Effect.Effect<number>;
}

interface Cached {
  readonly token: Redacted.Redacted<string>;
  /** Refresh at (epoch ms): expiry minus the safety margin. */
  readonly refreshAt: number;
}

const DEFAULT_MARGIN_MS = 5 * 60_000;

/** The token service. `source` is read on every exchange, so a rotated secret is picked up. */
export const makeAdminTokens = (source: Effect.Effect<TokenSource, SecretUnavailable>, options: AdminTokenOptions = {}): Effect.Effect<AdminTokens> =>
  Effect.gen(function* () {
    const doFetch = options.fetch ?? fetch;
    const now = options.now ?? Date.now;
    const cache = yield* Ref.make<Option.Option<Cached>>(Option.none());
    const exchanges = yield* Ref.make(0);
    // One refresh at a time; callers that waited re-check the cache and reuse what it got.
    const lock = yield* Effect.makeSemaphore(1);
    const retry = Schedule.exponential(options.baseDelay ?? "200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(options.maxRetries ?? 3)));

    const exchange = (endpoint: string, clientId: string, clientSecret: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        yield* Ref.update(exchanges, (count) => count + 1);
        const response = yield* Effect.tryPromise({
          try: (signal) =>
            doFetch(endpoint, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
              body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: Redacted.value(clientSecret) }).toString(),
              signal,
            }),
          catch: (cause) => new Transient({ service: "shopify-token", reason: `network: ${(cause as Error)?.message ?? String(cause)}` }),
        });
        if (response.status === 429 || response.status >= 500) return yield* Effect.fail(new Transient({ service: "shopify-token", reason: `HTTP ${response.status}` }));
        const body = yield* Effect.tryPromise({
          try: () => response.json() as Promise<Record<string, unknown>>,
          catch: () => new Transient({ service: "shopify-token", reason: "the token endpoint's answer was not JSON" }),
        }).pipe(Effect.orElseSucceed((): Record<string, unknown> => ({})));
        if (response.status >= 400) {
          const code = nonBlank(body.error) ?? "";
          return yield* Effect.fail(
            new ShopifyCredentialsRejected({
              status: response.status,
              reason: `Shopify refused the client credentials (HTTP ${response.status}${code ? ` ${code.slice(0, 40)}` : ""}): check clientId and clientSecret in the shopifyAdmin secret and that the app is installed on the shop`,
            }),
          );
        }
        const accessToken = nonBlank(body.access_token);
        if (accessToken === undefined)
          return yield* Effect.fail(new ShopifyCredentialsRejected({ status: response.status, reason: "the token endpoint answered without an access_token" }));
        registerSecretValue(accessToken);
        const expiresInMs = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in * 1000 : 24 * 3600_000;
        const margin = Math.min(options.safetyMarginMs ?? DEFAULT_MARGIN_MS, expiresInMs / 2);
        const cached: Cached = { token: Redacted.make(accessToken), refreshAt: now() + expiresInMs - margin };
        yield* Ref.set(cache, Option.some(cached));
        yield* Effect.logInfo("shopify admin token issued", { expiresInSeconds: Math.round(expiresInMs / 1000), scope: nonBlank(body.scope) ?? "" });
        return cached.token;
      }).pipe(Effect.retry({ schedule: retry, while: (error) => error._tag === "Transient" }));

    /** Under the lock: a fresh token unless the cache already holds a usable one other than `stale`. */
    const refresh = (stale: Redacted.Redacted<string> | undefined) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const cached = yield* Ref.get(cache);
          if (Option.isSome(cached) && cached.value.refreshAt > now() && (stale === undefined || Redacted.value(cached.value.token) !== Redacted.value(stale)))
            return cached.value.token;
          const { credentials, tokenEndpoint } = yield* source;
          if (credentials.kind === "access-token") return credentials.accessToken;
          registerSecretValue(Redacted.value(credentials.clientSecret));
          return yield* exchange(tokenEndpoint, credentials.clientId, credentials.clientSecret);
        }),
      );

    const current: AdminTokens["current"] = Effect.flatMap(source, ({ credentials }) => {
      if (credentials.kind === "access-token") return Effect.succeed(credentials.accessToken);
      return Effect.flatMap(Ref.get(cache), (cached) => (Option.isSome(cached) && cached.value.refreshAt > now() ? Effect.succeed(cached.value.token) : refresh(undefined)));
    });

    const refreshAfterRejection: AdminTokens["refreshAfterRejection"] = (rejected) =>
      Effect.flatMap(source, ({ credentials }) => {
        if (credentials.kind === "access-token") return Effect.succeed(Option.none());
        return Effect.map(
          Effect.zipRight(
            // The rejected token is no longer usable, whatever its expiry said.
            Ref.update(cache, (cached) => (Option.isSome(cached) && Redacted.value(cached.value.token) === Redacted.value(rejected) ? Option.none() : cached)),
            refresh(rejected),
          ),
          Option.some,
        );
      });

    return { current, refreshAfterRejection, exchanges: Ref.get(exchanges) };
  });
