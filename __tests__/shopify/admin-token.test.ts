/**
 * The Admin API token service: client credentials against the Shopify stand-in (which issues
 * short-lived tokens and refuses expired ones), the secret formats, and a backfill that outlives
 * several tokens.
 */
import { Context, Effect, Either, Exit, Layer, Logger, Option, Redacted } from "effect";
import { ShopifyAdmin, ShopifyAdminFromConfig, ShopifyAdminLive } from "../../functions/backfill/shopify-graphql";
import { CURRENT_BULK_OPERATION_QUERY } from "../../functions/backfill/queries";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { Secrets } from "../../functions/kernel/services";
import { webhookSecret } from "../../functions/shopify/signature";
import { adminSecretKind, makeAdminTokens, parseAdminSecret, tokenEndpointFor } from "../../functions/shopify/admin-token";
import { startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";
import { runBackfillLocally } from "../../local/state-machine";
import { withConfig } from "../support";

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined);

describe("the shopifyAdmin secret", () => {
  test("holds a legacy access token or a Dev Dashboard app's client credentials", () => {
    const legacy = parseAdminSecret(JSON.stringify({ accessToken: "shpat_abc", shop: "a.myshopify.com" }));
    expect(Either.isRight(legacy) && legacy.right).toMatchObject({ credentials: { kind: "access-token" }, shop: "a.myshopify.com" });
    const app = parseAdminSecret(JSON.stringify({ clientId: "id-1", clientSecret: "secret-1", apiVersion: "2026-04" }));
    expect(Either.isRight(app) && app.right).toMatchObject({ credentials: { kind: "client-credentials", clientId: "id-1" }, apiVersion: "2026-04" });
    if (Either.isRight(app) && app.right.credentials.kind === "client-credentials") {
      expect(Redacted.value(app.right.credentials.clientSecret)).toBe("secret-1");
      expect(String(app.right.credentials.clientSecret)).not.toContain("secret-1");
    }
    // Shopify's own snake_case names work too.
    expect(adminSecretKind(JSON.stringify({ client_id: "id", client_secret: "s" }))).toEqual({ kind: "client-credentials" });
  });

  test("today's formats are still accepted: {shop, token} and a bare token", () => {
    expect(adminSecretKind(JSON.stringify({ shop: "a.myshopify.com", token: "shpat_x" }))).toEqual({ kind: "access-token" });
    expect(adminSecretKind("shpat_bare")).toEqual({ kind: "access-token" });
  });

  test("a half-filled secret names the missing key, never a value", () => {
    const noSecret = parseAdminSecret(JSON.stringify({ clientId: "id-visible" }));
    expect(Either.isLeft(noSecret) && noSecret.left).toContain('"clientSecret"');
    const noId = parseAdminSecret(JSON.stringify({ clientSecret: "very-secret-value" }));
    expect(Either.isLeft(noId) && noId.left).toContain('"clientId"');
    expect(Either.isLeft(noId) && noId.left).not.toContain("very-secret-value");
    const neither = parseAdminSecret(JSON.stringify({ shop: "a.myshopify.com" }));
    expect(Either.isLeft(neither) && neither.left).toMatch(/accessToken.*clientId.*clientSecret/);
    expect(Either.isLeft(parseAdminSecret(""))).toBe(true);
  });

  test("the token endpoint is the shop's /admin/oauth/access_token", () => {
    expect(tokenEndpointFor("acme.myshopify.com")).toBe("https://acme.myshopify.com/admin/oauth/access_token");
    expect(tokenEndpointFor("http://127.0.0.1:9/")).toBe("http://127.0.0.1:9/admin/oauth/access_token");
  });
});

