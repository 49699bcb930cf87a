/**
 * The analytics workflow's new calls, simulated on the synthesized policies (iam-simulate, the
 * shared harness __tests__/infra/role-simulation.ts): the workflow's role invokes
 * gdpr-index-parquet after each partition's INSERT, and the function lists and reads the
 * partition's files (SSE-KMS, lake key), writes the subject index and reads its HMAC key. What it
 * must not do is denied: raw/ and snapshots/, writing or deleting lake objects, other secrets.
 */
import type { Decision } from "../../policies/ci-simulation";
import { fixtureHandler, synthesize, type Synthesized } from "../infra/helpers";
import { BUCKET, REGION, arn, asCases, key, resolverOf, rolePolicy, roleSimulator, secret, standardPatterns, table, type Call } from "../infra/role-simulation";

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
  let synth: Synthesized;
  let functionPolicy: unknown;
  let machinePolicy: unknown;
  let decide: (role: string, policy: unknown, call: Call) => Promise<Decision>;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const analytics = synth.stack("acme-staging-analytics");
    functionPolicy = rolePolicy(analytics, (role) => role.includes("gdpr-index-parquet"), resolve);
    machinePolicy = rolePolicy(analytics, (role) => /analytics-workflow/.test(role), resolve);
    decide = roleSimulator(synth);
  });
  afterAll(() => synth?.cleanup());

  const partition = "processed/shopify/orders_enriched/dt=2026-11-30/";
  const athenaFile = `${BUCKET}/${partition}20261130_050312_00023_abcde_7d0f5a3e-0c1b-4c39-9d3a-1f2e3d4c5b6a`;

  it("the workflow's role may invoke gdpr-index-parquet (and still the data-quality function)", async () => {
    expect(await decide("acme-staging-analytics", machinePolicy, ["lambda:InvokeFunction", INDEX_PARQUET])).toBe("Allowed");
    expect(await decide("acme-staging-analytics", machinePolicy, ["lambda:InvokeFunction", DATA_QUALITY])).toBe("Allowed");
    expect(await decide("acme-staging-analytics", machinePolicy, ["lambda:InvokeFunction", arn("lambda", "function:acme-staging-gdpr-redact")])).toBe("ImplicitlyDenied");
  });

  it.each(
    asCases([
      ["s3:ListBucket", BUCKET, { "s3:prefix": partition }],
      ["s3:GetObject", athenaFile],
      ["kms:Decrypt", key("lake")],
      ["dynamodb:BatchWriteItem", table("subjectIndex")],
      ["kms:GenerateDataKey", key("tables")],
      ["secretsmanager:GetSecretValue", secret("subjectIndexKey")],
      ["kms:Decrypt", key("secrets"), { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` }],
    ]),
  )("gdpr-index-parquet allows $action on $resource", async ({ call }) => {
    expect(await decide("acme-staging-gdpr-index-parquet", functionPolicy, call)).toBe("Allowed");
  });

  it.each(
    asCases([
      ["s3:GetObject", `${BUCKET}/raw/shopify/orders/dt=2026-11-30/w_1.json`],
      ["s3:GetObject", `${BUCKET}/snapshots/shopify/customers/run=r1/part-00000.parquet`],
      ["s3:ListBucket", BUCKET, { "s3:prefix": "raw/" }],
      ["s3:PutObject", athenaFile],
      ["s3:DeleteObject", athenaFile],
      ["dynamodb:PutItem", table("customers")],
      ["secretsmanager:GetSecretValue", secret("stripeApi")],
    ]),
  )("gdpr-index-parquet denies $action on $resource", async ({ call }) => {
    expect(await decide("acme-staging-gdpr-index-parquet", functionPolicy, call)).toBe("ImplicitlyDenied");
  });
});
