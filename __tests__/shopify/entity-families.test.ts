/**
 * The Shopify entity families beyond orders, customers, products and carts (issue 16): refunds,
 * order transactions, fulfillments, fulfillment orders, inventory, locations, discounts and draft
 * orders. Each topic is routed by the contract to its own processor (contracts/tables.ts
 * shopifyFamily), which writes its own hot-store table; removals leave tombstones in the hot row
 * and mark the raw copy; a payload without a field the processor keys, orders or routes on is
 * dead-lettered with the field named. Samples: __tests__/fixtures/shopify/versions/ (README there).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect } from "effect";
import { isShopifyTombstoneTopic, shopifyTopicsByProcessor } from "../../contracts/events";
import type { TableKey } from "../../contracts/tables";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { sqsHandler } from "../../functions/kernel/adapters";
import { parseJson } from "../../functions/kernel/json";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { program as ingressProgram } from "../../functions/shopify/ingress";
import { inventoryLevelId } from "../../functions/shopify/inventory";
import { loadEventFunction } from "../../local/functions";
import { envelopeOf, nextId, partnerEnvelope } from "../support";
import { fixturesDir, run, SECRET, shopifyRequest } from "./support";

const VERSION = "2026-10";
const sample = (topic: string): any => parseJson(fs.readFileSync(path.join(fixturesDir, "versions", VERSION, `${topic.replace("/", "__")}.json`), "utf8"));

type Program = (envelope: BusEnvelope) => Effect.Effect<void, any, any>;
const processorOf = (topic: string) => [...shopifyTopicsByProcessor()].find(([, topics]) => topics.includes(topic))?.[0];
const programOf = (topic: string): Program => {
  const processor = processorOf(topic);
  const loaded = processor === undefined ? undefined : loadEventFunction(processor);
  if (!loaded?.ok) throw new Error(`no loadable processor for ${topic}`);
  return loaded.program as Program;
};

const deliver = (platform: TestPlatform, topic: string, payload: unknown, options: { triggeredAt?: string; webhookId?: string } = {}) =>
  run(platform.layer, programOf(topic)(partnerEnvelope(topic, payload, { apiVersion: VERSION, ...options })));

/** Each new family: its processor, its table, and the row key of a topic's sample. */
const families: ReadonlyArray<{ processor: string; table: TableKey; topics: ReadonlyArray<string>; key: (topic: string, body: any) => string }> = [
  { processor: "shopify-refunds", table: "refunds", topics: ["refunds/create"], key: (_, body) => `gid://shopify/Refund/${body.id}` },
  { processor: "shopify-orderTransactions", table: "orderTransactions", topics: ["order_transactions/create"], key: (_, body) => `gid://shopify/OrderTransaction/${body.id}` },
  { processor: "shopify-fulfillments", table: "fulfillments", topics: ["fulfillments/create", "fulfillments/update"], key: (_, body) => `gid://shopify/Fulfillment/${body.id}` },
  {
    processor: "shopify-fulfillmentOrders",
    table: "fulfillmentOrders",
    topics: [...(shopifyTopicsByProcessor().get("shopify-fulfillmentOrders") ?? [])],
    key: (_, body) => (body.submitted_fulfillment_order ?? body.moved_fulfillment_order ?? body.fulfillment_order ?? body.fulfillment_order_merges[0].fulfillment_order).id,
  },
  {
    processor: "shopify-inventory",
    table: "inventory",
    topics: ["inventory_items/create", "inventory_items/update", "inventory_items/delete", "inventory_levels/connect", "inventory_levels/update", "inventory_levels/disconnect"],
    key: (topic, body) => (topic.startsWith("inventory_levels/") ? inventoryLevelId(body.inventory_item_id, body.location_id) : `gid://shopify/InventoryItem/${body.id}`),
  },
  {
    processor: "shopify-locations",
    table: "locations",
    topics: ["locations/create", "locations/update", "locations/activate", "locations/deactivate", "locations/delete"],
    key: (_, body) => `gid://shopify/Location/${body.id}`,
  },
  {
    processor: "shopify-discounts",
    table: "discounts",
    topics: ["discounts/create", "discounts/update", "discounts/delete", "discounts/redeemcode_added", "discounts/redeemcode_removed"],
    key: (topic, body) => (topic.startsWith("discounts/redeemcode_") ? `${body.admin_graphql_api_id}#code=${body.redeem_code.code}` : body.admin_graphql_api_id),
  },
  {
    processor: "shopify-draftOrders",
    table: "draftOrders",
    topics: ["draft_orders/create", "draft_orders/update", "draft_orders/delete"],
    key: (_, body) => `gid://shopify/DraftOrder/${body.id}`,
  },
];
const cases = families.flatMap((family) => family.topics.map((topic) => ({ topic, ...family })));

