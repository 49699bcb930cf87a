/**
 * Every AWS call the nightly payments reconciliation makes, simulated on its synthesized role
 * policy (iam-simulate), and the calls it must not be able to make denied. The policy's
 * cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { recoveredEventKey } from "../../contracts/webhook-recovery";
import { simulate, type Decision } from "../../policies/ci-simulation";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "./helpers";

const ACCOUNT = "222222222222";
const REGION = "eu-west-1";
const BUCKET = `arn:aws:s3:::acme-staging-lake-${ACCOUNT}`;
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const table = (name: string) => arn("dynamodb", `table/acme-staging-${name}`);
const key = (purpose: string) => arn("kms", `key/${purpose}-0000`);
const secret = (name: string) => arn("secretsmanager", `secret:acme/staging/${name}-AbCdEf`);
const ALERTS = arn("sns", "acme-staging-alerts");

/** The ARN a Terraform reference in the policy stands for. */
const resolveReference = (reference: string): string => {
  const patterns: Array<[RegExp, (match: RegExpMatchArray) => string]> = [
    [/aws_s3_bucketlake_bucket_\w+arn$/, () => BUCKET],
    [/aws_dynamodb_tabletable-(\w+?)_table_\w+arn$/, (m) => table(m[1]!)],
    [/aws_kms_keykey-(\w+)arn$/, (m) => key(m[1]!)],
    [/aws_secretsmanager_secretsecret-(\w+)arn$/, (m) => secret(m[1]!)],
    [/aws_sns_topicalertsarn$/, () => ALERTS],
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
/** Named cases, so each test's title says the action and the resource. */
const asCases = (calls: ReadonlyArray<Call>) => calls.map((call) => ({ action: call[0], resource: call[1], call }));

describe("payments-reconcile: its calls, simulated", () => {
  let synth: Synthesized;
  let policy: unknown;
  /** Key policies by purpose (KMS decides on the key policy and the identity policy together). */
  let keyPolicies: Record<string, unknown>;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const analytics = synth.stack("acme-staging-analytics");
    const found = resourcesOf(analytics, "aws_iam_role_policy").find((candidate) => String(candidate.role).includes("payments-reconcile"));
    policy = JSON.parse(String(found.policy).replace(/\$\{([^}]+)\}/g, (_, reference: string) => resolveReference(reference)));
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

  const decide = async ([action, resource, context = {}]: Call): Promise<Decision> =>
    (
      await simulate({
        ...keyPolicyOf(resource),
        principal: `arn:aws:iam::${ACCOUNT}:role/acme-staging-payments-reconcile`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: "payments-reconcile", policy }],
      })
    ).decision;

  const rawStripe = `${BUCKET}/raw/stripe/charge/dt=2026-11-30/evt_1.json`;
  const rawRecharge = `${BUCKET}/raw/recharge/subscription/dt=2026-11-30/w_1.json`;
  const report = `${BUCKET}/metadata/reconciliation/payments/dt=2026-11-30/report.json`;
  const cursor = `${BUCKET}/metadata/reconciliation/payments/recharge-cursor.json`;

  it.each(
    asCases([
      // Provider credentials, decrypted through Secrets Manager.
      ["secretsmanager:GetSecretValue", secret("stripeApi")],
      ["secretsmanager:GetSecretValue", secret("rechargeApi")],
      ["kms:Decrypt", key("secrets"), { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` }],
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
    ]),
  )("allows $action on $resource", async ({ call }) => {
    expect(await decide(call)).toBe("Allowed");
  });

  it.each(
    asCases([
      ["s3:DeleteObject", rawStripe],
      ["s3:PutObject", `${BUCKET}/raw/shopify/orders/dt=2026-11-30/w_1.json`],
      ["s3:GetObject", `${BUCKET}/snapshots/shopify/orders/run=1/part-00000.parquet`],
      ["s3:ListBucket", BUCKET, { "s3:prefix": "raw/shopify/" }],
      ["dynamodb:PutItem", table("subscriptions")],
      ["dynamodb:GetItem", table("orders")],
      ["secretsmanager:GetSecretValue", secret("shopifyAdmin")],
      ["kms:Decrypt", key("secrets")],
    ]),
  )("denies $action on $resource", async ({ call }) => {
    expect(await decide(call)).toBe("ImplicitlyDenied");
  });
});
