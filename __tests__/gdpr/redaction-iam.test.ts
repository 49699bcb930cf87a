/**
 * Every AWS call of the GDPR redaction, simulated on the synthesized policies (iam-simulate): the
 * gdpr-redact function's role (each step's S3, DynamoDB, SQS, Secrets Manager, KMS and SNS calls)
 * and the state machine's role (invoking the function), with the calls they must not make denied.
 * Cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { gdprRedactionStateMachineName } from "../../contracts/gdpr-workflow";
import { simulate, type Decision } from "../../policies/ci-simulation";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "../infra/helpers";

const ACCOUNT = "222222222222";
const REGION = "eu-west-1";
const BUCKET = `arn:aws:s3:::acme-staging-lake-${ACCOUNT}`;
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const table = (name: string) => arn("dynamodb", `table/acme-staging-${name}`);
const key = (purpose: string) => arn("kms", `key/${purpose}-0000`);
const secret = (name: string) => arn("secretsmanager", `secret:acme/staging/${name}-AbCdEf`);
const ALERTS = arn("sns", "acme-staging-alerts");
const REDACT = arn("lambda", "function:acme-staging-gdpr-redact");

const resolveReference = (reference: string): string => {
  const patterns: Array<[RegExp, (match: RegExpMatchArray) => string]> = [
    [/aws_s3_bucketlake_bucket_\w+arn$/, () => BUCKET],
    [/aws_dynamodb_tabletable-(\w+?)_table_\w+arn$/, (m) => table(m[1]!)],
    [/aws_kms_keykey-(\w+)arn$/, (m) => key(m[1]!)],
    [/aws_secretsmanager_secretsecret-(\w+)arn$/, (m) => secret(m[1]!)],
    [/aws_sns_topicalertsarn$/, () => ALERTS],
    [/^aws_lambda_function\.gdpr-redact_function_\w+\.arn$/, () => REDACT],
    [/^aws_sqs_queue\.([\w-]+)\.arn$/, (m) => arn("sqs", m[1]!)],
    [/^aws_cloudwatch_log_group\.([\w-]+)\.arn$/, (m) => arn("logs", `log-group:${m[1]!}`)],
  ];
  for (const [pattern, to] of patterns) {
    const match = reference.match(pattern);
    if (match) return to(match);
  }
  throw new Error(`no ARN for the reference \${${reference}}: add a pattern`);
};

type Call = readonly [action: string, resource: string, context?: Record<string, string>];
const asCases = (calls: ReadonlyArray<Call>) => calls.map((call) => ({ action: call[0], resource: call[1], call }));

describe("GDPR redaction: every call, simulated", () => {
  let synth: Synthesized;
  let functionPolicy: unknown;
  let machinePolicy: unknown;
  let keyPolicies: Record<string, unknown>;
  const policyOf = (stack: ReturnType<Synthesized["stack"]>, matches: (role: string, name: string) => boolean) => {
    const found = resourcesOf(stack, "aws_iam_role_policy").filter((candidate) => matches(String(candidate.role), String(candidate.name ?? "")));
    if (found.length !== 1) throw new Error(`expected one policy, found ${found.length}`);
    return JSON.parse(String(found[0].policy).replace(/\$\{([^}]+)\}/g, (_, reference: string) => resolveReference(reference)));
  };
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const analytics = synth.stack("acme-staging-analytics");
    functionPolicy = policyOf(analytics, (role) => /gdpr-redact(?!ion)/.test(role));
    machinePolicy = policyOf(analytics, (role) => role.includes("gdpr-redaction"));
    const keys = synth.stack("acme-staging-foundation").resource!.aws_kms_key as Record<string, { policy: string }>;
    keyPolicies = Object.fromEntries(Object.entries(keys).map(([id, keyResource]) => [id.replace(/^key-/, ""), JSON.parse(keyResource.policy)]));
  });
  afterAll(() => synth?.cleanup());

  const keyPolicyOf = (resource: string) => {
    const purpose = resource.match(/:key\/(\w+)-0000$/)?.[1];
    if (purpose === undefined) return {};
    if (!keyPolicies[purpose]) throw new Error(`no key ${purpose} in the foundation stack`);
    return { resourcePolicy: keyPolicies[purpose] };
  };
  const decide = async (role: string, policy: unknown, [action, resource, context = {}]: Call): Promise<Decision> =>
    (
      await simulate({
        ...keyPolicyOf(resource),
        principal: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: role, policy }],
      })
    ).decision;

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
