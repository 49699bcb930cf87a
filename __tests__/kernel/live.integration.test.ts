/**
 * The live stores (AWS SDK v3) against real emulators started here: dynalite (DynamoDB) and
 * s3rver (S3), both on 127.0.0.1 with a random port. The stores are built as ObjectStoreLive,
 * HotStoreLive and SecretsLive build them, with SDK clients pointed at the emulators explicitly (in
 * Lambda and `sdp local` the SDK reads the endpoints from the environment); their settings come
 * from a ConfigProvider, so the test never touches process.env.
 */
import * as fs from "node:fs";
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Effect, Exit, Layer, Option } from "effect";
import { envVars } from "../../contracts/env-vars";
import { tableKeys, tableSpecs, type TableKey } from "../../contracts/tables";
import { classifyAwsError } from "../../functions/kernel/aws-errors";
import { documentClientFor, IdempotencyLive, makeDynamoHotStore, makeEmfMetrics, makeS3ObjectStore, makeSecrets } from "../../functions/kernel/live";
import { scopedClient } from "../../functions/kernel/live/sdk";
import { loggerLayer } from "../../functions/kernel/logger";
import type { Alert, BusEvent, DeadLetter } from "../../functions/kernel/services";
import { Alerts, DeadLetters, EventBus, HotStore, Idempotency, Metrics, ObjectStore, Secrets } from "../../functions/kernel/services";
import { program as ingressProgram } from "../../functions/shopify/ingress";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { orderHandlers } from "../../functions/shopify/orders";
import { fixture, fixtureText, SECRET, shopifyRequest } from "../shopify/support";
import { partnerEnvelope, withConfig } from "../support";

const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: Record<string, unknown>) => http.Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

const BUCKET = "sdp-test-lake";
const REGION = "us-east-1";
let dynamo: http.Server;
let s3: { close(): Promise<void> };
let directory: string;
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const endpoints = { s3: "", dynamodb: "" };
/** What the functions read through Config (set once the emulators listen). */
let settings: Record<string, string> = {};

const createTable = async (client: DynamoDBClient, key: TableKey) => {
  const spec = tableSpecs[key] as (typeof tableSpecs)[TableKey] & { sortKey?: { name: string; type: "S" | "N" } };
  const attributes = new Map<string, "S" | "N">();
  const keySchema = (partition: { name: string; type: "S" | "N" }, sort?: { name: string; type: "S" | "N" }): KeySchemaElement[] => {
    attributes.set(partition.name, partition.type);
    if (sort) attributes.set(sort.name, sort.type);
    return [{ AttributeName: partition.name, KeyType: "HASH" }, ...(sort ? [{ AttributeName: sort.name, KeyType: "RANGE" as const }] : [])];
  };
  const KeySchema = keySchema(spec.partitionKey, spec.sortKey);
  const GlobalSecondaryIndexes = spec.globalSecondaryIndexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, (index as { sortKey?: { name: string; type: "S" | "N" } }).sortKey),
    Projection: { ProjectionType: "ALL" as const },
  }));
  const AttributeDefinitions: AttributeDefinition[] = [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
  await client.send(
    new CreateTableCommand({
      TableName: `test-${spec.logicalName}`,
      KeySchema,
      AttributeDefinitions,
      BillingMode: "PAY_PER_REQUEST",
      ...(GlobalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes } : {}),
    }),
  );
};

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-live-"));
  dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", () => resolve()));
  const s3rver = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const s3Address = await s3rver.run();
  s3 = s3rver;
  endpoints.s3 = `http://127.0.0.1:${s3Address.port}`;
  endpoints.dynamodb = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  settings = {
    // The S3 endpoint override tells the store it talks to an emulator (HeadObject guard, no If-None-Match).
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    [envVars.lakeBucket]: BUCKET,
    SDP_SECRETS_SOURCE: "env",
    [envVars.shopifyWebhookSecret]: `rotated-secret-2026,${SECRET}`,
    ...Object.fromEntries(tableKeys.map((key) => [tableSpecs[key].envVar, `test-${tableSpecs[key].logicalName}`])),
  };
  const client = new DynamoDBClient(dynamoConfig());
  for (const key of tableKeys) await createTable(client, key);
  client.destroy();
});

