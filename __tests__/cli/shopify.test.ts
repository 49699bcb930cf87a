/**
 * `sdp shopify app-config` (the [webhooks] section of shopify.app.toml from contracts/events.ts)
 * and `sdp shopify webhooks` (the shop's subscriptions through the Admin API, against the stand-in).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { routes, shopifyTopicFamilies, shopifyTopics } from "../../contracts/events";
import { COMPLIANCE_TOPICS, extractWebhooksSection, partnerEventSourceArn, replaceWebhooksSection, requiredScopes, topicEnum } from "../../delivery/shopify-app-config";
import { bulkObjects } from "../../functions/backfill/convert/entities";
import { startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";
import { runSdp, tempDir } from "./support";

const DOOR = "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/shopify";
const EXAMPLE = path.join(__dirname, "..", "..", "docs", "shopify.app.example.toml");
const PROD_ARN = partnerEventSourceArn("eu-west-1", "aws.partner/shopify.com/123456/acme-prod");

/** The topics of every [[webhooks.subscriptions]] of a TOML text, with their uri. */
const subscriptionsOf = (toml: string) =>
  [...toml.matchAll(/\[\[webhooks\.subscriptions\]\]\s*\n\s*(topics|compliance_topics) = \[([^\]]*)\]\s*\n\s*uri = "([^"]+)"/g)].map((match) => ({
    compliance: match[1] === "compliance_topics",
    topics: [...match[2]!.matchAll(/"([^"]+)"/g)].map((topic) => topic[1]!),
    uri: match[3]!,
  }));

describe("sdp shopify app-config", () => {
  test("every routed topic is subscribed once, to the partner event source; compliance topics go to the HTTPS door", async () => {
    const result = await runSdp(["shopify", "app-config", "--env", "prod", "--door-url", DOOR]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('api_version = "2026-01"');
    const subscriptions = subscriptionsOf(result.stdout);
    // One per topic family, plus the compliance subscription.
    expect(subscriptions).toHaveLength(Object.keys(shopifyTopicFamilies).length + 1);
    const partner = subscriptions.filter((subscription) => !subscription.compliance);
    expect(new Set(partner.map((subscription) => subscription.uri))).toEqual(new Set([PROD_ARN]));
    const subscribed = partner.flatMap((subscription) => subscription.topics);
    // Every topic a route (contracts/events.ts) sends to a processor: none missing, none twice.
    const routed = routes
      .filter((route) => route.bus === "partner")
      .flatMap((route) => JSON.stringify(route.pattern).match(/"equals-ignore-case":"([^"]+)"/g) ?? [])
      .map((match) => match.split('"')[3]!);
    expect(new Set(routed).size).toBe(shopifyTopics.length);
    expect([...subscribed].sort()).toEqual([...new Set(routed)].sort());
    expect(subscriptions.find((subscription) => subscription.compliance)).toEqual({ compliance: true, topics: [...COMPLIANCE_TOPICS], uri: DOOR });
  });

  test("the committed example (docs/shopify.app.example.toml) is not stale", async () => {
    const check = await runSdp(["shopify", "app-config", "--env", "prod", "--door-url", DOOR, "--check", EXAMPLE]);
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    const stale = path.join(tempDir("toml"), "stale.toml");
    fs.writeFileSync(stale, fs.readFileSync(EXAMPLE, "utf8").replace('"orders/paid", ', ""));
    const failed = await runSdp(["shopify", "app-config", "--env", "prod", "--door-url", DOOR, "--check", stale, "--json"]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ upToDate: false });
  });

  test("the example's scopes are the ones derived from the topics and the bulk exports", () => {
    const scopes = /^scopes = "([^"]*)"/m.exec(fs.readFileSync(EXAMPLE, "utf8"))?.[1];
    expect(scopes?.split(",")).toEqual(requiredScopes(bulkObjects));
    expect(requiredScopes(bulkObjects)).toEqual(
      expect.arrayContaining([
        "read_all_orders",
        "read_customers",
        "read_discounts",
        "read_draft_orders",
        "read_fulfillments",
        "read_inventory",
        "read_locations",
        "read_merchant_managed_fulfillment_orders",
        "read_orders",
        "read_products",
        "read_third_party_fulfillment_orders",
      ]),
    );
  });

  test("--out replaces only the [webhooks] section of an existing file, and is idempotent", async () => {
    const dir = tempDir("toml");
    const file = path.join(dir, "shopify.app.toml");
    fs.writeFileSync(
      file,
      'client_id = "abc"\nname = "x"\n\n[webhooks]\napi_version = "2024-01"\n\n  [[webhooks.subscriptions]]\n  topics = [ "orders/create" ]\n  uri = "https://old.example/hook"\n\n[access_scopes]\nscopes = "read_orders"\n',
    );
    const first = await runSdp(["shopify", "app-config", "--env", "staging", "--door-url", DOOR, "--out", file]);
    expect(first.code).toBe(0);
    const text = fs.readFileSync(file, "utf8");
    expect(text).toMatch(/^client_id = "abc"\nname = "x"\n/);
    expect(text).toContain('[access_scopes]\nscopes = "read_orders"\n');
    expect(text).not.toContain("old.example");
    expect(text).toContain("aws.partner/shopify.com/123456/acme-staging");
    await runSdp(["shopify", "app-config", "--env", "staging", "--door-url", DOOR, "--out", file]);
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    expect(extractWebhooksSection(replaceWebhooksSection("", extractWebhooksSection(text)!))).toBe(extractWebhooksSection(text));
  });

  test("bad usage exits 2 and says what to fix; --help has an example", async () => {
    expect((await runSdp(["shopify", "app-config", "--env", "prod"])).stderr).toContain("--door-url is required");
    expect((await runSdp(["shopify", "app-config", "--env", "prod"])).code).toBe(2);
    expect((await runSdp(["shopify", "app-config", "--env", "local", "--door-url", DOOR])).stderr).toContain("shopifyPartnerEventSource");
    expect((await runSdp(["shopify", "app-config", "--env", "moon", "--door-url", DOOR])).code).toBe(2);
    expect((await runSdp(["shopify"])).code).toBe(2);
    const helpText = await runSdp(["shopify", "--help"]);
    expect(helpText.code).toBe(0);
    expect(helpText.stdout).toMatch(/Examples?:\n\s+npx sdp shopify app-config/);
  });
});

