/**
 * FetchRefundDetails runs in the backfill-download function: its new AWS call (reading the
 * shopifyAdmin secret for the refund(id:) queries, decrypted with the secrets key) and the S3 calls
 * it makes within the download's prefixes, simulated on the synthesized role policy; what it must
 * not do denied.
 */
import { reconciliationObjectKey, reconciliationProgressKey, snapshotPrefix } from "../../contracts/lake-layout";
import { REFUND_DETAILS_PROGRESS } from "../../functions/backfill/refund-details-program";
import { BUCKET, key, resolverOf, secret, standardPatterns, viaSecretsManager, type Call } from "../infra/role-simulation";
import { itDecides, simulatedRole } from "../infra/role-simulation-suite";

describe("FetchRefundDetails (backfill-download role): its calls, simulated", () => {
  const decide = simulatedRole(
    {
      stack: "acme-staging-backfill",
      roleMatch: "backfill-download",
      principalName: "acme-staging-backfill-download",
      resolve: resolverOf([
        // Cross-stack references read from the producers' remote state.
        [/terraform_remote_state\.[^.]+\.outputs\.[^}]*lake_bucket[^}]*arn$/i, () => BUCKET],
        [/terraform_remote_state\.[^.]+\.outputs\.[^}]*secret-(\w+?)[_-][^}]*arn$/i, (m) => secret(m[1]!)],
        [/terraform_remote_state\.[^.]+\.outputs\.[^}]*key-(\w+?)[_-][^}]*arn$/i, (m) => key(m[1]!)],
        ...standardPatterns,
      ]),
    },
    600_000,
  );

  const lineItemsPart = `${BUCKET}/${snapshotPrefix("refund_line_items", "run-1")}part-00000.parquet`;
  const allowed: ReadonlyArray<Call> = [
    ["secretsmanager:GetSecretValue", secret("shopifyAdmin")],
    ["kms:Decrypt", key("secrets"), viaSecretsManager],
    // The refunds dataset's parts, read back for their ids.
    ["s3:GetObject", `${BUCKET}/${snapshotPrefix("refunds", "run-1")}part-00000.parquet`],
    ["s3:GetObject", `${BUCKET}/${reconciliationObjectKey("run-1", "refunds")}`],
    ["s3:PutObject", `${BUCKET}/${reconciliationObjectKey("run-1", "refunds")}`],
    ["s3:GetObject", `${BUCKET}/${reconciliationProgressKey("run-1", REFUND_DETAILS_PROGRESS)}`],
    ["s3:PutObject", `${BUCKET}/${reconciliationProgressKey("run-1", REFUND_DETAILS_PROGRESS)}`],
    ["s3:PutObject", lineItemsPart],
    ["s3:PutObject", `${BUCKET}/${snapshotPrefix("order_adjustments", "run-1")}part-00000.parquet`],
    ["s3:DeleteObject", lineItemsPart],
    ["s3:ListBucket", BUCKET, { "s3:prefix": snapshotPrefix("refund_line_items", "run-1") }],
  ];

  const denied: ReadonlyArray<Call> = [
    ["secretsmanager:GetSecretValue", secret("stripeApi")],
    ["secretsmanager:PutSecretValue", secret("shopifyAdmin")],
    // The secrets key only through Secrets Manager.
    ["kms:Decrypt", key("secrets")],
    ["s3:GetObject", `${BUCKET}/raw/shopify/refunds/dt=2026-01-01/w.json`],
    ["s3:PutObject", `${BUCKET}/curated/daily_sales/part-00000.parquet`],
    ["s3:DeleteObject", `${BUCKET}/${reconciliationObjectKey("run-1", "refunds")}`],
  ];
  itDecides(decide, { allowed, denied });
});