afterAll(async () => {
  await s3?.close();
  await new Promise<void>((resolve) => (dynamo ? dynamo.close(() => resolve()) : resolve()));
  fs.rmSync(directory, { recursive: true, force: true });
});

const captured = { events: [] as BusEvent[], alerts: [] as Alert[], deadLetters: [] as DeadLetter[], metrics: [] as string[], logs: [] as string[] };
const dynamoConfig = () => ({ region: REGION, credentials, endpoint: endpoints.dynamodb });
// s3rver does not understand the SDK's streaming (aws-chunked) checksums.
const s3Config = () => ({
  region: REGION,
  credentials,
  endpoint: endpoints.s3,
  forcePathStyle: true,
  requestChecksumCalculation: "WHEN_REQUIRED" as const,
  responseChecksumValidation: "WHEN_REQUIRED" as const,
});
const ObjectStoreOnS3rver = Layer.scoped(
  ObjectStore,
  Effect.map(
    scopedClient(() => new S3Client(s3Config())),
    makeS3ObjectStore,
  ),
);
const HotStoreOnDynalite = Layer.scoped(
  HotStore,
  Effect.map(
    scopedClient(
      () => {
        const base = new DynamoDBClient(dynamoConfig());
        return { base, documents: documentClientFor(base) };
      },
      ({ base }) => base.destroy(),
    ),
    (client) => makeDynamoHotStore(() => client().documents),
  ),
);
// Secrets from the settings (SDP_SECRETS_SOURCE=env): the Secrets Manager client is never called.
const SecretsFromSettings = Layer.scoped(
  Secrets,
  Effect.map(
    scopedClient(() => new SecretsManagerClient({ region: REGION, credentials })),
    (client) => makeSecrets(client),
  ),
);

// The live S3, DynamoDB and Secrets stores; in-process EventBus, Alerts, DeadLetters, metrics and logs that the tests read.
const layer = Layer.mergeAll(
  ObjectStoreOnS3rver,
  SecretsFromSettings,
  IdempotencyLive,
  Layer.succeed(EventBus, { publish: (events) => Effect.sync(() => void captured.events.push(...events)) }),
  Layer.succeed(Alerts, { publish: (alert) => Effect.sync(() => (captured.alerts.push(alert), { published: true })) }),
  Layer.succeed(DeadLetters, { send: (letter) => Effect.sync(() => void captured.deadLetters.push(letter)) }),
  Layer.succeed(
    Metrics,
    makeEmfMetrics((line) => captured.metrics.push(line)),
  ),
  loggerLayer((line) => captured.logs.push(line)),
).pipe(Layer.provideMerge(HotStoreOnDynalite));
const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof layer>>) => Effect.runPromise(effect.pipe(Effect.provide(layer), withConfig(settings)));

describe("live ObjectStore on s3rver", () => {
  test("putIfAbsent writes once (HeadObject guard on an emulator), get/getText/list/delete", async () => {
    const result = await run(
      Effect.gen(function* () {
        const objects = yield* ObjectStore;
        const first = yield* objects.putIfAbsent("raw/shopify/orders/dt=2026-03-01/a.json", '{"v":1}');
        const second = yield* objects.putIfAbsent("raw/shopify/orders/dt=2026-03-01/a.json", '{"v":2}');
        yield* objects.put("raw/shopify/orders/dt=2026-03-01/b.json", new Uint8Array([123, 125]));
        const text = yield* objects.getText("raw/shopify/orders/dt=2026-03-01/a.json");
        const bytes = yield* objects.get("raw/shopify/orders/dt=2026-03-01/b.json");
        const missing = yield* objects.getText("raw/nothing.json");
        const listed = yield* objects.list("raw/shopify/");
        yield* objects.delete("raw/shopify/orders/dt=2026-03-01/b.json");
        const afterDelete = yield* objects.list("raw/shopify/");
        return { first, second, text, bytes, missing, listed, afterDelete };
      }),
    );
    expect(result.first.created).toBe(true);
    expect(result.second.created).toBe(false);
    expect(Option.getOrThrow(result.text)).toBe('{"v":1}');
    expect(Buffer.from(Option.getOrThrow(result.bytes)).toString()).toBe("{}");
    expect(Option.isNone(result.missing)).toBe(true);
    expect(result.listed.map((entry) => entry.key)).toEqual(["raw/shopify/orders/dt=2026-03-01/a.json", "raw/shopify/orders/dt=2026-03-01/b.json"]);
    expect(result.afterDelete).toHaveLength(1);
  });
});