describe("sdp shopify webhooks against the stand-in", () => {
  let standin: ShopifyStandin;
  beforeEach(async () => {
    standin = await startShopifyStandin({ legacyToken: false });
  });
  afterEach(() => standin.stop());

  const env = () => ({
    SHOPIFY_GRAPHQL_ENDPOINT: standin.url,
    SHOPIFY_ADMIN_TOKEN: JSON.stringify({ clientId: standin.clientId, clientSecret: standin.clientSecret, shop: standin.shop }),
  });
  const everything = () => shopifyTopics.map((topic) => ({ topic, uri: PROD_ARN, apiVersion: "2026-01" }));

  test("a shop subscribed exactly as the contract says: no difference, exit 0, with a client-credentials token", async () => {
    standin.setSubscriptions(everything());
    const result = await runSdp(["shopify", "webhooks", "--env", "prod", "--json"], { env: env() });
    expect(result.stderr).toContain("client credentials");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ upToDate: true, differences: [] });
    expect(standin.tokenStats().issued).toBe(1);
    expect(standin.requests).toContain("WebhookSubscriptions");
  });

  test("missing, extra, wrong uri and wrong version are each reported, exit 1", async () => {
    const subscriptions = everything()
      .filter((subscription) => subscription.topic !== "orders/paid")
      .map((subscription) =>
        subscription.topic === "products/update"
          ? { ...subscription, uri: "https://old-door.example/webhooks" }
          : subscription.topic === "customers/create"
            ? { ...subscription, apiVersion: "2025-07" }
            : subscription,
      );
    standin.setSubscriptions([...subscriptions, { topic: "collections/update", uri: PROD_ARN, apiVersion: "2026-01" }]);
    const json = await runSdp(["shopify", "webhooks", "--env", "prod", "--json"], { env: env() });
    expect(json.code).toBe(1);
    const { differences } = JSON.parse(json.stdout) as { differences: Array<{ kind: string; topic: string }> };
    expect(differences.map((difference) => `${difference.kind} ${difference.topic}`).sort()).toEqual([
      "extra collections/update",
      "missing orders/paid",
      "wrong-uri products/update",
      "wrong-version customers/create",
    ]);
    const text = await runSdp(["shopify", "webhooks", "--env", "prod"], { env: env() });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/missing\s+orders\/paid/);
    expect(text.stdout).toContain("4 difference(s)");
  });

  test("a wrong client secret fails with a message that says so", async () => {
    const result = await runSdp(["shopify", "webhooks", "--env", "prod"], {
      env: { ...env(), SHOPIFY_ADMIN_TOKEN: JSON.stringify({ clientId: standin.clientId, clientSecret: "not-the-secret" }) },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused the client credentials/);
    expect(result.stderr).not.toContain("not-the-secret");
    expect(standin.tokenStats().invalidClient).toBe(1);
  });

  test("topic names compare in the Admin API's enum form", () => {
    expect(topicEnum("orders/partially_fulfilled")).toBe("ORDERS_PARTIALLY_FULFILLED");
  });
});
