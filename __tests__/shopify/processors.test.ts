import { Exit } from "effect";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { appHandlers } from "../../functions/shopify/app";
import { checkoutHandlers } from "../../functions/shopify/checkouts";
import { customerHandlers } from "../../functions/shopify/customers";
import { fulfillmentHandlers } from "../../functions/shopify/fulfillments";
import { orderHandlers } from "../../functions/shopify/orders";
import { refundHandlers } from "../../functions/shopify/refunds";
import { productHandlers } from "../../functions/shopify/products";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { fixture, fixtureText, run, runExit, withFields } from "./support";
import { partnerEnvelope, platformEnvelope } from "../support";

const appProgram = familyProcessor("shopify-app", appHandlers).program;
const checkoutsProgram = familyProcessor("shopify-checkouts", checkoutHandlers).program;
const customersProgram = familyProcessor("shopify-customers", customerHandlers).program;
const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;
const productsProgram = familyProcessor("shopify-products", productHandlers).program;
const refundsProgram = familyProcessor("shopify-refunds", refundHandlers).program;
const fulfillmentsProgram = familyProcessor("shopify-fulfillments", fulfillmentHandlers).program;

const ORDER = "gid://shopify/Order/5432109876543";

const deliver = (platform: TestPlatform, program: (envelope: BusEnvelope) => any, envelope: BusEnvelope) => run(platform.layer, program(envelope));
const deliverExit = (platform: TestPlatform, program: (envelope: BusEnvelope) => any, envelope: BusEnvelope) => runExit(platform.layer, program(envelope));

const failureTag = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as { _tag: string })._tag : undefined);

