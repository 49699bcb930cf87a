/**
 * The emulators with the real AWS SDK: tables and bucket from contracts/, persistence across a
 * restart on the same data dir, and the TTL sweep dynalite lacks.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { loadEnvironment } from "../../config/environments";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { lakeBucketName, tableName } from "../../contracts/naming";
import { tableKeys, tableSpecs } from "../../contracts/tables";
import { startEmulators, type Emulators } from "../../local/emulators";
import { applyEnvironment, localEnvironment } from "../../local/environment";
import { sweepExpiredItems } from "../../local/ttl";
import { awsClients } from "../support";

let dataDir: string;
let emulators: Emulators | undefined;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-emulators-"));
});
afterEach(async () => {
  await emulators?.stop();
  emulators = undefined;
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("startEmulators", () => {
  it("creates every table of contracts/tables.ts with its keys and GSIs, and the lake bucket, then keeps data across a restart", async () => {
    const local = loadEnvironment("local");
    emulators = await startEmulators({ dataDir });
    expect(emulators.bucket).toBe(lakeBucketName(local.brand, local.accountId, "local"));
    expect(emulators.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { dynamodb: dynamo, s3 } = awsClients(emulators);
    for (const key of tableKeys) {
      const spec = tableSpecs[key];
      expect(emulators.tables[key]).toBe(tableName(local.brand, "local", spec.logicalName));
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: emulators.tables[key] }));
      expect(Table?.TableStatus).toBe("ACTIVE");
      const keySchema = Table?.KeySchema?.map((element) => `${element.AttributeName}:${element.KeyType}`);
      expect(keySchema).toEqual([`${spec.partitionKey.name}:HASH`, ...("sortKey" in spec ? [`${spec.sortKey.name}:RANGE`] : [])]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName,
        keys: index.KeySchema?.map((element) => `${element.AttributeName}:${element.KeyType}`),
      }));
      expect(indexes.sort((a, b) => a.name!.localeCompare(b.name!))).toEqual(
        spec.globalSecondaryIndexes
          .map((index) => ({
            name: index.name,
            keys: [`${index.partitionKey.name}:HASH`, ...("sortKey" in index && index.sortKey ? [`${index.sortKey.name}:RANGE`] : [])],
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: "raw/shopify/orders/dt=2026-01-01/w-1.json", Body: '{"id":1}' }));
    await dynamo.send(new PutItemCommand({ TableName: emulators.tables.orders, Item: { id: { S: "gid://shopify/Order/1" }, total: { S: "10.00" } } }));
    dynamo.destroy();
    s3.destroy();
    await emulators.stop();

    // Same data dir, new ports: tables are not re-created over the data, which is still there.
    emulators = await startEmulators({ dataDir });
    const again = awsClients(emulators);
    const object = await again.s3.send(new GetObjectCommand({ Bucket: emulators.bucket, Key: "raw/shopify/orders/dt=2026-01-01/w-1.json" }));
    expect(await object.Body?.transformToString()).toBe('{"id":1}');
    const item = await again.dynamodb.send(new GetItemCommand({ TableName: emulators.tables.orders, Key: { id: { S: "gid://shopify/Order/1" } } }));
    expect(item.Item?.total).toEqual({ S: "10.00" });
    again.dynamodb.destroy();
    again.s3.destroy();
  });

  it("builds the process environment the live layers read", async () => {
    emulators = await startEmulators({ dataDir });
    const variables = localEnvironment(emulators, { STRIPE_WEBHOOK_SECRET: "whsec_a,whsec_b", RECHARGE_WEBHOOK_SECRET: "  " });
    expect(variables).toMatchObject({
      AWS_ENDPOINT_URL_S3: emulators.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
      AWS_REGION: "us-east-1",
      SDP_LAKE_BUCKET: emulators.bucket,
      SDP_SECRETS_SOURCE: "env",
      SDP_ENV: "local",
      SHOPIFY_WEBHOOK_SECRET: LOCAL_DEFAULT_WEBHOOK_SECRET,
      RECHARGE_WEBHOOK_SECRET: LOCAL_DEFAULT_WEBHOOK_SECRET,
      STRIPE_WEBHOOK_SECRET: "whsec_a,whsec_b",
    });
    for (const key of tableKeys) expect(variables[tableSpecs[key].envVar]).toBe(emulators.tables[key]);

    const target: NodeJS.ProcessEnv = { SDP_ENV: "dev" };
    const restore = applyEnvironment(variables, target);
    expect(target.SDP_ENV).toBe("local");
    restore();
    expect(target).toEqual({ SDP_ENV: "dev" });
  });

  it("sweeps items whose TTL passed and leaves the rest, like DynamoDB TTL", async () => {
    emulators = await startEmulators({ dataDir });
    const { dynamodb: dynamo } = awsClients(emulators);
    const now = 1_800_000_000;
    const put = (token: string, expires?: { N: string } | { S: string }) =>
      dynamo.send(new PutItemCommand({ TableName: emulators!.tables.abandonedCarts, Item: { token: { S: token }, ...(expires ? { expires_at: expires } : {}) } }));
    await put("expired", { N: String(now - 1) });
    await put("fresh", { N: String(now + 3600) });
    await put("no-ttl");
    await put("string-ttl", { S: "0" });
    await dynamo.send(new PutItemCommand({ TableName: emulators.tables.leases, Item: { shop: { S: "s" }, slot: { S: "1" }, expires_at: { N: String(now - 10) } } }));

    const deleted = await sweepExpiredItems(
      { region: emulators.region, endpoint: emulators.endpoints.dynamodb, credentials: emulators.credentials, tables: emulators.tables },
      now,
    );
    expect(deleted).toEqual({ abandonedCarts: 1, leases: 1 });
    const exists = async (token: string) =>
      (await dynamo.send(new GetItemCommand({ TableName: emulators!.tables.abandonedCarts, Key: { token: { S: token } } }))).Item !== undefined;
    expect(await exists("expired")).toBe(false);
    expect(await exists("fresh")).toBe(true);
    expect(await exists("no-ttl")).toBe(true);
    expect(await exists("string-ttl")).toBe(true);
    dynamo.destroy();
  });
});
