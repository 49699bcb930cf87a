/**
 * Every AWS call of the GDPR redaction, simulated on the synthesized policies (iam-simulate): the
 * gdpr-redact function's role (each step's S3, DynamoDB, SQS, Secrets Manager, KMS and SNS calls)
 * and the state machine's role (invoking the function), with the calls they must not make denied.
 * Cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { gdprRedactionStateMachineName } from "../../contracts/gdpr-workflow";
import type { Decision } from "../../policies/ci-simulation";
import { fixtureHandler, synthesize, type Synthesized } from "../infra/helpers";
import { ALERTS, BUCKET, REGION, arn, asCases, key, resolverOf, rolePolicy, roleSimulator, secret, standardPatterns, table, type Call } from "../infra/role-simulation";

const REDACT = arn("lambda", "function:acme-staging-gdpr-redact");
const resolve = resolverOf([[/^aws_lambda_function\.gdpr-redact_function_\w+\.arn$/, () => REDACT], ...standardPatterns]);

describe("GDPR redaction: every call, simulated", () => {
  let synth: Synthesized;
  let functionPolicy: unknown;
  let machinePolicy: unknown;
  let decide: (role: string, policy: unknown, call: Call) => Promise<Decision>;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const analytics = synth.stack("acme-staging-analytics");
    functionPolicy = rolePolicy(analytics, (role) => /gdpr-redact(?!ion)/.test(role), resolve);
    machinePolicy = rolePolicy(analytics, (role) => role.includes("gdpr-redaction"), resolve);
    decide = roleSimulator(synth);
  });
  afterAll(() => synth?.cleanup());

  const rawOrder = `${BUCKET}/raw/shopify/orders/dt=2026-11-30/w_1.json`;
  const rawCharge = `${BUCKET}/raw/stripe/charge/dt=2026-11-30/evt_1.json`;
  const snapshot = `${BUCKET}/snapshots/shopify/customers/run=r1/part-00000.parquet`;
  const processed = `${BUCKET}/processed/shopify/orders_enriched/dt=2026-11-30/part-00000.parquet`;
  const curated = `${BUCKET}/curated/subscription_orders/part-00000.parquet`;
  const audit = `${BUCKET}/metadata/gdpr-audit/dt=2026-12-01/req-1/20261201T090000000Z-raw.json`;

  it.each(
    asCases([
      // Lookup: the request record, the subject index (and its HMAC key), the records it follows.
      ["dynamodb:GetItem", table("gdprRequests")],
      ["dynamodb:PutItem", table("gdprRequests")],
      ["dynamodb:Query", table("subjectIndex")],
      ["dynamodb:BatchWriteItem", table("subjectIndex")],
      ["secretsmanager:GetSecretValue", secret("subjectIndexKey")],
      ["kms:Decrypt", key("secrets"), { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` }],
      ["kms:Decrypt", key("tables")],
      ["s3:GetObject", rawOrder],
      // HotStore and Idempotency: DeleteItem where the index points.
      ["dynamodb:DeleteItem", table("orders")],
      ["dynamodb:DeleteItem", table("customers")],
      ["dynamodb:DeleteItem", table("subscriptions")],
      ["dynamodb:DeleteItem", table("payments")],
      ["dynamodb:DeleteItem", table("idempotency")],
      ["dynamodb:GetItem", table("orders")],
      // RawObjects: every version of the object, then the object.
      ["s3:ListBucketVersions", BUCKET, { "s3:prefix": "raw/shopify/orders/dt=2026-11-30/w_1.json" }],
      ["s3:DeleteObjectVersion", rawOrder],
      ["s3:DeleteObjectVersion", rawCharge],
      ["s3:DeleteObject", rawOrder],
      // Parquet: read, rewrite in place (SSE-KMS), the old versions deleted.
      ["s3:GetObject", snapshot],
      ["s3:PutObject", snapshot],
      ["s3:PutObject", processed],
      ["s3:PutObject", curated],
      ["s3:ListBucketVersions", BUCKET, { "s3:prefix": "processed/shopify/orders_enriched/dt=2026-11-30/part-00000.parquet" }],
      ["s3:DeleteObjectVersion", processed],
      ["s3:DeleteObjectVersion", curated],
      ["kms:GenerateDataKey", key("lake")],
      ["kms:Decrypt", key("lake")],
      // The audit log: new entries only.
      ["s3:PutObject", audit],
      ["s3:GetObject", audit],
      // DeadLetters: the processors' dead-letter queues.
      ["sqs:ReceiveMessage", arn("sqs", "acme-staging-shopify-orders-dlq")],
      ["sqs:DeleteMessage", arn("sqs", "acme-staging-stripe-processor-dlq")],
      ["sqs:ChangeMessageVisibility", arn("sqs", "acme-staging-recharge-processor-dlq")],
      ["kms:Decrypt", key("messaging")],
      // Vendors: the API keys.
      ["secretsmanager:GetSecretValue", secret("stripeApi")],
      ["secretsmanager:GetSecretValue", secret("rechargeApi")],
      // MarkFailed: the operator's alert.
      ["sns:Publish", ALERTS],
    ]),
  )("gdpr-redact may $action on $resource", async ({ call }) => {
    expect(await decide("acme-staging-gdpr-redact", functionPolicy, call)).toBe("Allowed");
  });

  it.each(
    asCases([
      // The audit log is append-only: no deletes, no version deletes.
      ["s3:DeleteObject", audit],
      ["s3:DeleteObjectVersion", audit],
      ["s3:ListBucketVersions", BUCKET, { "s3:prefix": "metadata/" }],
      ["s3:PutObject", rawOrder],
      ["s3:GetObject", `${BUCKET}/metadata/reconciliation/run=1/manifest.json`],
      ["dynamodb:DeleteItem", table("leases")],
      ["dynamodb:DeleteTable", table("orders")],
      ["sqs:ReceiveMessage", arn("sqs", "acme-staging-shopify-orders")],
      ["secretsmanager:GetSecretValue", secret("shopifyAdmin")],
    ]),
  )("gdpr-redact may not $action on $resource", async ({ call }) => {
    expect(await decide("acme-staging-gdpr-redact", functionPolicy, call)).toBe("ImplicitlyDenied");
  });

  it("the state machine may invoke gdpr-redact and nothing else", async () => {
    const role = gdprRedactionStateMachineName("acme-staging");
    expect(await decide(role, machinePolicy, ["lambda:InvokeFunction", REDACT])).toBe("Allowed");
    expect(await decide(role, machinePolicy, ["lambda:InvokeFunction", arn("lambda", "function:acme-staging-data-quality")])).toBe("ImplicitlyDenied");
    expect(await decide(role, machinePolicy, ["s3:DeleteObject", rawOrder])).toBe("ImplicitlyDenied");
  });
});
