/**
 * The analytics workflow's new calls, simulated on the synthesized policies (iam-simulate, the
 * shared harness __tests__/infra/role-simulation.ts): the workflow's role invokes
 * gdpr-index-parquet after each partition's INSERT, and the function lists and reads the
 * partition's files (SSE-KMS, lake key), writes the subject index and reads its HMAC key. What it
 * must not do is denied: raw/ and snapshots/, writing or deleting lake objects, other secrets.
 */
import { BUCKET, arn, key, resolverOf, secret, standardPatterns, table, viaSecretsManager } from "../infra/role-simulation";
import { itDecides, simulatedRoles } from "../infra/role-simulation-suite";

jest.setTimeout(600_000);

const INDEX_PARQUET = arn("lambda", "function:acme-staging-gdpr-index-parquet");
const DATA_QUALITY = arn("lambda", "function:acme-staging-data-quality");
const resolve = resolverOf([
  [/^aws_lambda_function\.gdpr-index-parquet_function_\w+\.arn$/, () => INDEX_PARQUET],
  [/^aws_lambda_function\.data-quality_function_\w+\.arn$/, () => DATA_QUALITY],
  ...standardPatterns,
  [/arn$/, () => arn("other", "resource")],
  [/name$/, () => "other-name"],
]);

describe("the analytics workflow's partition index step: every new call, simulated", () => {
  const role = simulatedRoles({
    indexParquet: { stack: "acme-staging-analytics", roleMatch: "gdpr-index-parquet", principalName: "acme-staging-gdpr-index-parquet", resolve },
    workflow: { stack: "acme-staging-analytics", roleMatch: /analytics-workflow/, principalName: "acme-staging-analytics", resolve },
  });

  const partition = "processed/shopify/orders_enriched/dt=2026-11-30/";
  const athenaFile = `${BUCKET}/${partition}20261130_050312_00023_abcde_7d0f5a3e-0c1b-4c39-9d3a-1f2e3d4c5b6a`;

  it("the workflow's role may invoke gdpr-index-parquet (and still the data-quality function)", async () => {
    const workflow = role("workflow");
    expect(await workflow(["lambda:InvokeFunction", INDEX_PARQUET])).toBe("Allowed");
    expect(await workflow(["lambda:InvokeFunction", DATA_QUALITY])).toBe("Allowed");
    expect(await workflow(["lambda:InvokeFunction", arn("lambda", "function:acme-staging-gdpr-redact")])).toBe("ImplicitlyDenied");
  });

  itDecides(
    role("indexParquet"),
    {
      allowed: [
        ["s3:ListBucket", BUCKET, { "s3:prefix": partition }],
        ["s3:GetObject", athenaFile],
        ["kms:Decrypt", key("lake")],
        ["dynamodb:BatchWriteItem", table("subjectIndex")],
        ["kms:GenerateDataKey", key("tables")],
        ["secretsmanager:GetSecretValue", secret("subjectIndexKey")],
        ["kms:Decrypt", key("secrets"), viaSecretsManager],
      ],
      denied: [
        ["s3:GetObject", `${BUCKET}/raw/shopify/orders/dt=2026-11-30/w_1.json`],
        ["s3:GetObject", `${BUCKET}/snapshots/shopify/customers/run=r1/part-00000.parquet`],
        ["s3:ListBucket", BUCKET, { "s3:prefix": "raw/" }],
        ["s3:PutObject", athenaFile],
        ["s3:DeleteObject", athenaFile],
        ["dynamodb:PutItem", table("customers")],
        ["secretsmanager:GetSecretValue", secret("stripeApi")],
      ],
    },
    "gdpr-index-parquet ",
  );
});