describe("live HotStore and Idempotency on dynalite", () => {
  test("putIfNewer honours versions and tombstones through condition expressions", async () => {
    const outcomes = await run(
      Effect.gen(function* () {
        const store = yield* HotStore;
        return [
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2026-03-01T10:00:00.000Z", title: "a" }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2026-03-01T09:00:00.000Z", title: "old" }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2026-03-01T10:00:00.000Z", title: "same" }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2026-03-01T11:00:00.000Z", title: "b", skipped: undefined }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", deleted: true, updated_at: "2026-03-01T00:00:00.000Z" }, "updated_at"),
          yield* store.putIfNewer("products", { id: "p1", updated_at: "2030-01-01T00:00:00.000Z", title: "resurrected" }, "updated_at"),
        ];
      }),
    );
    expect(outcomes).toEqual(["written", "stale", "stale", "written", "written", "stale"]);
    const stored = await run(Effect.flatMap(HotStore, (store) => store.get("products", { id: "p1" })));
    expect(Option.getOrThrow(stored)).toMatchObject({ id: "p1", deleted: true });
  });

  test("putIfNotExists, updateIfExists, query on a GSI, scan, delete", async () => {
    const result = await run(
      Effect.gen(function* () {
        const store = yield* HotStore;
        const claimed = yield* store.putIfNotExists("leases", { shop: "acme", slot: "1", owner: "a" });
        const again = yield* store.putIfNotExists("leases", { shop: "acme", slot: "1", owner: "b" });
        const missing = yield* store.updateIfExists("orders", { id: "gid://shopify/Order/404" }, { note: "x" });
        yield* store.put("orders", { id: "o1", customer_id: "c1", created_at: "2026-02-01T00:00:00.000Z", order_number: "1" });
        yield* store.put("orders", { id: "o2", customer_id: "c1", created_at: "2026-01-01T00:00:00.000Z", order_number: "2" });
        const updated = yield* store.updateIfExists("orders", { id: "o1" }, { note: "hello", ignored: undefined });
        const byCustomer = yield* store.query("orders", "by-customer", "customer_id", "c1");
        const scanned = yield* store.scan("leases");
        yield* store.delete("orders", { id: "o2" });
        const gone = yield* store.get("orders", { id: "o2" });
        return { claimed, again, missing, updated, ids: byCustomer.map((item) => item.id), scanned, gone: Option.isNone(gone) };
      }),
    );
    expect(result).toMatchObject({ claimed: true, again: false, missing: false, updated: true, ids: ["o2", "o1"], gone: true });
    expect(result.scanned).toEqual([{ shop: "acme", slot: "1", owner: "a" }]);
  });

  test("upsertAttributes: creates a missing item, and on an existing one sets the attributes and keeps what it has of the unless-set ones", async () => {
    const result = await run(
      Effect.gen(function* () {
        const store = yield* HotStore;
        yield* store.upsertAttributes("abandonedCarts", { token: "new" }, { status: "recovered", recovered_order_id: "o1" }, { expires_at: 100 });
        yield* store.put("abandonedCarts", { token: "old", status: "open", expires_at: 5, total_price: "9.00" });
        yield* store.upsertAttributes("abandonedCarts", { token: "old" }, { status: "recovered", recovered_order_id: "o2", skipped: undefined }, { expires_at: 100 });
        yield* store.upsertAttributes("abandonedCarts", { token: "bare" }, {}, {});
        yield* store.upsertAttributes("abandonedCarts", { token: "old" }, {}, {});
        const read = (token: string) => Effect.map(store.get("abandonedCarts", { token }), Option.getOrUndefined);
        return { created: yield* read("new"), updated: yield* read("old"), bare: yield* read("bare") };
      }),
    );
    expect(result).toEqual({
      created: { token: "new", status: "recovered", recovered_order_id: "o1", expires_at: 100 },
      updated: { token: "old", status: "recovered", recovered_order_id: "o2", expires_at: 5, total_price: "9.00" },
      bare: { token: "bare" },
    });
  });

  test("Idempotency runs once and releases the key on failure", async () => {
    let runs = 0;
    const result = await run(
      Effect.gen(function* () {
        const idempotency = yield* Idempotency;
        const first = yield* idempotency.once(
          "live-key",
          Effect.sync(() => ++runs),
        );
        const second = yield* idempotency.once(
          "live-key",
          Effect.sync(() => ++runs),
        );
        const failed = yield* Effect.exit(idempotency.once("live-fail", Effect.fail("nope" as const)));
        const retried = yield* idempotency.once(
          "live-fail",
          Effect.sync(() => ++runs),
        );
        return { first, second, failed: Exit.isFailure(failed), retried };
      }),
    );
    expect(result.first).toEqual({ status: "processed", value: 1 });
    expect(result.second).toEqual({ status: "duplicate" });
    expect(result.failed).toBe(true);
    expect(result.retried.status).toBe("processed");
  });

  test("claim is one conditional write: free or lapsed keys are taken, a live holder comes back", async () => {
    const now = Math.floor(Date.now() / 1000);
    const result = await run(
      Effect.gen(function* () {
        const store = yield* HotStore;
        const first = yield* store.claim("idempotency", { key: "claim-1", status: "in-progress", expires_at: now + 60 }, "expires_at", now);
        const taken = yield* store.claim("idempotency", { key: "claim-1", status: "in-progress", expires_at: now + 60 }, "expires_at", now);
        const lapsed = yield* store.claim("idempotency", { key: "claim-1", status: "in-progress", expires_at: now + 200 }, "expires_at", now + 61);
        return { first, taken, lapsed, stored: yield* store.get("idempotency", { key: "claim-1" }) };
      }),
    );
    expect(result.first).toEqual({ claimed: true });
    expect(result.taken.claimed).toBe(false);
    expect(result.taken.claimed === false && Option.getOrUndefined(result.taken.holder)).toMatchObject({ key: "claim-1", status: "in-progress", expires_at: now + 60 });
    expect(result.lapsed).toEqual({ claimed: true });
    expect(Option.getOrUndefined(result.stored)).toMatchObject({ expires_at: now + 200 });
  });

  test("a claim in progress is retried later (InProgress), never answered as a duplicate", async () => {
    const result = await run(
      Effect.gen(function* () {
        const store = yield* HotStore;
        yield* store.put("idempotency", { key: "held-live", status: "in-progress", expires_at: Math.floor(Date.now() / 1000) + 30 });
        const idempotency = yield* Idempotency;
        return yield* Effect.either(idempotency.once("held-live", Effect.succeed(1)));
      }),
    );
    expect(result._tag).toBe("Left");
    expect(result._tag === "Left" && result.left).toMatchObject({ _tag: "InProgress", key: "held-live" });
  });

  test("Secrets come from environment variables when SDP_SECRETS_SOURCE=env", async () => {
    const { Redacted } = await import("effect");
    const secret = await run(Effect.flatMap(Secrets, (secrets) => secrets.get("shopifyWebhook")));
    expect(Redacted.value(secret)).toBe(`rotated-secret-2026,${SECRET}`);
    expect(String(secret)).not.toContain("rotated");
  });
});

