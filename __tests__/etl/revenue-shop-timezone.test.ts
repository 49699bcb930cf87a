/**
 * Revenue days are the shop's local days: a shop in America/Los_Angeles (config `shopTimezone`,
 * Shopify's `Shop.ianaTimezone`), whose webhook bodies carry the shop's offset as Shopify's samples
 * do ("2021-12-31T19:00:00-05:00"). An order placed on the evening of 1 March (03:00 UTC on the 2nd),
 * two refunds either side of local midnight, and orders and a refund around the spring-forward of
 * 2026-03-08 (10:00 UTC: 01:59 PST, UTC-8, is followed by 03:00 PDT, UTC-7). Every measure below is
 * worked out by hand; the fixture shapes are those of ../fixtures/revenue/README.md.
 */
import { decodeEnvironment } from "../../config/schema";
import { environmentCatalogue } from "../../config/environments";
import { athenaWorkflowSql } from "../../etl/athena";
import type { LakeDir } from "../../etl/lake";
import { readParquetRows, runEtl, type EtlResult } from "../../etl/runner";
import { affectedDatesSqlFile, loadSql, ordersEnriched } from "../../etl/transforms";
import { makeLake, removeLake } from "../fixtures/lake/builder";
import { orderBody, putOrder, putRefund, refundBody, transaction } from "../fixtures/revenue/shop";

const ZONE = "America/Los_Angeles";
const [P, Q, S, T] = [3001, 3002, 3003, 3004];
const gid = (id: number) => `gid://shopify/Order/${id}`;

/** A paid order of `lines` x price in shop money (USD), tax and shipping as given. */
const order = (id: number, createdAt: string, quantity: number, price: string, gross: string, total: string, extra: { tax?: string; shipping?: string } = {}) =>
  orderBody({
    id,
    number: id,
    createdAt,
    lines: [[quantity, price]],
    gross: [gross],
    ...(extra.tax ? { tax: [extra.tax] as const } : {}),
    ...(extra.shipping ? { shipping: [extra.shipping] as const } : {}),
    total: [total],
    transactions: [transaction(id * 10, id, "sale", "shopify_payments", total, "USD", createdAt)],
  });

// P: 2 x 20.00, tax 4.00, shipping 6.00, total 50.00; placed 2026-03-01 19:00 PST = 2026-03-02 03:00 UTC.
const orderP = order(P, "2026-03-01T19:00:00-08:00", 2, "20.00", "40.00", "50.00", { tax: "4.00", shipping: "6.00" });
// RP1: one item back (20.00, tax 2.00) at 23:30 PST on the 1st = 07:30 UTC on the 2nd.
const refundP1 = refundBody({
  id: 8001,
  orderId: P,
  at: "2026-03-01T23:30:00-08:00",
  lines: [[P * 10, 1, "20.00", "2.00"]],
  transactions: [transaction(80010, P, "refund", "shopify_payments", "22.00", "USD", "2026-03-01T23:30:00-08:00")],
});
// RP2: the shipping (6.00) back an hour later, 00:30 PST on the 2nd = 08:30 UTC on the 2nd: the
// same UTC day as RP1 and the order, the next local day. Its webhook arrives late (2026-03-20).
const refundP2 = refundBody({
  id: 8002,
  orderId: P,
  at: "2026-03-02T00:30:00-08:00",
  shippingLines: [["6.00", "0.00"]],
  transactions: [transaction(80020, P, "refund", "shopify_payments", "6.00", "USD", "2026-03-02T00:30:00-08:00")],
});
// Q: 30.00 at 23:30 PST on 2026-03-07 = 07:30 UTC on the 8th (UTC would say the 8th).
const orderQ = order(Q, "2026-03-07T23:30:00-08:00", 1, "30.00", "30.00", "30.00");
// RQ: Q refunded in full at 03:30 PDT on the 8th = 10:30 UTC, half an hour after the clocks sprang forward.
const refundQ = refundBody({
  id: 8003,
  orderId: Q,
  at: "2026-03-08T03:30:00-07:00",
  lines: [[Q * 10, 1, "30.00", "0.00"]],
  transactions: [transaction(80030, Q, "refund", "shopify_payments", "30.00", "USD", "2026-03-08T03:30:00-07:00")],
});
// S: 10.00 at 00:30 PDT on the 9th = 07:30 UTC on the 9th: a fixed UTC-8 offset (PST all year) would put it on the 8th.
const orderS = order(S, "2026-03-09T00:30:00-07:00", 1, "10.00", "10.00", "10.00");
// T: 15.00 at 23:30 PDT on the 8th = 06:30 UTC on the 9th: UTC would put it on the 9th.
const orderT = order(T, "2026-03-08T23:30:00-07:00", 1, "15.00", "15.00", "15.00");

