/**
 * Generates docs/data-dictionary.md and docs/lineage.md from the specs the code runs on: the
 * analytics sources (contracts/analytics-sources.ts), the bulk-export datasets
 * (functions/backfill/convert/entities.ts), the hot-store tables (contracts/tables.ts) and the outputs
 * (etl/transforms.ts). A test fails when the committed files differ from what this produces.
 *
 *   npx tsx etl/docs.ts           write both files
 *   npx tsx etl/docs.ts --check   exit 1 when they are stale
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sourceSpecs, type SourceSpec } from "../contracts/analytics-sources";
import { classificationOf, rawFieldClassificationOf, type FieldClassification, type Vendor } from "../contracts/classification";
import { isShopifyTombstoneTopic, shopifyEntityOfTopic, shopifyFamilies } from "../contracts/events";
import { tableSpecs } from "../contracts/tables";
import { MONEY_TYPE, objectSpecs, type EntitySpec } from "../functions/backfill/convert/entities";
import { refundDetailSpecs } from "../functions/backfill/refund-details-program";
import { derivedRelations, transforms, type TransformSpec } from "./transforms";

const repoRoot = path.join(__dirname, "..");
export const dictionaryPath = path.join(repoRoot, "docs", "data-dictionary.md");
export const lineagePath = path.join(repoRoot, "docs", "lineage.md");

/**
 * PII: personal data (`direct`) or a pointer to a person (`pseudonymous`), from
 * contracts/classification.ts, the one map behind the logger's redaction, the Glue column
 * parameters and the tags. A field that map does not classify stops the generator.
 */
const classified = (field: string, classification: FieldClassification | undefined): FieldClassification => {
  if (classification === undefined) throw new Error(`${field} has no classification: add it to contracts/classification.ts`);
  return classification;
};
const isPii = (field: string) => classified(field, classificationOf(field)).pii !== "none";
const isRawPii = (vendor: Vendor, field: string) => classified(field, rawFieldClassificationOf(vendor, field)).pii !== "none";
const yesNo = (flag: boolean) => (flag ? "yes" : "no");
const cell = (text: string) => text.replace(/\|/g, "\\|");

const sourcePath = (spec: SourceSpec) =>
  spec.kind === "raw" ? `raw/${spec.source}/${spec.entity}/dt=YYYY-MM-DD/<event-id>.json` : `snapshots/shopify/${spec.entity}/run=<run-id>/*.parquet`;

const sourceSection = (spec: SourceSpec) => {
  const lines = [`### \`${spec.relation}\``, "", `${spec.description} Lake: \`${sourcePath(spec)}\`.`, "", "| field | type | meaning | PII |", "| --- | --- | --- | --- |"];
  for (const field of spec.fields) {
    const type = spec.kind === "raw" ? "JSON" : "Parquet (see the bulk datasets below)";
    lines.push(`| \`${field}\` | ${type} | read by the transforms | ${yesNo(spec.kind === "raw" ? isRawPii(spec.source, field) : isPii(field))} |`);
  }
  if (spec.tolerated.length > 0) lines.push("", `Known and kept raw, not transformed (no drift when present): ${spec.tolerated.map((f) => `\`${f}\``).join(", ")}.`);
  return lines.join("\n");
};

const bulkColumnType = (expression: string, jsonColumns: Readonly<Record<string, string>>, unnest?: string) => {
  if (expression.includes(MONEY_TYPE)) return MONEY_TYPE;
  if (expression.startsWith("array_to_string")) return "VARCHAR";
  if (expression.startsWith("len(") || expression.includes(".quantity")) return "BIGINT";
  const direct = jsonColumns[expression];
  if (direct) return direct;
  // A field inside a struct (or a list element, `item`): its type in the declared struct.
  const path = /^"?([A-Za-z_]+)"?((?:\.[A-Za-z_"]+)+)$/.exec(expression);
  if (path) {
    const root = path[1] === "item" && unnest ? unnest : path[1]!;
    const field = path[2]!.split(".").pop()!.replaceAll('"', "");
    const type = new RegExp(`[(, ]"?${field}"? ([A-Z]+)`).exec(jsonColumns[root] ?? "")?.[1];
    if (type && type !== "STRUCT") return type;
  }
  return "VARCHAR";
};

const bulkIntro = () =>
  [
    "Each object is one bulk operation (`sdp backfill --objects`, one top-level connection each, within Shopify's five connections and two levels of nesting; functions/backfill/queries.ts); its JSONL lines become the rows of the entities below, one Parquet dataset each. The reconciliation manifest's `totalRows` counts JSONL lines, which is what Shopify's `objectCount` counts: the rows of root and child entities, plus the lines read only for what hangs from them (the order a refund list or a metafield belongs to); rows unnested from a list field (refunds, order transactions) are extra rows of a counted line.",
    "",
    "| object | entities |",
    "| --- | --- |",
    ...Object.values(objectSpecs).map((spec) => `| \`${spec.object}\` | ${spec.entities.map((entity) => `\`${entity.entity}\``).join(", ")} |`),
    "",
    `Not selectable in a bulk query: ${refundDetailSpecs.map((spec) => `\`${spec.entity}\``).join(", ")}. Shopify rejects a connection nested inside a list field in a bulk query, and \`Order.refunds\` is a list while \`Refund.refundLineItems\` and \`Refund.orderAdjustments\` are connections; the \`refunds\` object therefore follows its bulk export with paginated \`refund(id:)\` queries for every refund of its dataset (functions/backfill/refund-details-program.ts, docs/backfill-entities.md), written as the datasets below. Likewise \`Order.fulfillments\` is a list, so fulfillments and their line items are exported through \`fulfillmentOrders\` (one row per fulfillment order a fulfillment fulfils).`,
    "",
  ].join("\n");

