/**
 * The reads the data-quality run makes for its webhook-recovery measure (contracts/webhook-recovery.ts),
 * simulated on its synthesized role policy (iam-simulate): the raw listings of each source's
 * webhook entities and the reconciliation's recovered-event markers; writing or deleting either is
 * denied. The policy's cross-stack references are resolved to the ARNs those resources get in the account.
 */
import { rawPrefix } from "../../contracts/lake-layout";
import { recoveredEventKey, recoveredEventsPrefix, webhookEntities } from "../../contracts/webhook-recovery";
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

describe("data-quality: the webhook-recovery reads, simulated", () => {
  let synth: Synthesized;
  let policy: unknown;
  /** Key policies by purpose (KMS decides on the key policy and the identity policy together). */
  let keyPolicies: Record<string, unknown>;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const analytics = synth.stack("acme-staging-analytics");
    const found = resourcesOf(analytics, "aws_iam_role_policy").find((candidate) => String(candidate.role).includes("data-quality"));
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
        principal: `arn:aws:iam::${ACCOUNT}:role/acme-staging-data-quality`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: "data-quality", policy }],
      })
    ).decision;

  const day = "2026-11-30";
  const marker = `${BUCKET}/${recoveredEventKey("stripe", day, "2026-11-29", "charge", "evt_1")}`;

  it.each(
    asCases([
      // "Received by webhook": one listing per source, webhook entity and day.
      ...(["shopify", "recharge", "stripe"] as const).flatMap((source) =>
        webhookEntities[source].map((entity): Call => ["s3:ListBucket", BUCKET, { "s3:prefix": `${rawPrefix(source, entity)}dt=${day}/` }]),
      ),
      // "Recovered": the markers of the day's recoveries, and of the day's events recovered later.
      ["s3:ListBucket", BUCKET, { "s3:prefix": recoveredEventsPrefix("stripe", day) }],
      ["s3:ListBucket", BUCKET, { "s3:prefix": recoveredEventsPrefix("recharge", "2026-12-01", day) }],
      ["s3:GetObject", marker],
      ["kms:Decrypt", key("lake")],
    ]),
  )("allows $action on $resource", async ({ call }) => {
    expect(await decide(call)).toBe("Allowed");
  });

  it.each(
    asCases([
      ["s3:PutObject", marker],
      ["s3:DeleteObject", marker],
      ["s3:PutObject", `${BUCKET}/raw/stripe/charge/dt=${day}/evt_1.json`],
    ]),
  )("denies $action on $resource", async ({ call }) => {
    expect(await decide(call)).toBe("ImplicitlyDenied");
  });
});
