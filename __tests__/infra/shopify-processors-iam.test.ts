/**
 * Every AWS call the Shopify entity processors of issue 16 make, simulated on their synthesized
 * role policies (iam-simulate), and what they must not do denied: each reads its own queue, writes
 * raw copies and decode-failure records to the lake, its own table, the idempotency table and the
 * subject index, and nothing of another family's table or the curated lake.
 */
import { tableSpecs } from "../../contracts/tables";
import { BUCKET, arn, key, resolverOf, secret, standardPatterns, table } from "./role-simulation";
import { itDecides, simulatedRoles } from "./role-simulation-suite";

/** The new families: processor -> its table (logical name), the topic whose raw copies it writes. */
const processors = [
  { processor: "shopify-refunds", table: "refunds", entity: "refunds" },
  { processor: "shopify-orderTransactions", table: "order-transactions", entity: "order_transactions" },
  { processor: "shopify-fulfillments", table: "fulfillments", entity: "fulfillments" },
  { processor: "shopify-fulfillmentOrders", table: "fulfillment-orders", entity: "fulfillment_orders" },
  { processor: "shopify-inventory", table: "inventory", entity: "inventory_levels" },
  { processor: "shopify-locations", table: "locations", entity: "locations" },
  { processor: "shopify-discounts", table: "discounts", entity: "discounts" },
  { processor: "shopify-draftOrders", table: "draft-orders", entity: "draft_orders" },
] as const;

const logicalNames = Object.fromEntries(
  Object.entries(tableSpecs).flatMap(([tableKey, spec]) => [[tableKey, spec.logicalName] as const, [spec.logicalName, spec.logicalName] as const]),
);

describe("Shopify entity processors: their calls, simulated", () => {
  const role = simulatedRoles((synth) => {
    const ingestion = synth.stack("acme-staging-ingestion");
    const queues = (ingestion.resource!.aws_sqs_queue ?? {}) as Record<string, { name: string }>;
    const logGroups = (ingestion.resource!.aws_cloudwatch_log_group ?? {}) as Record<string, { name: string }>;
    // Tables by their logical name, queues and log groups by their synthesized names.
    const resolve = resolverOf([
      [
        /aws_dynamodb_tabletable-([\w-]+?)_table_\w+arn$/,
        (m) => {
          const name = logicalNames[m[1]!];
          if (name === undefined) throw new Error(`no table ${m[1]}`);
          return table(name);
        },
      ],
      [/^aws_sqs_queue\.([\w-]+)\.arn$/, (m) => arn("sqs", queues[m[1]!]!.name)],
      [/^aws_cloudwatch_log_group\.([\w-]+)\.arn$/, (m) => arn("logs", `log-group:${logGroups[m[1]!]!.name}`)],
      ...standardPatterns,
    ]);
    return Object.fromEntries(
      processors.map(({ processor }) => [processor, { stack: "acme-staging-ingestion", roleMatch: `${processor}_role`, principalName: `acme-staging-${processor}`, resolve }]),
    );
  }, 600_000);

  /** The queue a family's rules deliver to (the name the stack gives it; the resolver reads the synthesized name, so a mismatch is a denial). */
  const queueOf = (processor: string) => arn("sqs", `acme-staging-${processor}`);

  for (const { processor, table: own, entity } of processors) {
    itDecides(
      role(processor),
      {
        allowed: [
          // Its queue (the event source mapping polls it with the function's role) and the messaging key.
          ["sqs:ReceiveMessage", queueOf(processor)],
          ["sqs:DeleteMessage", queueOf(processor)],
          ["sqs:GetQueueAttributes", queueOf(processor)],
          ["kms:Decrypt", key("messaging")],
          // Raw first (partner bus), the platform door's raw copy read back, a decode failure recorded.
          ["s3:PutObject", `${BUCKET}/raw/shopify/${entity}/dt=2026-11-30/wh-1.json`],
          ["s3:GetObject", `${BUCKET}/raw/shopify/${entity}/dt=2026-11-30/wh-1.json`],
          ["s3:PutObject", `${BUCKET}/metadata/decode-failures/dt=2026-11-30/${entity}.update/2026-10/wh-1.json`],
          ["kms:GenerateDataKey", key("lake")],
          // Its hot store (conditional put, read back), the idempotency claim, the subject index.
          ["dynamodb:PutItem", table(own)],
          ["dynamodb:GetItem", table(own)],
          ["dynamodb:PutItem", table("idempotency")],
          ["dynamodb:UpdateItem", table("idempotency")],
          ["dynamodb:GetItem", table("idempotency")],
          ["dynamodb:DeleteItem", table("idempotency")],
          ["dynamodb:BatchWriteItem", table("subject-index")],
          ["kms:GenerateDataKey", key("tables")],
          ["kms:Decrypt", key("tables")],
        ],
        denied: [
          ["dynamodb:PutItem", table(own === "refunds" ? "orders" : "refunds")],
          ["dynamodb:PutItem", table("customers")],
          ["dynamodb:DeleteTable", table(own)],
          ["s3:DeleteObject", `${BUCKET}/raw/shopify/orders/dt=2026-11-30/wh-1.json`],
          ["s3:PutObject", `${BUCKET}/curated/daily_sales/part-00000.parquet`],
          ["s3:GetObject", `${BUCKET}/snapshots/shopify/orders/run=1/part-00000.parquet`],
          ["sqs:ReceiveMessage", arn("sqs", "acme-staging-shopify-orders")],
          ["secretsmanager:GetSecretValue", secret("shopifyAdmin")],
        ],
      },
      `${processor}: `,
    );
  }
});
