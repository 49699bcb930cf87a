/**
 * API versions move; payloads drift. A recorded sample of every routed Shopify topic at every
 * supported API version (__tests__/fixtures/shopify/versions/<version>/<topic>.json, sources in
 * that folder's README) goes through its processor: it decodes, lands raw byte for byte (unknown
 * fields untouched) with X-Shopify-API-Version in the object's metadata, and its item records the
 * version. The fast decode path agrees with Effect's decoder on every sample.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Either, Exit, Option, Schema } from "effect";
import { shopifyTopicsByProcessor } from "../../contracts/events";
import { functionSpec } from "../../contracts/functions";
import type { TableKey } from "../../contracts/tables";
import { decodeFailurePrefix, partitionDate } from "../../contracts/lake-layout";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { parseJson } from "../../functions/kernel/json";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { loadEventFunction } from "../../local/functions";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { checkoutHandlers } from "../../functions/shopify/checkouts";
import { customerHandlers } from "../../functions/shopify/customers";
import { businessEffectKey } from "../../functions/shopify/event-identity";
import { fastDecoder } from "../../functions/kernel/fast-decode";
import { program as ingressProgram } from "../../functions/shopify/ingress";
import { orderHandlers } from "../../functions/shopify/orders";
import { productHandlers } from "../../functions/shopify/products";
import { Cart, Checkout, Customer, Deletion, Order, Product, Shop } from "../../functions/shopify/schemas";
import { DiscountDeletion, DiscountPayload, RedeemCodeNotice } from "../../functions/shopify/discounts";
import { DraftOrderPayload } from "../../functions/shopify/draft-orders";
import { fulfillmentOrderSchemaOf } from "../../functions/shopify/fulfillment-orders";
import { FulfillmentPayload } from "../../functions/shopify/fulfillments";
import { InventoryItemPayload, InventoryLevelDisconnect, InventoryLevelPayload, inventoryLevelId } from "../../functions/shopify/inventory";
import { LocationPayload } from "../../functions/shopify/locations";
import { OrderTransactionPayload } from "../../functions/shopify/order-transactions";
import { RefundPayload } from "../../functions/shopify/refunds";
import { fixturesDir, run, runExit, SECRET, shopifyRequest } from "./support";
import { envelopeOf, nextId, partnerEnvelope } from "../support";

const checkoutsProgram = familyProcessor("shopify-checkouts", checkoutHandlers).program;
const customersProgram = familyProcessor("shopify-customers", customerHandlers).program;
const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;
const productsProgram = familyProcessor("shopify-products", productHandlers).program;

export const SUPPORTED_API_VERSIONS = ["2026-01", "2026-04", "2026-07", "2026-10"] as const;
const versionsDir = path.join(fixturesDir, "versions");

/** Every topic routed to a processor with topic handlers (bulk_operations/finish belongs to the backfill). */
const routedTopics = [...shopifyTopicsByProcessor()].filter(([processor]) => functionSpec(processor).handlerModule !== undefined).flatMap(([, topics]) => [...topics]);

const sampleFile = (version: string, topic: string) => path.join(versionsDir, version, `${topic.replace("/", "__")}.json`);
const sampleText = (version: string, topic: string) => fs.readFileSync(sampleFile(version, topic), "utf8");

type Program = (envelope: BusEnvelope) => Effect.Effect<void, any, any>;
/** The program of the processor the contract routes a topic to (contracts/events.ts, then its spec, loaded as sdp local loads it). */
const programOf = (topic: string): Program => {
  const processor = [...shopifyTopicsByProcessor()].find(([, topics]) => topics.includes(topic))?.[0];
  if (processor === undefined) throw new Error(`no processor is routed ${topic}`);
  const loaded = loadEventFunction(processor);
  if (!loaded?.ok) throw new Error(`${processor} did not load: ${loaded?.reason ?? "no spec"}`);
  return loaded.program as Program;
};

