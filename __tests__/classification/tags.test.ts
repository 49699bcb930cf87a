/**
 * `data-classification` resource tags from contracts/classification.ts: each DynamoDB hot table
 * carries the highest sensitivity of what it holds (every personal field of the vendor schemas
 * its items are made of must be listed in `hotTableData`, found by walking the schemas' ASTs),
 * each lake bucket its own; the synthesized stacks carry exactly those tags, and the tag change
 * needs no call the deploy role lacks (Terraform tags an existing table or bucket with
 * dynamodb:TagResource / s3:PutBucketTagging, which policies/terraform-calls.ts lists and
 * __tests__/infra/iam-simulation.test.ts simulates for every resource).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Schema } from "effect";
import {
  bucketClassifications,
  classificationOf,
  hotTableClassification,
  hotTableClassificationOf,
  hotTableData,
  tableClassification,
  vendorClassificationOf,
  type Sensitivity,
} from "../../contracts/classification";
import { tableKeys, tableSpecs } from "../../contracts/tables";
import { accessLogBucketName, lakeBucketName, tableName } from "../../contracts/naming";
import { lakeTables } from "../../stacks/lake-catalog";
import { callsOf, terraformResourceTypes } from "../../policies/terraform-calls";
import { resourcesOf, synthesize, type Synthesized } from "../infra/helpers";
import { fieldPaths, structSchemasOf } from "./schema-fields";

const functionsDir = path.join(__dirname, "..", "..", "functions");
const rank: ReadonlyArray<Sensitivity> = ["public", "internal", "confidential", "restricted"];
const highest = (levels: ReadonlyArray<Sensitivity>): Sensitivity => levels.reduce((top, next) => (rank.indexOf(next) > rank.indexOf(top) ? next : top), "internal");

/** A vendor's exported struct schemas by export name, from every module of its folder. */
const schemasOf = (vendor: string): ReadonlyMap<string, Schema.Schema.Any> =>
  new Map(
    ["schemas.ts", "discounts.ts", "draft-orders.ts", "fulfillment-orders.ts", "fulfillments.ts", "inventory.ts", "locations.ts", "order-transactions.ts", "refunds.ts"]
      .filter((file) => vendor === "shopify" || file === "schemas.ts")
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      .flatMap((file) => structSchemasOf(require(path.join(functionsDir, vendor, file)) as Record<string, unknown>)),
  );

describe("what each hot table holds", () => {
  test("every table of contracts/tables.ts is described, every listed field is classified", () => {
    expect(Object.keys(hotTableData).sort()).toEqual([...tableKeys].sort());
    for (const key of tableKeys) {
      const data = hotTableData[key];
      for (const field of data.fields) {
        const classification = (data.vendor ? vendorClassificationOf(data.vendor, field.split(".")) : undefined) ?? classificationOf(field);
        expect({ key, field, classified: classification !== undefined }).toEqual({ key, field, classified: true });
      }
    }
  });

  test.each(tableKeys.filter((key) => hotTableData[key].vendor !== undefined))(
    "%s: every personal field of its schemas is listed, and the tag is their highest sensitivity",
    (key) => {
      const data = hotTableData[key];
      const schemas = schemasOf(data.vendor!);
      const personal = new Map<string, Sensitivity>();
      for (const name of data.schemas ?? []) {
        const schema = schemas.get(name);
        expect({ key, name, found: schema !== undefined }).toEqual({ key, name, found: true });
        const covered: string[] = [];
        for (const field of fieldPaths(schema!)) {
          const dotted = field.path.join(".");
          if (covered.some((prefix) => dotted.startsWith(`${prefix}.`))) continue;
          const classification = vendorClassificationOf(data.vendor!, field.path);
          if (classification === undefined) continue; // an unflagged struct: its fields are looked at one by one
          if (field.container) covered.push(dotted);
          if (classification.pii !== "none" || classification.sensitivity !== "internal") personal.set(dotted, classification.sensitivity);
        }
      }
      expect([...personal.keys()].filter((field) => !data.fields.includes(field))).toEqual([]);
      // And nothing listed that its schemas do not have (a flag for a field that is gone).
      expect(data.fields.filter((field) => !personal.has(field))).toEqual([]);
      expect(hotTableClassification(key)).toBe(highest([...personal.values()]));
    },
  );

  test("the tags say what a reader expects: people's contact data restricted, pointers confidential, the rest internal", () => {
    expect(hotTableClassification("customers")).toBe("restricted");
    expect(hotTableClassification("orders")).toBe("restricted");
    expect(hotTableClassification("gdprRequests")).toBe("restricted");
    expect(hotTableClassification("payments")).toBe("confidential");
    expect(hotTableClassification("subscriptions")).toBe("confidential");
    expect(hotTableClassification("subjectIndex")).toBe("confidential");
    expect(hotTableClassification("idempotency")).toBe("internal");
    expect(hotTableClassification("leases")).toBe("internal");
    expect(hotTableClassificationOf(tableSpecs.orders.logicalName)).toBe("restricted");
    expect(() => hotTableClassificationOf("no-such-table")).toThrow(/no table spec/);
  });

  test("the lake bucket is as sensitive as the most sensitive lake table", () => {
    expect(bucketClassifications.lake).toBe(highest(lakeTables.map((table) => tableClassification([...table.columns, ...table.partitionKeys].map((column) => column.name)))));
  });

  test("Terraform tags existing tables and buckets with calls the deploy role is simulated for", () => {
    const actions = (type: string) => callsOf(terraformResourceTypes[type]!, "update").map((call) => call.action);
    expect(actions("aws_dynamodb_table")).toEqual(expect.arrayContaining(["dynamodb:TagResource", "dynamodb:UntagResource"]));
    expect(actions("aws_s3_bucket")).toContain("s3:PutBucketTagging");
  });
});

