import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { s3rverLake, type LakeDir } from "../../etl/lake";
import { readParquetRows, runEtl } from "../../etl/runner";
import { lakesRemovedAfterAll, putOrderDelete, putOrderEvent, putRaw, putSnapshotLineItems, putSnapshotOrders, rechargeCharge, shopifyOrder } from "../fixtures/lake/builder";

type Row = Record<string, unknown>;

const ordersOf = async (lake: LakeDir): Promise<Row[]> =>
  [...(await readParquetRows(lake, "processed/shopify/orders_enriched/dt=*/*.parquet"))].sort((a, b) => String(a.order_id).localeCompare(String(b.order_id)));

const byId = (rows: ReadonlyArray<Row>, id: number | string) => rows.find((row) => row.order_id === `gid://shopify/Order/${id}`);

const freshLake = lakesRemovedAfterAll();

describe("orders_enriched: deduplication", () => {
  test("the newest updated_at wins, whatever order the events arrived in", async () => {
    const lake = freshLake();
    const base = { id: 1001, number: 1001, createdAt: "2026-01-05T09:00:00Z", customerId: 7 };
    putOrderEvent(lake, "2026-01-07T10:00:00Z", shopifyOrder({ ...base, updatedAt: "2026-01-05T09:30:00Z", tags: "second" }));
    putOrderEvent(lake, "2026-01-05T10:00:00Z", shopifyOrder({ ...base, updatedAt: "2026-01-06T12:00:00Z", tags: "newest" }));
    putOrderEvent(lake, "2026-01-06T10:00:00Z", shopifyOrder({ ...base, updatedAt: "2026-01-05T09:00:00Z", tags: "first" }));
    // A duplicate delivery of the newest version stored under another event id.
    putOrderEvent(lake, "2026-01-06T11:00:00Z", shopifyOrder({ ...base, updatedAt: "2026-01-06T12:00:00Z", tags: "newest" }));
    await runEtl({ lake, date: "2026-01-07", full: true });
    const rows = await ordersOf(lake);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ order_id: "gid://shopify/Order/1001", tags: "newest", updated_at: "2026-01-06 12:00:00", dt: "2026-01-05" });
  });

  test("webhook versions and bulk rows compete on updated_at; a tie goes to the webhook", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-05T10:00:00Z", shopifyOrder({ id: 1, number: 1, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-02T00:00:00Z", tags: "webhook-older" }));
    putOrderEvent(lake, "2026-01-05T10:00:00Z", shopifyOrder({ id: 2, number: 2, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-04T00:00:00Z", tags: "webhook-newer" }));
    putOrderEvent(lake, "2026-01-05T10:00:00Z", shopifyOrder({ id: 3, number: 3, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-03T00:00:00Z", tags: "webhook-tie" }));
    const snap = (id: number, updated: string, tags: string) => ({
      id: `gid://shopify/Order/${id}`,
      name: `#${id}`,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: updated,
      subtotal_price: "10.00",
      total_price: "10.00",
      tags,
    });
    await putSnapshotOrders(lake, "run-1", [
      snap(1, "2026-01-03T00:00:00Z", "bulk-newer"),
      snap(2, "2026-01-03T00:00:00Z", "bulk-older"),
      snap(3, "2026-01-03T00:00:00Z", "bulk-tie"),
      snap(4, "2026-01-03T00:00:00Z", "bulk-only"),
    ]);
    await runEtl({ lake, date: "2026-01-05", full: true });
    const rows = await ordersOf(lake);
    expect(rows.map((row) => [row.order_id, row.tags, row.record_source])).toEqual([
      ["gid://shopify/Order/1", "bulk-newer", "bulk"],
      ["gid://shopify/Order/2", "webhook-newer", "webhook"],
      ["gid://shopify/Order/3", "webhook-tie", "webhook"],
      ["gid://shopify/Order/4", "bulk-only", "bulk"],
    ]);
  });
});

describe("orders_enriched: tombstones", () => {
  test("orders/delete removes the order, even when it arrives before the last update", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-05T10:00:00Z", shopifyOrder({ id: 10, number: 10, createdAt: "2026-01-05T09:00:00Z" }));
    putOrderEvent(lake, "2026-01-05T10:00:00Z", shopifyOrder({ id: 11, number: 11, createdAt: "2026-01-05T09:00:00Z" }));
    putOrderDelete(lake, "2026-01-06T10:00:00Z", 11);
    // A late orders/updated for the deleted order must not resurrect it.
    putOrderEvent(lake, "2026-01-07T10:00:00Z", shopifyOrder({ id: 11, number: 11, createdAt: "2026-01-05T09:00:00Z", updatedAt: "2026-01-05T09:05:00Z" }));
    await putSnapshotOrders(lake, "run-1", [
      { id: "gid://shopify/Order/11", name: "#11", created_at: "2026-01-05T09:00:00Z", updated_at: "2026-01-05T09:00:00Z", subtotal_price: "1.00", total_price: "1.00" },
    ]);
    await runEtl({ lake, date: "2026-01-07", full: true });
    expect((await ordersOf(lake)).map((row) => row.order_id)).toEqual(["gid://shopify/Order/10"]);
  });

  test("an incremental run for the day of a delete rewrites the order's old partition without it", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 20, number: 20, createdAt: "2026-01-01T09:00:00Z" }));
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 21, number: 21, createdAt: "2026-01-01T09:00:00Z" }));
    await runEtl({ lake, date: "2026-01-01", full: true });
    putOrderDelete(lake, "2026-01-09T10:00:00Z", 21);
    const result = await runEtl({ lake, date: "2026-01-09" });
    expect(result.mode).toBe("incremental");
    expect(result.partitionsWritten).toEqual(["2026-01-01"]);
    expect((await ordersOf(lake)).map((row) => row.order_id)).toEqual(["gid://shopify/Order/20"]);
  });

  test("a partition whose only order was deleted disappears", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 30, number: 30, createdAt: "2026-01-02T09:00:00Z" }));
    await runEtl({ lake, date: "2026-01-01", full: true });
    putOrderDelete(lake, "2026-01-03T10:00:00Z", 30);
    putOrderEvent(lake, "2026-01-03T10:00:00Z", shopifyOrder({ id: 31, number: 31, createdAt: "2026-01-03T09:00:00Z" }));
    const result = await runEtl({ lake, date: "2026-01-03" });
    expect(result.partitionsRemoved).toEqual(["2026-01-02"]);
    expect(lake.list("processed/shopify/orders_enriched/dt=2026-01-02/")).toEqual([]);
  });
});