const schemaOf = (topic: string): Schema.Schema<any, any, never> => {
  if (topic === "discounts/delete") return DiscountDeletion;
  if (topic.endsWith("/delete")) return Deletion;
  if (topic.startsWith("orders/")) return Order;
  if (topic.startsWith("refunds/")) return RefundPayload;
  if (topic.startsWith("order_transactions/")) return OrderTransactionPayload;
  if (topic.startsWith("fulfillments/")) return FulfillmentPayload;
  if (topic.startsWith("fulfillment_orders/")) return fulfillmentOrderSchemaOf(topic);
  if (topic === "inventory_levels/disconnect") return InventoryLevelDisconnect;
  if (topic.startsWith("inventory_levels/")) return InventoryLevelPayload;
  if (topic.startsWith("inventory_items/")) return InventoryItemPayload;
  if (topic.startsWith("locations/")) return LocationPayload;
  if (topic.startsWith("discounts/redeemcode_")) return RedeemCodeNotice;
  if (topic.startsWith("discounts/")) return DiscountPayload;
  if (topic.startsWith("draft_orders/")) return DraftOrderPayload;
  if (topic.startsWith("customers/")) return Customer;
  if (topic.startsWith("products/")) return Product;
  if (topic.startsWith("checkouts/")) return Checkout;
  if (topic.startsWith("carts/")) return Cart;
  return Shop;
};

/** A partner-bus delivery whose payload is the body as Shopify sent it (the raw copy must be these bytes). */
const envelope = (topic: string, body: string, version: string, headers: Record<string, string> = {}): BusEnvelope =>
  partnerEnvelope(topic, body, { time: "2026-11-02T10:00:00Z", eventId: `ev-${nextId()}`, apiVersion: version, metadata: headers });

/** The item a topic's event writes, found by its key. */
const itemOf = (platform: TestPlatform, topic: string, sample: any) => {
  if (topic.startsWith("checkouts/") || topic.startsWith("carts/")) return platform.item("abandonedCarts", { token: sample.token });
  const principal = sample.submitted_fulfillment_order ?? sample.moved_fulfillment_order ?? sample.fulfillment_order ?? sample.fulfillment_order_merges?.[0]?.fulfillment_order;
  const keyed: Record<string, () => [TableKey, string]> = {
    "refunds/": () => ["refunds", `gid://shopify/Refund/${sample.id}`],
    "order_transactions/": () => ["orderTransactions", `gid://shopify/OrderTransaction/${sample.id}`],
    "fulfillments/": () => ["fulfillments", `gid://shopify/Fulfillment/${sample.id}`],
    "fulfillment_orders/": () => ["fulfillmentOrders", principal.id],
    "inventory_items/": () => ["inventory", `gid://shopify/InventoryItem/${sample.id}`],
    "inventory_levels/": () => ["inventory", inventoryLevelId(sample.inventory_item_id, sample.location_id)],
    "locations/": () => ["locations", `gid://shopify/Location/${sample.id}`],
    "discounts/redeemcode_": () => ["discounts", `${sample.admin_graphql_api_id}#code=${sample.redeem_code.code}`],
    "discounts/": () => ["discounts", sample.admin_graphql_api_id],
    "draft_orders/": () => ["draftOrders", `gid://shopify/DraftOrder/${sample.id}`],
  };
  const prefix = Object.keys(keyed).find((candidate) => topic.startsWith(candidate));
  if (prefix !== undefined) {
    const [table, id] = keyed[prefix]!();
    return platform.item(table, { id });
  }
  const type = topic.startsWith("orders/") ? "Order" : topic.startsWith("customers/") ? "Customer" : "Product";
  const table = type === "Customer" ? "customers" : type === "Product" ? "products" : "orders";
  return platform.item(table, { id: `gid://shopify/${type}/${sample.id}` });
};

describe("recorded samples", () => {
  test("every routed topic has a sample at every supported API version", () => {
    const missing = SUPPORTED_API_VERSIONS.flatMap((version) => routedTopics.filter((topic) => !fs.existsSync(sampleFile(version, topic))).map((topic) => `${version}/${topic}`));
    expect(missing).toEqual([]);
    expect(routedTopics.length).toBeGreaterThanOrEqual(21);
  });

  test("the README names where the samples came from, for every version", () => {
    const readme = fs.readFileSync(path.join(versionsDir, "README.md"), "utf8");
    for (const version of SUPPORTED_API_VERSIONS) expect(readme).toContain(`shopify.dev/docs/api/webhooks/${version}`);
  });
});