describe("Shopify programs on the live layers", () => {
  test("the orders processor stores raw in S3 and the enriched order in DynamoDB, once", async () => {
    const envelope = partnerEnvelope("orders/updated", fixture("order"), { webhookId: "live-wh-1" });
    await run(ordersProgram(envelope));
    await run(ordersProgram(envelope));
    const result = await run(
      Effect.gen(function* () {
        const objects = yield* ObjectStore;
        const store = yield* HotStore;
        return {
          raw: yield* objects.getText("raw/shopify/orders/dt=2026-03-01/live-wh-1.json"),
          order: yield* store.get("orders", { id: "gid://shopify/Order/5432109876543" }),
          byNumber: yield* store.query("orders", "by-order-number", "order_number", "1042"),
          recovered: yield* store.get("abandonedCarts", { token: "b3f1c0e9d8a7465f9e2d1c0b9a8f7e6d" }),
        };
      }),
    );
    expect(JSON.parse(Option.getOrThrow(result.raw))).toMatchObject({ order_number: 1042 });
    expect(Option.getOrThrow(result.order)).toMatchObject({ order_number: "1042", net_total: "134.85", line_count: 2, customer_id: "gid://shopify/Customer/7012345678901" });
    expect(result.byNumber).toHaveLength(1);
    expect(Option.getOrThrow(result.recovered)).toMatchObject({ status: "recovered", recovered_order_id: "gid://shopify/Order/5432109876543" });
  });

  test("the ingress verifies with the rotated secrets from the environment, stores raw and publishes", async () => {
    const accepted = await run(ingressProgram(shopifyRequest("orders/updated", fixtureText("order"), { webhookId: "live-https-1", secret: "rotated-secret-2026" })));
    const duplicate = await run(ingressProgram(shopifyRequest("orders/updated", fixtureText("order"), { webhookId: "live-https-1" })));
    const forged = await run(ingressProgram(shopifyRequest("orders/updated", fixtureText("order"), { webhookId: "live-https-2", secret: "forged" })));
    expect([accepted.statusCode, JSON.parse(accepted.body).status]).toEqual([200, "accepted"]);
    expect(JSON.parse(duplicate.body).status).toBe("duplicate");
    expect(forged.statusCode).toBe(401);
    expect(captured.events.filter((event) => (event.detail as { eventId: string }).eventId === "live-https-1")).toHaveLength(1);
    const raw = await run(Effect.flatMap(ObjectStore, (objects) => objects.getText("raw/shopify/orders/dt=2026-03-01/live-https-1.json")));
    expect(Option.getOrThrow(raw)).toBe(fixtureText("order"));
    const forgedRaw = await run(Effect.flatMap(ObjectStore, (objects) => objects.list("raw/shopify/orders/dt=2026-03-01/live-https-2")));
    expect(forgedRaw).toEqual([]);
  });

  test("metrics come out as CloudWatch EMF lines", async () => {
    const { Metrics } = await import("../../functions/kernel/services");
    await run(Effect.flatMap(Metrics, (metrics) => Effect.zipRight(metrics.count("StaleUpdate", 2, { table: "orders" }), metrics.flush)));
    const line = JSON.parse(captured.metrics.at(-1)!);
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "ShopifyDataPlatform", Dimensions: [["table"]], Metrics: [{ Name: "StaleUpdate", Unit: "Count" }] });
    expect(line).toMatchObject({ table: "orders", StaleUpdate: 2 });
  });

  test("a missing table is a defect (misconfiguration), an unreachable endpoint is Transient", async () => {
    const misconfigured = withConfig({ ...settings, [tableSpecs.charges.envVar]: "no-such-table" });
    const exit = await Effect.runPromiseExit(Effect.flatMap(HotStore, (store) => store.get("charges", { id: "x" })).pipe(Effect.provide(layer), misconfigured));
    expect(Exit.isFailure(exit) && exit.cause._tag).toBe("Die");
    expect(classifyAwsError("dynamodb", "GetItem", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })).kind).toBe("transient");
    expect(classifyAwsError("dynamodb", "PutItem", { name: "ProvisionedThroughputExceededException", $metadata: { httpStatusCode: 400 } }).kind).toBe("throttled");
    expect(classifyAwsError("s3", "PutObject", { name: "InternalError", $metadata: { httpStatusCode: 500 } }).kind).toBe("transient");
    expect(classifyAwsError("s3", "PutObject", { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }).kind).toBe("defect");
  });
});
