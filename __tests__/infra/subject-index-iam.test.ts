/**
 * The GDPR subject index's writers, simulated on their synthesized role policies (iam-simulate):
 * every processor (each event's BatchWriteItem), the Shopify door (each compliance webhook's raw
 * copy) and the backfill download (each Parquet part) may write the subjectIndex table and read
 * its HMAC key; a function that does not index (the Recharge and Stripe doors,
 * backfill-bulk-finish) may do neither.
 */
import { functionSpecs } from "../../contracts/functions";
import type { Decision } from "../../policies/ci-simulation";
import { resourcesOf } from "./helpers";
import { arn, resolvedPolicy, resolverOf, roleSimulator, secret, standardPatterns, table } from "./role-simulation";
import { stagingSynthesis } from "./role-simulation-suite";

const resolve = resolverOf([
  ...standardPatterns,
  [/aws_sns_topic\w*arn$/, () => arn("sns", "acme-staging-alerts")],
  [/aws_sqs_queue\w*arn$/, () => arn("sqs", "queue")],
  [/aws_cloudwatch_event_bus\w*arn$/, () => arn("events", "event-bus/acme-staging-platform")],
  // Anything else the policies name (the bus, queues, topics): not this test's subject.
  [/arn$/, () => arn("other", "resource")],
]);

const INDEX = table("subjectIndex");
const KEY_SECRET = secret("subjectIndexKey");
const writers = functionSpecs.filter((spec) => spec.tables.write.includes("subjectIndex") && ["ingestion", "backfill"].includes(spec.layer)).map((spec) => spec.name);
const nonWriters = ["recharge-ingress", "stripe-ingress", "backfill-bulk-finish"];

describe("subject index writers: their calls, simulated", () => {
  const synth = stagingSynthesis();
  const policies = new Map<string, unknown>();
  let simulateOn: ReturnType<typeof roleSimulator>;
  beforeAll(() => {
    simulateOn = roleSimulator(synth());
    for (const stack of ["acme-staging-ingestion", "acme-staging-backfill"]) {
      for (const found of resourcesOf(synth().stack(stack), "aws_iam_role_policy")) {
        const role = String(found.role);
        for (const name of [...writers, ...nonWriters]) {
          if (new RegExp(`${name}(?![A-Za-z])`).test(role)) {
            policies.set(name, resolvedPolicy(found.policy, resolve));
          }
        }
      }
    }
  });

  const decide = async (name: string, action: string, resource: string, context: Record<string, string> = {}): Promise<Decision> => {
    const policy = policies.get(name);
    if (policy === undefined) throw new Error(`no role policy found for ${name} (found: ${[...policies.keys()].join(", ")})`);
    return simulateOn(`acme-staging-${name}`, policy, [action, resource, context]);
  };

  it("covers every processor and the backfill download", () => {
    expect(writers).toEqual(
      expect.arrayContaining(["shopify-ingress", "shopify-orders", "shopify-customers", "shopify-checkouts", "recharge-processor", "stripe-processor", "backfill-download"]),
    );
  });

  it.each(writers)("%s may BatchWriteItem the subject index and read its key", async (name) => {
    expect(await decide(name, "dynamodb:BatchWriteItem", INDEX)).toBe("Allowed");
    expect(await decide(name, "dynamodb:PutItem", INDEX)).toBe("Allowed");
    expect(await decide(name, "secretsmanager:GetSecretValue", KEY_SECRET)).toBe("Allowed");
    // Another secret stays out of reach.
    expect(await decide(name, "secretsmanager:GetSecretValue", secret("stripeApi"))).toBe("ImplicitlyDenied");
  });

  it.each(nonWriters)("%s may not write the subject index nor read its key", async (name) => {
    expect(await decide(name, "dynamodb:BatchWriteItem", INDEX)).toBe("ImplicitlyDenied");
    expect(await decide(name, "secretsmanager:GetSecretValue", KEY_SECRET)).toBe("ImplicitlyDenied");
  });
});
