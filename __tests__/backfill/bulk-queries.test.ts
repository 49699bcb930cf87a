/**
 * Every bulk query the backfill submits stays within Shopify's bulk-operation limits (one
 * top-level connection, at most five connections, at most two levels of nested connections, no
 * connection inside a list field), selects every JSON field the converter reads, and is
 * recognised by the stand-in. The validator itself is shown to reject each kind of violation.
 */
import { bulkEntities, bulkEntitiesByObject, bulkObjects, followUpEntitiesByObject, objectsForName } from "../../contracts/bulk-entities";
import { objectSpecs } from "../../functions/backfill/convert/entities";
import { BULK_QUERY_LIMITS, bulkQuery, parseBulkQuery, validateBulkQuery } from "../../functions/backfill/queries";

const since = "2026-01-01T00:00:00Z";
const until = "2026-02-01T00:00:00Z";

describe("every bulk query is within Shopify's limits", () => {
  test.each(bulkObjects.map((object) => [object]))("%s", (object) => {
    const report = validateBulkQuery(bulkQuery(object, since, until));
    expect(report.problems).toEqual([]);
    expect(report.connections).toBeGreaterThanOrEqual(1);
    expect(report.connections).toBeLessThanOrEqual(BULK_QUERY_LIMITS.maxConnections);
    expect(report.nestingDepth).toBeLessThanOrEqual(BULK_QUERY_LIMITS.maxNestingDepth);
  });

  test("the queries that need Shopify's edges: discounts uses all five connections, fulfillment orders two levels", () => {
    expect(validateBulkQuery(bulkQuery("discounts", since, until))).toMatchObject({ connections: 5, nestingDepth: 1 });
    expect(validateBulkQuery(bulkQuery("fulfillment_orders", since, until))).toMatchObject({ connections: 4, nestingDepth: 2 });
  });
});

describe("the validator rejects what Shopify rejects", () => {
  const node = (body: string) => `{ edges { node { ${body} } } }`;
  test.each([
    [
      "six connections",
      `{ discountNodes${node(`id discount { ... on DiscountCodeBasic { codes${node("id")} } ... on DiscountCodeBxgy { codes${node("id")} } ... on DiscountCodeFreeShipping { codes${node("id")} } ... on DiscountCodeApp { codes${node("id")} } } metafields${node("id")}`)} }`,
      /6 connections \(at most 5\)/,
    ],
    [
      "three levels of nested connections",
      `{ products${node(`id variants${node(`id metafields${node(`id references${node("id")}`)}`)}`)} }`,
      /products\.variants\.metafields\.references: connection nested 3 levels deep/,
    ],
    [
      "a connection inside the Order.refunds list",
      `{ orders${node(`id refunds { id refundLineItems${node("id quantity")} }`)} }`,
      /connection inside the list field orders\.refunds/,
    ],
    [
      "a connection inside the Order.fulfillments list",
      `{ orders${node(`id fulfillments { id fulfillmentLineItems${node("id")} }`)} }`,
      /connection inside the list field orders\.fulfillments/,
    ],
    ["two top-level connections", `{ orders${node("id")} customers${node("id")} }`, /exactly one top-level field, found 2/],
    ["the top-level nodes field", `{ nodes(ids: ["gid://shopify/Order/1"]) { id } }`, /top-level nodes field cannot be used/],
    ["a top-level field that is not a connection", `{ shop { name } }`, /no connection field/],
    ["unbalanced braces", `{ orders${node("id")}`, /not a query Shopify can parse/],
  ])("%s", (_name, query, problem) => {
    const report = validateBulkQuery(query);
    expect(report.problems.join("\n")).toMatch(problem);
  });

  test("pageInfo, aliases, arguments with braces in strings and fragments do not confuse it", () => {
    const query = `{ orders(query: "tag:'{x}'") { pageInfo { hasNextPage } edges { node { orderId: id ... on Order { lineItems { edges { node { id } } } } } } } }`;
    expect(validateBulkQuery(query)).toEqual({ connections: 2, nestingDepth: 1, problems: [] });
  });
});

describe("queries select what the converter reads", () => {
  test.each(bulkObjects.map((object) => [object]))("%s: every JSON column is a field of its query", (object) => {
    const query = bulkQuery(object, since, until);
    const fields = new Set(query.match(/[A-Za-z_][A-Za-z0-9_]*/g));
    const missing = Object.keys(objectSpecs[object].jsonColumns).filter((column) => column !== "__parentId" && !fields.has(column));
    expect(missing).toEqual([]);
  });

  test.each(bulkObjects.map((object) => [object]))("%s: the stand-in recognises its query and range, and no other object's", (object) => {
    expect(parseBulkQuery(bulkQuery(object, since, until))).toEqual({ object, since, until });
  });

  test("an edited query is not mistaken for one of ours", () => {
    expect(parseBulkQuery(bulkQuery("refunds", since, until).replace("note", "note secret"))).toBeUndefined();
  });
});

describe("objects and entities", () => {
  test("the snapshot names the curated SQL reads are all declared; the two that cannot be bulk-exported are named", () => {
    const expected = [
      "refunds",
      "order_transactions",
      "fulfillments",
      "fulfillment_line_items",
      "fulfillment_orders",
      "fulfillment_order_line_items",
      "inventory_items",
      "inventory_levels",
      "locations",
      "discounts",
      "discount_redeem_codes",
      "metafields",
      "draft_orders",
      "draft_order_line_items",
    ];
    for (const entity of expected) expect(bulkEntities).toContain(entity);
    // Not in any bulk query (connections inside the Order.refunds list): fetched after the refunds export, still projected by Glue.
    expect(followUpEntitiesByObject.refunds).toEqual(["refund_line_items", "order_adjustments"]);
    for (const entity of followUpEntitiesByObject.refunds) {
      expect(bulkEntities).toContain(entity);
      expect(Object.values(bulkEntitiesByObject).flat()).not.toContain(entity);
      expect(objectsForName(entity)).toEqual(["refunds"]);
    }
  });

  test("an entity name stands for the objects that write it", () => {
    expect(objectsForName("metafields")).toEqual(["order_metafields", "customer_metafields", "product_metafields"]);
    expect(objectsForName("inventory_levels")).toEqual(["locations"]);
    expect(objectsForName("fulfillment_line_items")).toEqual(["fulfillment_orders"]);
    expect(objectsForName("refunds")).toEqual(["refunds"]);
    expect(objectsForName("carts")).toEqual([]);
    for (const object of bulkObjects) expect(objectSpecs[object].entities.map((spec) => spec.entity)).toEqual([...bulkEntitiesByObject[object]]);
  });
});