const classificationDoc = path.join(__dirname, "..", "..", "docs", "data-classification.md");
const BEGIN = "<!-- tags:begin (generated from contracts/classification.ts by __tests__/classification/tags.test.ts; UPDATE_DATA_DICTIONARY=1 rewrites it) -->";
const END = "<!-- tags:end -->";

/** The hot tables' and buckets' `data-classification` tags, with what each table holds. */
const tagsSection = (): string =>
  [
    BEGIN,
    "## Resource tags (`data-classification`)",
    "",
    "| resource | data-classification | holds (fields with personal data or above internal) |",
    "| --- | --- | --- |",
    ...tableKeys.map((key) => {
      const data = hotTableData[key];
      const from = data.vendor ? `${data.vendor} ${(data.schemas ?? []).map((name) => `\`${name}\``).join(", ")}: ` : "";
      return `| DynamoDB \`${tableSpecs[key].logicalName}\` | ${hotTableClassification(key)} | ${from}${data.fields.map((field) => `\`${field}\``).join(", ") || "nothing personal"} |`;
    }),
    `| S3 lake bucket | ${bucketClassifications.lake} | every raw document, snapshot and output |`,
    `| S3 access-log bucket | ${bucketClassifications.accessLogs} | requesters' IPs and object keys |`,
    END,
  ].join("\n");

test("docs/data-classification.md's tags section is the generated one", () => {
  const text = fs.readFileSync(classificationDoc, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (process.env.UPDATE_DATA_DICTIONARY === "1") {
    fs.writeFileSync(classificationDoc, start >= 0 ? `${text.slice(0, start)}${tagsSection()}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${tagsSection()}\n`);
    return;
  }
  expect(start).toBeGreaterThanOrEqual(0);
  expect(text.slice(start, end + END.length)).toBe(tagsSection());
});

describe("the synthesized stacks", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging", "prod"], functionEntry: () => undefined });
  });
  afterAll(() => synth?.cleanup());

  test.each(["staging", "prod"])("%s: each DynamoDB table is tagged with its classification (over the layer's default tag)", (env) => {
    const tables = resourcesOf(synth.stack(`acme-${env}-hot-stores`), "aws_dynamodb_table");
    expect(tables).toHaveLength(tableKeys.length);
    const tags = Object.fromEntries(tables.map((table) => [table.name, table.tags["data-classification"]]));
    expect(tags).toEqual(Object.fromEntries(tableKeys.map((key) => [tableName("acme", env, tableSpecs[key].logicalName), hotTableClassification(key)])));
  });

  test.each(["staging", "prod"])("%s: the lake and access-log buckets carry theirs; Glue tables keep theirs as a parameter", (env) => {
    const lake = synth.stack(`acme-${env}-lake`);
    const buckets = resourcesOf(lake, "aws_s3_bucket");
    const account = env === "prod" ? "333333333333" : "222222222222";
    expect(Object.fromEntries(buckets.map((bucket) => [bucket.bucket, bucket.tags?.["data-classification"]]))).toEqual({
      [lakeBucketName("acme", account, env)]: bucketClassifications.lake,
      [accessLogBucketName("acme", account, env)]: bucketClassifications.accessLogs,
    });
    for (const table of resourcesOf(lake, "aws_glue_catalog_table")) expect(["internal", "confidential", "restricted"]).toContain(table.parameters["data-classification"]);
  });
});
