/**
 * Revenue that finance can trust: orders_enriched's refund, net-sales and payment columns, the
 * order_refunds fact and the daily_sales view, on a small shop (../fixtures/revenue/shop.ts) whose
 * measures are worked out by hand below. Shop currency USD; every measure is shop money, so order B,
 * paid in EUR, counts in USD.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LakeDir } from "../../etl/lake";
import { readParquetRows, runEtl } from "../../etl/runner";
import { lakesRemovedAfterAll } from "../fixtures/lake/builder";
import { A, B, C, D, orderBody, putOrder, putRefund, putSnapshot, putTransaction, refundBody, refundR5, transaction, writeShop } from "../fixtures/revenue/shop";

type Row = Record<string, unknown>;

const freshLake = lakesRemovedAfterAll();

const gid = (id: number) => `gid://shopify/Order/${id}`;
const ordersOf = async (lake: LakeDir) => new Map((await readParquetRows(lake, "processed/shopify/orders_enriched/dt=*/*.parquet")).map((row) => [row.order_id, row] as const));
const viewRows = async (lake: LakeDir, view: string, order: string) => [...(await readParquetRows(lake, `curated/${view}/*.parquet`, `SELECT * FROM t ORDER BY ${order}`))];
// Counts are BIGINT (read back as text); money DECIMAL(20,4) text.
const salesColumns = (row: Row) => [
  row.dt,
  row.currency,
  Number(row.orders),
  Number(row.refunds),
  row.gross_sales,
  row.discounts,
  row.returns,
  row.net_sales,
  row.shipping,
  row.taxes,
  row.total_sales,
];