describe.each(SUPPORTED_API_VERSIONS)("API %s", (version) => {
  test.each(routedTopics)("%s decodes, lands raw untouched with its API version, and its item records the version", async (topic) => {
    const platform = makeTestPlatform();
    const text = sampleText(version, topic);
    const sample = parseJson(text) as Record<string, unknown>;
    const delivered = envelope(topic, text, version);
    const exit = await runExit(platform.layer, programOf(topic)(delivered));
    expect(Exit.isSuccess(exit) ? "ok" : JSON.stringify(exit.cause)).toBe("ok");

    const webhookId = (delivered.detail as { metadata: Record<string, string> }).metadata["X-Shopify-Webhook-Id"]!;
    const [rawKey, raw] = [...platform.state.objects.entries()].find(([key]) => key.startsWith("raw/shopify/") && key.endsWith(`/${webhookId}.json`))!;
    expect(rawKey).toContain(`dt=${partitionDate("2026-11-02T10:00:00Z")}`);
    expect(Buffer.from(raw.body).toString("utf8")).toBe(text);
    expect(raw.metadata).toMatchObject({ topic, "x-shopify-api-version": version });

    if (topic === "app/uninstalled") {
      expect(platform.state.alerts).toHaveLength(1);
      return;
    }
    const item = itemOf(platform, topic, sample);
    expect(item).toBeDefined();
    expect(item!.api_version).toBe(version);
    if (topic.endsWith("/delete") || topic === "inventory_levels/disconnect" || topic === "discounts/redeemcode_removed") expect(item!.deleted).toBe(true);
  });

  test.each(routedTopics)("%s: the fast decode path returns what Effect's decoder returns", (topic) => {
    const schema = schemaOf(topic);
    const payload = parseJson(sampleText(version, topic));
    const effect = Schema.decodeUnknownEither(schema)(payload);
    expect(Either.isRight(effect)).toBe(true);
    const fast = fastDecoder(schema.ast)!(payload);
    expect(Option.isSome(fast)).toBe(true);
    expect(Option.getOrThrow(fast)).toEqual(Either.getOrThrow(effect));
  });
});

describe("drift the samples show", () => {
  test("checkouts/create from 2026-04 has no top-level id and is keyed on its token", async () => {
    for (const version of ["2026-04", "2026-07", "2026-10"]) {
      const sample = parseJson(sampleText(version, "checkouts/create")) as Record<string, unknown>;
      expect(sample.id).toBeUndefined();
      const platform = makeTestPlatform();
      await run(platform.layer, checkoutsProgram(envelope("checkouts/create", sampleText(version, "checkouts/create"), version)));
      const item = platform.item("abandonedCarts", { token: sample.token });
      expect(item).toMatchObject({ token: sample.token, kind: "checkout", status: "open" });
      expect(item!.checkout_id).toBeUndefined();
    }
    // Before 2026-04 the id is there and kept.
    const older = parseJson(sampleText("2026-01", "checkouts/create")) as Record<string, unknown>;
    const platform = makeTestPlatform();
    await run(platform.layer, checkoutsProgram(envelope("checkouts/create", sampleText("2026-01", "checkouts/create"), "2026-01")));
    expect(platform.item("abandonedCarts", { token: older.token })!.checkout_id).toBe(`gid://shopify/Checkout/${older.id}`);
  });

  test("products samples carry created_at: null, and the item simply has no created_at", async () => {
    const sample = parseJson(sampleText("2026-10", "products/create")) as Record<string, unknown>;
    expect(sample.created_at).toBeNull();
    const platform = makeTestPlatform();
    await run(platform.layer, productsProgram(envelope("products/create", sampleText("2026-10", "products/create"), "2026-10")));
    const item = platform.item("products", { id: `gid://shopify/Product/${sample.id}` })!;
    expect(item.created_at).toBeUndefined();
    expect(item).toMatchObject({ title: "Example T-Shirt", price_min: "19.99", variant_count: 2 });
  });

  test("a field that is present is still checked: a malformed updated_at is dead-lettered, counted per topic and version, and recorded for data quality", async () => {
    const platform = makeTestPlatform();
    const broken = { ...(parseJson(sampleText("2026-07", "orders/updated")) as object), updated_at: "yesterday" };
    const exit = await runExit(platform.layer, ordersProgram(envelope("orders/updated", JSON.stringify(broken), "2026-07")));
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && (exit.cause.error as { _tag: string; reason: string })).toMatchObject({
      _tag: "InvalidPayload",
      reason: expect.stringContaining("updated_at"),
    });
    expect(platform.state.metrics.filter((metric) => metric.name === "PayloadDecodeFailed")).toEqual([
      expect.objectContaining({ value: 1, dimensions: { topic: "orders/updated", apiVersion: "2026-07" } }),
    ]);
    const failures = [...platform.state.objects.keys()].filter((key) => key.startsWith(decodeFailurePrefix("2026-11-02")));
    expect(failures).toHaveLength(1);
    expect(JSON.parse(platform.objectText(failures[0]!)!)).toMatchObject({ topic: "orders/updated", apiVersion: "2026-07", reason: expect.stringContaining("updated_at") });
  });
});

