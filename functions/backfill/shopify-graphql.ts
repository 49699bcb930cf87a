/**
 * Shopify Admin GraphQL client as an Effect service.
 *
 * - Cost-based throttling: every response's `extensions.cost.throttleStatus` updates a local
 *   picture of the shop's bucket; before the next request we wait until the bucket has refilled
 *   enough for the cost we expect, instead of spending a request on a THROTTLED answer.
 * - `THROTTLED` errors and HTTP 429 -> `Throttled` (wait for the refill, then retry with backoff).
 * - 5xx and network failures -> `Transient`, retried with exponential backoff and jitter.
 * - 4xx and other GraphQL errors -> `ShopifyRequestRejected`, never retried (retrying a bad
 *   token or a bad query only burns the bucket).
 * - Mutation `userErrors` -> `ShopifyUserErrors` with field and message (see `failOnUserErrors`).
 *
 * The token comes from the token service (functions/shopify/admin-token.ts): the `shopifyAdmin`
 * secret holds `{accessToken}` (a legacy custom app) or `{clientId, clientSecret}` (a Dev
 * Dashboard app, exchanged for 24-hour tokens), with optional `shop` and `apiVersion` (today's
 * `{shop, token}` and a bare token are still accepted; the shop may come from SHOPIFY_SHOP_DOMAIN).
 * A 401 refreshes a client-credentials token once and retries the request before failing.
 * SHOPIFY_GRAPHQL_ENDPOINT overrides the URL (the local stand-in; its origin also serves the
 * token endpoint). The token never reaches a log line or an error message.
 */
import { Config, Context, Data, Duration, Effect, Layer, Option, Redacted, Ref, Schedule } from "effect";
import { envVars } from "../../contracts/env-vars";
import { SecretUnavailable, Throttled, Transient } from "../kernel/errors";
import { Secrets } from "../kernel/services";
import { makeAdminTokens, parseAdminSecret, tokenEndpointFor, type AdminCredentials, type AdminTokenOptions, type AdminTokens } from "../shopify/admin-token";

export const DEFAULT_API_VERSION = "2026-01";

export class ShopifyUserErrors extends Data.TaggedError("ShopifyUserErrors")<{
  readonly errors: ReadonlyArray<{ readonly field: ReadonlyArray<string> | null; readonly message: string; readonly code?: string | null }>;
}> {
  override get message() {
    return this.errors.map((error) => `${error.field?.join(".") ?? "(input)"}: ${error.message}${error.code ? ` [${error.code}]` : ""}`).join("; ");
  }
}

/** A request Shopify refused for a reason retrying cannot fix (auth, scopes, a bad query). */
export class ShopifyRequestRejected extends Data.TaggedError("ShopifyRequestRejected")<{ readonly reason: string; readonly status?: number }> {
  override get message() {
    return this.reason;
  }
}

export type ShopifyError = Throttled | Transient | ShopifyRequestRejected | SecretUnavailable;

export interface ShopifyAdminConfig {
  readonly shop: string;
  /** A legacy access token or a Dev Dashboard app's client credentials. */
  readonly credentials: AdminCredentials;
  readonly apiVersion: string;
  readonly endpoint: string;
  /** Where client credentials are exchanged for a token. */
  readonly tokenEndpoint: string;
}

export interface ThrottleStatus {
  readonly maximumAvailable: number;
  readonly currentlyAvailable: number;
  readonly restoreRate: number;
}

export class ShopifyAdmin extends Context.Tag("sdp/ShopifyAdmin")<
  ShopifyAdmin,
  {
    readonly config: Effect.Effect<ShopifyAdminConfig, SecretUnavailable>;
    /** Runs a query or mutation and returns `data`, retrying throttling and transient failures. */
    readonly graphql: <A = unknown>(query: string, variables?: Record<string, unknown>) => Effect.Effect<A, ShopifyError>;
    /** The token service this client uses (one per container). */
    readonly tokens: AdminTokens;
  }