const utc = (local: string) => new Date(local).toISOString();

describe(`revenue days in the shop's time zone (${ZONE}), across local midnight and a DST change`, () => {
  let lake: LakeDir;
  let full: EtlResult;
  let late: EtlResult;
  beforeAll(async () => {
    lake = makeLake();
    for (const body of [orderP, orderQ, orderS, orderT]) putOrder(lake, utc(String(body.created_at)), body);
    putRefund(lake, utc(String(refundP1.processed_at)), refundP1);
    putRefund(lake, utc(String(refundQ.processed_at)), refundQ);
    full = await runEtl({ lake, date: "2026-03-09", full: true, shopTimezone: ZONE });
    // RP2's webhook comes in on the 20th: the incremental run rewrites P's partition, its local day.
    putRefund(lake, "2026-03-20T12:00:00Z", refundP2);
    late = await runEtl({ lake, date: "2026-03-20", shopTimezone: ZONE });
  }, 120_000);
  afterAll(() => removeLake(lake));

  test("orders_enriched: dt is the order's local day; timestamps stay UTC", async () => {
    const rows = await readParquetRows(
      lake,
      "processed/shopify/orders_enriched/dt=*/*.parquet",
      "SELECT order_id, created_at, dt, net_sales, refund_count FROM t ORDER BY order_id",
    );
    expect(rows.map((row) => [row.order_id, row.created_at, row.dt, row.net_sales, row.refund_count])).toEqual([
      // 03:00 UTC on the 2nd is 19:00 on the 1st in Los Angeles. net_sales 40.00 - 0 - 20.00 (RP1's goods; RP2 returns none) = 20.00.
      [gid(P), "2026-03-02 03:00:00", "2026-03-01", "20.0000", 2],
      // 07:30 UTC on the 8th is 23:30 PST on the 7th. net 30.00 - 30.00 = 0.
      [gid(Q), "2026-03-08 07:30:00", "2026-03-07", "0.0000", 1],
      // 07:30 UTC on the 9th is 00:30 PDT (UTC-7) on the 9th, not 23:30 on the 8th (UTC-8).
      [gid(S), "2026-03-09 07:30:00", "2026-03-09", "10.0000", 0],
      // 06:30 UTC on the 9th is 23:30 PDT on the 8th.
      [gid(T), "2026-03-09 06:30:00", "2026-03-08", "15.0000", 0],
    ]);
  });

  test("the partitions are the local days, and a late refund rewrites its order's local partition only", () => {
    expect(full).toMatchObject({ mode: "full", orders: 4, partitionsWritten: ["2026-03-01", "2026-03-07", "2026-03-08", "2026-03-09"], partitionsRemoved: [] });
    // UTC days would have been 2026-03-02 (P), 2026-03-08 (Q) and 2026-03-09 (S, T).
    expect(late).toMatchObject({ mode: "incremental", partitionsWritten: ["2026-03-01"], partitionsRemoved: [] });
  });

  test("order_refunds: each refund on its local day, beside its order's local day", async () => {
    const rows = await readParquetRows(lake, "curated/order_refunds/*.parquet", "SELECT * FROM t ORDER BY refund_id");
    expect(
      rows.map((row) => [row.refund_id, row.refunded_at, row.order_dt, row.dt, row.returns_amount, row.refunded_shipping_amount, row.refunded_tax_amount, row.refund_total]),
    ).toEqual([
      // 07:30 UTC on the 2nd = 23:30 PST on the 1st: the order's own local day. 20.00 + 0 + 2.00 = 22.00.
      ["gid://shopify/Refund/8001", "2026-03-02 07:30:00", "2026-03-01", "2026-03-01", "20.0000", "0.0000", "2.0000", "22.0000"],
      // 08:30 UTC on the 2nd = 00:30 PST on the 2nd: past local midnight. 0 + 6.00 + 0 = 6.00.
      ["gid://shopify/Refund/8002", "2026-03-02 08:30:00", "2026-03-01", "2026-03-02", "0.0000", "6.0000", "0.0000", "6.0000"],
      // 10:30 UTC on the 8th = 03:30 PDT on the 8th; its order was on the 7th. 30.00.
      ["gid://shopify/Refund/8003", "2026-03-08 10:30:00", "2026-03-07", "2026-03-08", "30.0000", "0.0000", "0.0000", "30.0000"],
    ]);
  });

  test("daily_sales: sales on the order's local day, returns on the refund's local day", async () => {
    const rows = await readParquetRows(lake, "curated/daily_sales/*.parquet", "SELECT * FROM t ORDER BY dt");
    expect(
      rows.map((row) => [row.dt, Number(row.orders), Number(row.refunds), row.gross_sales, row.discounts, row.returns, row.net_sales, row.shipping, row.taxes, row.total_sales]),
    ).toEqual([
      // 03-01: P and RP1. gross 40.00; returns 20.00; net 20.00; shipping 6.00; taxes 4.00 - 2.00 = 2.00;
      // total 20.00 + 6.00 + 2.00 = 28.00 (= P's 50.00 charged - RP1's 22.00).
      ["2026-03-01", 1, 1, "40.0000", "0.0000", "20.0000", "20.0000", "6.0000", "2.0000", "28.0000"],
      // 03-02: RP2 only. shipping -6.00; total -6.00.
      ["2026-03-02", 0, 1, "0.0000", "0.0000", "0.0000", "0.0000", "-6.0000", "0.0000", "-6.0000"],
      // 03-07: Q. gross, net and total 30.00.
      ["2026-03-07", 1, 0, "30.0000", "0.0000", "0.0000", "30.0000", "0.0000", "0.0000", "30.0000"],
      // 03-08 (23 hours long): T sold, Q's goods returned. gross 15.00; returns 30.00; net and total -15.00.
      ["2026-03-08", 1, 1, "15.0000", "0.0000", "30.0000", "-15.0000", "0.0000", "0.0000", "-15.0000"],
      // 03-09: S. 10.00.
      ["2026-03-09", 1, 0, "10.0000", "0.0000", "0.0000", "10.0000", "0.0000", "0.0000", "10.0000"],
    ]);
    // Over the period: charged 50.00 + 30.00 + 10.00 + 15.00 = 105.00, refunded 22.00 + 6.00 + 30.00 = 58.00: 47.00.
    expect(rows.reduce((sum, row) => sum + Number(row.total_sales), 0)).toBeCloseTo(47, 4);
  });
});