describe("token service against the stand-in", () => {
  let standin: ShopifyStandin;
  afterEach(() => standin?.stop());

  const sourceFor = (secret = standin.clientSecret) =>
    Effect.succeed({ credentials: { kind: "client-credentials" as const, clientId: standin.clientId, clientSecret: Redacted.make(secret) }, tokenEndpoint: standin.tokenUrl });

  test("fetched on first use, then cached until the safety margin before expiry", async () => {
    standin = await startShopifyStandin({ tokenTtlSeconds: 1 });
    let clock = Date.now();
    const program = Effect.gen(function* () {
      const tokens = yield* makeAdminTokens(sourceFor(), { safetyMarginMs: 300, now: () => clock });
      expect(yield* tokens.exchanges).toBe(0);
      const first = yield* tokens.current;
      const again = yield* tokens.current;
      expect(Redacted.value(again)).toBe(Redacted.value(first));
      expect(yield* tokens.exchanges).toBe(1);
      clock += 600; // refresh is due at 1000 - 300 = 700 ms: not yet
      expect(Redacted.value(yield* tokens.current)).toBe(Redacted.value(first));
      clock += 150; // 750 ms: inside the margin, refreshed before it expires
      const refreshed = yield* tokens.current;
      expect(Redacted.value(refreshed)).not.toBe(Redacted.value(first));
      expect(yield* tokens.exchanges).toBe(2);
    });
    await Effect.runPromise(program);
    expect(standin.tokenStats().issued).toBe(2);
  });

  test("concurrent callers share one refresh", async () => {
    standin = await startShopifyStandin({ tokenTtlSeconds: 60 });
    const tokens = await Effect.runPromise(makeAdminTokens(sourceFor()));
    const all = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 12 }, () => tokens.current),
        { concurrency: "unbounded" },
      ),
    );
    expect(new Set(all.map(Redacted.value)).size).toBe(1);
    expect(await Effect.runPromise(tokens.exchanges)).toBe(1);
    // Twelve callers that all saw the same token rejected: one new token between them.
    const stale = all[0]!;
    const fresh = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 12 }, () => tokens.refreshAfterRejection(stale)),
        { concurrency: "unbounded" },
      ),
    );
    expect(new Set(fresh.map((token) => Redacted.value(Option.getOrThrow(token)))).size).toBe(1);
    expect(await Effect.runPromise(tokens.exchanges)).toBe(2);
  });

  test("a 401 refreshes the token once and the call succeeds", async () => {
    standin = await startShopifyStandin({ tokenTtlSeconds: 0.2, legacyToken: false });
    // A clock that never moves: the service believes its token is fresh; only the 401 says otherwise.
    const frozen = Date.now();
    const layer = ShopifyAdminFromConfig(
      { shop: standin.shop, clientId: standin.clientId, clientSecret: standin.clientSecret, apiVersion: "2026-01", endpoint: standin.url },
      { baseDelay: "1 millis", maxRetries: 1, token: { now: () => frozen } },
    );
    const program = Effect.gen(function* () {
      const admin = yield* ShopifyAdmin;
      yield* admin.graphql(CURRENT_BULK_OPERATION_QUERY);
      yield* Effect.sleep("300 millis");
      yield* admin.graphql(CURRENT_BULK_OPERATION_QUERY);
      return yield* admin.tokens.exchanges;
    });
    expect(await Effect.runPromise(program.pipe(Effect.provide(layer)))).toBe(2);
    expect(standin.tokenStats()).toMatchObject({ issued: 2, expiredRejections: 1 });
  });

  test("a wrong client secret fails at once with a message that says so (no retry loop), and no secret or token is logged", async () => {
    standin = await startShopifyStandin({ legacyToken: false });
    const lines: string[] = [];
    const logger = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ message, annotations }) => lines.push(JSON.stringify({ message, annotations: [...annotations] }))),
    );
    const layer = ShopifyAdminFromConfig(
      { shop: standin.shop, clientId: standin.clientId, clientSecret: "wrong-secret-value-123", apiVersion: "2026-01", endpoint: standin.url },
      { baseDelay: "1 millis", maxRetries: 4 },
    );
    const exit = await Effect.runPromiseExit(Effect.flatMap(ShopifyAdmin, (admin) => admin.graphql(CURRENT_BULK_OPERATION_QUERY)).pipe(Effect.provide(Layer.merge(layer, logger))));
    const error = failureOf(exit) as { _tag: string; reason: string } | undefined;
    expect(error?._tag).toBe("ShopifyRequestRejected");
    expect(error?.reason).toMatch(/refused the client credentials.*clientSecret/);
    expect(JSON.stringify(error)).not.toContain("wrong-secret-value-123");
    expect(standin.tokenStats().invalidClient).toBe(1);
    expect(standin.requests.filter((name) => name !== "InvalidClient")).toEqual([]);
    expect(lines.join("\n")).not.toContain("wrong-secret-value-123");
  });

  test("issued tokens never reach a log line", async () => {
    standin = await startShopifyStandin();
    const lines: string[] = [];
    const logger = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ message, annotations }) => lines.push(JSON.stringify({ message, annotations: Object.fromEntries(annotations) }))),
    );
    const layer = ShopifyAdminFromConfig({ shop: standin.shop, clientId: standin.clientId, clientSecret: standin.clientSecret, apiVersion: "2026-01", endpoint: standin.url });
    const token = await Effect.runPromise(
      Effect.flatMap(ShopifyAdmin, (admin) => Effect.zipRight(admin.graphql(CURRENT_BULK_OPERATION_QUERY), admin.tokens.current)).pipe(Effect.provide(Layer.merge(layer, logger))),
    );
    expect(lines.some((line) => line.includes("shopify admin token issued"))).toBe(true);
    expect(lines.join("\n")).not.toContain(Redacted.value(token));
    expect(lines.join("\n")).not.toContain(standin.clientSecret);
  });

  test("ShopifyAdminLive reads {clientId, clientSecret} from the shopifyAdmin secret", async () => {
    standin = await startShopifyStandin({ legacyToken: false });
    const secret = JSON.stringify({ clientId: standin.clientId, clientSecret: standin.clientSecret, shop: standin.shop });
    const layer = ShopifyAdminLive({ baseDelay: "1 millis", maxRetries: 1 }).pipe(Layer.provide(makeTestPlatform({ secrets: { shopifyAdmin: secret } }).layer));
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(ShopifyAdmin, (admin) => admin.graphql(CURRENT_BULK_OPERATION_QUERY)).pipe(Effect.provide(layer), withConfig({ SHOPIFY_GRAPHQL_ENDPOINT: standin.url })),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(standin.tokenStats().issued).toBe(1);
  });
});