describe("orders_enriched: money", () => {
  test("amounts stay exact decimals (no float drift) for 2- and 3-decimal currencies", async () => {
    const lake = freshLake();
    putOrderEvent(
      lake,
      "2026-01-05T10:00:00Z",
      shopifyOrder({
        id: 40,
        number: 40,
        createdAt: "2026-01-05T09:00:00Z",
        lineItems: [
          { quantity: 3, price: "0.10" },
          { quantity: 1, price: "0.20" },
        ],
        discounts: "0.10",
        refunds: ["0.10", "0.20"],
      }),
    );
    putOrderEvent(lake, "2026-01-05T10:00:00Z", {
      ...shopifyOrder({ id: 41, number: 41, createdAt: "2026-01-05T09:00:00Z", currency: "KWD" }),
      total_line_items_price: "12345678901.234",
      total_discounts: "0.001",
      total_price: "12345678901.233",
      refunds: [
        {
          transactions: [
            { kind: "refund", status: "success", amount: "0.007" },
            { kind: "refund", status: "failure", amount: "99.000" },
            { kind: "sale", status: "success", amount: "5.000" },
          ],
        },
      ],
    });
    await runEtl({ lake, date: "2026-01-05", full: true });
    const rows = await ordersOf(lake);
    expect(byId(rows, 40)).toMatchObject({
      gross_amount: "0.5000",
      discount_amount: "0.1000",
      refund_amount: "0.3000",
      net_amount: "0.1000",
      total_price: "0.4000",
      line_item_count: 2,
      total_quantity: 4,
    });
    expect(byId(rows, 41)).toMatchObject({ currency: "KWD", gross_amount: "12345678901.2340", discount_amount: "0.0010", refund_amount: "0.0070", net_amount: "12345678901.2260" });
  });

  test("bulk rows: gross is subtotal plus discounts; line items come from the same run", async () => {
    const lake = freshLake();
    await putSnapshotOrders(lake, "run-a", [
      {
        id: "gid://shopify/Order/50",
        name: "#50",
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
        subtotal_price: "18.35",
        total_discounts: "1.65",
        total_price: "19.99",
      },
    ]);
    await putSnapshotLineItems(lake, "run-a", [
      { id: "gid://shopify/LineItem/1", order_id: "gid://shopify/Order/50", quantity: 2 },
      { id: "gid://shopify/LineItem/2", order_id: "gid://shopify/Order/50", quantity: 5 },
    ]);
    await runEtl({ lake, date: "2026-01-01", full: true });
    expect(byId(await ordersOf(lake), 50)).toMatchObject({
      gross_amount: "20.0000",
      discount_amount: "1.6500",
      net_amount: "18.3500",
      line_item_count: 2,
      total_quantity: 7,
      fulfillment_status: null,
    });
  });
});