describe("routing: each topic reaches its own processor and writes its own table", () => {
  test("the fulfillment_orders family has the topics of the 2026 webhook list, and orders no longer takes refunds or fulfillments", () => {
    expect(families.find((family) => family.table === "fulfillmentOrders")!.topics).toHaveLength(18);
    const orders = shopifyTopicsByProcessor().get("shopify-orders")!;
    expect(orders.filter((topic) => !topic.startsWith("orders/"))).toEqual([]);
  });

  test.each(cases)("$topic -> $processor -> $table", async ({ topic, processor, table, key }) => {
    expect(processorOf(topic)).toBe(processor);
    const platform = makeTestPlatform();
    const body = sample(topic);
    await deliver(platform, topic, body, { triggeredAt: "2026-11-02T10:00:00Z" });
    const row = platform.item(table, { id: key(topic, body) });
    expect(row).toBeDefined();
    expect(row!.api_version).toBe(VERSION);
    expect(Boolean(row!.deleted)).toBe(isShopifyTombstoneTopic(topic));
    // Nothing lands in the orders table any more.
    expect(platform.items("orders")).toEqual([]);
    expect(platform.metricTotal("EventProcessed")).toBe(1);
  });
});

describe("what each row holds", () => {
  test("a refund keeps its refund line items and order adjustments, and points at its order", async () => {
    const platform = makeTestPlatform();
    const body = {
      ...sample("refunds/create"),
      order_adjustments: [
        { id: 5, order_id: 820982911946154508, refund_id: 890088186047892319, amount: "-5.00", tax_amount: "0.00", kind: "shipping_refund", reason: "Shipping refund" },
      ],
    };
    await deliver(platform, "refunds/create", body);
    expect(platform.item("refunds", { id: "gid://shopify/Refund/890088186047892319" })).toMatchObject({
      entity: "refund",
      order_id: "gid://shopify/Order/820982911946154508",
      created_at: "2022-01-01T00:00:00.000Z",
      amount: "199.00",
      currency: "USD",
      line_count: 1,
      line_quantity: 1,
      lines_subtotal: "199.00",
      refund_line_items: [
        {
          id: "gid://shopify/RefundLineItem/487817672276298554",
          line_item_id: "gid://shopify/LineItem/866550311766439020",
          quantity: 1,
          restock_type: "no_restock",
          subtotal: "199.00",
          total_tax: "0.00",
        },
      ],
      adjustments_total: "-5.00",
      order_adjustments: [{ id: "gid://shopify/OrderAdjustment/5", kind: "shipping_refund", reason: "Shipping refund", amount: "-5.00", tax_amount: "0.00" }],
    });
  });

  test("a transaction: kind, gateway, status, amount as exact text", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, "order_transactions/create", { ...sample("order_transactions/create"), kind: "capture", amount: 10.5, parent_id: 1 });
    expect(platform.item("orderTransactions", { id: "gid://shopify/OrderTransaction/120560818172775265" })).toMatchObject({
      order_id: "gid://shopify/Order/820982911946154508",
      parent_id: "gid://shopify/OrderTransaction/1",
      kind: "capture",
      gateway: "visa",
      status: "success",
      amount: "10.50",
      currency: "USD",
    });
  });

  test("fulfillments: an older update after a newer one is stale", async () => {
    const platform = makeTestPlatform();
    const body = sample("fulfillments/create");
    await deliver(platform, "fulfillments/create", body);
    await deliver(platform, "fulfillments/update", { ...body, shipment_status: "delivered", updated_at: "2022-01-03T00:00:00Z" });
    await deliver(platform, "fulfillments/update", { ...body, shipment_status: "in_transit", updated_at: "2022-01-02T00:00:00Z" });
    expect(platform.item("fulfillments", { id: "gid://shopify/Fulfillment/123456" })).toMatchObject({
      order_id: "gid://shopify/Order/820982911946154508",
      shipment_status: "delivered",
      tracking_numbers: ["1z827wk74630"],
      line_items: [{ line_item_id: "gid://shopify/LineItem/866550311766439020", quantity: 1 }],
    });
    expect(platform.metricTotal("StaleUpdate")).toBe(1);
  });

  test("fulfillment orders: moved writes the original and the moved one; an older notice never overwrites a newer", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, "fulfillment_orders/moved", sample("fulfillment_orders/moved"), { triggeredAt: "2026-11-02T10:00:00Z" });
    expect(platform.item("fulfillmentOrders", { id: "gid://shopify/FulfillmentOrder/1" })).toMatchObject({ status: "closed", last_role: "original_fulfillment_order" });
    expect(platform.item("fulfillmentOrders", { id: "gid://shopify/FulfillmentOrder/2" })).toMatchObject({
      status: "open",
      assigned_location_id: "gid://shopify/Location/1",
      destination_location_id: "gid://shopify/Location/1",
      updated_at: "2026-11-02T10:00:00.000Z",
    });
    await deliver(
      platform,
      "fulfillment_orders/hold_released",
      { fulfillment_order: { id: "gid://shopify/FulfillmentOrder/2", status: "on_hold" } },
      { triggeredAt: "2026-11-02T09:00:00Z" },
    );
    expect(platform.item("fulfillmentOrders", { id: "gid://shopify/FulfillmentOrder/2" })).toMatchObject({ status: "open" });
    expect(platform.metricTotal("StaleUpdate")).toBe(1);
  });

  test("inventory: the by-item view holds the item and its levels at each location", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, "inventory_items/create", sample("inventory_items/create"));
    await deliver(platform, "inventory_levels/update", sample("inventory_levels/update"));
    await deliver(platform, "inventory_levels/update", { ...sample("inventory_levels/update"), location_id: 99, available: 3 });
    const item = "gid://shopify/InventoryItem/271878346596884015";
    const rows = platform.items("inventory").filter((row) => row.inventory_item_id === item);
    expect(rows.map((row) => [row.entity, row.location_id, row.available]).sort()).toEqual([
      ["inventory_item", undefined, undefined],
      ["inventory_level", "gid://shopify/Location/24826418", 6],
      ["inventory_level", "gid://shopify/Location/99", 3],
    ]);
  });

  test("discounts: a discount and its redeem codes share discount_id; a removed code is a tombstone, the discount stays", async () => {
    const platform = makeTestPlatform();
    const codeDiscount = { ...sample("discounts/create"), admin_graphql_api_id: "gid://shopify/DiscountCodeNode/1", title: "SUMMER" };
    await deliver(platform, "discounts/create", codeDiscount);
    await deliver(platform, "discounts/redeemcode_added", { ...sample("discounts/redeemcode_added"), redeem_code: { id: "gid://shopify/DiscountRedeemCode/7", code: "SUMMER10" } });
    await deliver(platform, "discounts/redeemcode_added", { ...sample("discounts/redeemcode_added"), redeem_code: { id: "gid://shopify/DiscountRedeemCode/8", code: "SUMMER20" } });
    await deliver(platform, "discounts/redeemcode_removed", {
      ...sample("discounts/redeemcode_removed"),
      redeem_code: { id: "gid://shopify/DiscountRedeemCode/7", code: "SUMMER10" },
      updated_at: "2016-08-30T08:00:00-04:00",
    });
    const rows = platform.items("discounts").filter((row) => row.discount_id === "gid://shopify/DiscountCodeNode/1");
    expect(rows.map((row) => [row.entity, row.code ?? row.title, Boolean(row.deleted)]).sort()).toEqual([
      ["discount", "SUMMER", false],
      ["redeem_code", "SUMMER10", true],
      ["redeem_code", "SUMMER20", false],
    ]);
    expect(platform.item("discounts", { id: "gid://shopify/DiscountCodeNode/1" })).toMatchObject({ discount_type: "code" });
  });

  test("draft orders keep totals and status but no personal data", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, "draft_orders/update", sample("draft_orders/update"));
    const row = platform.item("draftOrders", { id: "gid://shopify/DraftOrder/622762746" })!;
    expect(row).toMatchObject({ name: "#D1", status: "open", total_price: "199.00", line_items_subtotal: "199.00", line_count: 1, item_quantity: 1 });
    expect(JSON.stringify(row)).not.toMatch(/bob|norman|6136120707/i);
  });
});

