/**
 * Every AWS call of the GDPR redaction, simulated on the synthesized policies (iam-simulate): the
 * gdpr-redact function's role (each step's S3, DynamoDB, SQS, Secrets Manager, KMS and SNS calls)
 * and the state machine's role (invoking the function), with the calls they must not make denied.
 * Cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { gdprRedactionStateMachineName } from "../../contracts/gdpr-workflow";
import { ALERTS, BUCKET, arn, key, resolverOf, secret, standardPatterns, table, viaSecretsManager } from "../infra/role-simulation";
import { itDecides, simulatedRoles } from "../infra/role-simulation-suite";

const REDACT = arn("lambda", "function:acme-staging-gdpr-redact");
const resolve = resolverOf([[/^aws_lambda_function\.gdpr-redact_function_\w+\.arn$/, () => REDACT], ...standardPatterns]);

describe("GDPR redaction: every call, simulated", () => {
  const role = simulatedRoles({
    redact: { stack: "acme-staging-analytics", roleMatch: /gdpr-redact(?!ion)/, principalName: "acme-staging-gdpr-redact", resolve },
    machine: { stack: "acme-staging-analytics", roleMatch: "gdpr-redaction", principalName: gdprRedactionStateMachineName("acme-staging"), resolve },
  });

  const rawOrder = `${BUCKET}/raw/shopify/orders/dt=2026-11-30/w_1.json`;
  const rawCharge = `${BUCKET}/raw/stripe/charge/dt=2026-11-30/evt_1.json`;
  const snapshot = `${BUCKET}/snapshots/shopify/customers/run=r1/part-00000.parquet`;
  const processed = `${BUCKET}/processed/shopify/orders_enriched/dt=2026-11-30/part-00000.parquet`;
  const curated = `${BUCKET}/curated/subscription_orders/part-00000.parquet`;
  const audit = `${BUCKET}/metadata/gdpr-audit/dt=2026-12-01/req-1/20261201T090000000Z-raw.json`;

  itDecides(
    role("redact"),
    {
      allowed: [
        // Lookup: the request record, the subject index (and its HMAC key), the records it follows.
        ["dynamodb:GetItem", table("gdprRequests")],
        ["dynamodb:PutItem", table("gdprRequests")],
        ["dynamodb:Query", table("subjectIndex")],
        ["dynamodb:BatchWriteItem", table("subjectIndex")],
        ["secretsmanager:GetSecretValue", secret("subjectIndexKey")],
        ["kms:Decrypt", key("secrets"), viaSecretsManager],
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
      ],
      denied: [
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
      ],
    },
    "gdpr-redact ",
  );

  it("the state machine may invoke gdpr-redact and nothing else", async () => {
    const machine = role("machine");
    expect(await machine(["lambda:InvokeFunction", REDACT])).toBe("Allowed");
    expect(await machine(["lambda:InvokeFunction", arn("lambda", "function:acme-staging-data-quality")])).toBe("ImplicitlyDenied");
    expect(await machine(["s3:DeleteObject", rawOrder])).toBe("ImplicitlyDenied");
  });
});