describe("orders_enriched: customers, fulfilment, subscriptions", () => {
  test("sequence numbers, first/repeat and days since the previous order per customer", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-10T10:00:00Z", shopifyOrder({ id: 62, number: 62, createdAt: "2026-01-10T23:30:00Z", customerId: 5 }));
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 60, number: 60, createdAt: "2026-01-01T08:00:00Z", customerId: 5 }));
    putOrderEvent(lake, "2026-01-03T10:00:00Z", shopifyOrder({ id: 61, number: 61, createdAt: "2026-01-02T00:30:00+02:00", customerId: 5 }));
    putOrderEvent(lake, "2026-01-03T10:00:00Z", shopifyOrder({ id: 63, number: 63, createdAt: "2026-01-03T00:00:00Z", customerId: 6 }));
    putOrderEvent(lake, "2026-01-03T10:00:00Z", shopifyOrder({ id: 64, number: 64, createdAt: "2026-01-03T00:00:00Z", customerId: null }));
    await runEtl({ lake, date: "2026-01-10", full: true });
    const rows = await ordersOf(lake);
    const pick = (id: number) => {
      const row = byId(rows, id)!;
      return [row.customer_order_sequence, row.customer_order_type, row.days_since_previous_order, row.dt];
    };
    expect(pick(60)).toEqual([1, "first", null, "2026-01-01"]);
    // 2026-01-02T00:30+02:00 is 2026-01-01T22:30Z: same UTC day as the first order.
    expect(pick(61)).toEqual([2, "repeat", 0, "2026-01-01"]);
    expect(pick(62)).toEqual([3, "repeat", 9, "2026-01-10"]);
    expect(pick(63)).toEqual([1, "first", null, "2026-01-03"]);
    expect(pick(64)).toEqual([null, null, null, "2026-01-03"]);
  });

  test("time to fulfilment from the first fulfillment", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 70, number: 70, createdAt: "2026-01-01T08:00:00Z", fulfilledAt: "2026-01-02T09:30:00Z" }));
    await runEtl({ lake, date: "2026-01-01", full: true });
    expect(byId(await ordersOf(lake), 70)).toMatchObject({ first_fulfilled_at: "2026-01-02 09:30:00", seconds_to_fulfilment: "91800", fulfillment_status: "fulfilled" });
  });

  test("subscription flag from a Recharge charge, a tag or the source; plain orders are not", async () => {
    const lake = freshLake();
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 80, number: 80, createdAt: "2026-01-01T08:00:00Z" }));
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 81, number: 81, createdAt: "2026-01-01T08:00:00Z", tags: "Subscription Recurring Order, vip" }));
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 82, number: 82, createdAt: "2026-01-01T08:00:00Z", sourceName: "subscription_contract" }));
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 83, number: 83, createdAt: "2026-01-01T08:00:00Z" }));
    putRaw(lake, "recharge", "charge", "2026-01-01T10:00:00Z", rechargeCharge(1, 83, "2026-01-01T08:00:00Z"));
    await runEtl({ lake, date: "2026-01-01", full: true });
    const rows = await ordersOf(lake);
    expect([80, 81, 82, 83].map((id) => byId(rows, id)!.is_subscription)).toEqual([false, true, true, true]);
  });
});

describe("orders_enriched: bad input and big ids", () => {
  test("malformed raw objects are skipped, ids beyond 2^53 keep every digit", async () => {
    const lake = freshLake();
    putRaw(lake, "shopify", "orders", "2026-01-01T10:00:00Z", "{not json");
    putRaw(lake, "shopify", "orders", "2026-01-01T10:00:00Z", "[1,2,3]");
    putRaw(lake, "shopify", "orders", "2026-01-01T10:00:00Z", { id: 5, created_at: "not a date", updated_at: "also not" });
    const big = "9007199254740993123";
    const body = JSON.stringify(shopifyOrder({ id: 1, number: 90, createdAt: "2026-01-01T08:00:00Z" }))
      .replace('"id":1,', `"id":${big},`)
      .replace('"admin_graphql_api_id":"gid://shopify/Order/1",', "");
    putRaw(lake, "shopify", "orders", "2026-01-01T10:00:00Z", body);
    const result = await runEtl({ lake, date: "2026-01-01", full: true });
    expect(result.orders).toBe(1);
    expect((await ordersOf(lake))[0]!.order_id).toBe(`gid://shopify/Order/${big}`);
  });
});

