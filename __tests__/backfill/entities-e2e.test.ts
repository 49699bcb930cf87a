/**
 * End to end for the entities of issue 16: `sdp backfill --env local` exports every new object
 * (metafields named as the entity, standing for its three objects) through the workflow against
 * the stand-in, on s3rver and dynalite. The ten bulk operations run side by side within the
 * shop's lease of five; each manifest's count equals Shopify's objectCount, which equals the lines
 * the stand-in's dataset holds; the three metafield objects write one dataset without clobbering.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { ListObjectsV2Command, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { runCli } from "../../cli/main";
import { entitiesOfObject, type BulkObject } from "../../contracts/bulk-entities";
import { reconciliationManifestKey, reconciliationObjectKey } from "../../contracts/lake-layout";
import { startEmulators } from "../../local/emulators";
import { bulkLines, countLines, startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";

let dataDir: string;
let standin: ShopifyStandin;
const dataset = { since: "2026-04-01T00:00:00Z", until: "2026-04-06T00:00:00Z", seed: 7, perDay: 6 };
const objects: BulkObject[] = [
  "refunds",
  "order_transactions",
  "fulfillment_orders",
  "inventory_items",
  "locations",
  "discounts",
  "order_metafields",
  "customer_metafields",
  "product_metafields",
  "draft_orders",
];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-entities-e2e-"));
  standin = await startShopifyStandin({ perDay: dataset.perDay, seed: dataset.seed });
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

test("every new object is exported concurrently within the lease of 5, and each reconciles with objectCount", async () => {
  const stdout = capture();
  const stderr = capture();
  const env = { ...process.env, SHOPIFY_GRAPHQL_ENDPOINT: standin.url, SHOPIFY_ADMIN_TOKEN: standin.token, SHOPIFY_SHOP_DOMAIN: standin.shop };
  const argv = ["backfill", "--env", "local", "--objects", "refunds,order_transactions,fulfillment_orders,inventory_items,locations,discounts,metafields,draft_orders"];
  const code = await runCli([...argv, "--since", "2026-04-01", "--until", "2026-04-05", "--data-dir", dataDir, "--run-id", "entities-run", "--poll-interval", "0.05", "--json"], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
    cwd: process.cwd(),
  });
  expect(stderr.text()).toBe("");
  expect(code).toBe(0);
  expect(JSON.parse(stdout.text())).toMatchObject({ status: "SUCCEEDED", output: { succeeded: objects.length, failed: 0 } });
  // Ten operations, never more than Shopify's five at once for the shop, and more than one at a time.
  expect(standin.operations.size).toBe(objects.length);
  expect(standin.maxRunning()).toBeGreaterThan(1);
  expect(standin.maxRunning()).toBeLessThanOrEqual(5);

  const emulators = await startEmulators({ dataDir });
  const s3 = new S3Client({ region: emulators.region, endpoint: emulators.endpoints.s3, forcePathStyle: true, credentials: emulators.credentials });
  const read = async (key: string) =>
    JSON.parse(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: emulators.bucket, Key: key }))).Body!.transformToByteArray()).toString("utf8"));
  try {
    const run = await read(reconciliationManifestKey("entities-run"));
    expect(run.objects.map((object: { object: string; countCheck: string }) => [object.object, object.countCheck]).sort()).toEqual(
      objects.map((object) => [object, "match"]).sort(),
    );
    for (const object of objects) {
      const manifest = await read(reconciliationObjectKey("entities-run", object));
      // Independently of the pipeline: the lines the stand-in's dataset holds for the range.
      const expected = countLines(bulkLines(object, dataset)).objectCount;
      expect({ object, objectCount: manifest.objectCount, totalRows: manifest.totalRows }).toEqual({ object, objectCount: expected, totalRows: expected });
      expect(manifest.entities.map((entity: { entity: string }) => entity.entity)).toEqual([...entitiesOfObject(object)]);
      for (const entity of manifest.entities) expect(entity.rows).toBeGreaterThan(0);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: emulators.bucket, Prefix: "snapshots/shopify/metafields/" }));
    expect((listed.Contents ?? []).map((item) => item.Key!).sort()).toEqual([
      "snapshots/shopify/metafields/run=entities-run/customer_metafields-part-00000.parquet",
      "snapshots/shopify/metafields/run=entities-run/order_metafields-part-00000.parquet",
      "snapshots/shopify/metafields/run=entities-run/product_metafields-part-00000.parquet",
    ]);
  } finally {
    s3.destroy();
    await emulators.stop();
  }
});
