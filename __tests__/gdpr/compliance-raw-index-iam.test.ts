/**
 * The Shopify door's new calls, simulated on its synthesized role policy (iam-simulate, the shared
 * harness __tests__/infra/role-simulation.ts): a compliance webhook's raw copy is indexed, so the
 * door writes the subject index (BatchWriteItem, encrypted with the tables key) and reads the
 * index's HMAC key (encrypted with the secrets key). It still may not read the index's other
 * neighbours: another provider's secret, a hot store it does not write, or delete raw copies.
 */
import { arn, BUCKET, key, resolverOf, secret, standardPatterns, table, viaSecretsManager } from "../infra/role-simulation";
import { itDecides, simulatedRole } from "../infra/role-simulation-suite";

jest.setTimeout(600_000);

const resolve = resolverOf([
  ...standardPatterns,
  [/aws_cloudwatch_event_bus\w*arn$/, () => arn("events", "event-bus/acme-staging-platform")],
  // Anything else the policy names (the bus, queues, topics): not this test's subject.
  [/arn$/, () => arn("other", "resource")],
]);

describe("shopify-ingress indexes compliance raw copies: its calls, simulated", () => {
  const decide = simulatedRole({ stack: "acme-staging-ingestion", roleMatch: /shopify-ingress(?![A-Za-z])/, principalName: "acme-staging-shopify-ingress", resolve });

  itDecides(decide, {
    allowed: [
      ["dynamodb:BatchWriteItem", table("subjectIndex")],
      ["dynamodb:PutItem", table("subjectIndex")],
      ["kms:GenerateDataKey", key("tables")],
      ["kms:Decrypt", key("tables")],
      ["secretsmanager:GetSecretValue", secret("subjectIndexKey")],
      // Through Secrets Manager only (the key policy's kms:ViaService condition).
      ["kms:Decrypt", key("secrets"), viaSecretsManager],
      // What it did before: the raw copy, the request record, its own webhook secret.
      ["s3:PutObject", `${BUCKET}/raw/shopify/customers/dt=2026-03-01/wh-redact-1.json`],
      ["dynamodb:PutItem", table("gdprRequests")],
      ["secretsmanager:GetSecretValue", secret("shopifyWebhook")],
    ],
    denied: [
      ["secretsmanager:GetSecretValue", secret("stripeApi")],
      ["dynamodb:PutItem", table("customers")],
      ["dynamodb:DeleteTable", table("subjectIndex")],
      ["s3:DeleteObject", `${BUCKET}/raw/shopify/customers/dt=2026-03-01/wh-redact-1.json`],
      ["s3:PutObject", `${BUCKET}/raw/stripe/charge/dt=2026-03-01/evt-1.json`],
    ],
  });
});