describe("orders_enriched: re-runs", () => {
  const seed = (lake: LakeDir) => {
    putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 100, number: 100, createdAt: "2026-01-01T08:00:00Z", customerId: 1 }));
    putOrderEvent(lake, "2026-01-02T10:00:00Z", shopifyOrder({ id: 101, number: 101, createdAt: "2026-01-02T08:00:00Z", customerId: 1 }));
    putOrderEvent(lake, "2026-01-02T10:00:00Z", shopifyOrder({ id: 102, number: 102, createdAt: "2026-01-02T09:00:00Z", customerId: 2 }));
  };
  const snapshotOfFiles = (lake: LakeDir) => lake.list("processed/").map((key) => [key, fs.readFileSync(lake.pathOf(key)).toString("base64")] as const);

  test("re-running a date or a full build gives the same files and no duplicates", async () => {
    const lake = freshLake();
    seed(lake);
    await runEtl({ lake, date: "2026-01-02", full: true });
    const first = snapshotOfFiles(lake);
    await runEtl({ lake, date: "2026-01-02", full: true });
    expect(snapshotOfFiles(lake)).toEqual(first);
    await runEtl({ lake, date: "2026-01-02" });
    await runEtl({ lake, date: "2026-01-02" });
    expect(snapshotOfFiles(lake)).toEqual(first);
    expect((await ordersOf(lake)).map((row) => row.order_id)).toEqual(["gid://shopify/Order/100", "gid://shopify/Order/101", "gid://shopify/Order/102"]);
  });

  test("incremental runs day by day end where a full rebuild ends", async () => {
    const incremental = freshLake();
    const full = freshLake();
    for (const lake of [incremental, full]) seed(lake);
    await runEtl({ lake: incremental, date: "2026-01-02", full: true });
    for (const lake of [incremental, full]) {
      // Day 3: a new order for customer 1 dated before order 101 (a late create), and an update to 102.
      putOrderEvent(lake, "2026-01-03T10:00:00Z", shopifyOrder({ id: 103, number: 103, createdAt: "2026-01-01T12:00:00Z", customerId: 1 }));
      putOrderEvent(
        lake,
        "2026-01-03T10:00:00Z",
        shopifyOrder({ id: 102, number: 102, createdAt: "2026-01-02T09:00:00Z", updatedAt: "2026-01-03T09:00:00Z", customerId: 2, tags: "late" }),
      );
    }
    const result = await runEtl({ lake: incremental, date: "2026-01-03" });
    expect(result.partitionsWritten).toEqual(["2026-01-01", "2026-01-02"]);
    await runEtl({ lake: full, date: "2026-01-03", full: true });
    const strip = (rows: Row[]) => rows.map((row) => JSON.stringify(row));
    expect(strip(await ordersOf(incremental))).toEqual(strip(await ordersOf(full)));
    expect(byId(await ordersOf(incremental), 101)).toMatchObject({ customer_order_sequence: 3 });
  });
});

describe("lake layouts", () => {
  test("the runner reads and writes an s3rver directory (<bucket>/<key>._S3rver_object)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-s3rver-"));
    try {
      const lake = s3rverLake(dir, "brand-data-lake-000000000000-local");
      putOrderEvent(lake, "2026-01-01T10:00:00Z", shopifyOrder({ id: 200, number: 200, createdAt: "2026-01-01T08:00:00Z" }));
      expect(fs.existsSync(path.join(lake.root, "raw/shopify/orders/dt=2026-01-01"))).toBe(true);
      await runEtl({ lake, date: "2026-01-01", full: true });
      const keys = lake.list("processed/");
      expect(keys).toEqual(["processed/shopify/orders_enriched/dt=2026-01-01/part-00000.parquet"]);
      expect(fs.existsSync(`${path.join(lake.root, keys[0]!)}._S3rver_object`)).toBe(true);
      expect((await ordersOf(lake)).map((row) => row.order_id)).toEqual(["gid://shopify/Order/200"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
