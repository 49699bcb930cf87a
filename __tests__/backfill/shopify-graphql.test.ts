import { Effect, Exit, Layer, Redacted } from "effect";
import {
  bulkQueryLimit,
  configFromSecrets,
  failOnUserErrors,
  refillWaitMs,
  ShopifyAdmin,
  ShopifyAdminFromConfig,
  ShopifyAdminLive,
  type ClientOptions,
} from "../../functions/backfill/shopify-graphql";
import { CURRENT_BULK_OPERATION_QUERY } from "../../functions/backfill/queries";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { Secrets } from "../../functions/kernel/services";
import { startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";
import { configLayer, withConfig } from "../support";

let standin: ShopifyStandin;
beforeEach(async () => {
  standin = await startShopifyStandin({ perDay: 2 });
});
afterEach(() => standin.stop());

const fast: ClientOptions = { baseDelay: "5 millis", maxRetries: 4 };
const clientLayer = (options: ClientOptions = fast, token = standin.token) =>
  ShopifyAdminFromConfig({ shop: standin.shop, token, apiVersion: "2026-01", endpoint: standin.url }, options);

const current = (layer: Layer.Layer<ShopifyAdmin>) =>
  Effect.runPromiseExit(Effect.flatMap(ShopifyAdmin, (admin) => admin.graphql<{ currentBulkOperation: unknown }>(CURRENT_BULK_OPERATION_QUERY)).pipe(Effect.provide(layer)));

const failureOf = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as { _tag: string }) : undefined);

describe("Shopify GraphQL client", () => {
  test("answers data when all is well", async () => {
    const exit = await current(clientLayer());
    expect(Exit.isSuccess(exit) && exit.value).toEqual({ currentBulkOperation: null });
  });

  test("THROTTLED answers are retried after the bucket refills", async () => {
    standin.setMode({ throttleRequests: 2 });
    const exit = await current(clientLayer());
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(standin.requests).toEqual(["THROTTLED", "THROTTLED", "CurrentBulkOperation"]);
  });

  test("HTTP 429 is retried", async () => {
    standin.setMode({ http429Requests: 1 });
    expect(Exit.isSuccess(await current(clientLayer()))).toBe(true);
    expect(standin.requests).toEqual(["HTTP429", "CurrentBulkOperation"]);
  });

  test("5xx is retried with backoff, then surfaces as Transient when it persists", async () => {
    standin.setMode({ serverErrors: 2 });
    expect(Exit.isSuccess(await current(clientLayer()))).toBe(true);
    standin.setMode({ serverErrors: 100 });
    const exit = await current(clientLayer({ baseDelay: "1 millis", maxRetries: 2 }));
    expect(failureOf(exit)).toMatchObject({ _tag: "Transient", reason: "HTTP 503" });
    expect(standin.requests.filter((request) => request === "HTTP503")).toHaveLength(2 + 3);
  });

  test("persistent throttling surfaces as Throttled", async () => {
    standin.setMode({ throttleRequests: 100 });
    expect(failureOf(await current(clientLayer({ baseDelay: "1 millis", maxRetries: 1 })))).toMatchObject({ _tag: "Throttled" });
  });

  test("network failures are Transient", async () => {
    const unreachable = ShopifyAdminFromConfig(
      { shop: "x.myshopify.com", token: "t", apiVersion: "2026-01", endpoint: "http://127.0.0.1:1/graphql.json" },
      { baseDelay: "1 millis", maxRetries: 1 },
    );
    expect(failureOf(await current(unreachable))).toMatchObject({ _tag: "Transient" });
  });

  test("a bad token is rejected once, never retried, and the token never appears in the error", async () => {
    const exit = await current(clientLayer(fast, "shpat_wrong_secret_value"));
    const error = failureOf(exit);
    expect(error).toMatchObject({ _tag: "ShopifyRequestRejected", status: 401 });
    expect(JSON.stringify(error)).not.toContain("shpat_wrong_secret_value");
    expect(standin.requests).toEqual([]);
  });

  test("GraphQL errors other than throttling are not retried", async () => {
    const exit = await Effect.runPromiseExit(Effect.flatMap(ShopifyAdmin, (admin) => admin.graphql("{ shop { name } }")).pipe(Effect.provide(clientLayer())));
    expect(failureOf(exit)).toMatchObject({ _tag: "ShopifyRequestRejected" });
    expect(standin.requests).toEqual(["Unknown"]);
  });

  test("userErrors become ShopifyUserErrors with field and message", async () => {
    const exit = await Effect.runPromiseExit(failOnUserErrors({ userErrors: [{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }] }, "bulkOperationRunQuery"));
    const error = failureOf(exit) as unknown as { _tag: string; errors: unknown; message: string };
    expect(error._tag).toBe("ShopifyUserErrors");
    expect(error.errors).toEqual([{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }]);
    expect(error.message).toBe("query: Invalid bulk query [INVALID]");
  });
});