const tombstoneTopics = cases.filter(({ topic }) => isShopifyTombstoneTopic(topic));

describe("removals leave tombstones: in the hot row and on the raw copy", () => {
  test("the removals are every */delete of the new families, inventory_levels/disconnect and discounts/redeemcode_removed", () => {
    expect(tombstoneTopics.map(({ topic }) => topic).sort()).toEqual(
      ["discounts/delete", "discounts/redeemcode_removed", "draft_orders/delete", "inventory_items/delete", "inventory_levels/disconnect", "locations/delete"].sort(),
    );
  });

  test.each(tombstoneTopics)("$topic (partner bus): deleted row with deleted_at, raw copy marked, a late update does not revive it", async ({ topic, table, key }) => {
    const platform = makeTestPlatform();
    const body = sample(topic);
    const webhookId = `wh-${nextId()}`;
    await deliver(platform, topic, body, { triggeredAt: "2030-01-01T00:00:00Z", webhookId });
    const id = key(topic, body);
    const row = platform.item(table, { id })!;
    // discounts/delete says when in its payload; the others are deleted at the trigger time.
    const deletedAt =
      topic === "discounts/delete"
        ? new Date(body.deleted_at).toISOString()
        : topic === "discounts/redeemcode_removed"
          ? new Date(body.updated_at).toISOString()
          : "2030-01-01T00:00:00.000Z";
    expect(row).toMatchObject({ id, deleted: true, deleted_at: deletedAt, updated_at: deletedAt });
    const [, raw] = [...platform.state.objects.entries()].find(([objectKey]) => objectKey.endsWith(`/${webhookId}.json`))!;
    expect(raw.metadata).toMatchObject({ topic, "deleted-at": "2030-01-01T00:00:00.000Z" });

    // The create/update sample of the same entity (older than the removal) arrives late.
    const revive = cases.find(
      (candidate) => candidate.table === table && !isShopifyTombstoneTopic(candidate.topic) && candidate.key(candidate.topic, sample(candidate.topic)) === id,
    );
    if (revive !== undefined && deletedAt > "2023") {
      await deliver(platform, revive.topic, sample(revive.topic), { triggeredAt: "2029-12-31T00:00:00Z" });
      expect(platform.item(table, { id })).toMatchObject({ deleted: true });
    }
  });

  test("through the HTTPS door, the raw copy of a delete carries deleted-at and the processor tombstones the row", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const text = JSON.stringify(sample("locations/delete"));
    const request = shopifyRequest("locations/delete", text, { headers: { "x-shopify-api-version": VERSION, "x-shopify-triggered-at": "2030-01-01T00:00:00Z" } });
    expect((await run(platform.layer, ingressProgram(request))).statusCode).toBe(200);
    const [, raw] = [...platform.state.objects.entries()].find(([objectKey]) => objectKey.startsWith("raw/shopify/locations/"))!;
    expect(raw.metadata).toMatchObject({ topic: "locations/delete", "deleted-at": "2030-01-01T00:00:00.000Z" });
    await run(platform.layer, programOf("locations/delete")(envelopeOf(platform.state.events.at(-1)!, nextId(), request.receivedAt)));
    expect(platform.item("locations", { id: "gid://shopify/Location/1035630408" })).toMatchObject({ deleted: true });
  });

  test("through the HTTPS door, notices are ordered by X-Shopify-Triggered-At, not by when they arrive", async () => {
    const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET } });
    const notice = (status: string, requestStatus: string) =>
      JSON.stringify({ fulfillment_order: { id: "gid://shopify/FulfillmentOrder/9", status, request_status: requestStatus } });
    // The newer notice is received first; the older one arrives (is retried) later.
    for (const [topic, body, triggeredAt, receivedAt] of [
      ["fulfillment_orders/fulfillment_request_accepted", notice("in_progress", "accepted"), "2026-11-02T10:20:00Z", "2026-11-02T10:20:01.000Z"],
      ["fulfillment_orders/order_routing_complete", notice("open", "submitted"), "2026-11-02T10:10:00Z", "2026-11-02T10:30:00.000Z"],
    ] as const) {
      const request = shopifyRequest(topic, body, { receivedAt, headers: { "x-shopify-api-version": VERSION, "x-shopify-triggered-at": triggeredAt } });
      expect((await run(platform.layer, ingressProgram(request))).statusCode).toBe(200);
      await run(platform.layer, programOf(topic)(envelopeOf(platform.state.events.at(-1)!, nextId(), receivedAt)));
    }
    expect(platform.item("fulfillmentOrders", { id: "gid://shopify/FulfillmentOrder/9" })).toMatchObject({ request_status: "accepted", updated_at: "2026-11-02T10:20:00.000Z" });
    expect(platform.metricTotal("StaleUpdate")).toBe(1);
  });

  test("a create or update leaves no deleted-at on its raw copy", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, "locations/update", sample("locations/update"), { webhookId: "wh-update" });
    const [, raw] = [...platform.state.objects.entries()].find(([objectKey]) => objectKey.endsWith("/wh-update.json"))!;
    expect(raw.metadata?.["deleted-at"]).toBeUndefined();
  });
});

