import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { convertJsonl, ConversionFailed } from "../../functions/backfill/convert/convert";
import { objectSpecs } from "../../functions/backfill/convert/entities";
import { bulkLines, countLines } from "../../local/shopify-standin/dataset";
import { queryDuckDb, tempDirPerTest } from "../support/duckdb";
import { bulkQuery, parseBulkQuery } from "../../functions/backfill/queries";

const fixture = path.join(__dirname, "..", "fixtures", "bulk", "orders-edge-cases.jsonl");
const tempDir = tempDirPerTest("convert-test");
const query = queryDuckDb;

describe("convertJsonl", () => {
  test("splits orders and line items by __parentId, keeping missing optional fields as nulls", async () => {
    const result = await convertJsonl({ input: fixture, outDir: tempDir(), object: "orders", memoryLimit: "256MB", threads: 1 });
    expect(result.entities.map((entity) => [entity.entity, entity.rows])).toEqual([
      ["orders", 2],
      ["order_line_items", 3],
    ]);
    expect(result.totalRows).toBe(5);
    const orders = await query(`SELECT * FROM '${tempDir()}/orders/part-00000.parquet' ORDER BY name`);
    expect(orders[1]).toMatchObject({ id: "gid://shopify/Order/2", email: null, customer_id: null, total_price: null, tags: null, test: true });
    const items = await query(`SELECT * FROM '${tempDir()}/order_line_items/part-00000.parquet' ORDER BY id`);
    expect(items.map((item) => item.order_id)).toEqual(["gid://shopify/Order/9007199254740993", "gid://shopify/Order/9007199254740993", "gid://shopify/Order/2"]);
    expect(items[1]).toMatchObject({ variant_id: null, product_id: null, sku: null });
    expect(items[2]).toMatchObject({ name: null, unit_price: null });
  });

  test("keeps unicode, ids above 2^53 and three- and four-decimal money exactly, with typed columns", async () => {
    await convertJsonl({ input: fixture, outDir: tempDir(), object: "orders", threads: 1 });
    const [order] = await query(`SELECT * FROM '${tempDir()}/orders/part-00000.parquet' WHERE name LIKE '#1001%'`);
    expect(order).toMatchObject({
      id: "gid://shopify/Order/9007199254740993",
      legacy_resource_id: "9007199254740993",
      name: "#1001 Zoë ☕ 山田",
      email: "zoë@example.com",
      customer_id: "gid://shopify/Customer/18446744073709551615",
      currency: "KWD",
      tags: "vip, 😀",
      total_price: "12345678901234.5670",
      subtotal_price: "10.1250",
      total_shipping: "1.0000",
    });
    const [item] = await query(`SELECT unit_price, name FROM '${tempDir()}/order_line_items/part-00000.parquet' WHERE id = 'gid://shopify/LineItem/1'`);
    expect(item).toEqual({ unit_price: "5.0625", name: 'Café crème "double"' });
    const types = Object.fromEntries((await query(`DESCRIBE SELECT * FROM '${tempDir()}/orders/part-00000.parquet'`)).map((row) => [row.column_name, row.column_type]));
    expect(types).toMatchObject({ id: "VARCHAR", legacy_resource_id: "VARCHAR", total_price: "DECIMAL(18,4)", created_at: "TIMESTAMP WITH TIME ZONE", test: "BOOLEAN" });
    const [updated] = await query(`SELECT updated_at::VARCHAR AS at FROM '${tempDir()}/orders/part-00000.parquet' WHERE name LIKE '#1001%'`);
    expect(String(updated!.at)).toMatch(/^2026-01-02 10:00:00/);
  });

  test("reads gzip exports (detected from the bytes, not the name)", async () => {
    const gz = path.join(tempDir(), "export.bin");
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(fixture)));
    const result = await convertJsonl({ input: gz, outDir: path.join(tempDir(), "out"), object: "orders", threads: 1 });
    expect(result.totalRows).toBe(5);
  });

  test("customers and products (with variants) from the seeded dataset: every line lands in one entity", async () => {
    for (const object of ["customers", "products"] as const) {
      const lines = [...bulkLines(object, { since: "2026-02-01T00:00:00Z", until: "2026-02-03T00:00:00Z", perDay: 7 })];
      const file = path.join(tempDir(), `${object}.jsonl`);
      fs.writeFileSync(file, `${lines.join("\n")}\n`);
      const result = await convertJsonl({ input: file, outDir: path.join(tempDir(), object), object, threads: 1 });
      const counts = countLines(lines);
      expect(result.totalRows).toBe(counts.objectCount);
      expect(result.entities[0]!.rows).toBe(counts.rootObjectCount);
      expect(result.entities.map((entity) => entity.entity)).toEqual(objectSpecs[object].entities.map((entity) => entity.entity));
    }
    const variants = await query(`SELECT price, compare_at_price, legacy_resource_id FROM '${tempDir()}/products/product_variants/part-00000.parquet' LIMIT 1`);
    expect(String(variants[0]!.price)).toMatch(/^\d+\.\d{4}$/);
    expect(String(variants[0]!.legacy_resource_id)).toMatch(/^90071992547409\d\d$/);
  });

  test("an empty export writes no files and counts zero", async () => {
    const empty = path.join(tempDir(), "empty.jsonl");
    fs.writeFileSync(empty, "");
    const result = await convertJsonl({ input: empty, outDir: path.join(tempDir(), "out"), object: "orders", threads: 1 });
    expect(result.totalRows).toBe(0);
    expect(result.entities.every((entity) => entity.file === undefined)).toBe(true);
  });

  test("a line that is not JSON fails the conversion loudly instead of being skipped", async () => {
    const broken = path.join(tempDir(), "broken.jsonl");
    fs.writeFileSync(broken, `${fs.readFileSync(fixture, "utf8")}{"id": "gid://shopify/Order/3", oops\n`);
    await expect(convertJsonl({ input: broken, outDir: path.join(tempDir(), "out"), object: "orders", threads: 1 })).rejects.toBeInstanceOf(ConversionFailed);
  });

  test("a money amount that is not a number fails loudly", async () => {
    const bad = path.join(tempDir(), "bad-money.jsonl");
    fs.writeFileSync(bad, '{"id":"gid://shopify/Order/1","totalPriceSet":{"shopMoney":{"amount":"twelve","currencyCode":"EUR"}}}\n');
    await expect(convertJsonl({ input: bad, outDir: path.join(tempDir(), "out"), object: "orders", threads: 1 })).rejects.toThrow(/twelve|convert/i);
  });

  test("a missing input file is a clear error", async () => {
    await expect(convertJsonl({ input: path.join(tempDir(), "nope.jsonl"), outDir: tempDir(), object: "orders" })).rejects.toThrow(/not found/);
  });
});

describe("bulk queries", () => {
  test("one top-level connection with an updated_at range the stand-in can parse back", () => {
    for (const object of ["orders", "customers", "products"] as const) {
      const text = bulkQuery(object, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
      expect(parseBulkQuery(text)).toEqual({ object, since: "2026-01-01T00:00:00Z", until: "2026-02-01T00:00:00Z" });
      // Every JSON column the converter reads (except __parentId) is selected by the query.
      for (const column of Object.keys(objectSpecs[object].jsonColumns).filter((name) => name !== "__parentId")) {
        expect(text).toMatch(new RegExp(`\\b${column}\\b`));
      }
    }
    expect(bulkQuery("orders", "a", "b")).toContain("lineItems");
    expect(bulkQuery("products", "a", "b")).toContain("variants");
  });
});
