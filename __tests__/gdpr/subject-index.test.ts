/**
 * The GDPR subject index on in-memory layers: what each processor writes (the payload's
 * identifiers -> its raw object and hot-store keys, no identifier value stored), links, lookup,
 * repeat and crash-safety.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Exit, Layer } from "effect";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { SubjectIndex, SubjectIndexFromHotStore } from "../../functions/kernel/subject-index";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { orderHandlers } from "../../functions/shopify/orders";
import { customerHandlers } from "../../functions/shopify/customers";
import { processRechargeDelivery } from "../../functions/recharge/processor-program";
import { processStripeDelivery } from "../../functions/stripe/processor-program";
import { identifiersOfPayload, lookupSubject, resolveSubject } from "../../functions/gdpr/subject-index";
import { identifierOf } from "../../functions/gdpr/subject";
import type { SubjectLocation } from "../../contracts/gdpr";
import { partnerEnvelope } from "../support";

const KEY = "test-subject-index-key";
const fixture = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", file), "utf8"));

const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;
const customersProgram = familyProcessor("shopify-customers", customerHandlers).program;

const platformWithIndex = (): { platform: TestPlatform; layer: Layer.Layer<any> } => {
  const platform = makeTestPlatform({ secrets: { subjectIndexKey: KEY } });
  const layer = Layer.provideMerge(SubjectIndexFromHotStore, platform.layer);
  return { platform, layer };
};

const run = <A, E>(layer: Layer.Layer<any>, effect: Effect.Effect<A, E, any>) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E, never>);

const lookup = (layer: Layer.Layer<any>, ...inputs: string[]) => run(layer, lookupSubject(inputs.map((input) => identifierOf(input)!)));

const sortedIds = (locations: ReadonlyArray<SubjectLocation>) => locations.map((location) => JSON.stringify(location)).sort();

describe("identifiers in a payload", () => {
  test("a Shopify order: the customer's id, the order's e-mail and phones, normalised", () => {
    const found = identifiersOfPayload("shopify", "orders/create", fixture("shopify/order.json"));
    const values = found.map((each) => `${each.identifier.kind}=${each.identifier.value}${each.subject ? "" : " (mentioned)"}`).sort();
    expect(values).toEqual(expect.arrayContaining(["customer-id=shopify:7012345678901", "email=jane.doe@example.com", "phone=+14155550134"]));
  });

  test("a Stripe charge: the Stripe customer, billing and receipt e-mail, billing phone", () => {
    const found = identifiersOfPayload("stripe", "charge.succeeded", fixture("stripe/charge-succeeded.json"));
    const subject = found.filter((each) => each.subject).map((each) => `${each.identifier.kind}=${each.identifier.value}`);
    expect(subject).toEqual(expect.arrayContaining(["customer-id=stripe:cus_QfakeCustomer01", "email=theodric.vantablack@example.test", "phone=+14045550199"]));
  });

  test("a Recharge subscription: its Recharge customer id and e-mail", () => {
    const found = identifiersOfPayload("recharge", "subscription/created", fixture("recharge/subscription-created.json"));
    const subject = found.filter((each) => each.subject).map((each) => `${each.identifier.kind}=${each.identifier.value}`);
    expect(subject).toEqual(expect.arrayContaining(["customer-id=recharge:64962690", "email=mariabelle.quonsetti@example.test"]));
  });

  test("a product names nobody", () => {
    expect(identifiersOfPayload("shopify", "products/create", fixture("shopify/product.json"))).toEqual([]);
  });
});

describe("index writes at ingestion", () => {
  test("an order points its customer's id, e-mail and phone at the raw object and the order's hot key; no value is stored", async () => {
    const { platform, layer } = platformWithIndex();
    await run(layer, ordersProgram(partnerEnvelope("orders/create", fixture("shopify/order.json"), { webhookId: "wh-1" })));
    const raw = { store: "raw", key: "raw/shopify/orders/dt=2026-03-01/wh-1.json" };
    const hot = { store: "hot", table: "orders", key: { id: "gid://shopify/Order/5432109876543" } };
    for (const input of ["7012345678901", "Jane.Doe@Example.com ", "+1 (415) 555-0134"]) {
      expect(sortedIds(await lookup(layer, input))).toEqual(sortedIds([raw, hot] as SubjectLocation[]));
    }
    const items = platform.items("subjectIndex");
    expect(items.length).toBeGreaterThan(0);
    const text = JSON.stringify(items);
    for (const value of ["jane.doe", "4155550134", "555-0134", "7012345678901"]) expect(text).not.toContain(value);
  });

  test("a redelivery writes the same items (nothing more); a second webhook id adds only its raw object", async () => {
    const { platform, layer } = platformWithIndex();
    const order = fixture("shopify/order.json");
    await run(layer, ordersProgram(partnerEnvelope("orders/create", order, { webhookId: "wh-1", eventId: "ev-1" })));
    const once = platform.items("subjectIndex").length;
    await run(layer, ordersProgram(partnerEnvelope("orders/create", order, { webhookId: "wh-1", eventId: "ev-1" })));
    expect(platform.items("subjectIndex").length).toBe(once);
    // The same merchant action through the other door: a duplicate by business key, with its own raw object.
    await run(layer, ordersProgram(partnerEnvelope("orders/create", order, { webhookId: "wh-2", eventId: "ev-1" })));
    const locations = await lookup(layer, "jane.doe@example.com");
    expect(
      locations
        .filter((location) => location.store === "raw")
        .map((location) => (location as { key: string }).key)
        .sort(),
    ).toEqual(["raw/shopify/orders/dt=2026-03-01/wh-1.json", "raw/shopify/orders/dt=2026-03-01/wh-2.json"]);
  });

  test("a crash at the index write fails the event and leaves its claim open: the redelivery indexes it", async () => {
    const { platform, layer } = platformWithIndex();
    const order = fixture("shopify/order.json");
    // HotStore.put is the index write here (the order itself goes through putIfNewer).
    platform.failNext("HotStore.put", new Transient({ service: "dynamodb", reason: "crash" }));
    const first = await Effect.runPromiseExit(
      Effect.provide(ordersProgram(partnerEnvelope("orders/create", order, { webhookId: "wh-1", eventId: "ev-9" })), layer) as Effect.Effect<void, unknown, never>,
    );
    expect(Exit.isFailure(first)).toBe(true);
    await run(layer, ordersProgram(partnerEnvelope("orders/create", order, { webhookId: "wh-1", eventId: "ev-9" })));
    expect((await lookup(layer, "jane.doe@example.com")).map((location) => location.store).sort()).toEqual(["hot", "raw"]);
  });

  test("Recharge and Stripe records are found by the e-mail the customer's Shopify records carry, and by their own ids", async () => {
    const { layer } = platformWithIndex();
    const subscription = fixture("recharge/subscription-created.json");
    const charge = fixture("stripe/charge-succeeded.json");
    await run(
      layer,
      processRechargeDelivery({
        source: "recharge",
        topic: "subscription/created",
        eventId: "r-1",
        receivedAt: "2026-11-01T10:00:00Z",
        payload: subscription,
        rawKey: "raw/recharge/subscription/dt=2026-11-01/r-1.json",
      }),
    );
    await run(
      layer,
      processStripeDelivery({
        source: "stripe",
        topic: "charge.succeeded",
        eventId: charge.id,
        receivedAt: "2026-11-01T10:00:00Z",
        payload: charge,
        rawKey: "raw/stripe/charge/dt=2026-11-01/s-1.json",
      }),
    );
    // A Shopify customer record with the same e-mail as the Stripe charge links the Shopify id to it.
    const customer = { ...fixture("shopify/customer.json"), email: "Theodric.Vantablack@example.test" };
    await run(layer, customersProgram(partnerEnvelope("customers/update", customer, { webhookId: "wh-c" })));

    const recharge = await lookup(layer, "recharge:64962690");
    expect(recharge).toEqual(
      expect.arrayContaining([
        { store: "raw", key: "raw/recharge/subscription/dt=2026-11-01/r-1.json" },
        { store: "hot", table: "subscriptions", key: { id: "27384576" } },
      ]),
    );
    const byShopifyId = await lookup(layer, String(customer.id));
    expect(byShopifyId).toEqual(
      expect.arrayContaining([
        { store: "raw", key: "raw/stripe/charge/dt=2026-11-01/s-1.json" },
        { store: "hot", table: "payments", key: { id: charge.data.object.id } },
      ]),
    );
    // Following no links finds only what carries the id itself.
    const unlinked = await run(layer, resolveSubject([identifierOf(String(customer.id))!], { linkDepth: 0 }));
    expect(unlinked.locations.some((location) => location.store === "raw" && location.key.startsWith("raw/stripe/"))).toBe(false);
  });

  test("an unknown subject has no locations", async () => {
    const { layer } = platformWithIndex();
    expect(await lookup(layer, "nobody@example.com")).toEqual([]);
  });

  test("without a subject index in the composition the processors run as before", async () => {
    const platform = makeTestPlatform();
    await Effect.runPromise(
      Effect.provide(ordersProgram(partnerEnvelope("orders/create", fixture("shopify/order.json"), { webhookId: "wh-1" })), platform.layer) as Effect.Effect<void, never, never>,
    );
    expect(platform.items("orders")).toHaveLength(1);
    expect(platform.items("subjectIndex")).toEqual([]);
  });

  test("the index key is a secret: without it the write fails (retried), it is never skipped", async () => {
    const platform = makeTestPlatform();
    const layer = Layer.provideMerge(SubjectIndexFromHotStore, platform.layer);
    const exit = await Effect.runPromiseExit(
      Effect.provide(ordersProgram(partnerEnvelope("orders/create", fixture("shopify/order.json"), { webhookId: "wh-1" })), layer) as Effect.Effect<void, unknown, never>,
    );
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("Transient");
    expect(
      await Effect.runPromise(
        Effect.provide(
          Effect.map(SubjectIndex, () => true),
          layer,
        ),
      ),
    ).toBe(true);
  });
});
