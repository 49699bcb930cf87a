/**
 * Issue 13's target for a new Shopify family with its own table: it adds its table spec and its
 * handler module, nothing else. Here a made-up family ("gift-cards") is added in memory: one spec,
 * naming its family, joins contracts/tables.ts's `tableSpecs` (the module's own data, mocked with
 * its real exports around it), and its handler module is a test fixture
 * (__tests__/fixtures/tiny-family.ts). No other file knows about it, yet the function specs, the
 * routes (both doors), the webhook subscriptions, the synthesized table, rules, queue, function
 * and IAM grants, the generated Lambda entry and `sdp local`'s router and loader all pick it up.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Effect } from "effect";
import { routes, shopifyFamilies, shopifyTopicsByProcessor } from "../../contracts/events";
import { functionSpec, functionSpecs } from "../../contracts/functions";
import { tableSpecs, type TableKey } from "../../contracts/tables";
import { contractSubscriptions } from "../../delivery/shopify-app-config";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { bundleFunction } from "../../modules/bundle";
import { loadEventFunction } from "../../local/functions";
import { LocalEventRouter } from "../../local/router";
import { specEntry } from "../../stacks/spec-functions";
import { partnerEnvelope } from "../support";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "./helpers";

jest.mock("../../contracts/tables", () => {
  const actual = jest.requireActual<typeof import("../../contracts/tables")>("../../contracts/tables");
  const tableSpecs = {
    ...actual.tableSpecs,
    // The whole of the new family's contract.
    giftCards: {
      logicalName: "gift-cards",
      description: "Latest state of each Shopify gift card, keyed by gift card GID.",
      partitionKey: { name: "id", type: "S" },
      globalSecondaryIndexes: [],
      envVar: "SDP_TABLE_GIFT_CARDS",
      shopifyFamily: {
        family: "gift-cards",
        scopes: ["read_gift_cards"],
        topics: ["gift_cards/create", "gift_cards/update"],
        handlerModule: { path: "__tests__/fixtures/tiny-family.ts", topicHandlers: "giftCardHandlers" },
        description: "Gift cards into the gift-cards hot store.",
      },
    },
  };
  return { ...actual, tableSpecs, tableKeys: Object.keys(tableSpecs) };
});

const NAME = "shopify-gift-cards";
const GIFT_CARDS = "giftCards" as TableKey;
const topics = ["gift_cards/create", "gift_cards/update"];

describe("a new Shopify family with its own table: its table spec and its handler module, nothing else", () => {
  it("is in the contract: its family, its processor spec, both routes and its webhook subscription", () => {
    expect(tableSpecs).toHaveProperty("giftCards");
    expect(shopifyFamilies).toHaveProperty("gift-cards", expect.objectContaining({ processor: NAME, topics, writes: ["giftCards"] }));
    expect(functionSpec(NAME)).toEqual({
      name: NAME,
      layer: "ingestion",
      entry: "functions/shopify/family-processor.ts",
      handler: "handler",
      handlerModule: { path: "__tests__/fixtures/tiny-family.ts", topicHandlers: "giftCardHandlers" },
      trigger: "sqs",
      description: "Gift cards into the gift-cards hot store.",
      // Every family processor also indexes subjects for GDPR and records decode failures.
      tables: { read: [], write: ["giftCards", "idempotency", "subjectIndex"] },
      lake: { read: ["raw/"], write: ["raw/", "metadata/decode-failures/"] },
      secrets: ["subjectIndexKey"],
    });
    // After the processors of the families declared before it, before Recharge's.
    const names = functionSpecs.map((spec) => spec.name);
    expect(names.indexOf(NAME)).toBe(names.indexOf("shopify-draftOrders") + 1);
    expect(routes.filter((route) => route.processor === NAME).map((route) => [route.id, route.bus])).toEqual([
      ["shopify-partner-gift-cards", "partner"],
      ["shopify-https-gift-cards", "platform"],
    ]);
    expect(shopifyTopicsByProcessor().get(NAME)).toEqual(topics);
    const subscription = contractSubscriptions({ region: "eu-west-1", partnerEventSource: "aws.partner/shopify.com/1/acme", complianceUri: "https://example.com/compliance" }).find(
      (candidate) => (candidate.family as string) === "gift-cards",
    );
    expect(subscription?.topics).toEqual(topics);
  });

  describe("synthesized", () => {
    let synth: Synthesized;
    beforeAll(() => {
      // The new family's function from its generated entry; the others from the tiny fixture (quicker).
      synth = synthesize({ environments: ["dev"], functionEntry: (spec) => (spec.name === NAME ? specEntry(spec) : fixtureHandler) });
    });
    afterAll(() => synth?.cleanup());

    it("gets its table, its two rules, its queue, its function and the grants its spec lists", () => {
      const hotStores = synth.stack("acme-dev-hot-stores");
      expect(resourcesOf(hotStores, "aws_dynamodb_table").map((table) => table.name)).toContain("acme-dev-gift-cards");
      const ingestion = synth.stack("acme-dev-ingestion");
      const rules = resourcesOf(ingestion, "aws_cloudwatch_event_rule").filter((rule) => String(rule.description).includes(NAME));
      expect(rules.map((rule) => rule.description).sort()).toEqual([`shopify-https-gift-cards events to ${NAME}.`, `shopify-partner-gift-cards events to ${NAME}.`]);
      expect(JSON.parse(rules.find((rule) => rule.description.startsWith("shopify-partner"))!.event_pattern).detail.metadata.$or[0]["X-Shopify-Topic"]).toEqual(
        topics.map((topic) => ({ "equals-ignore-case": topic })),
      );
      expect(resourcesOf(ingestion, "aws_sqs_queue").map((queue) => queue.name)).toEqual(expect.arrayContaining([`acme-dev-${NAME}`, `acme-dev-${NAME}-dlq`]));
      const fn = resourcesOf(ingestion, "aws_lambda_function").find((candidate) => candidate.function_name === `acme-dev-${NAME}`);
      expect(fn).toMatchObject({ handler: "index.handler", description: "Gift cards into the gift-cards hot store." });
      expect(Object.keys(fn.environment.variables)).toEqual(expect.arrayContaining(["SDP_TABLE_GIFT_CARDS", "SDP_TABLE_IDEMPOTENCY"]));
      const policy = resourcesOf(ingestion, "aws_iam_role_policy").find((candidate) => String(candidate.role).includes(`${NAME}_role`));
      const statements = JSON.parse(policy.policy).Statement as Array<{ Sid: string; Action: string[]; Resource: string | string[] }>;
      const tableGrant = statements.find((statement) => [statement.Resource].flat().some((resource) => resource.includes("table-giftCards")));
      expect(tableGrant?.Action).toEqual(expect.arrayContaining(["dynamodb:PutItem", "dynamodb:GetItem"]));
    });

    it("is bundled from a generated entry holding its own handler module and no other family's", () => {
      const bundle = bundleFunction({ name: NAME, entry: specEntry(functionSpec(NAME))! });
      const inputs = Object.keys((JSON.parse(fs.readFileSync(path.join(path.dirname(bundle.zipPath), "meta.json"), "utf8")) as { inputs: Record<string, string> }).inputs);
      expect(inputs).toEqual(expect.arrayContaining(["__tests__/fixtures/tiny-family.ts", "functions/shopify/family-processor.ts", "functions/shopify/processor.ts"]));
      for (const other of ["orders", "customers", "products", "checkouts", "app"]) expect(inputs).not.toContain(`functions/shopify/${other}.ts`);
    });
  });

  it("is routed and run by sdp local's router and loader: the event lands in its table", async () => {
    const loaded = loadEventFunction(NAME);
    if (!loaded?.ok) throw new Error(`${NAME} did not load`);
    const platform = makeTestPlatform();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-new-family-"));
    try {
      const router = new LocalEventRouter({
        routes,
        dataDir,
        account: "000000000000",
        region: "us-east-1",
        deliver: async (route) => {
          expect(route.processor).toBe(NAME);
          return { kind: "ok" };
        },
      });
      const envelope = partnerEnvelope("gift_cards/update", { id: 7, balance: "25.00", updated_at: "2026-01-02T00:00:00Z" });
      expect(router.matchingRoutes("partner", envelope).map((route) => route.id)).toEqual(["shopify-partner-gift-cards"]);
      await Effect.runPromise(Effect.provide(loaded.program(envelope), platform.layer) as Effect.Effect<void, unknown>);
      expect(platform.item(GIFT_CARDS, { id: "gid://shopify/GiftCard/7" })).toMatchObject({ balance: "25.00" });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