describe("a payload without a required field goes to the DLQ, naming the field", () => {
  const without = (body: any, field: string) => {
    const copy = structuredClone(body);
    const [first, second] = field.split(".");
    if (second === undefined) delete copy[first!];
    else delete copy[first!][second];
    return copy;
  };
  test.each([
    ["refunds/create", "order_id"],
    ["refunds/create", "created_at"],
    ["order_transactions/create", "order_id"],
    ["fulfillments/update", "updated_at"],
    ["fulfillment_orders/cancelled", "fulfillment_order"],
    ["fulfillment_orders/moved", "moved_fulfillment_order"],
    ["fulfillment_orders/merged", "fulfillment_order_merges"],
    ["fulfillment_orders/hold_released", "fulfillment_order.id"],
    ["inventory_levels/update", "location_id"],
    ["inventory_levels/disconnect", "inventory_item_id"],
    ["inventory_items/update", "updated_at"],
    ["locations/update", "id"],
    ["discounts/update", "admin_graphql_api_id"],
    ["discounts/redeemcode_added", "redeem_code.code"],
    ["draft_orders/update", "updated_at"],
  ])("%s without %s", async (topic, field) => {
    const platform = makeTestPlatform();
    const handler = sqsHandler(programOf(topic), platform.layer, { retry: { baseMs: 1, maxDelayMs: 2, maxRetries: 1 } });
    const body = JSON.stringify(partnerEnvelope(topic, without(sample(topic), field), { apiVersion: VERSION }));
    const response = await handler({ Records: [{ messageId: "m0", body }] });
    expect(response.batchItemFailures).toEqual([]);
    expect(platform.state.deadLetters).toHaveLength(1);
    // The reason names the field's path: "InvalidPayload: <field>: <what> is invalid at <field>: is missing".
    expect(platform.state.deadLetters[0]!.reason).toMatch(new RegExp(`^InvalidPayload: ${field.replace(".", "\\.")}: .* is missing`));
    // Raw first: the event is kept even though it could not be processed.
    expect([...platform.state.objects.keys()].some((objectKey) => objectKey.startsWith("raw/shopify/"))).toBe(true);
    expect(platform.metricTotal("PayloadDecodeFailed")).toBe(1);
  });
});
