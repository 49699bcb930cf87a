/**
 * The entities added for issue 16 (refunds, transactions, fulfillment orders and fulfillments,
 * inventory, locations, discounts, metafields, draft orders): the stand-in's JSONL for each
 * object is converted with DuckDB, and every entity's rows are compared with what the JSONL holds,
 * counted independently here (lines by the GID type of their id, list elements by their list).
 * The count against Shopify's objectCount covers every line, carriers included, so a line of a
 * kind no entity reads shows up as a shortfall.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { DuckDBInstance } from "@duckdb/node-api";
import { bulkEntitiesByObject, type BulkObject } from "../../contracts/bulk-entities";
import { convertJsonl } from "../../functions/backfill/convert/convert";
import { objectOfLine, streamConvert } from "../../functions/backfill/convert/stream";
import { bulkLines, countLines } from "../../local/shopify-standin/dataset";

const range = { since: "2026-03-01T00:00:00Z", until: "2026-03-04T00:00:00Z", perDay: 25, seed: 11 };
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-entities-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Line = Record<string, any>;
const linesOf = (object: BulkObject) => [...bulkLines(object, range)];
const gidType = (id: unknown) => /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(String(id))?.[1];
const ofType = (lines: Line[], type: string) => lines.filter((line) => gidType(line.id) === type);

const convert = async (object: BulkObject, lines: string[]) => {
  const input = path.join(dir, `${object}-${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(input, `${lines.join("\n")}\n`);
  return convertJsonl({ input, outDir: path.join(dir, `out-${path.basename(input, ".jsonl")}`), object, threads: 1 });
};

const rowsOf = (result: Awaited<ReturnType<typeof convert>>) => Object.fromEntries(result.entities.map((entity) => [entity.entity, entity.rows]));

const query = async (file: string | undefined, sql: string) => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql.replaceAll("$file", `read_parquet('${file}')`))).getRowObjectsJson() as Array<Record<string, any>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

const fileOf = (result: Awaited<ReturnType<typeof convert>>, entity: string) => result.entities.find((each) => each.entity === entity)?.file;

/** What each object's JSONL holds, per entity, counted from the lines themselves. */
const expectedRows: Record<Exclude<BulkObject, "orders" | "customers" | "products">, (lines: Line[]) => Record<string, number>> = {
  refunds: (lines) => ({ refunds: lines.reduce((sum, line) => sum + line.refunds.length, 0), "order lines": lines.length }),
  order_transactions: (lines) => ({ order_transactions: lines.reduce((sum, line) => sum + line.transactions.length, 0), "order lines": lines.length }),
  fulfillment_orders: (lines) => ({
    fulfillment_orders: ofType(lines, "FulfillmentOrder").length,
    fulfillment_order_line_items: ofType(lines, "FulfillmentOrderLineItem").length,
    fulfillments: ofType(lines, "Fulfillment").length,
    fulfillment_line_items: ofType(lines, "FulfillmentLineItem").length,
  }),
  inventory_items: (lines) => ({ inventory_items: lines.length }),
  locations: (lines) => ({ locations: ofType(lines, "Location").length, inventory_levels: ofType(lines, "InventoryLevel").length }),
  discounts: (lines) => ({ discounts: lines.filter((line) => !line.__parentId).length, discount_redeem_codes: ofType(lines, "DiscountRedeemCode").length }),
  order_metafields: (lines) => ({ metafields: ofType(lines, "Metafield").length, "order lines": ofType(lines, "Order").length }),
  customer_metafields: (lines) => ({ metafields: ofType(lines, "Metafield").length, "customer lines": ofType(lines, "Customer").length }),
  product_metafields: (lines) => ({ metafields: ofType(lines, "Metafield").length, "product lines": ofType(lines, "Product").length }),
  draft_orders: (lines) => ({ draft_orders: ofType(lines, "DraftOrder").length, draft_order_line_items: ofType(lines, "DraftOrderLineItem").length }),
};