>() {}

export interface ClientOptions {
  readonly fetch?: typeof fetch;
  /** First backoff delay (doubles each retry, with jitter). */
  readonly baseDelay?: Duration.DurationInput;
  readonly maxRetries?: number;
  /** Cost assumed for a request before Shopify has told us one. */
  readonly defaultCost?: number;
  /** Token service options (safety margin, clock). */
  readonly token?: AdminTokenOptions;
}

interface GraphqlResponse {
  readonly data?: unknown;
  readonly errors?: ReadonlyArray<{ readonly message?: string; readonly extensions?: { readonly code?: string } }>;
  readonly extensions?: { readonly cost?: { readonly requestedQueryCost?: number; readonly throttleStatus?: ThrottleStatus } };
}

interface Bucket {
  readonly status?: ThrottleStatus;
  readonly observedAt: number;
  readonly lastCost: number;
}

/** Milliseconds until a bucket last seen as `status` at `observedAt` holds `cost` points. */
export const refillWaitMs = (status: ThrottleStatus, observedAt: number, cost: number, now: number): number => {
  if (status.restoreRate <= 0) return 0;
  const needed = Math.min(cost, status.maximumAvailable);
  const available = Math.min(status.maximumAvailable, status.currentlyAvailable + ((now - observedAt) / 1000) * status.restoreRate);
  return available >= needed ? 0 : Math.ceil(((needed - available) / status.restoreRate) * 1000);
};

const isRetryable = (error: ShopifyError) => error._tag === "Throttled" || error._tag === "Transient";

/** A 401 from the Admin API: the token may be refreshed once before the call fails. */
class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly token: Redacted.Redacted<string> }> {}

