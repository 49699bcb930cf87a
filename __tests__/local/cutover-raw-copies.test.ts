/**
 * A cutover: the same Shopify event (one X-Shopify-Event-Id) delivered through the HTTPS door
 * and through the partner bus, each delivery with its own X-Shopify-Webhook-Id. In AWS the
 * partner bus hands every delivery to the processor, which stores its raw copy under its webhook
 * id before it finds the event's effects done; `sdp local`'s `/events` door must do the same:
 * both raw copies kept, the business effects (hot-store write) once.
 */
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { startLocalPlatform, type LocalPlatform } from "../../local/platform";

jest.setTimeout(60_000);

const SHOP = "acme-store.myshopify.com";
const TIME = "2026-01-31T10:00:00Z";
const order = (id: string, total: string) =>
  `{"id":${id},"admin_graphql_api_id":"gid://shopify/Order/${id}","name":"#1001","order_number":1001,"email":"buyer@example.com",` +
  `"created_at":"${TIME}","updated_at":"${TIME}","processed_at":"${TIME}","currency":"EUR","presentment_currency":"EUR",` +
  `"financial_status":"paid","fulfillment_status":null,"cancelled_at":null,"cancel_reason":null,"total_price":"${total}",` +
  `"subtotal_price":"${total}","total_tax":"0.00","total_discounts":"0.00","line_items":[]}`;

const headers = (topic: string, webhookId: string, eventId: string) => ({
  "X-Shopify-Topic": topic,
  "X-Shopify-Webhook-Id": webhookId,
  "X-Shopify-Event-Id": eventId,
  "X-Shopify-Shop-Domain": SHOP,
  "X-Shopify-API-Version": "2026-01",
  "X-Shopify-Triggered-At": TIME,
});

const postHttps = async (ingress: string, topic: string, webhookId: string, eventId: string, body: string) => {
  const hmac = createHmac("sha256", LOCAL_DEFAULT_WEBHOOK_SECRET).update(body, "utf8").digest("base64");
  const response = await fetch(`${ingress}/webhooks/shopify`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": hmac, ...headers(topic, webhookId, eventId) },
    body,
  });
  return { status: response.status, body: (await response.json()) as { status?: string } };
};

const postPartner = async (ingress: string, topic: string, webhookId: string, eventId: string, payload: string) => {
  const head = {
    version: "0",
    id: `eb-${webhookId}`,
    "detail-type": "shopifyWebhook",
    source: "aws.partner/shopify.com/123456/acme-dev",
    account: "000000000000",
    time: TIME,
    region: "us-east-1",
    resources: [],
  };
  const body = `${JSON.stringify(head).slice(0, -1)},"detail":{"metadata":${JSON.stringify({ "Content-Type": "application/json", ...headers(topic, webhookId, eventId) })},"payload":${payload}}}`;
  const response = await fetch(`${ingress}/events`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  return { status: response.status, body: (await response.json()) as { status?: string } };
};

describe("sdp local: one event through the HTTPS door and the partner bus (a cutover)", () => {
  let dataDir: string;
  let platform: LocalPlatform;
  let s3: S3Client;
  const rawKeys = async (prefix: string) => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: platform.ready.bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-cutover-"));
    platform = await startLocalPlatform({ dataDir, port: 0, env: {}, backoffBaseMs: 5, backoffMaxMs: 20 });
    s3 = new S3Client({ region: platform.ready.region, endpoint: platform.ready.endpoints.s3, forcePathStyle: true, credentials: platform.ready.credentials });
  });
  afterAll(async () => {
    s3?.destroy();
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("HTTPS first, then the partner bus: both raw copies kept (one per webhook id), the effects once; the same delivery again is a duplicate", async () => {
    const body = order("5000000000000000801", "42.00");
    expect(await postHttps(platform.ready.ingress, "orders/create", "cut-https-1", "ev-cut-1", body)).toEqual({ status: 200, body: { status: "accepted" } });
    await platform.drain();
    const before = platform.counters().metrics;
    // The partner bus's delivery of the same event: a new delivery, so it is taken (AWS's bus has no door to refuse it).
    expect(await postPartner(platform.ready.ingress, "orders/create", "cut-bus-1", "ev-cut-1", body)).toEqual({ status: 200, body: { status: "accepted" } });
    await platform.drain();
    const raw = (await rawKeys("raw/shopify/orders/")).filter((key) => /\/cut-(https|bus)-1\.json$/.test(key));
    expect(raw.map((key) => path.basename(key)).sort()).toEqual(["cut-bus-1.json", "cut-https-1.json"]);
    const after = platform.counters().metrics;
    // The processor stored the raw copy and found the event's effects done: no second hot-store write.
    expect((after.DuplicateEvent ?? 0) - (before.DuplicateEvent ?? 0)).toBe(1);
    expect((after.EventProcessed ?? 0) - (before.EventProcessed ?? 0)).toBe(0);
    // Either copy again is a duplicate delivery, at its own door.
    expect((await postPartner(platform.ready.ingress, "orders/create", "cut-bus-1", "ev-cut-1", body)).body.status).toBe("duplicate");
    expect((await postHttps(platform.ready.ingress, "orders/create", "cut-https-1", "ev-cut-1", body)).body.status).toBe("duplicate");
    await platform.drain();
    expect((await rawKeys("raw/shopify/orders/")).filter((key) => /\/cut-(https|bus)-1\.json$/.test(key))).toHaveLength(2);
  });

  test("the partner bus first, then HTTPS: both raw copies kept, the effects once", async () => {
    const body = order("5000000000000000802", "43.00");
    expect((await postPartner(platform.ready.ingress, "orders/create", "cut-bus-2", "ev-cut-2", body)).body.status).toBe("accepted");
    await platform.drain();
    const before = platform.counters().metrics;
    expect((await postHttps(platform.ready.ingress, "orders/create", "cut-https-2", "ev-cut-2", body)).body.status).toBe("accepted");
    await platform.drain();
    const raw = (await rawKeys("raw/shopify/orders/")).filter((key) => /\/cut-(https|bus)-2\.json$/.test(key));
    expect(raw.map((key) => path.basename(key)).sort()).toEqual(["cut-bus-2.json", "cut-https-2.json"]);
    const after = platform.counters().metrics;
    expect((after.DuplicateEvent ?? 0) - (before.DuplicateEvent ?? 0)).toBe(1);
    expect((after.EventProcessed ?? 0) - (before.EventProcessed ?? 0)).toBe(0);
  });
});