describe("orders processor", () => {
  test.each(["orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled"])(
    "%s stores the raw event first, then the enriched order",
    async (topic) => {
      const platform = makeTestPlatform();
      await deliver(platform, ordersProgram, partnerEnvelope(topic, fixture("order"), { webhookId: "wh-1" }));
      expect(platform.objectText("raw/shopify/orders/dt=2026-03-01/wh-1.json")).toContain('"order_number"');
      const order = platform.item("orders", { id: ORDER })!;
      expect(order).toMatchObject({
        entity: "order",
        order_number: "1042",
        customer_id: "gid://shopify/Customer/7012345678901",
        total_price: "134.85",
        discount_total: "10.00",
        net_total: "134.85",
        line_items_subtotal: "139.90",
        line_count: 2,
        item_quantity: 6,
        is_subscription: false,
        updated_at: "2026-03-01T15:20:00.000Z",
      });
      expect(platform.metricTotal("EventProcessed")).toBe(1);
    },
  );

  test("an older update arriving after a newer one is skipped and counted", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", withFields("order", { updated_at: "2026-03-02T00:00:00Z", financial_status: "refunded" })));
    await deliver(platform, ordersProgram, partnerEnvelope("orders/paid", withFields("order", { updated_at: "2026-03-01T10:20:00-05:00", financial_status: "paid" })));
    expect(platform.item("orders", { id: ORDER })).toMatchObject({ financial_status: "refunded" });
    expect(platform.metricTotal("StaleUpdate")).toBe(1);
  });

  test("a duplicate delivery (same webhook id) is processed once and stored once", async () => {
    const platform = makeTestPlatform();
    const envelope = partnerEnvelope("orders/updated", fixture("order"), { webhookId: "wh-dup" });
    await deliver(platform, ordersProgram, envelope);
    await deliver(platform, ordersProgram, { ...envelope, id: "another-envelope-id" });
    expect(platform.metricTotal("EventProcessed")).toBe(1);
    expect(platform.metricTotal("DuplicateEvent")).toBe(1);
    expect([...platform.state.objects.keys()]).toEqual(["raw/shopify/orders/dt=2026-03-01/wh-dup.json"]);
  });

  test("the topic header is read in any letter case", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, ordersProgram, partnerEnvelope("ORDERS/UPDATED", fixture("order"), { headerCase: "lower" }));
    await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", withFields("order", { id: 1, admin_graphql_api_id: undefined }), { headerCase: "upper" }));
    expect(
      platform
        .items("orders")
        .map((item) => item.id)
        .sort(),
    ).toEqual(["gid://shopify/Order/1", ORDER]);
  });

  test("subscription orders are flagged by tag, source or selling plan", async () => {
    const platform = makeTestPlatform();
    await deliver(
      platform,
      ordersProgram,
      partnerEnvelope("orders/create", withFields("order", { id: 11, admin_graphql_api_id: "gid://shopify/Order/11", tags: "Subscription Recurring Order" })),
    );
    await deliver(
      platform,
      ordersProgram,
      partnerEnvelope("orders/create", withFields("order", { id: 12, admin_graphql_api_id: "gid://shopify/Order/12", tags: "", source_name: "subscription_contract" })),
    );
    await deliver(
      platform,
      ordersProgram,
      partnerEnvelope("orders/create", withFields("order", { id: 13, admin_graphql_api_id: "gid://shopify/Order/13", tags: null, source_name: "web" })),
    );
    expect(platform.item("orders", { id: "gid://shopify/Order/11" })?.is_subscription).toBe(true);
    expect(platform.item("orders", { id: "gid://shopify/Order/12" })?.is_subscription).toBe(true);
    expect(platform.item("orders", { id: "gid://shopify/Order/13" })?.is_subscription).toBe(false);
  });

  test("refunds on the order reduce the net total exactly", async () => {
    const platform = makeTestPlatform();
    const refunded = withFields("order", {
      refunds: [
        {
          id: 1,
          transactions: [
            { kind: "refund", status: "success", amount: "51.60" },
            { kind: "refund", status: "failure", amount: "99.00" },
          ],
        },
        { id: 2, transactions: [{ kind: "refund", status: "success", amount: "0.10" }] },
      ],
    });
    await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", refunded));
    expect(platform.item("orders", { id: ORDER })).toMatchObject({ refunded_total: "51.70", net_total: "83.15" });
  });

  test("orders/delete leaves a tombstone that a late update never resurrects", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", fixture("order")));
    await deliver(platform, ordersProgram, partnerEnvelope("orders/delete", fixture("order-delete"), { triggeredAt: "2026-03-03T00:00:00Z" }));
    await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", withFields("order", { updated_at: "2027-01-01T00:00:00Z" })));
    expect(platform.item("orders", { id: ORDER })).toEqual({
      id: ORDER,
      entity: "order",
      legacy_id: "5432109876543",
      deleted: true,
      deleted_at: "2026-03-03T00:00:00.000Z",
      updated_at: "2026-03-03T00:00:00.000Z",
      api_version: "2025-10",
    });
  });

  test("refunds/create and fulfillments/* go to their own processors and tables, pointing at their order (not into orders)", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, refundsProgram, partnerEnvelope("refunds/create", fixture("refund")));
    await deliver(platform, fulfillmentsProgram, partnerEnvelope("fulfillments/create", fixture("fulfillment")));
    await deliver(
      platform,
      fulfillmentsProgram,
      partnerEnvelope("fulfillments/update", withFields("fulfillment", { shipment_status: "delivered", updated_at: "2026-03-04T09:00:00-05:00" })),
    );
    await deliver(
      platform,
      fulfillmentsProgram,
      partnerEnvelope("fulfillments/update", withFields("fulfillment", { shipment_status: "in_transit", updated_at: "2026-03-03T09:00:00-05:00" })),
    );
    expect(platform.item("refunds", { id: "gid://shopify/Refund/929361464123" })).toMatchObject({
      entity: "refund",
      order_id: ORDER,
      amount: "51.60",
      currency: "USD",
      line_count: 1,
    });
    expect(platform.item("fulfillments", { id: "gid://shopify/Fulfillment/4567890123456" })).toMatchObject({
      entity: "fulfillment",
      order_id: ORDER,
      shipment_status: "delivered",
      tracking_company: "UPS",
    });
    expect(platform.items("orders")).toEqual([]);
    expect(platform.metricTotal("StaleUpdate")).toBe(1);
  });

  test("malformed and incomplete payloads fail as InvalidPayload after the raw event is kept", async () => {
    const platform = makeTestPlatform();
    const { updated_at: _dropped, ...incomplete } = fixture("order");
    const missing = await deliverExit(platform, ordersProgram, partnerEnvelope("orders/updated", incomplete, { webhookId: "wh-incomplete" }));
    expect(failureTag(missing)).toBe("InvalidPayload");
    expect(JSON.stringify((missing as Exit.Failure<unknown, unknown>).cause)).toContain("updated_at");
    expect(platform.objectText("raw/shopify/orders/dt=2026-03-01/wh-incomplete.json")).toBeDefined();

    const badMoney = await deliverExit(platform, ordersProgram, partnerEnvelope("orders/updated", withFields("order", { total_price: "12,50" })));
    expect(failureTag(badMoney)).toBe("InvalidPayload");
    const notObject = await deliverExit(platform, ordersProgram, partnerEnvelope("orders/updated", "[1,2"));
    expect(failureTag(notObject)).toBe("InvalidPayload");
    const noTopic = partnerEnvelope("orders/updated", fixture("order"));
    delete (noTopic.detail as { metadata: Record<string, string> }).metadata["X-Shopify-Topic"];
    expect(failureTag(await deliverExit(platform, ordersProgram, noTopic))).toBe("InvalidPayload");
    expect(failureTag(await deliverExit(platform, ordersProgram, { ...noTopic, "detail-type": "somethingElse" }))).toBe("InvalidPayload");
    expect(platform.items("orders")).toEqual([]);
    // A failed run releases its idempotency key so a corrected redelivery is processed.
    expect(platform.item("idempotency", { key: "shopify:wh-incomplete" })).toBeUndefined();
  });

  test("an id beyond 2^53 survives digit for digit (raw text parsed losslessly)", async () => {
    const platform = makeTestPlatform();
    const text = fixtureText("order").replace('"id": 5432109876543,\n  "admin_graphql_api_id": "gid://shopify/Order/5432109876543",', '"id": 9007199254740993123,');
    await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", text));
    expect(platform.item("orders", { id: "gid://shopify/Order/9007199254740993123" })).toMatchObject({ legacy_id: "9007199254740993123" });
  });

  test("platform-bus events (HTTPS door) are read inline or from the raw object, and not stored again", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, ordersProgram, platformEnvelope("orders/updated", fixture("order"), { eventId: "https-1" }));
    platform.state.objects.set("raw/shopify/orders/dt=2026-03-01/https-2.json", {
      body: Buffer.from(
        fixtureText("order")
          .replace('"1042"', '"1042"')
          .replace('"order_number": 1042', '"order_number": 2042')
          .replace(/5432109876543/g, "77"),
      ),
    });
    await deliver(
      platform,
      ordersProgram,
      platformEnvelope("orders/updated", undefined, { eventId: "https-2", inline: false, rawKey: "raw/shopify/orders/dt=2026-03-01/https-2.json" }),
    );
    expect(platform.item("orders", { id: ORDER })?.order_number).toBe("1042");
    expect(platform.item("orders", { id: "gid://shopify/Order/77" })?.order_number).toBe("2042");
    expect(platform.state.objects.size).toBe(1);
    const missing = await deliverExit(
      platform,
      ordersProgram,
      platformEnvelope("orders/updated", undefined, { inline: false, rawKey: "raw/shopify/orders/dt=2026-03-01/none.json" }),
    );
    expect(failureTag(missing)).toBe("InvalidPayload");
  });

  test("a topic of another family is stored raw, acknowledged and counted", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, ordersProgram, partnerEnvelope("products/update", fixture("product")));
    expect(platform.metricTotal("UnhandledTopic")).toBe(1);
    expect(platform.items("products")).toEqual([]);
    expect(platform.state.objects.size).toBe(1);
  });
});

