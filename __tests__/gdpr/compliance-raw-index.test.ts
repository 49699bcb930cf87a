/**
 * The raw copies of Shopify's compliance webhooks name the customer (customer.id, email, phone):
 * the HTTPS door indexes them in the GDPR subject index before it records the request and
 * publishes the event, so the redaction deletes them (every version) with the rest of the
 * person's data. The request record stays (the proof of the request), and once complete holds
 * only keyed hashes, the dates and the steps. shop/redact names nobody and indexes nothing.
 * Payloads: Shopify's published samples (__tests__/fixtures/shopify/compliance/README.md).
 *
 * In memory: the kernel's test platform with a versioned bucket (redaction-services.ts
 * versionedMemoryStore) and the real subject index over its HotStore; the redaction run by the
 * local Step Functions runner on the definition AWS runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Layer } from "effect";
import type { GdprRequestRecord, SubjectLocation } from "../../contracts/gdpr";
import { makeMemoryDeadLetters, VendorApis, versionedMemoryStore } from "../../functions/gdpr/redaction-services";
import { lookupSubject } from "../../functions/gdpr/subject-index";
import { identifierOf } from "../../functions/gdpr/subject";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { HotStore, ObjectStore } from "../../functions/kernel/services";
import { SUBJECT_INDEX_TABLE, SubjectIndex, subjectIndexOverHotStore } from "../../functions/kernel/subject-index";
import { program } from "../../functions/shopify/ingress";
import { runGdprRedactionLocally } from "../../local/gdpr-state-machine";
import { SECRET, shopifyRequest } from "../shopify/support";

jest.setTimeout(60_000);

const KEY = "compliance-test-subject-index-key-0123456789";
const RECEIVED = "2026-03-01T15:20:01.000Z";
const sample = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "shopify", "compliance", `${name}.json`), "utf8")) as Record<string, unknown>;
const rawKeyOf = (entity: string, webhookId: string) => `raw/shopify/${entity}/dt=2026-03-01/${webhookId}.json`;

/** John (Shopify's sample customer) and another customer, as the samples carry them. */
const JOHN = { id: "191167", email: "john@example.com", phone: "555-625-1199" };
const OTHER = { id: 424242, email: "other.person@example.com", phone: "555-000-4242" };

const lakeWithDoor = async () => {
  const platform = makeTestPlatform({ secrets: { shopifyWebhook: SECRET, subjectIndexKey: KEY } });
  const versions = versionedMemoryStore(await Effect.runPromise(Effect.provide(ObjectStore, platform.layers.objectStore)));
  const hot = await Effect.runPromise(Effect.provide(HotStore, platform.layers.hotStore));
  const letters = makeMemoryDeadLetters();
  const layer = Layer.mergeAll(
    versions.layer,
    platform.layers.secrets,
    platform.layers.eventBus,
    platform.layers.alerts,
    platform.layers.metrics,
    platform.layers.deadLetters,
    platform.layers.logger,
    platform.layers.idempotency,
    Layer.succeed(SubjectIndex, subjectIndexOverHotStore(hot, Effect.succeed(KEY))),
    letters.layer,
    Layer.succeed(VendorApis, { deleteCustomer: () => Effect.die("no vendor step in these requests") }),
  ).pipe(Layer.provideMerge(platform.layers.hotStore));
  const run = <A>(effect: Effect.Effect<A, unknown, any>) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A>);
  const deliver = async (topic: string, body: unknown, webhookId: string) => {
    const response = await run(program(shopifyRequest(topic, JSON.stringify(body), { webhookId, receivedAt: RECEIVED })));
    expect(response.statusCode).toBe(200);
    return response;
  };
  const rawLocations = async (customer: string) =>
    (await run(lookupSubject([identifierOf(customer)!])))
      .filter((location): location is Extract<SubjectLocation, { store: "raw" }> => location.store === "raw")
      .map((location) => location.key)
      .sort();
  return { platform, versions, letters, layer, run, deliver, rawLocations, indexItems: () => platform.items(SUBJECT_INDEX_TABLE as never).length };
};

const redactBody = () => sample("customers-redact");
const dataRequestBody = () => sample("customers-data-request");
const otherDataRequest = () => ({ ...dataRequestBody(), customer: OTHER, data_request: { id: 10001 } });