describe("revenue: a small shop with partial, later-day, amount-only and bulk-only refunds", () => {
  let lake: LakeDir;
  beforeAll(async () => {
    lake = freshLake();
    await writeShop(lake);
    await runEtl({ lake, date: "2026-03-05", full: true });
  }, 60_000);

  test("orders_enriched: returns, net sales, refunds and the payment columns of each order", async () => {
    const orders = await ordersOf(lake);
    // A: gross 2 x 25.00 + 40.00 = 90.00; discounts 9.00; R1 returns one coffee: 22.50 (25.00 less
    // its 10% discount share), tax 2.25, money back 24.75.
    // net_sales = 90.00 - 9.00 - 22.50 = 58.50; net_amount = 90.00 - 9.00 - 24.75 = 56.25.
    // Paid by a 94.10 shopify_payments sale; 24.75 of 94.10 refunded: partially_refunded.
    expect(orders.get(gid(A))).toMatchObject({
      currency: "USD",
      gross_amount: "90.0000",
      discount_amount: "9.0000",
      shipping_amount: "5.0000",
      tax_amount: "8.1000",
      total_price: "94.1000",
      returns_amount: "22.5000",
      refunded_shipping_amount: "0.0000",
      refunded_tax_amount: "2.2500",
      refund_amount: "24.7500",
      net_sales: "58.5000",
      net_amount: "56.2500",
      refund_count: 1,
      last_refunded_at: "2026-03-05 16:00:00",
      payment_status: "partially_refunded",
      payment_gateway: "shopify_payments",
      payment_currency: "USD",
      captured_amount: "94.1000",
      is_test: false,
      dt: "2026-03-02",
    });
    // B, in shop money (USD) though paid in EUR: gross 110.00, shipping 11.00, no tax.
    // R2 returns no goods: the shipping line 11.00 and a refund_discrepancy of -22.00 (20.00 EUR
    // goodwill). returns = 0 - (-22.00) = 22.00; refunded shipping 11.00; tax 0.
    // net_sales = 110.00 - 0 - 22.00 = 88.00. The refund transactions are EUR: refund_amount 30.00
    // (EUR), and net_amount = 110.00 - 0 - 30.00 = 80.00 mixes currencies, which is why net_sales exists.
    // Payment: authorization then capture of 110.00 EUR via stripe, 30.00 refunded: partially_refunded.
    expect(orders.get(gid(B))).toMatchObject({
      currency: "USD",
      gross_amount: "110.0000",
      shipping_amount: "11.0000",
      total_price: "121.0000",
      returns_amount: "22.0000",
      refunded_shipping_amount: "11.0000",
      refunded_tax_amount: "0.0000",
      refund_amount: "30.0000",
      net_sales: "88.0000",
      refund_count: 1,
      payment_status: "partially_refunded",
      payment_gateway: "stripe",
      payment_currency: "EUR",
      captured_amount: "110.0000",
      dt: "2026-03-02",
    });
    // C: 30.00 + 3.00 tax, paid by a paypal sale known only from order_transactions/create,
    // refunded in full (R3, bulk only): returns 30.00, tax 3.00, 33.00 back; net_sales 0.
    expect(orders.get(gid(C))).toMatchObject({
      gross_amount: "30.0000",
      tax_amount: "3.0000",
      returns_amount: "30.0000",
      refunded_tax_amount: "3.0000",
      refund_amount: "33.0000",
      net_sales: "0.0000",
      payment_status: "refunded",
      payment_gateway: "paypal",
      captured_amount: "33.0000",
      dt: "2026-03-03",
    });
    expect(orders.get(gid(D))).toMatchObject({ is_test: true, refund_count: 0, returns_amount: "0.0000", net_sales: "500.0000", payment_status: "paid", payment_gateway: "bogus" });
  });

  test("order_refunds: one row per refund, on the day of the refund, whichever sources carried it", async () => {
    const rows = await viewRows(lake, "order_refunds", "refund_id");
    // R1 and R2 each came twice (refunds/create and the orders/updated body): once each here.
    expect(
      rows.map((row) => [
        row.refund_id,
        row.order_id,
        row.order_dt,
        row.dt,
        row.returns_amount,
        row.refunded_shipping_amount,
        row.refunded_tax_amount,
        row.refund_total,
        row.record_source,
      ]),
    ).toEqual([
      // 22.50 + 0 + 2.25 = 24.75, three days after its order.
      ["gid://shopify/Refund/7001", gid(A), "2026-03-02", "2026-03-05", "22.5000", "0.0000", "2.2500", "24.7500", "refund_webhook"],
      // 22.00 + 11.00 + 0 = 33.00 USD (the 30.00 EUR refunded at the order's rate).
      ["gid://shopify/Refund/7002", gid(B), "2026-03-02", "2026-03-03", "22.0000", "11.0000", "0.0000", "33.0000", "refund_webhook"],
      // 30.00 + 0 + 3.00 = 33.00, from the bulk run only.
      ["gid://shopify/Refund/7003", gid(C), "2026-03-03", "2026-03-04", "30.0000", "0.0000", "3.0000", "33.0000", "bulk"],
    ]);
    expect(rows.find((row) => row.refund_id === "gid://shopify/Refund/7002")).toMatchObject({ currency: "USD", refunded_amount: "30.0000", payment_currency: "EUR" });
  });

  test("daily_sales: Shopify's measures by day, returns on the day of the refund, test orders left out", async () => {
    const rows = await viewRows(lake, "daily_sales", "dt, currency");
    expect(rows.map(salesColumns)).toEqual([
      // 2026-03-02: orders A and B.
      //   gross 90.00 + 110.00 = 200.00; discounts 9.00; returns 0; net 200.00 - 9.00 = 191.00;
      //   shipping 5.00 + 11.00 = 16.00; taxes 8.10; total 191.00 + 16.00 + 8.10 = 215.10
      //   (= A's total_price 94.10 + B's 121.00).
      ["2026-03-02", "USD", 2, 0, "200.0000", "9.0000", "0.0000", "191.0000", "16.0000", "8.1000", "215.1000"],
      // 2026-03-03: order C (order D is a test order) and refund R2 of order B.
      //   gross 30.00; discounts 0; returns 22.00 (R2's discrepancy); net 30.00 - 22.00 = 8.00;
      //   shipping 0 - 11.00 = -11.00; taxes 3.00 - 0 = 3.00; total 8.00 - 11.00 + 3.00 = 0.00.
      ["2026-03-03", "USD", 1, 1, "30.0000", "0.0000", "22.0000", "8.0000", "-11.0000", "3.0000", "0.0000"],
      // 2026-03-04: refund R3 of order C: returns 30.00, net -30.00, taxes -3.00, total -33.00.
      ["2026-03-04", "USD", 0, 1, "0.0000", "0.0000", "30.0000", "-30.0000", "0.0000", "-3.0000", "-33.0000"],
      // 2026-03-05: refund R1 of order A: returns 22.50, net -22.50, taxes -2.25, total -24.75.
      ["2026-03-05", "USD", 0, 1, "0.0000", "0.0000", "22.5000", "-22.5000", "0.0000", "-2.2500", "-24.7500"],
    ]);
    // Over the period: charged 94.10 + 121.00 + 33.00 = 248.10, refunded in shop money
    // 24.75 + 33.00 + 33.00 = 90.75; total sales 248.10 - 90.75 = 157.35. No EUR row: shop money only.
    const total = rows.reduce((sum, row) => sum + Math.round(Number(row.total_sales) * 100), 0);
    expect(total).toBe(15735);
  });

  test("an incremental run folds in a refund received weeks later: its order's partition and the refund's day", async () => {
    const later = freshLake();
    await writeShop(later);
    await runEtl({ lake: later, date: "2026-03-05", full: true });
    // R5 returns A's grinder on 2026-03-10: 36.00 (40.00 less 10%), tax 3.60, 39.60 back.
    putRefund(later, "2026-03-10T09:30:01Z", refundR5);
    const result = await runEtl({ lake: later, date: "2026-03-10" });
    expect(result.mode).toBe("incremental");
    expect(result.partitionsWritten).toEqual(["2026-03-02"]);
    // A: returns 22.50 + 36.00 = 58.50; net_sales 90.00 - 9.00 - 58.50 = 22.50;
    // refunded 24.75 + 39.60 = 64.35 of 94.10: still partially_refunded.
    expect((await ordersOf(later)).get(gid(A))).toMatchObject({
      returns_amount: "58.5000",
      refunded_tax_amount: "5.8500",
      refund_amount: "64.3500",
      net_sales: "22.5000",
      refund_count: 2,
      payment_status: "partially_refunded",
    });
    const days = await viewRows(later, "daily_sales", "dt");
    // The order's day is unchanged; the return lands on 2026-03-10: net -36.00, taxes -3.60, total -39.60.
    expect(salesColumns(days.find((row) => row.dt === "2026-03-02")!)).toEqual([
      "2026-03-02",
      "USD",
      2,
      0,
      "200.0000",
      "9.0000",
      "0.0000",
      "191.0000",
      "16.0000",
      "8.1000",
      "215.1000",
    ]);
    expect(salesColumns(days.find((row) => row.dt === "2026-03-10")!)).toEqual([
      "2026-03-10",
      "USD",
      0,
      1,
      "0.0000",
      "0.0000",
      "36.0000",
      "-36.0000",
      "0.0000",
      "-3.6000",
      "-39.6000",
    ]);
  }, 60_000);
});

