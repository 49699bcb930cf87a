/**
 * local/dynalite-expressions.ts: a remembered parse gives exactly what dynalite's own parse gives
 * (the same tree with this request's values, the same unused-name and unused-value errors, the
 * same error messages), for the platform's own expressions and for others.
 */
import { memoizeDynaliteExpressions } from "../../local/dynalite-expressions";

/* eslint-disable @typescript-eslint/no-require-imports */
const validations = require("dynalite/validations") as { validateExpressions: (data: any) => string | undefined };

type Request = Record<string, unknown>;

/** dynalite's validation of a request's expressions: its message, or the parsed parts it keeps. */
const validate = (request: Request) => {
  const data = structuredClone(request) as any;
  const message = validations.validateExpressions(data);
  return { message, condition: data._condition, updates: data._updates, keyCondition: data._keyCondition };
};

const notTombstone = "(attribute_not_exists(#deleted) OR #deleted <> :true)";
/** Each case: the same expression with values that change from request to request (same types). */
const cases: Array<{ name: string; requests: Request[] }> = [
  {
    name: "putIfNewer (kernel/live/dynamodb.ts)",
    requests: ["2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-01-01T00:00:00Z"].map((version) => ({
      ConditionExpression: `attribute_not_exists(#pk) OR (${notTombstone} AND (attribute_not_exists(#v) OR #v < :v))`,
      ExpressionAttributeNames: { "#pk": "id", "#deleted": "deleted", "#v": "updated_at" },
      ExpressionAttributeValues: { ":true": { BOOL: true }, ":v": { S: version } },
    })),
  },
  {
    name: "claim (kernel/live/dynamodb.ts)",
    requests: [1000, 1001, 99].map((now) => ({
      ConditionExpression: "attribute_not_exists(#pk) OR #exp <= :now",
      ExpressionAttributeNames: { "#pk": "key", "#exp": "expires_at" },
      ExpressionAttributeValues: { ":now": { N: String(now) } },
    })),
  },
  {
    name: "updateIfExists (kernel/live/dynamodb.ts)",
    requests: ["a", "b"].map((value) => ({
      UpdateExpression: "SET #a0 = :a0, #a1 = :a1",
      ConditionExpression: "attribute_exists(#pk)",
      ExpressionAttributeNames: { "#pk": "id", "#a0": "recovered", "#a1": "recovered_by" },
      ExpressionAttributeValues: { ":a0": { BOOL: true }, ":a1": { S: value } },
    })),
  },
  {
    name: "upsertAttributes (kernel/live/dynamodb.ts)",
    requests: [
      ["o1", 100],
      ["o2", 200],
    ].map(([order, expires]) => ({
      UpdateExpression: "SET #a0 = :a0, #a1 = :a1, #c0 = if_not_exists(#c0, :c0)",
      ExpressionAttributeNames: { "#a0": "status", "#a1": "recovered_order_id", "#c0": "expires_at" },
      ExpressionAttributeValues: { ":a0": { S: "recovered" }, ":a1": { S: String(order) }, ":c0": { N: String(expires) } },
    })),
  },
  {
    name: "nested paths, IN, size, a value used twice",
    requests: [
      ["x", "1"],
      ["y", "2"],
    ].map(([text, number]) => ({
      ConditionExpression: "#m.#k[0] = :s AND (size(#l) > :n OR #s IN (:s, :t)) AND NOT begins_with(#s, :s)",
      ExpressionAttributeNames: { "#m": "map", "#k": "list", "#l": "items", "#s": "status" },
      ExpressionAttributeValues: { ":s": { S: text }, ":n": { N: number }, ":t": { S: `${text}!` } },
    })),
  },
  {
    name: "update with list_append, ADD and REMOVE",
    requests: ["1", "5"].map((count) => ({
      UpdateExpression: "SET #l = list_append(#l, :l) ADD #n :one REMOVE #old",
      ExpressionAttributeNames: { "#l": "events", "#n": "count", "#old": "stale" },
      ExpressionAttributeValues: { ":l": { L: [{ S: `event-${count}` }] }, ":one": { N: count } },
    })),
  },
  {
    name: "a key condition",
    requests: ["shop-a", "shop-b"].map((shop) => ({
      KeyConditionExpression: "#k = :k",
      ExpressionAttributeNames: { "#k": "shop" },
      ExpressionAttributeValues: { ":k": { S: shop } },
    })),
  },
  {
    name: "errors: an undefined value, an unused name, an unused value, a syntax error, a type change",
    requests: [
      { ConditionExpression: "#a = :missing", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { S: "x" } } },
      { ConditionExpression: "#a = :x", ExpressionAttributeNames: { "#a": "a", "#unused": "b" }, ExpressionAttributeValues: { ":x": { S: "x" } } },
      { ConditionExpression: "#a = :x", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { S: "x" }, ":y": { S: "y" } } },
      { ConditionExpression: "#a = = :x", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { S: "x" } } },
      { ConditionExpression: "#a = :x", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { S: "x" } } },
      { ConditionExpression: "#a = :x", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { N: "1" } } },
      { ConditionExpression: "begins_with(#a, :x)", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { S: "x" } } },
      { ConditionExpression: "begins_with(#a, :x)", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":x": { N: "1" } } },
    ],
  },
  {
    name: "content-dependent: BETWEEN bounds and attribute_type names",
    requests: [
      { ConditionExpression: "#a BETWEEN :lo AND :hi", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":lo": { N: "1" }, ":hi": { N: "9" } } },
      { ConditionExpression: "#a BETWEEN :lo AND :hi", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":lo": { N: "9" }, ":hi": { N: "1" } } },
      { ConditionExpression: "attribute_type(#a, :t)", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":t": { S: "S" } } },
      { ConditionExpression: "attribute_type(#a, :t)", ExpressionAttributeNames: { "#a": "a" }, ExpressionAttributeValues: { ":t": { S: "NOPE" } } },
    ],
  },
];

// dynalite's own answers, before the parsers are memoized.
const expected = cases.map(({ requests }) => requests.map(validate));

beforeAll(() => memoizeDynaliteExpressions());

describe.each(cases.map((entry, index) => [entry.name, index] as const))("%s", (_name, index) => {
  test("each request, parsed once and then remembered, validates as dynalite alone does", () => {
    for (let round = 0; round < 3; round++) {
      cases[index]!.requests.forEach((request, at) => expect(validate(request)).toEqual(expected[index]![at]));
    }
  });
});

test("the platform's expressions validate without error, and some cases are errors, so the comparison covers both", () => {
  expect(expected[0]!.every((result) => result.message === undefined && result.condition !== undefined)).toBe(true);
  expect(expected[7]!.map((result) => result.message !== undefined)).toEqual([true, true, true, true, false, false, false, true]);
  expect(expected[8]!.map((result) => result.message !== undefined)).toEqual([false, true, false, true]);
});

test("a remembered tree carries the request's own values, and changing one result leaves the next intact", () => {
  const request = cases[0]!.requests[0]!;
  const first = validate(request);
  const firstText = JSON.stringify(first.condition);
  first.condition.expression.args[0].name = "changed";
  const second = validate({ ...request, ExpressionAttributeValues: { ":true": { BOOL: true }, ":v": { S: "2030-01-01T00:00:00Z" } } });
  expect(JSON.stringify(second.condition)).toContain("2030-01-01T00:00:00Z");
  expect(JSON.stringify(second.condition)).not.toContain("changed");
  expect(validate(request).condition).toEqual(JSON.parse(firstText));
});
