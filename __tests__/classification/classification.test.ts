/**
 * Classification and access (GDPR issue, item 8): one map (contracts/classification.ts) and the
 * four places it drives agree: the Glue column parameters and table classification of the
 * synthesized lake stack, the logger's redaction, the data dictionary's classification section,
 * and the analyst role, whose synthesized policy is simulated (Athena and processed/ + curated/
 * allowed; raw/, snapshots/, restricted/ and the tables holding direct PII denied).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { classificationOf, directPiiFieldNames, holdsDirectPii, tableClassification } from "../../contracts/classification";
import { REDACTED, redact } from "../../functions/kernel/redact";
import { simulate } from "../../policies/ci-simulation";
import { analystTables } from "../../stacks/lake";
import { lakeTables } from "../../stacks/lake-catalog";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "../infra/helpers";

// docs/data-dictionary.md itself is generated whole by etl/docs.ts (its own test): the per-column
// classification is this generated section of docs/data-classification.md, linked from there.
const dictionaryPath = path.join(__dirname, "..", "..", "docs", "data-classification.md");
const BEGIN = "<!-- classification:begin (generated from contracts/classification.ts by __tests__/classification/classification.test.ts; UPDATE_DATA_DICTIONARY=1 rewrites it) -->";
const END = "<!-- classification:end -->";

/** The dictionary's classification section: every lake table's columns with their flags. */
const classificationSection = (): string => {
  const lines = [
    BEGIN,
    "## Classification (personal data and sensitivity)",
    "",
    "From contracts/classification.ts, the one map behind the Glue column parameters (`pii`, `sensitivity`), each table's `data-classification`, the logger's redaction and the analyst role. `direct`: identifies a person by itself; `pseudonymous`: an id pointing at a person through another store; analysts read only tables without `direct` columns.",
    "",
    "| table | data-classification | analyst | column | pii | sensitivity |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  const analyst = new Set(analystTables().map((table) => table.name));
  for (const table of lakeTables) {
    const columns = [...table.columns, ...table.partitionKeys].map((column) => column.name);
    for (const [index, column] of columns.entries()) {
      const classification = classificationOf(column)!;
      lines.push(
        index === 0
          ? `| \`${table.name}\` | ${tableClassification(columns)} | ${analyst.has(table.name) ? "yes" : "no"} | \`${column}\` | ${classification.pii} | ${classification.sensitivity} |`
          : `| | | | \`${column}\` | ${classification.pii} | ${classification.sensitivity} |`,
      );
    }
  }
  lines.push(END);
  return lines.join("\n");
};

describe("one classification map", () => {
  test("every lake column is classified", () => {
    const unclassified = lakeTables.flatMap((table) =>
      [...table.columns, ...table.partitionKeys].filter((column) => classificationOf(column.name) === undefined).map((column) => `${table.name}.${column.name}`),
    );
    expect(unclassified).toEqual([]);
  });

  test("the logger drops every direct-PII field whole", () => {
    expect(directPiiFieldNames.length).toBeGreaterThan(10);
    const logged = redact(Object.fromEntries(directPiiFieldNames.map((field) => [field, "value-7"]))) as Record<string, unknown>;
    expect(Object.entries(logged).filter(([, value]) => value !== REDACTED)).toEqual([]);
    // Pseudonymous ids and order data stay readable in logs.
    expect(redact({ order_id: "gid://shopify/Order/1", financial_status: "paid" })).toEqual({ order_id: "gid://shopify/Order/1", financial_status: "paid" });
  });

  test("the data dictionary's classification section (docs/data-classification.md) is the generated one", () => {
    const text = fs.readFileSync(dictionaryPath, "utf8");
    const generated = classificationSection();
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    if (process.env.UPDATE_DATA_DICTIONARY === "1") {
      const next = start >= 0 ? `${text.slice(0, start)}${generated}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${generated}\n`;
      fs.writeFileSync(dictionaryPath, next);
      return;
    }
    expect(start).toBeGreaterThanOrEqual(0);
    expect(text.slice(start, end + END.length)).toBe(generated);
  });

  test("analysts' tables are under processed/ or curated/ and hold no direct PII; the raw and snapshot tables are not theirs", () => {
    const names = analystTables().map((table) => table.name);
    expect(names).toContain("orders_enriched");
    for (const table of analystTables()) expect(holdsDirectPii([...table.columns, ...table.partitionKeys].map((column) => column.name))).toBe(false);
    for (const name of ["raw_events", "raw_text", "shopify_bulk_snapshots"]) expect(names).not.toContain(name);
    expect(holdsDirectPii(["order_id", "email"])).toBe(true);
  });
});

describe("the synthesized lake stack", () => {
  const ACCOUNT = "222222222222";
  const REGION = "eu-west-1";
  const BUCKET = `arn:aws:s3:::acme-data-lake-${ACCOUNT}-staging`;
  const DATABASE = "acme_staging_lake";
  let synth: Synthesized;
  let lake: ReturnType<Synthesized["stack"]>;
  let analystPolicy: unknown;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    lake = synth.stack("acme-staging-lake");
    const found = resourcesOf(lake, "aws_iam_role_policy").find((candidate) => candidate.name === "analyst-queries");
    const workgroup = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/acme-staging-analyst`;
    analystPolicy = JSON.parse(
      String(found.policy).replace(/\$\{([^}]+)\}/g, (_, reference: string) =>
        /aws_athena_workgroup\.athena-analyst-workgroup\.arn$/.test(reference)
          ? workgroup
          : /aws_glue_catalog_database\.glue-database\.name$/.test(reference)
            ? DATABASE
            : /kms_key/.test(reference)
              ? `arn:aws:kms:${REGION}:${ACCOUNT}:key/lake-0000`
              : `arn:aws:unresolved:::${reference}`,
      ),
    );
  });
  afterAll(() => synth?.cleanup());

  test("each Glue column carries its pii and sensitivity; each table its data-classification", () => {
    const tables = resourcesOf(lake, "aws_glue_catalog_table");
    expect(tables.length).toBe(lakeTables.length);
    for (const table of tables) {
      const spec = lakeTables.find((candidate) => candidate.name === table.name)!;
      for (const column of table.storage_descriptor.columns)
        expect(column.parameters).toEqual({ pii: classificationOf(column.name)!.pii, sensitivity: classificationOf(column.name)!.sensitivity });
      expect(table.parameters["data-classification"]).toBe(tableClassification([...spec.columns, ...spec.partitionKeys].map((column) => column.name)));
    }
    expect(tables.find((table) => table.name === "raw_text").parameters["data-classification"]).toBe("restricted");
  });

  const decide = async (action: string, resource: string, context: Record<string, string> = {}) =>
    (
      await simulate({
        principal: `arn:aws:iam::${ACCOUNT}:role/acme-staging-analyst`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: "analyst", policy: analystPolicy }],
      })
    ).decision;
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;

  test.each([
    ["athena:StartQueryExecution", `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/acme-staging-analyst`],
    ["athena:GetQueryResults", `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/acme-staging-analyst`],
    ["glue:GetTable", glue(`table/${DATABASE}/orders_enriched`)],
    ["glue:GetPartitions", glue(`table/${DATABASE}/orders_enriched`)],
    ["s3:GetObject", `${BUCKET}/processed/shopify/orders_enriched/dt=2026-03-01/part-0.parquet`],
    ["s3:GetObject", `${BUCKET}/curated/daily_sales/part-0.parquet`],
    ["s3:PutObject", `${BUCKET}/athena-results/analyst/q-1.csv`],
  ])("allows %s on %s", async (action, resource) => {
    expect(await decide(action, resource)).toBe("Allowed");
  });

  test("decrypts with the lake key only (KMS also needs the key policy: the foundation's allows the account's IAM policies)", () => {
    const statements = (analystPolicy as { Statement: Array<{ Action: string[]; Resource: string[] }> }).Statement.filter((statement) =>
      statement.Action.some((action) => action.startsWith("kms:")),
    );
    expect(statements).toEqual([expect.objectContaining({ Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [`arn:aws:kms:${REGION}:${ACCOUNT}:key/lake-0000`] })]);
  });

  test("lists processed/ but not raw/", async () => {
    expect(await decide("s3:ListBucket", BUCKET, { "s3:prefix": "processed/shopify/" })).toBe("Allowed");
    expect(await decide("s3:ListBucket", BUCKET, { "s3:prefix": "raw/shopify/" })).not.toBe("Allowed");
  });

  test.each([
    ["s3:GetObject", `${BUCKET}/raw/shopify/customers/dt=2026-03-01/wh-1.json`],
    ["s3:GetObject", `${BUCKET}/snapshots/shopify/customers/run=r/part-0.parquet`],
    ["s3:GetObject", `${BUCKET}/restricted/gdpr-exports/r/subject.json`],
    ["s3:GetObject", `${BUCKET}/athena-results/etl-query.csv`],
    ["glue:GetTable", glue(`table/${DATABASE}/raw_events`)],
    ["glue:GetTable", glue(`table/${DATABASE}/raw_text`)],
    ["glue:GetTable", glue(`table/${DATABASE}/shopify_bulk_snapshots`)],
    ["athena:StartQueryExecution", `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/acme-staging-analytics`],
    ["s3:PutObject", `${BUCKET}/processed/shopify/orders_enriched/dt=2026-03-01/x.parquet`],
  ])("denies %s on %s", async (action, resource) => {
    expect(await decide(action, resource)).not.toBe("Allowed");
  });
});