describe("revenue: optional sources", () => {
  test("with no refund or transaction sources at all, the columns fall back and daily_sales still builds", async () => {
    const lake = freshLake();
    // An order body without refunds[] or transactions[] (a shop before its first refund).
    const body = { ...JSON.parse(JSON.stringify(orderOnly)) };
    putOrder(lake, "2026-04-01T10:00:01Z", body);
    const result = await runEtl({ lake, date: "2026-04-01", full: true });
    expect(result.views).toMatchObject({ order_refunds: 0, daily_sales: 1 });
    expect((await ordersOf(lake)).get(gid(3001))).toMatchObject({
      returns_amount: "0.0000",
      refund_amount: "0.0000",
      refund_count: 0,
      net_sales: "45.0000",
      payment_status: "paid",
      payment_gateway: null,
      last_refunded_at: null,
    });
    // gross 50.00 - discounts 5.00 = net 45.00; + shipping 0 + taxes 4.50 = 49.50.
    expect((await viewRows(lake, "daily_sales", "dt")).map(salesColumns)).toEqual([
      ["2026-04-01", "USD", 1, 0, "50.0000", "5.0000", "0.0000", "45.0000", "0.0000", "4.5000", "49.5000"],
    ]);
  });
});

const orderOnly = {
  id: 3001,
  admin_graphql_api_id: "gid://shopify/Order/3001",
  order_number: 3001,
  name: "#3001",
  created_at: "2026-04-01T10:00:00Z",
  updated_at: "2026-04-01T10:00:00Z",
  currency: "USD",
  total_line_items_price: "50.00",
  total_discounts: "5.00",
  total_tax: "4.50",
  total_price: "49.50",
  financial_status: "paid",
  line_items: [{ id: 1, quantity: 1, price: "50.00" }],
};