describe("the shop's time zone comes from one place: the environment's shopTimezone", () => {
  const local = environmentCatalogue.local as Record<string, unknown>;

  test("the catalogue defaults to UTC, takes an IANA zone and rejects anything else with the field named", () => {
    expect(decodeEnvironment(local).shopTimezone).toBe("UTC");
    expect(decodeEnvironment({ ...local, shopTimezone: ZONE }).shopTimezone).toBe(ZONE);
    expect(() => decodeEnvironment({ ...local, shopTimezone: "Mars/Olympus_Mons" }, "local")).toThrow(/shopTimezone: "Mars\/Olympus_Mons" is not a known IANA time zone/);
    expect(() => decodeEnvironment({ ...local, shopTimezone: "PST'; DROP TABLE x; --" }, "local")).toThrow(/shopTimezone: must be an IANA time zone name/);
  });

  test("the SQL binds the zone, validated, and defaults to UTC", () => {
    expect(loadSql(ordersEnriched.sqlFile, { shop_timezone: ZONE })).toContain(`at_timezone(with_timezone(created_at, 'UTC'), '${ZONE}')`);
    expect(loadSql(ordersEnriched.sqlFile)).toContain("at_timezone(with_timezone(created_at, 'UTC'), 'UTC')");
    expect(() => loadSql(affectedDatesSqlFile, { run_date: "2026-03-01", shop_timezone: "Europe/Nowhere" })).toThrow(
      /shop_timezone "Europe\/Nowhere" is not a known IANA time zone/,
    );
  });

  test("Athena gets the same zone in every statement that computes a day", () => {
    const sql = athenaWorkflowSql(ZONE);
    const refundFacts = sql.sourceViews.find((statement) => statement.startsWith("CREATE OR REPLACE VIEW order_refund_facts "));
    for (const statement of [sql.ordersEnriched, sql.affectedDates, refundFacts ?? ""]) expect(statement).toContain(`'UTC'), '${ZONE}') AS DATE)`);
    expect(sql.affectedDates).toContain("{{run_date}}");
    expect(JSON.stringify(sql)).not.toContain("{{shop_timezone}}");
  });
});