describe("the HTTPS door keeps the API version and the Shopify event id", () => {
  test("raw object metadata, the platform event's attributes, and the processed item", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const text = sampleText("2026-04", "customers/update");
    const request = shopifyRequest("customers/update", text, { headers: { "x-shopify-api-version": "2026-04", "x-shopify-event-id": "ev-https-1" } });
    const answer = await run(platform.layer, ingressProgram(request));
    expect(answer.statusCode).toBe(200);
    const [, raw] = [...platform.state.objects.entries()].find(([key]) => key.startsWith("raw/shopify/customers/"))!;
    expect(raw.metadata).toMatchObject({ "x-shopify-api-version": "2026-04", "x-shopify-event-id": "ev-https-1" });
    const published = platform.state.events.at(-1)!;
    expect(published.detail).toMatchObject({ attributes: { "x-shopify-api-version": "2026-04", "x-shopify-event-id": "ev-https-1" } });
    await run(platform.layer, customersProgram(envelopeOf(published, "evt-1", request.receivedAt)));
    expect(platform.item("customers", { id: "gid://shopify/Customer/706405506930370084" })).toMatchObject({ api_version: "2026-04" });
  });
});

describe("deliveries dedup on X-Shopify-Webhook-Id, business effects on X-Shopify-Event-Id + topic", () => {
  test("the same event through the HTTPS door and the partner bus (a cutover): both raw copies kept, one alert, one hot-store write", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const eventId = "ev-cutover-1";
    for (const [topic, version] of [
      ["app/uninstalled", "2026-10"],
      ["orders/create", "2026-10"],
    ] as const) {
      const text = sampleText(version, topic);
      // Partner bus delivery (its own webhook id).
      await run(platform.layer, programOf(topic)(envelope(topic, text, version, { "X-Shopify-Event-Id": eventId })));
      // HTTPS delivery of the same event (another subscription, another webhook id).
      const answer = await run(platform.layer, ingressProgram(shopifyRequest(topic, text, { headers: { "x-shopify-api-version": version, "x-shopify-event-id": eventId } })));
      expect(answer.statusCode).toBe(200);
      const published = platform.state.events.at(-1)!;
      await run(platform.layer, programOf(topic)(envelopeOf(published, nextId(), "2026-11-02T10:00:00Z")));
    }
    expect([...platform.state.objects.keys()].filter((key) => key.startsWith("raw/shopify/app/"))).toHaveLength(2);
    expect([...platform.state.objects.keys()].filter((key) => key.startsWith("raw/shopify/orders/"))).toHaveLength(2);
    expect(platform.state.alerts.filter((alert) => alert.kind === "app-uninstalled")).toHaveLength(1);
    expect(platform.metricTotal("EventProcessed")).toBe(2);
    expect(platform.metricTotal("DuplicateEvent")).toBe(2);
  });

  test("distinct topics of one event id are distinct effects; no event id falls back to the webhook id", () => {
    expect(businessEffectKey("orders/create", "wh-1", "ev-1")).not.toBe(businessEffectKey("orders/paid", "wh-2", "ev-1"));
    expect(businessEffectKey("orders/create", "wh-1", "ev-1")).toBe(businessEffectKey("orders/create", "wh-9", "ev-1"));
    expect(businessEffectKey("orders/create", "wh-1", undefined)).toBe("wh-1");
  });
});
