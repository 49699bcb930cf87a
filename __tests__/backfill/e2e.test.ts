/**
 * End to end: `sdp backfill --env local` runs the workflow definition with aws-local-stepfunctions
 * against the Shopify stand-in, with the live kernel layers on dynalite and s3rver (port 0). The
 * Parquet is then fetched back from s3rver and read with DuckDB (a second reader) and compared
 * row by row with the JSONL the stand-in served.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { runCli } from "../../cli/main";
import { reconciliationManifestKey } from "../../contracts/lake-layout";
import { bulkLines, startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";
import { startEmulators, type Emulators } from "../../local/emulators";

let dataDir: string;
let standin: ShopifyStandin;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-backfill-e2e-"));
  standin = await startShopifyStandin({ perDay: 6, seed: 7 });
});
afterAll(async () => {
  await standin.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const capture = () => {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { stream, text: () => text };
};

test("sdp backfill --env local exports to s3rver, and the Parquet matches the source JSONL row for row", async () => {
  const stdout = capture();
  const stderr = capture();
  const env = { ...process.env, SHOPIFY_GRAPHQL_ENDPOINT: standin.url, SHOPIFY_ADMIN_TOKEN: standin.token, SHOPIFY_SHOP_DOMAIN: standin.shop };
  const code = await runCli(
    [
      "backfill",
      "--env",
      "local",
      "--objects",
      "orders,products",
      "--since",
      "2026-05-01",
      "--until",
      "2026-05-10",
      "--data-dir",
      dataDir,
      "--run-id",
      "e2e-run",
      "--poll-interval",
      "0.05",
      "--json",
    ],
    { stdout: stdout.stream, stderr: stderr.stream, env, cwd: process.cwd() },
  );
  expect(stderr.text()).toBe("");
  expect(code).toBe(0);
  const result = JSON.parse(stdout.text());
  expect(result).toMatchObject({ status: "SUCCEEDED", output: { succeeded: 2, failed: 0 } });

  // Read the lake back through the S3 API of a fresh s3rver on the same data dir.
  const emulators: Emulators = await startEmulators({ dataDir });
  const s3 = new S3Client({ region: emulators.region, endpoint: emulators.endpoints.s3, forcePathStyle: true, credentials: emulators.credentials });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-backfill-e2e-read-"));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const fetchTo = async (key: string) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: emulators.bucket, Key: key }));
      const file = path.join(work, key.replace(/[/=]/g, "_"));
      fs.writeFileSync(file, await object.Body!.transformToByteArray());
      return file;
    };
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: emulators.bucket, Prefix: "snapshots/shopify/" }));
    const keys = (listed.Contents ?? []).map((item) => item.Key!).sort();
    expect(keys).toEqual([
      "snapshots/shopify/order_line_items/run=e2e-run/part-00000.parquet",
      "snapshots/shopify/orders/run=e2e-run/part-00000.parquet",
      "snapshots/shopify/product_variants/run=e2e-run/part-00000.parquet",
      "snapshots/shopify/products/run=e2e-run/part-00000.parquet",
    ]);
    const manifest = JSON.parse(
      Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: emulators.bucket, Key: reconciliationManifestKey("e2e-run") }))).Body!.transformToByteArray()).toString(
        "utf8",
      ),
    );
    expect(manifest.objects.map((object: { object: string; countCheck: string }) => [object.object, object.countCheck])).toEqual([
      ["orders", "match"],
      ["products", "match"],
    ]);

    const source = (object: "orders" | "products") =>
      [...bulkLines(object, { since: "2026-05-01T00:00:00Z", until: "2026-05-11T00:00:00Z", seed: 7, perDay: 6 })].map((line) => JSON.parse(line) as Record<string, any>);
    const read = async (key: string, columns: string) =>
      (await connection.runAndReadAll(`SELECT ${columns} FROM read_parquet('${await fetchTo(key)}') ORDER BY id`)).getRowObjectsJson() as Array<Record<string, unknown>>;
    const byId = (rows: Array<Record<string, any>>) => rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));

    const orders = source("orders").filter((line) => !line.__parentId);
    const lineItems = source("orders").filter((line) => line.__parentId);
    const parquetOrders = await read(
      "snapshots/shopify/orders/run=e2e-run/part-00000.parquet",
      "id, legacy_resource_id, name, email, customer_id, currency, total_price::VARCHAR AS total_price, updated_at",
    );
    expect(parquetOrders).toHaveLength(orders.length);
    expect(parquetOrders.map((row) => [row.id, row.legacy_resource_id, row.name, row.email, row.customer_id, row.currency, Number(row.total_price)])).toEqual(
      byId(orders).map((order) => [
        order.id,
        order.legacyResourceId,
        order.name,
        order.email ?? null,
        order.customer?.id ?? null,
        order.currencyCode,
        Number(order.totalPriceSet.shopMoney.amount),
      ]),
    );
    const parquetItems = await read("snapshots/shopify/order_line_items/run=e2e-run/part-00000.parquet", "id, order_id, name, sku, quantity, unit_price::VARCHAR AS unit_price");
    expect(parquetItems.map((row) => [row.id, row.order_id, row.name, row.sku, Number(row.quantity), Number(row.unit_price)])).toEqual(
      byId(lineItems).map((item) => [item.id, item.__parentId, item.name, item.sku ?? null, item.quantity, Number(item.originalUnitPriceSet.shopMoney.amount)]),
    );
    const variants = source("products").filter((line) => line.__parentId);
    const parquetVariants = await read("snapshots/shopify/product_variants/run=e2e-run/part-00000.parquet", "id, product_id, legacy_resource_id, price::VARCHAR AS price");
    expect(parquetVariants.map((row) => [row.id, row.product_id, row.legacy_resource_id, Number(row.price)])).toEqual(
      byId(variants).map((variant) => [variant.id, variant.__parentId, variant.legacyResourceId, Number(variant.price)]),
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
    s3.destroy();
    await emulators.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