export const makeShopifyAdmin = (config: Effect.Effect<ShopifyAdminConfig, SecretUnavailable>, options: ClientOptions = {}) =>
  Effect.gen(function* () {
    const doFetch = options.fetch ?? fetch;
    const tokens = yield* makeAdminTokens(
      Effect.map(config, ({ credentials, tokenEndpoint }) => ({ credentials, tokenEndpoint })),
      { ...(options.fetch ? { fetch: options.fetch } : {}), ...options.token },
    );
    const tokenFailure = (error: Effect.Effect.Error<AdminTokens["current"]>): ShopifyError =>
      error._tag === "ShopifyCredentialsRejected" ? new ShopifyRequestRejected({ reason: error.reason, ...(error.status !== undefined ? { status: error.status } : {}) }) : error;
    const bucket = yield* Ref.make<Bucket>({ observedAt: 0, lastCost: options.defaultCost ?? 10 });
    const schedule = Schedule.exponential(options.baseDelay ?? "500 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(options.maxRetries ?? 6)));

    const waitForBucket = Effect.gen(function* () {
      const { status, observedAt, lastCost } = yield* Ref.get(bucket);
      if (!status) return;
      const wait = refillWaitMs(status, observedAt, lastCost, Date.now());
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait));
    });

    const attempt = (query: string, variables: Record<string, unknown> | undefined, given?: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const { endpoint } = yield* config;
        const token = given ?? (yield* Effect.mapError(tokens.current, tokenFailure));
        yield* waitForBucket;
        const response = yield* Effect.tryPromise({
          try: (signal) =>
            doFetch(endpoint, {
              method: "POST",
              headers: { "content-type": "application/json", accept: "application/json", "x-shopify-access-token": Redacted.value(token) },
              body: JSON.stringify({ query, variables: variables ?? {} }),
              signal,
            }),
          catch: (cause) => new Transient({ service: "shopify-graphql", reason: `network: ${(cause as Error)?.message ?? String(cause)}` }),
        });
        if (response.status === 429) {
          const retryAfter = Number(response.headers.get("retry-after"));
          return yield* Effect.fail(new Throttled({ service: "shopify-graphql", retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 }));
        }
        if (response.status >= 500) {
          return yield* Effect.fail(new Transient({ service: "shopify-graphql", reason: `HTTP ${response.status}` }));
        }
        if (response.status === 401) return yield* Effect.fail(new Unauthorized({ token }));
        if (response.status >= 400) {
          return yield* Effect.fail(new ShopifyRequestRejected({ reason: `HTTP ${response.status}`, status: response.status }));
        }
        const body = yield* Effect.tryPromise({
          try: () => response.json() as Promise<GraphqlResponse>,
          catch: () => new Transient({ service: "shopify-graphql", reason: "response was not JSON" }),
        });
        const cost = body.extensions?.cost;
        if (cost?.throttleStatus) {
          yield* Ref.set(bucket, { status: cost.throttleStatus, observedAt: Date.now(), lastCost: cost.requestedQueryCost ?? options.defaultCost ?? 10 });
        }
        const errors = body.errors ?? [];
        if (errors.some((error) => error.extensions?.code === "THROTTLED" || error.message === "Throttled")) {
          const status = cost?.throttleStatus;
          const retryAfterMs = status ? Math.max(1, refillWaitMs(status, Date.now(), cost?.requestedQueryCost ?? 10, Date.now())) : 1000;
          return yield* Effect.fail(new Throttled({ service: "shopify-graphql", retryAfterMs }));
        }
        if (errors.some((error) => error.extensions?.code === "INTERNAL_SERVER_ERROR")) {
          return yield* Effect.fail(new Transient({ service: "shopify-graphql", reason: "INTERNAL_SERVER_ERROR" }));
        }
        if (errors.length > 0) {
          return yield* Effect.fail(
            new ShopifyRequestRejected({
              reason: errors
                .map((error) => error.message ?? "GraphQL error")
                .join("; ")
                .slice(0, 500),
            }),
          );
        }
        return body.data;
      }).pipe(
        // A throttled answer says how long the bucket needs; waiting that long first makes the
        // next attempt count.
        Effect.tapError((error) => (error._tag === "Throttled" && error.retryAfterMs ? Effect.sleep(Duration.millis(error.retryAfterMs)) : Effect.void)),
      );

    const rejected401 = (reason: string) => new ShopifyRequestRejected({ reason: `HTTP 401: ${reason}`, status: 401 });
    /** One request; a 401 refreshes a client-credentials token once and tries again. */
    const authorized = (query: string, variables: Record<string, unknown> | undefined) =>
      attempt(query, variables).pipe(
        Effect.catchTag("Unauthorized", ({ token }) =>
          Effect.flatMap(Effect.mapError(tokens.refreshAfterRejection(token), tokenFailure), (fresh) =>
            Option.isNone(fresh)
              ? Effect.fail(rejected401("Shopify rejected the access token (the accessToken of the shopifyAdmin secret); a legacy token cannot be refreshed"))
              : attempt(query, variables, fresh.value).pipe(
                  Effect.catchTag("Unauthorized", () =>
                    Effect.fail(rejected401("Shopify rejected a freshly issued access token: check the app's scopes and that it is installed on the shop")),
                  ),
                ),
          ),
        ),
      );

    const graphql = <A>(query: string, variables?: Record<string, unknown>): Effect.Effect<A, ShopifyError> =>
      authorized(query, variables).pipe(
        Effect.retry({ schedule, while: isRetryable }),
        Effect.map((data) => data as A),
        Effect.withSpan("shopify.graphql"),
      );

    return { config, graphql, tokens };
  });

/** Fails with the mutation's `userErrors` (never retried) or returns the payload. */
export const failOnUserErrors = <P extends { readonly userErrors?: ShopifyUserErrors["errors"] | null }>(
  payload: P | null | undefined,
  what: string,
): Effect.Effect<P, ShopifyUserErrors | ShopifyRequestRejected> => {
  if (!payload) return Effect.fail(new ShopifyRequestRejected({ reason: `${what} returned no payload` }));
  if (payload.userErrors && payload.userErrors.length > 0) return Effect.fail(new ShopifyUserErrors({ errors: payload.userErrors }));
  return Effect.succeed(payload);
};

