/**
 * Helpers for the CLI tests: run a command in-process with captured output, and build a small
 * data dir the way the platform does (s3rver and dynalite write their real on-disk formats).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { runCli } from "../../cli/main";
import { DuckDBInstance } from "@duckdb/node-api";
import { startEmulators } from "../../local/emulators";
import { awsClients } from "../support";

export const tempDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sdp-${label}-`));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const collect = (stream: PassThrough) => {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString("utf8");
};

/** Runs `sdp <argv>` in this process, as a non-TTY (CI) would see it. */
export const runSdp = async (argv: ReadonlyArray<string>, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await runCli(argv, { stdout, stderr, env: { ...process.env, CI: "1", ...options.env }, cwd: options.cwd ?? process.cwd() });
  return { code, stdout: out(), stderr: err() };
};

export const FIXTURE_ORDER_ID = "gid://shopify/Order/5930100000001";

/**
 * A data dir holding: three raw events (two versions of one order, one Stripe charge), two
 * hot-store orders and one subscription, and one dead letter. Built through the emulators.
 */
/** The fixture data dir for a test file: built before all, removed after all (read `.dataDir` inside tests). */
export const fixtureDataDirForTests = () => {
  const fixture = {} as { dataDir: string };
  beforeAll(async () => {
    fixture.dataDir = await buildFixtureDataDir();
  });
  afterAll(() => {
    if (fixture.dataDir) fs.rmSync(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
};

export const buildFixtureDataDir = async (): Promise<string> => {
  const dataDir = tempDir("cli-fixture");
  const emulators = await startEmulators({ dataDir });
  const aws = awsClients(emulators);
  const { s3, dynamodb: dynamo } = aws;
  try {
    const order = (updatedAt: string, financial: string) =>
      JSON.stringify({
        id: 5930100000001,
        admin_graphql_api_id: FIXTURE_ORDER_ID,
        order_number: 1001,
        currency: "USD",
        updated_at: updatedAt,
        created_at: "2026-11-26T10:00:00Z",
        financial_status: financial,
        line_items: [
          { id: 1, admin_graphql_api_id: "gid://shopify/LineItem/1", product_id: 11, variant_id: 111, title: 'Beans, "dark"', quantity: 2, price: "16.50", total_discount: "0.00" },
          { id: 2, admin_graphql_api_id: "gid://shopify/LineItem/2", product_id: 12, variant_id: 121, title: "Mug", quantity: 1, price: "9.00", total_discount: "1.00" },
        ],
      });
    const put = (key: string, body: string, topic?: string) =>
      s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: key, Body: body, ContentType: "application/json", ...(topic ? { Metadata: { topic } } : {}) }));
    await put("raw/shopify/orders/dt=2026-11-26/w-1.json", order("2026-11-26T10:00:00Z", "pending"), "orders/create");
    await put("raw/shopify/orders/dt=2026-11-26/w-2.json", order("2026-11-26T10:01:00Z", "paid"), "orders/paid");
    await put(
      "raw/stripe/charge/dt=2026-11-26/evt_1.json",
      JSON.stringify({ id: "evt_1", type: "charge.succeeded", created: 1, data: { object: { id: "ch_1", object: "charge" } } }),
    );
    // A bulk export's line items: one for an order the webhooks also know (the webhook wins), one not.
    const parquet = path.join(dataDir, "line-items.parquet");
    const duck = await DuckDBInstance.create(":memory:");
    const connection = await duck.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES
        ('gid://shopify/LineItem/900', '${FIXTURE_ORDER_ID}', 'SKU-9', 'Old beans', 5::BIGINT, 'gid://shopify/ProductVariant/9', 'gid://shopify/Product/9', 1.2500::DECIMAL(20,4), 'USD', 0.0000::DECIMAL(20,4)),
        ('gid://shopify/LineItem/901', 'gid://shopify/Order/77', 'SKU-1', 'Kettle', 1::BIGINT, 'gid://shopify/ProductVariant/1', 'gid://shopify/Product/1', 40.1250::DECIMAL(20,4), 'USD', 0.0000::DECIMAL(20,4))
      ) t(id, order_id, sku, name, quantity, variant_id, product_id, unit_price, currency, total_discount)) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
    duck.closeSync();
    await s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: "snapshots/shopify/order_line_items/run=r1/part-00000.parquet", Body: fs.readFileSync(parquet) }));
    fs.rmSync(parquet);
    await dynamo.send(
      new PutItemCommand({
        TableName: emulators.tables.orders,
        Item: marshall({ id: FIXTURE_ORDER_ID, order_number: "1001", total_price: "42.00", updated_at: "2026-11-26T10:01:00Z" }),
      }),
    );
    await dynamo.send(
      new PutItemCommand({
        TableName: emulators.tables.orders,
        Item: marshall({ id: "gid://shopify/Order/2", order_number: "1002", total_price: "7.50", updated_at: "2026-11-26T11:00:00Z" }),
      }),
    );
    await dynamo.send(
      new PutItemCommand({ TableName: emulators.tables.subscriptions, Item: marshall({ id: "410000000", status: "cancelled", cancellation_reason: "too much, coffee" }) }),
    );
  } finally {
    aws.destroy();
    await emulators.stop();
  }
  fs.mkdirSync(path.join(dataDir, "dlq"), { recursive: true });
  fs.writeFileSync(path.join(dataDir, "dlq", "stripe.jsonl"), `${JSON.stringify({ queue: "stripe", reason: "InvalidPayload" })}\n`);
  return dataDir;
};
