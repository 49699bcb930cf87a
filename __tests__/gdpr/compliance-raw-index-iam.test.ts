/**
 * The Shopify door's new calls, simulated on its synthesized role policy (iam-simulate, the shared
 * harness __tests__/infra/role-simulation.ts): a compliance webhook's raw copy is indexed, so the
 * door writes the subject index (BatchWriteItem, encrypted with the tables key) and reads the
 * index's HMAC key (encrypted with the secrets key). It still may not read the index's other
 * neighbours: another provider's secret, a hot store it does not write, or delete raw copies.
 */
import type { Decision } from "../../policies/ci-simulation";
import { fixtureHandler, synthesize, type Synthesized } from "../infra/helpers";
import { arn, asCases, BUCKET, REGION, functionRoleSimulator, key, resolverOf, secret, standardPatterns, table, type Call } from "../infra/role-simulation";

jest.setTimeout(600_000);

const resolve = resolverOf([
  ...standardPatterns,
  [/aws_cloudwatch_event_bus\w*arn$/, () => arn("events", "event-bus/acme-staging-platform")],
  // Anything else the policy names (the bus, queues, topics): not this test's subject.
  [/arn$/, () => arn("other", "resource")],
]);

describe("shopify-ingress indexes compliance raw copies: its calls, simulated", () => {
  let synth: Synthesized;
  let decide: (call: Call) => Promise<Decision>;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    decide = functionRoleSimulator(synth, { stack: "acme-staging-ingestion", roleMatch: /shopify-ingress(?![A-Za-z])/, principalName: "acme-staging-shopify-ingress", resolve });
  });
  afterAll(() => synth?.cleanup());

  it.each(
    asCases([
      ["dynamodb:BatchWriteItem", table("subjectIndex")],
      ["dynamodb:PutItem", table("subjectIndex")],
      ["kms:GenerateDataKey", key("tables")],
      ["kms:Decrypt", key("tables")],
      ["secretsmanager:GetSecretValue", secret("subjectIndexKey")],
      // Through Secrets Manager only (the key policy's kms:ViaService condition).
      ["kms:Decrypt", key("secrets"), { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` }],
      // What it did before: the raw copy, the request record, its own webhook secret.
      ["s3:PutObject", `${BUCKET}/raw/shopify/customers/dt=2026-03-01/wh-redact-1.json`],
      ["dynamodb:PutItem", table("gdprRequests")],
      ["secretsmanager:GetSecretValue", secret("shopifyWebhook")],
    ]),
  )("allows $action on $resource", async ({ call }) => {
    expect(await decide(call)).toBe("Allowed");
  });

  it.each(
    asCases([
      ["secretsmanager:GetSecretValue", secret("stripeApi")],
      ["dynamodb:PutItem", table("customers")],
      ["dynamodb:DeleteTable", table("subjectIndex")],
      ["s3:DeleteObject", `${BUCKET}/raw/shopify/customers/dt=2026-03-01/wh-redact-1.json`],
      ["s3:PutObject", `${BUCKET}/raw/stripe/charge/dt=2026-03-01/evt-1.json`],
    ]),
  )("denies $action on $resource", async ({ call }) => {
    expect(await decide(call)).toBe("ImplicitlyDenied");
  });
});
