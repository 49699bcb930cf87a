/**
 * ETL bench: builds orders_enriched over 1,000,000 orders on DuckDB, as `sdp etl --full` does.
 * Input (generated once under bench/.data/etl-lake/, reused while its marker matches): a bulk
 * snapshot of 1,000,000 orders and 2,500,000 line items as Parquet (the converter's column types),
 * plus 20,000 raw webhook bodies (updates of snapshot orders, new orders, deletes) as JSON files.
 * Reports the full rebuild time (goal: under 20 s on this 2-core machine), an incremental run for
 * the last day, and peak RSS.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { openEngine, sqlString } from "../etl/duckdb-engine";
import { plainLake } from "../etl/lake";
import { runEtl } from "../etl/runner";
import { rawEventKey } from "../contracts/lake-layout";

const GOAL_SECONDS = 20;
// SDP_BENCH_ETL_ORDERS scales the input down for a quick try; the goal is for 1,000,000.
const ORDERS = Number(process.env.SDP_BENCH_ETL_ORDERS ?? 1_000_000);
const LINE_ITEMS = Math.round(ORDERS * 2.5);
const RAW_EVENTS = Math.round(ORDERS / 50);
const MARKER = `v1 orders=${ORDERS} line_items=${LINE_ITEMS} raw=${RAW_EVENTS}`;
const lakeDir = path.join(__dirname, ".data", "etl-lake");
const markerFile = path.join(lakeDir, "GENERATED");
const RUN_ID = "bench-run";

const generate = async () => {
  fs.rmSync(lakeDir, { recursive: true, force: true });
  const lake = plainLake(lakeDir);
  const started = Date.now();
  const engine = await openEngine({ threads: 2 });
  try {
    const ordersDir = lake.pathOf(`snapshots/shopify/orders/run=${RUN_ID}`);
    const itemsDir = lake.pathOf(`snapshots/shopify/order_line_items/run=${RUN_ID}`);
    fs.mkdirSync(ordersDir, { recursive: true });
    fs.mkdirSync(itemsDir, { recursive: true });
    // One order a minute from 2024-01-01; 200,000 customers; money with cents, as DECIMAL(20,4).
    await engine.run(`COPY (
      SELECT
        'gid://shopify/Order/' || CAST(i AS VARCHAR) AS id,
        CAST(i AS VARCHAR) AS legacy_resource_id,
        '#' || CAST(1000 + i AS VARCHAR) AS name,
        'gid://shopify/Customer/' || CAST(i % 200000 AS VARCHAR) AS customer_id,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(i) AS created_at,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(i) + to_hours(1) AS updated_at,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(i) AS processed_at,
        CAST(NULL AS TIMESTAMPTZ) AS cancelled_at,
        'PAID' AS financial_status,
        CASE WHEN i % 3 = 0 THEN 'UNFULFILLED' ELSE 'FULFILLED' END AS fulfillment_status,
        'USD' AS currency,
        CASE WHEN i % 5 = 0 THEN 'Subscription Recurring Order' ELSE 'web' END AS tags,
        CAST((i % 9000) / 100 + 10 AS DECIMAL(20,4)) AS subtotal_price,
        CAST((i % 7) AS DECIMAL(20,4)) AS total_discounts,
        CAST((i % 9000) / 100 + 15 AS DECIMAL(20,4)) AS total_price,
        CAST(2.5 AS DECIMAL(20,4)) AS total_tax
      FROM range(${ORDERS}) t(i)
    ) TO ${sqlString(path.join(ordersDir, "part-0.parquet"))} (FORMAT parquet, COMPRESSION zstd)`);
    await engine.run(`COPY (
      SELECT
        'gid://shopify/LineItem/' || CAST(j AS VARCHAR) AS id,
        'gid://shopify/Order/' || CAST(j * 2 // 5 AS VARCHAR) AS order_id,
        1 + j % 3 AS quantity,
        CAST(9.99 AS DECIMAL(20,4)) AS unit_price
      FROM range(${LINE_ITEMS}) t(j)
    ) TO ${sqlString(path.join(itemsDir, "part-0.parquet"))} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    engine.close();
  }
  // Webhooks over the last 10 days: updates of recent bulk orders, new orders, a few deletes.
  const lastCreated = Date.parse("2024-01-01T00:00:00Z") + (ORDERS - 1) * 60_000;
  for (let n = 0; n < RAW_EVENTS; n += 1) {
    const receivedAt = new Date(lastCreated + (n % 10) * 86_400_000);
    const kind = n % 20 === 0 ? "delete" : n % 2 === 0 ? "update" : "create";
    const id = kind === "create" ? ORDERS + n : ORDERS - 1 - n;
    const key = rawEventKey("shopify", "orders", receivedAt, `bench-${n}`);
    const createdAt = kind === "create" ? receivedAt.toISOString() : new Date(Date.parse("2024-01-01T00:00:00Z") + id * 60_000).toISOString();
    const body =
      kind === "delete"
        ? { id }
        : {
            id,
            admin_graphql_api_id: `gid://shopify/Order/${id}`,
            order_number: 1000 + id,
            name: `#${1000 + id}`,
            created_at: createdAt,
            updated_at: receivedAt.toISOString(),
            processed_at: createdAt,
            currency: "USD",
            total_line_items_price: "42.50",
            total_discounts: "2.50",
            total_price: "45.00",
            total_tax: "5.00",
            financial_status: "paid",
            fulfillment_status: n % 3 === 0 ? "fulfilled" : null,
            source_name: "web",
            tags: "",
            customer: { id: id % 200000, admin_graphql_api_id: `gid://shopify/Customer/${id % 200000}` },
            payment_gateway_names: ["stripe"],
            line_items: [
              { id: id * 10, quantity: 2, price: "12.50" },
              { id: id * 10 + 1, quantity: 1, price: "17.50" },
            ],
            refunds: n % 7 === 0 ? [{ transactions: [{ kind: "refund", status: "success", amount: "5.00" }] }] : [],
            fulfillments: n % 3 === 0 ? [{ created_at: new Date(receivedAt.getTime() + 3_600_000).toISOString() }] : [],
          };
    lake.write(key, JSON.stringify(body));
  }
  fs.writeFileSync(markerFile, MARKER);
  return (Date.now() - started) / 1000;
};

const main = async () => {
  const reuse = fs.existsSync(markerFile) && fs.readFileSync(markerFile, "utf8") === MARKER;
  const generatedIn = reuse ? undefined : await generate();
  const lake = plainLake(lakeDir);
  const lastDay = lake
    .list("raw/shopify/orders/")
    .map((key) => /dt=(\d{4}-\d{2}-\d{2})/.exec(key)![1]!)
    .sort()
    .at(-1)!;

  const full = await runEtl({ lake, date: lastDay, full: true });
  const incremental = await runEtl({ lake, date: lastDay });
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const seconds = full.durationMs / 1000;

  console.log(generatedIn === undefined ? `input: reused ${lakeDir}` : `input: generated in ${generatedIn.toFixed(1)} s under ${lakeDir}`);
  console.log(`input: ${ORDERS.toLocaleString("en-US")} bulk orders, ${LINE_ITEMS.toLocaleString("en-US")} line items, ${RAW_EVENTS.toLocaleString("en-US")} raw webhook bodies`);
  console.log(
    `orders_enriched full rebuild: ${seconds.toFixed(2)} s for ${full.orders.toLocaleString("en-US")} orders in ${full.partitionsWritten.length} partitions (goal < ${GOAL_SECONDS} s) ${seconds < GOAL_SECONDS ? "OK" : "MISSED"}`,
  );
  console.log(`orders_enriched incremental (${lastDay}): ${(incremental.durationMs / 1000).toFixed(2)} s, ${incremental.partitionsWritten.length} partition(s) rewritten`);
  console.log(
    `views: ${Object.entries(full.views)
      .map(([name, rows]) => `${name}=${rows}`)
      .join(", ")}`,
  );
  console.log(`peak RSS: ${peakRssMb} MB`);
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
