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
 * The token comes from the `shopifyAdmin` secret (JSON `{shop, token, apiVersion}`; a bare token
 * is accepted with the shop from SHOPIFY_SHOP_DOMAIN). SHOPIFY_GRAPHQL_ENDPOINT overrides the
 * URL (the local stand-in). The token never reaches a log line or an error message.
 */
import { Config, Context, Data, Duration, Effect, Layer, Option, Redacted, Ref, Schedule } from "effect";
import { envVars } from "../../contracts/env-vars";
import { SecretUnavailable, Throttled, Transient } from "../kernel/errors";
import { Secrets } from "../kernel/services";

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
  readonly token: Redacted.Redacted<string>;
  readonly apiVersion: string;
  readonly endpoint: string;
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
  }
>() {}

export interface ClientOptions {
  readonly fetch?: typeof fetch;
  /** First backoff delay (doubles each retry, with jitter). */
  readonly baseDelay?: Duration.DurationInput;
  readonly maxRetries?: number;
  /** Cost assumed for a request before Shopify has told us one. */
  readonly defaultCost?: number;
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

export const makeShopifyAdmin = (config: Effect.Effect<ShopifyAdminConfig, SecretUnavailable>, options: ClientOptions = {}) =>
  Effect.gen(function* () {
    const doFetch = options.fetch ?? fetch;
    const bucket = yield* Ref.make<Bucket>({ observedAt: 0, lastCost: options.defaultCost ?? 10 });
    const schedule = Schedule.exponential(options.baseDelay ?? "500 millis").pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(options.maxRetries ?? 6)),
    );

    const waitForBucket = Effect.gen(function* () {
      const { status, observedAt, lastCost } = yield* Ref.get(bucket);
      if (!status) return;
      const wait = refillWaitMs(status, observedAt, lastCost, Date.now());
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait));
    });

    const attempt = (query: string, variables: Record<string, unknown> | undefined) =>
      Effect.gen(function* () {
        const { endpoint, token } = yield* config;
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
          return yield* Effect.fail(new ShopifyRequestRejected({ reason: errors.map((error) => error.message ?? "GraphQL error").join("; ").slice(0, 500) }));
        }
        return body.data;
      }).pipe(
        // A throttled answer says how long the bucket needs; waiting that long first makes the
        // next attempt count.
        Effect.tapError((error) => (error._tag === "Throttled" && error.retryAfterMs ? Effect.sleep(Duration.millis(error.retryAfterMs)) : Effect.void)),
      );

    const graphql = <A>(query: string, variables?: Record<string, unknown>): Effect.Effect<A, ShopifyError> =>
      attempt(query, variables).pipe(
        Effect.retry({ schedule, while: isRetryable }),
        Effect.map((data) => data as A),
        Effect.withSpan("shopify.graphql"),
      );

    return { config, graphql };
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
    let parsed: { shop?: string; token?: string; apiVersion?: string } = {};
    if (raw.trim().startsWith("{")) {
      try {
        parsed = JSON.parse(raw) as typeof parsed;
      } catch {
        return yield* Effect.fail(new SecretUnavailable({ secret: "shopifyAdmin", reason: "is not valid JSON" }));
      }
    } else {
      parsed = { token: raw.trim() };
    }
    const shop = parsed.shop ?? Option.getOrUndefined(env.shop);
    if (!parsed.token) return yield* Effect.fail(new SecretUnavailable({ secret: "shopifyAdmin", reason: "has no token" }));
    if (!shop) return yield* Effect.fail(new SecretUnavailable({ secret: "shopifyAdmin", reason: `has no shop and ${envVars.shopifyShopDomain} is not set` }));
    const apiVersion = parsed.apiVersion ?? Option.getOrElse(env.apiVersion, () => DEFAULT_API_VERSION);
    return {
      shop,
      token: Redacted.make(parsed.token),
      apiVersion,
      endpoint: Option.getOrElse(env.endpoint, () => endpointFor(shop, apiVersion)),
    };
  });

/** The client for Lambda and `sdp local`: configuration from the Secrets service. */
export const ShopifyAdminLive = (options: ClientOptions = {}) =>
  Layer.effect(
    ShopifyAdmin,
    Effect.flatMap(Secrets, (secrets) => makeShopifyAdmin(configFromSecrets(secrets), options)),
  );

/** A client with explicit configuration (tests, the CLI's local run). */
export const ShopifyAdminFromConfig = (config: Omit<ShopifyAdminConfig, "token"> & { readonly token: string }, options: ClientOptions = {}) =>
  Layer.effect(ShopifyAdmin, makeShopifyAdmin(Effect.succeed({ ...config, token: Redacted.make(config.token) }), options));

/** Bulk query concurrency per shop: five from API 2026-01, one before. */
export const bulkQueryLimit = (apiVersion: string) => (apiVersion >= "2026-01" || apiVersion === "unstable" ? 5 : 1);