describe("each new object's export converts to its entities, every line accounted for", () => {
  test.each(Object.keys(expectedRows).map((object) => [object as keyof typeof expectedRows]))("%s", async (object) => {
    const lines = linesOf(object);
    const parsed = lines.map((line) => JSON.parse(line) as Line);
    const result = await convert(object, lines);
    const expected = expectedRows[object](parsed);
    expect(rowsOf(result)).toEqual(expected);
    // Every entity of the contract has rows in a realistic export.
    for (const entity of bulkEntitiesByObject[object]) expect(expected[entity]).toBeGreaterThan(0);
    expect(result.totalRows).toBe(countLines(lines).objectCount);
  });
});

describe("values", () => {
  test("refunds: one row per refund of an order's list, with the order's id and the exact amount", async () => {
    const lines = linesOf("refunds");
    const refunds = lines.flatMap((line) => (JSON.parse(line) as Line).refunds.map((refund: Line) => ({ ...refund, order: (JSON.parse(line) as Line).id })));
    const result = await convert("refunds", lines);
    const rows = await query(fileOf(result, "refunds"), "SELECT id, order_id, total_refunded::VARCHAR AS amount, currency FROM $file ORDER BY id");
    expect(rows).toEqual(
      refunds
        .sort((a, b) => String(a.id).localeCompare(String(b.id)))
        .map((refund) => ({
          id: refund.id,
          order_id: refund.order,
          amount: Number(refund.totalRefundedSet.shopMoney.amount).toFixed(4),
          currency: refund.totalRefundedSet.shopMoney.currencyCode,
        })),
    );
  });

  test("order transactions: gateway, kind, status, amount and the Shopify Payments fees summed per transaction", async () => {
    const lines = linesOf("order_transactions");
    const transactions = lines.flatMap((line) => (JSON.parse(line) as Line).transactions as Line[]);
    const result = await convert("order_transactions", lines);
    const rows = await query(fileOf(result, "order_transactions"), "SELECT id, kind, status, gateway, amount::VARCHAR AS amount, fee_amount::VARCHAR AS fee FROM $file");
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.size).toBe(transactions.length);
    for (const transaction of transactions) {
      const fee = (transaction.fees as Line[]).reduce((sum, each) => sum + Number(each.amount.amount), 0);
      expect(byId.get(transaction.id)).toEqual({
        id: transaction.id,
        kind: transaction.kind,
        status: transaction.status,
        gateway: transaction.gateway,
        amount: Number(transaction.amountSet.shopMoney.amount).toFixed(4),
        fee: transaction.fees.length === 0 ? null : fee.toFixed(4),
      });
    }
    expect(transactions.some((transaction) => transaction.fees.length > 0)).toBe(true);
    expect(transactions.some((transaction) => transaction.kind === "REFUND")).toBe(true);
  });

  test("inventory levels: quantities by name under their location", async () => {
    const lines = linesOf("locations").map((line) => JSON.parse(line) as Line);
    const result = await convert(
      "locations",
      lines.map((line) => JSON.stringify(line)),
    );
    const rows = await query(fileOf(result, "inventory_levels"), "SELECT id, location_id, inventory_item_id, available, committed, on_hand FROM $file");
    const levels = ofType(lines, "InventoryLevel");
    const quantity = (level: Line, name: string) => (level.quantities as Line[]).find((each) => each.name === name)!.quantity;
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      levels
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((level) => ({
          id: level.id,
          location_id: level.__parentId,
          inventory_item_id: level.item.id,
          available: String(quantity(level, "available")),
          committed: String(quantity(level, "committed")),
          on_hand: String(quantity(level, "on_hand")),
        })),
    );
  });

  test("discounts: code and automatic discounts told apart; redeem codes under their discount", async () => {
    const lines = linesOf("discounts").map((line) => JSON.parse(line) as Line);
    const result = await convert(
      "discounts",
      lines.map((line) => JSON.stringify(line)),
    );
    const methods = await query(fileOf(result, "discounts"), "SELECT method, count(*)::INTEGER AS n FROM $file GROUP BY method ORDER BY method");
    const roots = lines.filter((line) => !line.__parentId);
    expect(methods).toEqual([
      { method: "automatic", n: roots.filter((line) => line.discount.__typename.startsWith("DiscountAutomatic")).length },
      { method: "code", n: roots.filter((line) => line.discount.__typename.startsWith("DiscountCode")).length },
    ]);
    const codes = await query(fileOf(result, "discount_redeem_codes"), "SELECT discount_id, count(*)::INTEGER AS n FROM $file GROUP BY discount_id");
    expect(codes.every((row) => row.discount_id.startsWith("gid://shopify/DiscountCodeNode/"))).toBe(true);
  });

  test("metafields: child rows with owner id, owner type, namespace, key, type and value", async () => {
    const lines = linesOf("customer_metafields");
    const result = await convert("customer_metafields", lines);
    const rows = await query(fileOf(result, "metafields"), "SELECT owner_id, owner_type, namespace, key, type, value FROM $file ORDER BY id");
    const expected = ofType(
      lines.map((line) => JSON.parse(line) as Line),
      "Metafield",
    ).map((line) => ({ owner_id: line.__parentId, owner_type: "Customer", namespace: line.namespace, key: line.key, type: line.type, value: line.value }));
    expect(rows).toEqual(expected);
  });
});