describe("revenue: Shopify's published samples", () => {
  const samples = path.join(__dirname, "..", "fixtures", "shopify", "versions", "2026-10");
  // The bodies as received, bytes unchanged: their ids exceed 2^53, which JSON.parse would round.
  const sample = (file: string) => fs.readFileSync(path.join(samples, file), "utf8");

  test("the refunds/create sample refunds the orders/create sample's order on its own (UTC) day; a test order stays out of daily_sales", async () => {
    const lake = freshLake();
    putOrder(lake, "2022-01-01T00:00:01Z", sample("orders__create.json"));
    putRefund(lake, "2022-01-01T00:00:02Z", sample("refunds__create.json"));
    putTransaction(lake, "2022-01-01T00:00:03Z", sample("order_transactions__create.json"));
    await runEtl({ lake, date: "2022-01-01", full: true });
    const order = (await ordersOf(lake)).get("gid://shopify/Order/820982911946154508");
    // The sample order: 2 x 199.00 = 398.00, 20.00 discounts, 10.00 shipping; the sample refund
    // returns one 199.00 item (no tax) by a 199.00 "bogus" refund transaction.
    // net_sales = 398.00 - 20.00 - 199.00 = 179.00. Placed at 2021-12-31T19:00:00-05:00 = 2022-01-01 00:00 UTC.
    // The samples' transactions: a 403.00 visa authorization (order_transactions/create) and the refund's
    // 199.00 bogus refund; no sale or capture, so no paying gateway, and the status is authorized.
    expect(order).toMatchObject({ payment_status: "authorized", payment_gateway: null, captured_amount: "0.0000" });
    expect(order).toMatchObject({
      gross_amount: "398.0000",
      discount_amount: "20.0000",
      shipping_amount: "10.0000",
      returns_amount: "199.0000",
      refund_amount: "199.0000",
      net_sales: "179.0000",
      is_test: true,
      dt: "2022-01-01",
    });
    expect((await viewRows(lake, "order_refunds", "refund_id")).map((row) => [row.refund_id, row.dt, row.returns_amount, row.is_test])).toEqual([
      ["gid://shopify/Refund/890088186047892319", "2022-01-01", "199.0000", true],
    ]);
    // "test": true in the sample: Shopify's reports leave test orders out, and so does daily_sales.
    expect(await viewRows(lake, "daily_sales", "dt")).toEqual([]);
  });
});

describe("revenue: a refund the bulk export knows only by its total", () => {
  test("its total_refunded counts as returns on its day (the export carries no refund line items)", async () => {
    const lake = freshLake();
    putOrder(lake, "2026-04-01T10:00:01Z", orderOnly);
    // The converter's refunds rows: id, order_id, created_at, total_refunded (shop money), currency.
    await putSnapshot(
      lake,
      "refunds",
      "run-2",
      "SELECT * FROM (VALUES ('gid://shopify/Refund/7100', 'gid://shopify/Order/3001', CAST('2026-04-03T12:00:00Z' AS TIMESTAMPTZ), CAST('49.50' AS DECIMAL(18,4)), 'USD')) AS t (id, order_id, created_at, total_refunded, currency)",
    );
    await runEtl({ lake, date: "2026-04-03", full: true });
    // Order 3001: gross 50.00, discounts 5.00, taxes 4.50, total 49.50; refunded in full on 2026-04-03,
    // known only as 49.50: returns 49.50 (the tax inside it cannot be told apart), net_sales
    // 50.00 - 5.00 - 49.50 = -4.50.
    expect((await ordersOf(lake)).get(gid(3001))).toMatchObject({
      returns_amount: "49.5000",
      refunded_tax_amount: "0.0000",
      refund_amount: "49.5000",
      net_sales: "-4.5000",
      refund_count: 1,
    });
    // 2026-04-01: 49.50 as before; 2026-04-03: returns 49.50, total -49.50; over both days 0.00.
    expect((await viewRows(lake, "daily_sales", "dt")).map(salesColumns)).toEqual([
      ["2026-04-01", "USD", 1, 0, "50.0000", "5.0000", "0.0000", "45.0000", "0.0000", "4.5000", "49.5000"],
      ["2026-04-03", "USD", 0, 1, "0.0000", "0.0000", "49.5000", "-49.5000", "0.0000", "0.0000", "-49.5000"],
    ]);
  });
});

describe("revenue: deleted orders", () => {
  test("a deleted order's refunds leave with it; a refund of an order not yet seen waits for its order", async () => {
    const lake = freshLake();
    const order = orderBody({ id: 4001, number: 4001, createdAt: "2026-05-01T10:00:00Z", lines: [[1, "20.00"]], gross: ["20.00"], total: ["20.00"] });
    putOrder(lake, "2026-05-01T10:00:01Z", order);
    putRefund(lake, "2026-05-02T10:00:01Z", refundBody({ id: 7400, orderId: 4001, at: "2026-05-02T10:00:00Z", lines: [[40010, 1, "20.00", "0.00"]] }));
    // orders/delete: only the id.
    putOrder(lake, "2026-05-03T10:00:01Z", { id: 4001 });
    // A refund whose order never arrived (yet).
    putRefund(lake, "2026-05-03T11:00:01Z", refundBody({ id: 7401, orderId: 4999, at: "2026-05-03T11:00:00Z", lines: [[49990, 1, "5.00", "0.00"]] }));
    putTransaction(lake, "2026-05-03T11:00:02Z", transaction(9400, 4999, "refund", "manual", "5.00", "USD", "2026-05-03T11:00:00Z"));
    const result = await runEtl({ lake, date: "2026-05-03", full: true });
    expect(result).toMatchObject({ orders: 0, views: { order_refunds: 0, daily_sales: 0 } });
  });
});