describe("checkouts and carts", () => {
  const TOKEN = "b3f1c0e9d8a7465f9e2d1c0b9a8f7e6d";
  const CART = "c1-7a2f5e0b9d3c4e1fa8b6";

  test("checkouts and carts are tracked with a TTL and updated by newer versions only", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, checkoutsProgram, partnerEnvelope("checkouts/create", fixture("checkout")));
    await deliver(platform, checkoutsProgram, partnerEnvelope("checkouts/update", withFields("checkout", { updated_at: "2026-03-01T10:07:00-05:00", total_price: "99.90" })));
    await deliver(platform, checkoutsProgram, partnerEnvelope("checkouts/update", withFields("checkout", { updated_at: "2026-03-01T10:01:00-05:00", total_price: "1.00" })));
    await deliver(platform, checkoutsProgram, partnerEnvelope("carts/create", fixture("cart")));
    const checkout = platform.item("abandonedCarts", { token: TOKEN })!;
    expect(checkout).toMatchObject({ kind: "checkout", status: "open", total_price: "99.90", cart_token: CART, line_count: 2 });
    expect(checkout.expires_at).toBe(Math.floor(Date.parse("2026-03-01T10:07:00-05:00") / 1000) + 30 * 86400);
    expect(platform.item("abandonedCarts", { token: CART })).toMatchObject({ kind: "cart", status: "open", total_price: "99.90", item_quantity: 2 });
  });

  test.each([
    ["checkout first", ["checkout", "cart", "order"]],
    ["order first", ["order", "checkout", "cart"]],
    ["order in the middle", ["cart", "order", "checkout"]],
  ])("an order carrying the tokens marks them recovered (%s)", async (_name, sequence) => {
    const platform = makeTestPlatform();
    for (const step of sequence) {
      if (step === "checkout") await deliver(platform, checkoutsProgram, partnerEnvelope("checkouts/update", fixture("checkout")));
      if (step === "cart") await deliver(platform, checkoutsProgram, partnerEnvelope("carts/update", fixture("cart")));
      if (step === "order") await deliver(platform, ordersProgram, partnerEnvelope("orders/create", fixture("order")));
    }
    for (const token of [TOKEN, CART]) {
      expect(platform.item("abandonedCarts", { token })).toMatchObject({
        status: "recovered",
        recovered_order_id: ORDER,
        recovered_at: "2026-03-01T15:15:30.000Z",
        updated_at: expect.any(String),
      });
    }
  });

  test("a checkout without a token is invalid", async () => {
    const platform = makeTestPlatform();
    expect(failureTag(await deliverExit(platform, checkoutsProgram, partnerEnvelope("checkouts/create", withFields("checkout", { token: "" }))))).toBe("InvalidPayload");
  });
});