describe("compliance raw copies in the subject index", () => {
  it("customers/data_request and customers/redact index their raw copy under the customer's id, e-mail and phone; shop/redact indexes nothing", async () => {
    const lake = await lakeWithDoor();
    await lake.deliver("customers/data_request", dataRequestBody(), "wh-dr-1");
    await lake.deliver("customers/redact", redactBody(), "wh-redact-1");
    const johnsCopies = [rawKeyOf("customers", "wh-dr-1"), rawKeyOf("customers", "wh-redact-1")];
    for (const identifier of [JOHN.id, `gid://shopify/Customer/${JOHN.id}`, JOHN.email, "JOHN@Example.com", JOHN.phone]) {
      expect({ identifier, raw: await lake.rawLocations(identifier) }).toEqual({ identifier, raw: johnsCopies });
    }
    // The index holds keyed hashes only: no e-mail, phone or id in its items.
    const indexText = JSON.stringify(lake.platform.items(SUBJECT_INDEX_TABLE as never));
    for (const value of [JOHN.email, "5556251199", "555-625-1199"]) expect(indexText).not.toContain(value);

    const before = lake.indexItems();
    await lake.deliver("shop/redact", sample("shop-redact"), "wh-shop-1");
    expect(lake.platform.objectText(rawKeyOf("shop", "wh-shop-1"))).toBeDefined();
    expect(lake.indexItems()).toBe(before);
    expect(await lake.rawLocations(JOHN.email)).toEqual(johnsCopies);
  });

  it("a delivery retried after a crash between the index write and the request record indexes the same items once", async () => {
    const lake = await lakeWithDoor();
    // The request record's create fails on every attempt of the door's retry (1 + 4): the claim is released, Shopify redelivers.
    lake.platform.failNext("HotStore.putIfNotExists", new Transient({ service: "dynamodb", reason: "injected" }), 5);
    const failed = await lake.run(program(shopifyRequest("customers/redact", JSON.stringify(redactBody()), { webhookId: "wh-redact-2", receivedAt: RECEIVED })));
    expect(failed.statusCode).toBe(503);
    const afterCrash = lake.indexItems();
    expect(afterCrash).toBeGreaterThan(0);
    await lake.deliver("customers/redact", redactBody(), "wh-redact-2");
    expect(lake.indexItems()).toBe(afterCrash);
    expect(await lake.rawLocations(JOHN.email)).toEqual([rawKeyOf("customers", "wh-redact-2")]);
  });

  it("the redaction deletes the person's compliance raw copies and every version; the other customer's and the shop's stay; the record keeps hashes only", async () => {
    const lake = await lakeWithDoor();
    await lake.deliver("customers/data_request", dataRequestBody(), "wh-dr-1");
    await lake.deliver("customers/data_request", otherDataRequest(), "wh-dr-2");
    await lake.deliver("shop/redact", sample("shop-redact"), "wh-shop-1");
    await lake.deliver("customers/redact", redactBody(), "wh-redact-1");
    const johns = [rawKeyOf("customers", "wh-dr-1"), rawKeyOf("customers", "wh-redact-1")];
    for (const key of johns) expect(lake.versions.versionCount(key)).toBe(1);

    const result = await runGdprRedactionLocally("shopify-wh-redact-1", { layer: lake.layer as Layer.Layer<unknown, unknown, never> });
    expect(result.status).toBe("SUCCEEDED");

    for (const key of johns) {
      expect({ key, current: lake.platform.objectText(key), versions: lake.versions.versionCount(key) }).toEqual({ key, current: undefined, versions: 0 });
    }
    expect(JSON.parse(lake.platform.objectText(rawKeyOf("customers", "wh-dr-2"))!).customer).toEqual(OTHER);
    expect(lake.platform.objectText(rawKeyOf("shop", "wh-shop-1"))).toBeDefined();
    // John is gone from the index; the other customer's copy is still found.
    expect(await lake.rawLocations(JOHN.email)).toEqual([]);
    expect(await lake.rawLocations(OTHER.email)).toEqual([rawKeyOf("customers", "wh-dr-2")]);

    const record = lake.platform.item("gdprRequests", { requestId: "shopify-wh-redact-1" }) as unknown as GdprRequestRecord;
    expect(record).toMatchObject({ requestId: "shopify-wh-redact-1", kind: "customer-redact", status: "complete", receivedAt: RECEIVED });
    expect(record.identifiers).toBeUndefined();
    expect(record.subjectKeys.length).toBeGreaterThanOrEqual(3);
    const recordText = JSON.stringify(record);
    for (const value of [JOHN.email, "5556251199", JOHN.id]) expect(recordText).not.toContain(value);
  });
});
