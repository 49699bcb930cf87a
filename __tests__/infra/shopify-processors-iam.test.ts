/**
 * Every AWS call the Shopify entity processors of issue 16 make, simulated on their synthesized
 * role policies (iam-simulate), and what they must not do denied: each reads its own queue, writes
 * raw copies and decode-failure records to the lake, its own table, the idempotency table and the
 * subject index, and nothing of another family's table or the curated lake.
 */
import { tableSpecs } from "../../contracts/tables";
import { simulate, type Decision } from "../../policies/ci-simulation";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "./helpers";

const ACCOUNT = "222222222222";
const REGION = "eu-west-1";
const BUCKET = `arn:aws:s3:::acme-staging-lake-${ACCOUNT}`;
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const table = (logicalName: string) => arn("dynamodb", `table/acme-staging-${logicalName}`);
const key = (purpose: string) => arn("kms", `key/${purpose}-0000`);
const secret = (name: string) => arn("secretsmanager", `secret:acme/staging/${name}-AbCdEf`);

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

type Call = readonly [action: string, resource: string, context?: Record<string, string>];

describe("Shopify entity processors: their calls, simulated", () => {
  let synth: Synthesized;
  let policies: Record<string, unknown>;
  let keyPolicies: Record<string, unknown>;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const ingestion = synth.stack("acme-staging-ingestion");
    const queues = (ingestion.resource!.aws_sqs_queue ?? {}) as Record<string, { name: string }>;
    const logGroups = (ingestion.resource!.aws_cloudwatch_log_group ?? {}) as Record<string, { name: string }>;
    const resolve = (reference: string): string => {
      const patterns: Array<[RegExp, (match: RegExpMatchArray) => string]> = [
        [/aws_s3_bucketlake_bucket_\w+arn$/, () => BUCKET],
        [
          /aws_dynamodb_tabletable-([\w-]+?)_table_\w+arn$/,
          (m) => {
            const name = logicalNames[m[1]!];
            if (name === undefined) throw new Error(`no table ${m[1]}`);
            return table(name);
          },
        ],
        [/aws_kms_keykey-(\w+)arn$/, (m) => key(m[1]!)],
        [/aws_secretsmanager_secretsecret-(\w+)arn$/, (m) => secret(m[1]!)],
        [/^aws_sqs_queue\.([\w-]+)\.arn$/, (m) => arn("sqs", queues[m[1]!]!.name)],
        [/^aws_cloudwatch_log_group\.([\w-]+)\.arn$/, (m) => arn("logs", `log-group:${logGroups[m[1]!]!.name}`)],
      ];
      for (const [pattern, to] of patterns) {
        const match = reference.match(pattern);
        if (match) return to(match);
      }
      throw new Error(`no ARN for the reference \${${reference}}: add a pattern`);
    };
    policies = {};
    for (const { processor } of processors) {
      const found = resourcesOf(ingestion, "aws_iam_role_policy").find((candidate) => String(candidate.role).includes(`${processor}_role`));
      if (!found) throw new Error(`no role policy for ${processor}`);
      policies[processor] = JSON.parse(String(found.policy).replace(/\$\{([^}]+)\}/g, (_, reference: string) => resolve(reference)));
    }
    const keys = synth.stack("acme-staging-foundation").resource!.aws_kms_key as Record<string, { policy: string }>;
    keyPolicies = Object.fromEntries(Object.entries(keys).map(([id, keyResource]) => [id.replace(/^key-/, ""), JSON.parse(keyResource.policy)]));
  }, 600_000);
  afterAll(() => synth?.cleanup());

  const decide = async (processor: string, [action, resource, context = {}]: Call): Promise<Decision> => {
    const purpose = resource.match(/:key\/(\w+)-0000$/)?.[1];
    return (
      await simulate({
        ...(purpose !== undefined ? { resourcePolicy: keyPolicies[purpose] } : {}),
        principal: `arn:aws:iam::${ACCOUNT}:role/acme-staging-${processor}`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: processor, policy: policies[processor] }],
      })
    ).decision;
  };

  /** The queue a family's rules deliver to (the name the stack gives it; the resolver reads the synthesized name, so a mismatch is a denial). */
  const queueOf = (processor: string) => arn("sqs", `acme-staging-${processor}`);

  const allowed = processors.flatMap(({ processor, table: own, entity }) =>
    (
      [
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
      ] as const
    ).map((call) => ({ processor, action: call[0], resource: call[1], call: call as Call })),
  );

  it.each(allowed)("$processor: allows $action on $resource", async ({ processor, call }) => {
    expect(await decide(processor, call)).toBe("Allowed");
  });

  const denied = processors.flatMap(({ processor, table: own }) =>
    (
      [
        ["dynamodb:PutItem", table(own === "refunds" ? "orders" : "refunds")],
        ["dynamodb:PutItem", table("customers")],
        ["dynamodb:DeleteTable", table(own)],
        ["s3:DeleteObject", `${BUCKET}/raw/shopify/orders/dt=2026-11-30/wh-1.json`],
        ["s3:PutObject", `${BUCKET}/curated/daily_sales/part-00000.parquet`],
        ["s3:GetObject", `${BUCKET}/snapshots/shopify/orders/run=1/part-00000.parquet`],
        ["sqs:ReceiveMessage", arn("sqs", "acme-staging-shopify-orders")],
        ["secretsmanager:GetSecretValue", secret("shopifyAdmin")],
      ] as const
    ).map((call) => ({ processor, action: call[0], resource: call[1], call: call as Call })),
  );

  it.each(denied)("$processor: denies $action on $resource", async ({ processor, call }) => {
    expect(await decide(processor, call)).toBe("ImplicitlyDenied");
  });
});