describe("customers and products", () => {
  test("customers are upserted by GID; customers/delete keeps a tombstone without personal data", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, customersProgram, partnerEnvelope("customers/create", fixture("customer")));
    expect(platform.item("customers", { id: "gid://shopify/Customer/7012345678901" })).toMatchObject({
      email: "jane.doe@example.com",
      total_spent: "304.70",
      tags: ["vip"],
      email_marketing_state: "subscribed",
    });
    await deliver(platform, customersProgram, partnerEnvelope("customers/update", withFields("customer", { updated_at: "2026-01-01T00:00:00Z", email: "old@example.com" })));
    expect(platform.metricTotal("StaleUpdate")).toBe(1);
    await deliver(platform, customersProgram, partnerEnvelope("customers/delete", fixture("customer-delete")));
    await deliver(platform, customersProgram, partnerEnvelope("customers/update", withFields("customer", { updated_at: "2030-01-01T00:00:00Z" })));
    const tombstone = platform.item("customers", { id: "gid://shopify/Customer/7012345678901" })!;
    expect(tombstone.deleted).toBe(true);
    expect(JSON.stringify(tombstone)).not.toContain("jane");
  });

  test("products keep a compact variant view with exact price bounds; deletes are tombstones", async () => {
    const platform = makeTestPlatform();
    await deliver(platform, productsProgram, partnerEnvelope("products/create", fixture("product")));
    expect(platform.item("products", { id: "gid://shopify/Product/8123456789012" })).toMatchObject({
      title: "Cold Brew Kit",
      variant_count: 2,
      price_min: "34.50",
      price_max: "49.95",
      tags: ["coffee", "kit"],
    });
    await deliver(platform, productsProgram, partnerEnvelope("products/delete", fixture("product-delete")));
    await deliver(platform, productsProgram, partnerEnvelope("products/update", withFields("product", { updated_at: "2030-01-01T00:00:00Z" })));
    expect(platform.item("products", { id: "gid://shopify/Product/8123456789012" })?.deleted).toBe(true);
    // Only what keys or orders a product is required: no title is fine, no updated_at is not.
    expect(failureTag(await deliverExit(platform, productsProgram, partnerEnvelope("products/update", withFields("product", { updated_at: undefined }))))).toBe("InvalidPayload");
    expect(
      failureTag(
        await deliverExit(
          platform,
          productsProgram,
          partnerEnvelope("products/update", withFields("product", { id: 8123456789099, title: undefined, updated_at: "2030-01-02T00:00:00Z" })),
        ),
      ),
    ).toBeUndefined();
  });
});

describe("app/uninstalled", () => {
  test("raises one critical alert per event, without personal data", async () => {
    const platform = makeTestPlatform();
    const envelope = partnerEnvelope("app/uninstalled", fixture("app-uninstalled"), { webhookId: "wh-un" });
    await deliver(platform, appProgram, envelope);
    await deliver(platform, appProgram, envelope);
    expect(platform.state.alerts).toHaveLength(1);
    expect(platform.state.alerts[0]).toMatchObject({ kind: "app-uninstalled", severity: "critical", subject: "Shopify app uninstalled from acme-coffee.myshopify.com" });
    expect(JSON.stringify(platform.state.alerts)).not.toContain("owner@acme-coffee.example.com");
    expect(platform.objectText("raw/shopify/app/dt=2026-03-01/wh-un.json")).toContain("myshopify_domain");
  });
});

test("no log line of the processors carries the fixtures' personal data", async () => {
  const platform = makeTestPlatform();
  await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", fixture("order")));
  await deliver(platform, ordersProgram, partnerEnvelope("orders/updated", fixture("order")));
  await deliverExit(platform, ordersProgram, partnerEnvelope("orders/updated", withFields("order", { email: 42 })));
  await deliver(platform, customersProgram, partnerEnvelope("customers/update", fixture("customer")));
  await deliver(platform, appProgram, partnerEnvelope("app/uninstalled", fixture("app-uninstalled")));
  const logs = platform.state.logs.join("\n");
  expect(platform.state.logs.length).toBeGreaterThan(0);
  for (const value of ["jane.doe@example.com", "555-0134", "4155550134", "Evergreen", "owner@acme"]) expect(logs).not.toContain(value);
});