const bulkRole = (entity: EntitySpec) =>
  entity.unnest ? `one row per element of each ${entity.role} line's \`${entity.unnest}\` list` : `${entity.role} rows${entity.gidType ? ` (${entity.gidType} lines)` : ""}`;

const bulkSection = () => {
  const lines: string[] = [bulkIntro()];
  const written = new Set<string>();
  for (const spec of Object.values(objectSpecs)) {
    for (const entity of spec.entities) {
      if (written.has(entity.entity)) continue;
      written.add(entity.entity);
      const objects = Object.values(objectSpecs)
        .filter((each) => each.entities.some((other) => other.entity === entity.entity))
        .map((each) => each.object);
      lines.push(
        `### \`snapshots/shopify/${entity.entity}/\` (bulk ${objects.join(", ")}, ${bulkRole(entity)})`,
        "",
        "| column | type | from | PII |",
        "| --- | --- | --- | --- |",
      );
      for (const [column, expression] of entity.select) {
        lines.push(`| \`${column}\` | ${bulkColumnType(expression, spec.jsonColumns, entity.unnest)} | \`${cell(expression)}\` | ${yesNo(isPii(column))} |`);
      }
      lines.push("");
    }
  }
  for (const spec of refundDetailSpecs) {
    lines.push(
      `### \`snapshots/shopify/${spec.entity}/\` (refunds, \`Refund.${spec.connection}\` of each refund, paginated non-bulk queries)`,
      "",
      "| column | type | from | PII |",
      "| --- | --- | --- | --- |",
    );
    for (const [column, expression] of spec.select) {
      lines.push(`| \`${column}\` | ${bulkColumnType(expression, spec.jsonColumns)} | \`${cell(expression)}\` | ${yesNo(isPii(column))} |`);
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd();
};

const hotStoreSection = () => {
  const lines = ["| table | key | indexes | TTL | description |", "| --- | --- | --- | --- | --- |"];
  for (const spec of Object.values(tableSpecs)) {
    const key = [spec.partitionKey, ...("sortKey" in spec && spec.sortKey ? [spec.sortKey] : [])].map((attribute) => `\`${attribute.name}\` (${attribute.type})`).join(", ");
    const indexes =
      spec.globalSecondaryIndexes
        .map((index) => `${index.name}: \`${index.partitionKey.name}\`${"sortKey" in index && index.sortKey ? ` + \`${index.sortKey.name}\`` : ""}`)
        .join("; ") || "none";
    const ttl = "ttlAttribute" in spec && spec.ttlAttribute ? `\`${spec.ttlAttribute}\`` : "none";
    lines.push(`| \`${spec.logicalName}\` | ${key} | ${indexes} | ${ttl} | ${cell(spec.description)} |`);
  }
  return lines.join("\n");
};

const whereItLives = (spec: TransformSpec) =>
  spec.kind === "relation"
    ? "Not stored: a view DuckDB creates after the sources and Athena creates with the source views, read by the transforms."
    : `Locally: \`${spec.outputPrefix}${spec.kind === "table" ? "dt=YYYY-MM-DD/*.parquet" : "part-00000.parquet"}\`; in AWS: ${spec.kind === "table" ? "the Glue table of the same name (partition projection on dt)" : "an Athena view of the same name"}.`;

const outputSection = (spec: TransformSpec) =>
  [
    `### \`${spec.name}\` (${spec.kind})`,
    "",
    `${spec.description}`,
    "",
    `Built by \`etl/sql/${spec.sqlFile}\` from ${spec.inputs.map((input) => `\`${input}\``).join(", ")}. ${whereItLives(spec)}`,
    "",
    ...(spec.notes ?? []).flatMap((note) => [note, ""]),
    "| column | type | meaning | PII |",
    "| --- | --- | --- | --- |",
    ...spec.columns.map((column) => `| \`${column.name}\` | ${column.type} | ${cell(column.meaning)} | ${yesNo(isPii(column.name))} |`),
  ].join("\n");