describe("a backfill that outlives several tokens", () => {
  test("succeeds, every export reconciled, with tokens refreshed along the way", async () => {
    // Tokens live 0.8 s (refreshed 0.3 s early); the exports poll for about 3 s, so the run outlives several.
    // Long enough that a request made with a fresh token never meets its expiry on a loaded machine.
    const standin = await startShopifyStandin({ perDay: 3, tokenTtlSeconds: 0.8, legacyToken: false });
    try {
      standin.setMode({ pollsToFinish: 30 });
      const platform = makeTestPlatform();
      const layer = Layer.mergeAll(
        platform.layer,
        ShopifyAdminFromConfig(
          { shop: standin.shop, clientId: standin.clientId, clientSecret: standin.clientSecret, apiVersion: "2026-01", endpoint: standin.url },
          { baseDelay: "2 millis", maxRetries: 3, token: { safetyMarginMs: 300 } },
        ),
      );
      const result = await runBackfillLocally(
        { runId: "tokens-1", objects: ["orders", "customers", "products"], since: "2026-04-01T00:00:00Z", until: "2026-04-03T00:00:00Z" },
        { layer, pollIntervalMs: 100, retryIntervalMs: 5, leaseWaitMs: 100 },
      );
      expect(result.status === "SUCCEEDED" ? result.status : `${result.status}: ${JSON.stringify(result).slice(0, 600)}`).toBe("SUCCEEDED");
      if (result.status === "SUCCEEDED") expect(result.output).toMatchObject({ succeeded: 3, failed: 0 });
      expect(standin.tokenStats().issued).toBeGreaterThanOrEqual(3);
    } finally {
      await standin.stop();
    }
  }, 30_000);
});

describe("the webhook HMAC key", () => {
  const keyOf = (secrets: Record<string, string>) =>
    Effect.runPromiseExit(
      Effect.flatMap(
        Effect.map(makeTestPlatform({ secrets }).layer.pipe(Layer.build, Effect.scoped), (context) => context),
        (context) => webhookSecret(Context.get(context, Secrets)),
      ),
    );

  test("is the webhook secret when set, else the Dev Dashboard app's client secret", async () => {
    const both = await keyOf({ shopifyWebhook: "legacy-webhook-secret", shopifyAdmin: JSON.stringify({ clientId: "id", clientSecret: "app-client-secret" }) });
    expect(Exit.isSuccess(both) && Redacted.value(both.value)).toBe("legacy-webhook-secret");
    const onlyApp = await keyOf({ shopifyAdmin: JSON.stringify({ clientId: "id", clientSecret: "app-client-secret" }) });
    expect(Exit.isSuccess(onlyApp) && Redacted.value(onlyApp.value)).toBe("app-client-secret");
    const emptyWebhook = await keyOf({ shopifyWebhook: " ", shopifyAdmin: JSON.stringify({ clientId: "id", clientSecret: "app-client-secret" }) });
    expect(Exit.isSuccess(emptyWebhook) && Redacted.value(emptyWebhook.value)).toBe("app-client-secret");
    const legacyToken = await keyOf({ shopifyAdmin: JSON.stringify({ accessToken: "shpat_x" }) });
    expect(failureOf(legacyToken)).toMatchObject({ _tag: "InvalidSignature", reason: expect.stringContaining("no clientSecret") });
  });
});