describe("cost-based throttling", () => {
  test("waits exactly long enough for the bucket to hold the next request's cost", () => {
    const status = { maximumAvailable: 1000, currentlyAvailable: 10, restoreRate: 50 };
    expect(refillWaitMs(status, 0, 110, 0)).toBe(2000);
    expect(refillWaitMs(status, 0, 110, 1000)).toBe(1000);
    expect(refillWaitMs(status, 0, 110, 2000)).toBe(0);
    expect(refillWaitMs(status, 0, 5, 0)).toBe(0);
    // A cost above the bucket size only waits for a full bucket.
    expect(refillWaitMs({ ...status, currentlyAvailable: 0 }, 0, 5000, 0)).toBe(20_000);
  });

  test("a low bucket reported by Shopify delays the next request", async () => {
    let calls = 0;
    const times: number[] = [];
    const fetchStub: typeof fetch = async () => {
      times.push(Date.now());
      calls += 1;
      return new Response(
        JSON.stringify({
          data: { ok: calls },
          extensions: { cost: { requestedQueryCost: 60, throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 40, restoreRate: 100 } } },
        }),
        { status: 200 },
      );
    };
    const layer = ShopifyAdminFromConfig({ shop: "s.myshopify.com", token: "t", apiVersion: "2026-01", endpoint: "http://unused" }, { fetch: fetchStub });
    await Effect.runPromise(Effect.flatMap(ShopifyAdmin, (admin) => Effect.zip(admin.graphql("{a}"), admin.graphql("{b}"))).pipe(Effect.provide(layer)));
    // 60 needed, 40 available, 100/s restore: about 200 ms between the two requests.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(180);
  });
});

describe("configuration", () => {
  const secrets = (value: string | undefined) => makeTestPlatform(value === undefined ? {} : { secrets: { shopifyAdmin: value } }).layer;
  const configOf = (value: string | undefined, settings: Record<string, string> = {}) =>
    Effect.runPromiseExit(Effect.flatMap(Secrets, (service) => configFromSecrets(service)).pipe(Effect.provide(secrets(value)), withConfig(settings)));

  test("reads {shop, token, apiVersion} from the shopifyAdmin secret", async () => {
    const exit = await configOf(JSON.stringify({ shop: "brand.myshopify.com", token: "shpat_x", apiVersion: "2025-10" }));
    expect(Exit.isSuccess(exit)).toBe(true);
    if (Exit.isSuccess(exit)) {
      expect(exit.value).toMatchObject({ shop: "brand.myshopify.com", apiVersion: "2025-10", endpoint: "https://brand.myshopify.com/admin/api/2025-10/graphql.json" });
      const credentials = exit.value.credentials;
      expect(credentials.kind).toBe("access-token");
      if (credentials.kind === "access-token") {
        expect(Redacted.value(credentials.accessToken)).toBe("shpat_x");
        expect(String(credentials.accessToken)).not.toContain("shpat_x");
      }
    }
  });

  test("a bare token takes the shop from SHOPIFY_SHOP_DOMAIN, the default API version and the endpoint override", async () => {
    const exit = await configOf("shpat_bare", { SHOPIFY_SHOP_DOMAIN: "other.myshopify.com", SHOPIFY_GRAPHQL_ENDPOINT: "http://127.0.0.1:9/admin/api/2026-01/graphql.json" });
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({ shop: "other.myshopify.com", apiVersion: "2026-01", endpoint: "http://127.0.0.1:9/admin/api/2026-01/graphql.json" });
  });

  test("a missing secret or missing shop is SecretUnavailable", async () => {
    expect(failureOf(await configOf(undefined))).toMatchObject({ _tag: "SecretUnavailable" });
    // No SHOPIFY_SHOP_DOMAIN in the settings.
    expect(failureOf(await configOf("shpat_bare"))).toMatchObject({ _tag: "SecretUnavailable", reason: expect.stringContaining("no shop") });
  });

  test("ShopifyAdminLive builds the client from the Secrets service", async () => {
    const layer = ShopifyAdminLive(fast).pipe(Layer.provide(secrets(JSON.stringify({ shop: standin.shop, token: standin.token }))));
    expect(Exit.isSuccess(await current(layer.pipe(Layer.provide(configLayer({ SHOPIFY_GRAPHQL_ENDPOINT: standin.url })))))).toBe(true);
  });

  test("bulk query concurrency: five from 2026-01, one before", () => {
    expect(bulkQueryLimit("2026-01")).toBe(5);
    expect(bulkQueryLimit("2026-10")).toBe(5);
    expect(bulkQueryLimit("2025-10")).toBe(1);
  });
});