export const endpointFor = (shop: string, apiVersion: string) => `https://${shop}/admin/api/${apiVersion}/graphql.json`;

/** Reads the `shopifyAdmin` secret (cached by the Secrets service) and the env overrides. */
export const configFromSecrets = (secrets: Context.Tag.Service<Secrets>): Effect.Effect<ShopifyAdminConfig, SecretUnavailable> =>
  Effect.gen(function* () {
    const raw = Redacted.value(yield* secrets.get("shopifyAdmin"));
    const env = yield* Effect.all({
      shop: Config.option(Config.string(envVars.shopifyShopDomain)),
      apiVersion: Config.option(Config.string(envVars.shopifyApiVersion)),
      endpoint: Config.option(Config.string(envVars.shopifyGraphqlEndpoint)),
    }).pipe(Effect.orElseSucceed(() => ({ shop: Option.none<string>(), apiVersion: Option.none<string>(), endpoint: Option.none<string>() })));
    const parsed = parseAdminSecret(raw);
    if (parsed._tag === "Left") return yield* Effect.fail(new SecretUnavailable({ secret: "shopifyAdmin", reason: parsed.left }));
    const shop = parsed.right.shop ?? Option.getOrUndefined(env.shop);
    if (!shop) return yield* Effect.fail(new SecretUnavailable({ secret: "shopifyAdmin", reason: `has no shop and ${envVars.shopifyShopDomain} is not set` }));
    const apiVersion = parsed.right.apiVersion ?? Option.getOrElse(env.apiVersion, () => DEFAULT_API_VERSION);
    const endpoint = Option.getOrElse(env.endpoint, () => endpointFor(shop, apiVersion));
    return {
      shop,
      credentials: parsed.right.credentials,
      apiVersion,
      endpoint,
      // With an endpoint override (the stand-in), the token endpoint is on the same origin.
      tokenEndpoint: Option.isSome(env.endpoint) ? tokenEndpointFor(new URL(env.endpoint.value).origin) : tokenEndpointFor(shop),
    };
  });

/** The client for Lambda and `sdp local`: configuration from the Secrets service. */
export const ShopifyAdminLive = (options: ClientOptions = {}) =>
  Layer.effect(
    ShopifyAdmin,
    Effect.flatMap(Secrets, (secrets) => makeShopifyAdmin(configFromSecrets(secrets), options)),
  );

/** Explicit configuration: a legacy `token`, or a Dev Dashboard app's `clientId` and `clientSecret`. */
export type ExplicitAdminConfig = Omit<ShopifyAdminConfig, "credentials" | "tokenEndpoint"> & {
  readonly token?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Default: /admin/oauth/access_token on the endpoint's origin. */
  readonly tokenEndpoint?: string;
};

export const explicitAdminConfig = (config: ExplicitAdminConfig): ShopifyAdminConfig => {
  const { token, clientId, clientSecret, tokenEndpoint, ...rest } = config;
  const credentials: AdminCredentials =
    clientId !== undefined && clientSecret !== undefined
      ? { kind: "client-credentials", clientId, clientSecret: Redacted.make(clientSecret) }
      : { kind: "access-token", accessToken: Redacted.make(token ?? "") };
  return { ...rest, credentials, tokenEndpoint: tokenEndpoint ?? tokenEndpointFor(new URL(config.endpoint).origin) };
};

/** A client with explicit configuration (tests, the CLI's local run). */
export const ShopifyAdminFromConfig = (config: ExplicitAdminConfig, options: ClientOptions = {}) =>
  Layer.effect(ShopifyAdmin, makeShopifyAdmin(Effect.succeed(explicitAdminConfig(config)), options));

/** Bulk query concurrency per shop: five from API 2026-01, one before. */
export const bulkQueryLimit = (apiVersion: string) => (apiVersion >= "2026-01" || apiVersion === "unstable" ? 5 : 1);
