/**
 * `sdp dq` against the embedded platform's emulators: the lake is s3rver's directory and the
 * hot-store counts come from dynalite through the live HotStore (no in-memory stand-in).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { runDataQualityLocally } from "../../local/data-quality";
import { s3rverLake } from "../../etl/lake";
import { runEtl } from "../../etl/runner";
import { readAlerts } from "../../local/alerts";
import { emulatorClients, startEmulators, type Emulators } from "../../local/emulators";
import { putOrderEvent, shopifyOrder } from "../fixtures/lake/builder";

let dataDir: string;
let emulators: Emulators;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-dq-platform-"));
  emulators = await startEmulators({ dataDir });
  // What `sdp local` writes when it is ready; this process plays the running platform.
  fs.writeFileSync(
    path.join(dataDir, "platform.json"),
    JSON.stringify({
      ready: true,
      ingress: "http://127.0.0.1:0",
      region: emulators.region,
      credentials: emulators.credentials,
      endpoints: emulators.endpoints,
      bucket: emulators.bucket,
      tables: emulators.tables,
      dataDir,
      pid: process.pid,
    }),
  );
});
afterAll(async () => {
  await emulators.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("hot-store counts come from dynalite; raw orders without any hot-store row fail the check", async () => {
  const lake = s3rverLake(path.join(dataDir, "s3"), emulators.bucket);
  putOrderEvent(lake, "2026-05-02T10:00:00Z", shopifyOrder({ id: 1, number: 1, createdAt: "2026-05-02T09:00:00Z" }));
  await runEtl({ lake, date: "2026-05-02", full: true });

  const empty = await runDataQualityLocally(dataDir, "2026-05-02", { env: {} });
  const emptyOrders = empty.results.find((result) => result.check === "hot-store" && result.subject === "orders")!;
  expect(emptyOrders).toMatchObject({ status: "fail", severity: "error" });
  // The failed check is alerted once in the data dir's alert log, not again when dq re-runs.
  await runDataQualityLocally(dataDir, "2026-05-02", { env: {} });
  const alerts = readAlerts(path.join(dataDir, "alerts.jsonl"));
  expect(alerts.filter((alert) => alert.kind === "data-quality").map((alert) => alert.severity)).toEqual(["critical"]);

  const { dynamodb } = emulatorClients(emulators);
  await dynamodb.send(new PutItemCommand({ TableName: emulators.tables.orders, Item: { id: { S: "gid://shopify/Order/1" }, order_number: { S: "1" } } }));
  const report = await runDataQualityLocally(dataDir, "2026-05-02", { env: {} });
  expect(report.results.filter((result) => result.check === "hot-store").map((result) => [result.subject, result.status, result.details?.count])).toEqual([
    ["orders", "pass", 1],
    ["customers", "pass", 0],
    ["products", "pass", 0],
    ["subscriptions", "pass", 0],
    ["payments", "pass", 0],
  ]);
  expect(fs.existsSync(`${path.join(lake.root, report.resultKey)}._S3rver_object`)).toBe(true);
});

test("what the runner writes into s3rver's directory is served through the S3 API", async () => {
  const { s3 } = emulatorClients(emulators);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: emulators.bucket, Prefix: "processed/shopify/orders_enriched/" }));
  const keys = (listed.Contents ?? []).map((object) => object.Key);
  expect(keys).toEqual(["processed/shopify/orders_enriched/dt=2026-05-02/part-00000.parquet"]);
  const object = await s3.send(new GetObjectCommand({ Bucket: emulators.bucket, Key: keys[0]! }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  expect(bytes.subarray(0, 4).toString()).toBe("PAR1");
});