describe("the count check sees what no entity reads", () => {
  test("a child line of a type the fulfillment query does not ask for is not written, and the lines come up short of objectCount", async () => {
    const lines = linesOf("fulfillment_orders");
    const stray = '{"id":"gid://shopify/FulfillmentOrderMerchantRequest/1","__parentId":"gid://shopify/FulfillmentOrder/10"}';
    const result = await convert("fulfillment_orders", [...lines, stray]);
    expect(result.totalRows).toBe(countLines([...lines, stray]).objectCount - 1);
  });

  test("an order line carrying refunds counts once however many refunds it has (objectCount counts lines, not list elements)", async () => {
    const lines = [
      '{"id":"gid://shopify/Order/1","refunds":[]}',
      `{"id":"gid://shopify/Order/2","refunds":[{"id":"gid://shopify/Refund/1","createdAt":"2026-03-01T00:00:00Z","updatedAt":"2026-03-01T00:00:00Z","note":null,"totalRefundedSet":{"shopMoney":{"amount":"1.50","currencyCode":"EUR"}}},{"id":"gid://shopify/Refund/2","createdAt":"2026-03-02T00:00:00Z","updatedAt":"2026-03-02T00:00:00Z","note":"x","totalRefundedSet":{"shopMoney":{"amount":"2.00","currencyCode":"EUR"}}}]}`,
    ];
    const result = await convert("refunds", lines);
    expect(rowsOf(result)).toEqual({ refunds: 2, "order lines": 2 });
    expect(result.totalRows).toBe(2);
  });
});

test("metafields of orders, customers and products share one dataset: each object's part files carry its name", async () => {
  const names: string[] = [];
  for (const object of ["order_metafields", "customer_metafields", "product_metafields"] as const) {
    const lines = linesOf(object);
    const result = await streamConvert({
      source: Readable.from([Buffer.from(`${lines.join("\n")}\n`)]),
      object,
      workDir: path.join(dir, `stream-${object}`),
      partBytes: 2048,
      keepParquet: true,
      threads: 1,
    });
    expect(result.totalRows).toBe(countLines(lines).objectCount);
    for (const part of result.parts) names.push(part.fileName);
    expect(result.parts.every((part) => part.fileName.startsWith(`${object}-part-`))).toBe(true);
  }
  expect(new Set(names).size).toBe(names.length);
});

test("an export's object is told from its first line where the line can say (sdp convert without --entity)", () => {
  const detected = Object.fromEntries((Object.keys(expectedRows) as Array<keyof typeof expectedRows>).map((object) => [object, objectOfLine(linesOf(object)[0]!) ?? "name it"]));
  expect(detected).toEqual({
    refunds: "refunds",
    order_transactions: "order_transactions",
    fulfillment_orders: "fulfillment_orders",
    inventory_items: "inventory_items",
    locations: "locations",
    discounts: "discounts",
    // A bare {"id": ...} root line could be any of the three metafield exports.
    order_metafields: "name it",
    customer_metafields: "name it",
    product_metafields: "name it",
    draft_orders: "draft_orders",
  });
  expect(objectOfLine(linesOf("refunds")[0]!.replace(/"refunds":\[.*\]/, '"name":"#1001"'))).toBe("orders");
});
