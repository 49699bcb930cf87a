/**
 * Every AWS call the nightly payments reconciliation makes, simulated on its synthesized role
 * policy (iam-simulate), and the calls it must not be able to make denied. The policy's
 * cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { recoveredEventKey } from "../../contracts/webhook-recovery";
import { ALERTS, BUCKET, arn, key, secret, table, viaSecretsManager } from "./role-simulation";
import { itDecides, simulatedRole } from "./role-simulation-suite";

describe("payments-reconcile: its calls, simulated", () => {
  const decide = simulatedRole({ stack: "acme-staging-analytics", roleMatch: "payments-reconcile", principalName: "acme-staging-payments-reconcile" });

  const rawStripe = `${BUCKET}/raw/stripe/charge/dt=2026-11-30/evt_1.json`;
  const rawRecharge = `${BUCKET}/raw/recharge/subscription/dt=2026-11-30/w_1.json`;
  const report = `${BUCKET}/metadata/reconciliation/payments/dt=2026-11-30/report.json`;
  const cursor = `${BUCKET}/metadata/reconciliation/payments/recharge-cursor.json`;

  itDecides(decide, {
    allowed: [
      // Provider credentials, decrypted through Secrets Manager.
      ["secretsmanager:GetSecretValue", secret("stripeApi")],
      ["secretsmanager:GetSecretValue", secret("rechargeApi")],
      ["kms:Decrypt", key("secrets"), viaSecretsManager],
      // What the lake already holds, and the raw copies of what it recovers (SSE-KMS with the lake key).
      ["s3:ListBucket", BUCKET, { "s3:prefix": "raw/stripe/charge/dt=2026-11-30/" }],
      ["s3:ListBucket", BUCKET, { "s3:prefix": "raw/recharge/subscription/dt=2026-11-30/" }],
      ["s3:GetObject", rawStripe],
      ["s3:PutObject", rawStripe],
      ["s3:PutObject", rawRecharge],
      ["kms:GenerateDataKey", key("lake")],
      ["kms:Decrypt", key("lake")],
      // Its report and Recharge's cursor.
      ["s3:GetObject", cursor],
      ["s3:PutObject", cursor],
      ["s3:PutObject", report],
      // The marker of each recovered event, which the data-quality run counts (contracts/webhook-recovery.ts).
      ["s3:PutObject", `${BUCKET}/${recoveredEventKey("stripe", "2026-11-30", "2026-11-29", "charge", "evt_1")}`],
      ["s3:PutObject", `${BUCKET}/${recoveredEventKey("recharge", "2026-11-30", "2026-11-29", "subscription", "w_1")}`],
      // Recharge objects compared with their hot-store rows; the doors' path claims in the idempotency table.
      ["dynamodb:GetItem", table("subscriptions")],
      ["dynamodb:Query", table("charges")],
      ["dynamodb:PutItem", table("idempotency")],
      ["dynamodb:UpdateItem", table("idempotency")],
      ["dynamodb:GetItem", table("idempotency")],
      ["kms:Decrypt", key("tables")],
      // Recovered events to the platform bus, the alert to the operator, a failed run to its DLQ, its logs.
      ["events:PutEvents", arn("events", "event-bus/acme-staging-platform")],
      ["sns:Publish", ALERTS],
      ["kms:GenerateDataKey", key("messaging")],
      ["sqs:SendMessage", arn("sqs", "payments-reconcile_dlq_9D854DCF")],
    ],
    denied: [
      ["s3:DeleteObject", rawStripe],
      ["s3:PutObject", `${BUCKET}/raw/shopify/orders/dt=2026-11-30/w_1.json`],
      ["s3:GetObject", `${BUCKET}/snapshots/shopify/orders/run=1/part-00000.parquet`],
      ["s3:ListBucket", BUCKET, { "s3:prefix": "raw/shopify/" }],
      ["dynamodb:PutItem", table("subscriptions")],
      ["dynamodb:GetItem", table("orders")],
      ["secretsmanager:GetSecretValue", secret("shopifyAdmin")],
      ["kms:Decrypt", key("secrets")],
    ],
  });
});
