/**
 * Helpers for the local-platform integration tests: signed deliveries as Shopify sends them, and
 * AWS SDK clients pointed at the emulators from the ready info (what any user tool would do).
 */
import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient, GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { emulatorClients, startEmulators, type Emulators } from "../../local/emulators";
import type { ReadyInfo } from "../../local/platform";

export const tempDataDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sdp-${label}-`));

export const shopifySignature = (secret: string, body: string | Buffer) => createHmac("sha256", secret).update(body).digest("base64");

/** Recharge: hex SHA-256 of the client secret followed by the raw body. */
export const rechargeHash = (secret: string, body: string) => createHash("sha256").update(secret).update(body).digest("hex");

/** Stripe: t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">. */
export const stripeSignature = (secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)) =>
  `t=${timestampSeconds},v1=${createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex")}`;

export const fixtureText = (provider: "recharge" | "stripe", file: string) => fs.readFileSync(path.join(__dirname, "..", "fixtures", provider, file), "utf8");

export const postRaw = async (url: string, headers: Record<string, string>, body: string): Promise<Answer> =>
  answerOf(await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body }));

export interface Answer {
  readonly status: number;
  readonly body: { status?: string; error?: string } & Record<string, unknown>;
}

const answerOf = async (response: Response): Promise<Answer> => {
  const text = await response.text();
  let body: Answer["body"];
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  return { status: response.status, body };
};

export const postShopifyWebhook = async (
  ingress: string,
  options: { topic: string; webhookId: string; body: string; secret: string; signature?: string; headerCase?: "upper" | "lower" },
): Promise<Answer> => {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": options.topic,
    "X-Shopify-Webhook-Id": options.webhookId,
    "X-Shopify-Event-Id": `event-${options.webhookId}`,
    "X-Shopify-Shop-Domain": "acme-store.myshopify.com",
    "X-Shopify-API-Version": "2026-01",
    "X-Shopify-Triggered-At": "2026-01-31T10:00:00.000Z",
    "X-Shopify-Hmac-Sha256": options.signature ?? shopifySignature(options.secret, options.body),
  };
  const cased = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [options.headerCase === "upper" ? name.toUpperCase() : options.headerCase === "lower" ? name.toLowerCase() : name, value]),
  );
  return answerOf(await fetch(`${ingress}/webhooks/shopify`, { method: "POST", headers: cased, body: options.body }));
};

export const postEvent = async (ingress: string, body: string): Promise<Answer> =>
  answerOf(await fetch(`${ingress}/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body }));

/**
 * A partner-bus envelope as Shopify's EventBridge integration delivers it, as JSON text: the
 * payload is spliced in as text so ids beyond 2^53 keep every digit, as on the real bus.
 */
export const partnerEnvelope = (options: { id: string; topic: string; webhookId: string; payloadText: string; topicHeader?: string; time?: string }): string => {
  const metadata = {
    "Content-Type": "application/json",
    [options.topicHeader ?? "X-Shopify-Topic"]: options.topic,
    "X-Shopify-Webhook-Id": options.webhookId,
    "X-Shopify-Shop-Domain": "acme-store.myshopify.com",
    "X-Shopify-API-Version": "2026-01",
    "X-Shopify-Triggered-At": options.time ?? "2026-01-31T10:00:00.000Z",
    "X-Shopify-Event-Id": `event-${options.webhookId}`,
  };
  const head = JSON.stringify({
    version: "0",
    id: options.id,
    "detail-type": "shopifyWebhook",
    source: "aws.partner/shopify.com/123456/acme-dev",
    account: "000000000000",
    time: options.time ?? "2026-01-31T10:00:00Z",
    region: "us-east-1",
    resources: [],
  });
  return `${head.slice(0, -1)},"detail":{"metadata":${JSON.stringify(metadata)},"payload":${options.payloadText}}}`;
};

const orderNumberOf = (id: string) => 1000 + Number(id.slice(-4));

/** An orders/* payload with the fields Shopify sends (ids as raw JSON so they may exceed 2^53). */
export const orderPayload = (options: { id: string; updatedAt: string; tags?: string; totalPrice?: string; customerId?: string }) =>
  `{"id":${options.id},"admin_graphql_api_id":"gid://shopify/Order/${options.id}","name":"#${orderNumberOf(options.id)}","order_number":${orderNumberOf(options.id)},` +
  `"email":"buyer@example.com","created_at":"2026-01-31T09:00:00Z","updated_at":"${options.updatedAt}","processed_at":"2026-01-31T09:00:00Z",` +
  `"currency":"EUR","presentment_currency":"EUR","financial_status":"paid","fulfillment_status":null,"cancelled_at":null,"cancel_reason":null,` +
  `"total_price":"${options.totalPrice ?? "59.90"}","subtotal_price":"${options.totalPrice ?? "59.90"}","total_tax":"0.00","total_discounts":"0.00",` +
  `"current_total_price":"${options.totalPrice ?? "59.90"}","total_line_items_price":"${options.totalPrice ?? "59.90"}","tags":"${options.tags ?? ""}","source_name":"web",` +
  `"discount_codes":[],"discount_applications":[],"note_attributes":[],"shipping_lines":[],"refunds":[],"fulfillments":[],` +
  `"customer":{"id":${options.customerId ?? "7000000000001"},"admin_graphql_api_id":"gid://shopify/Customer/${options.customerId ?? "7000000000001"}","email":"buyer@example.com","first_name":"Ada","last_name":"Lovelace"},` +
  `"line_items":[{"id":1300000000001,"admin_graphql_api_id":"gid://shopify/LineItem/1300000000001","title":"Coffee beans","name":"Coffee beans","quantity":2,"price":"29.95",` +
  `"sku":"BEANS-1","product_id":8000000000001,"variant_id":9000000000001,"total_discount":"0.00","discount_allocations":[],"tax_lines":[]}]}`;

export const awsClients = (ready: ReadyInfo) => {
  const config = { region: ready.region, credentials: { ...ready.credentials } };
  const s3 = new S3Client({ ...config, endpoint: ready.endpoints.s3, forcePathStyle: true });
  const dynamo = new DynamoDBClient({ ...config, endpoint: ready.endpoints.dynamodb });
  return {
    s3,
    dynamo,
    listKeys: async (prefix: string) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: ready.bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    getText: async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: ready.bucket, Key: key }))).Body!.transformToString(),
    scan: async (table: string) => ((await dynamo.send(new ScanCommand({ TableName: ready.tables[table]! }))).Items ?? []).map((item) => unmarshall(item)),
    getItem: async (table: string, key: Record<string, string>) => {
      const { Item } = await dynamo.send(
        new GetItemCommand({ TableName: ready.tables[table]!, Key: Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }])) }),
      );
      return Item ? unmarshall(Item) : undefined;
    },
    destroy: () => {
      s3.destroy();
      dynamo.destroy();
    },
  };
};

/**
 * Emulators on a fresh data dir for a test file (started before all, stopped and removed after
 * all). Read the fields inside tests: they are set once beforeAll has run.
 */
export const emulatorsForTests = (label: string) => {
  const fixture = {} as { dataDir: string; emulators: Emulators; clients: ReturnType<typeof emulatorClients> };
  beforeAll(async () => {
    fixture.dataDir = tempDataDir(label);
    fixture.emulators = await startEmulators({ dataDir: fixture.dataDir });
    fixture.clients = emulatorClients(fixture.emulators);
  });
  afterAll(async () => {
    fixture.clients?.destroy();
    await fixture.emulators?.stop();
    if (fixture.dataDir) fs.rmSync(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
};