/**
 * The Shopify webhook entities: each raw entity (raw/shopify/<entity>/, the Glue raw_events
 * table's `entity` partition), its topics, the processor and hot store they reach (or raw only),
 * and its removal topics; then the tombstone shape curated data must honour.
 */
const webhookEntitySection = () => {
  const tableOf = Object.fromEntries(
    Object.values(tableSpecs).flatMap((spec) => ("shopifyFamily" in spec && spec.shopifyFamily ? [[spec.shopifyFamily.family, spec.logicalName]] : [])),
  );
  const rows = Object.entries(shopifyFamilies).flatMap(([family, spec]) => {
    const byEntity = new Map<string, string[]>();
    for (const topic of spec.topics) byEntity.set(shopifyEntityOfTopic(topic), [...(byEntity.get(shopifyEntityOfTopic(topic)) ?? []), topic]);
    return [...byEntity].map(([entity, topics]) => {
      const removals = topics.filter(isShopifyTombstoneTopic);
      const hot = tableOf[family] !== undefined ? `\`${tableOf[family]}\`` : "raw only (no hot store)";
      return `| \`${entity}\` | ${topics.map((topic) => `\`${topic}\``).join(", ")} | \`${spec.processor}\` | ${hot} | ${removals.length > 0 ? removals.map((topic) => `\`${topic}\``).join(", ") : "none"} |`;
    });
  });
  return [
    "Every verified Shopify webhook is stored first, as received, at `raw/shopify/<entity>/dt=YYYY-MM-DD/<webhook-id>.json` (`<entity>` is the topic before the slash; the Glue table `raw_events` projects it as the `entity` partition), then processed into the hot store of its family.",
    "",
    "| raw entity | topics | processor | hot store | removal topics |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "### Tombstones (removals)",
    "",
    "A removal topic (every `*/delete`, plus `inventory_levels/disconnect` and `discounts/redeemcode_removed`; `contracts/events.ts` `isShopifyTombstoneTopic`) never deletes anything:",
    "",
    "- **hot row**: the row's key with `deleted: true`, `deleted_at` (UTC ISO-8601: the delivery's `X-Shopify-Triggered-At`; `discounts/delete` uses its payload's `deleted_at`, `discounts/redeemcode_removed` its `updated_at`), `updated_at` = `deleted_at`, and only non-personal pointers (`entity`, `legacy_id`, `inventory_item_id`, `location_id`, `discount_id`, `api_version`). The write is guarded by `updated_at`, so an older create or update delivered late never revives it; a newer one (a re-created object) does.",
    "- **raw copy**: the body exactly as Shopify sent it (for most removals only `id`; `discounts/delete`: `admin_graphql_api_id` and `deleted_at`; `inventory_levels/disconnect`: `inventory_item_id` and `location_id`), with S3 object metadata `topic` = the removal topic and `deleted-at` = the same UTC time.",
    "- **curated data** must treat an object as removed when any raw copy of it is a removal: the envelope's `topic` is a removal topic, or (a bare body) it carries neither `created_at` nor `updated_at` (`discounts/delete`: it carries `deleted_at`). A `discounts/redeemcode_removed` body has the shape of `redeemcode_added`: only its topic (envelope or S3 metadata) tells it, so curated redeem codes read the hot store's tombstones or the topic. `orders_enriched` already applies this rule to `orders/delete`; a curated relation over the entities above applies it per key, whatever arrived before or after the removal.",
  ].join("\n");
};

export const renderDataDictionary = (): string =>
  [
    "# Data dictionary",
    "",
    "<!-- Generated by `npx tsx etl/docs.ts` from contracts/analytics-sources.ts, functions/backfill/convert/entities.ts, contracts/tables.ts, contracts/classification.ts and etl/transforms.ts. Do not edit by hand. -->",
    "",
    "PII: personal data or a pointer to a person (contracts/classification.ts; docs/data-classification.md has each lake column's kind and sensitivity). Such values never reach a log line, an alert or a metric.",
    "Money is exact decimal, never floating point: DECIMAL(18,4) in the bulk snapshots (exact to 10^14, and fast to write), DECIMAL(20,4) in processed and curated data; timestamps are UTC.",
    "",
    "## Analytics outputs",
    "",
    transforms.map(outputSection).join("\n\n"),
    "",
    "## Relations derived from the sources",
    "",
    derivedRelations.map(outputSection).join("\n\n"),
    "",
    "## Sources read by the transforms",
    "",
    Object.values(sourceSpecs).map(sourceSection).join("\n\n"),
    "",
    "## Bulk-export datasets",
    "",
    bulkSection(),
    "",
    "## Shopify webhook entities (raw copies and hot stores)",
    "",
    webhookEntitySection(),
    "",
    "## Hot stores (DynamoDB)",
    "",
    hotStoreSection(),
    "",
  ].join("\n");

const nodeId = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

export const renderLineage = (): string => {
  const lines = [
    "# Lineage",
    "",
    "<!-- Generated by `npx tsx etl/docs.ts` from contracts/analytics-sources.ts and etl/transforms.ts. Do not edit by hand. -->",
    "",
    "Sources (raw webhooks and bulk exports) on the left, the processed table in the middle, curated views on the right.",
    "",
    "```mermaid",
    "flowchart LR",
  ];
  const sources = Object.values(sourceSpecs);
  lines.push("  subgraph sources[Lake sources]");
  for (const spec of sources) lines.push(`    ${nodeId(spec.relation)}[("${spec.relation}<br/>${sourcePath(spec).split("/dt=")[0]!.split("/run=")[0]}/")]`);
  lines.push("  end");
  lines.push("  subgraph derived[Derived relations, not stored]");
  for (const spec of derivedRelations) lines.push(`    ${nodeId(spec.name)}("${spec.name}")`);
  lines.push("  end");
  lines.push("  subgraph processed[processed/]");
  for (const spec of transforms.filter((t) => t.kind === "table")) lines.push(`    ${nodeId(spec.name)}[["${spec.name}<br/>${spec.outputPrefix}"]]`);
  lines.push("  end");
  lines.push("  subgraph curated[curated/ and Athena views]");
  for (const spec of transforms.filter((t) => t.kind === "view")) lines.push(`    ${nodeId(spec.name)}["${spec.name}"]`);
  lines.push("  end");
  for (const spec of [...derivedRelations, ...transforms]) for (const input of spec.inputs) lines.push(`  ${nodeId(input)} --> ${nodeId(spec.name)}`);
  lines.push("```", "");
  const unused = sources.filter((spec) => ![...derivedRelations, ...transforms].some((t) => t.inputs.includes(spec.relation)));
  if (unused.length > 0) lines.push(`Watched by the data-quality checks only: ${unused.map((spec) => `\`${spec.relation}\``).join(", ")}.`, "");
  return lines.join("\n");
};

export const generatedDocs = (): ReadonlyArray<{ readonly file: string; readonly content: string }> => [
  { file: dictionaryPath, content: renderDataDictionary() },
  { file: lineagePath, content: renderLineage() },
];

if (require.main === module) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const { file, content } of generatedDocs()) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (current === content) continue;
    if (check) {
      stale += 1;
      process.stderr.write(`${path.relative(repoRoot, file)} is stale: run \`npx tsx etl/docs.ts\`\n`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
