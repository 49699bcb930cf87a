/** The ingestion stack's payment additions: per-kind alert topics, their grants, the door alarms. */
import { alertKindTopicEnvVar } from "../../contracts/env-vars";
import { loadEnvironment } from "../../config/environments";
import { paymentAlertKinds } from "../../stacks/payment-alerts";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "../infra/helpers";

describe("ingestion stack: payment alert topics and alarms", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
  });
  afterAll(() => synth.cleanup());
  const ingestion = () => synth.stack("acme-staging-ingestion");

  it("creates one encrypted topic per payment alert kind, mailed to the alert addresses", () => {
    const topics = resourcesOf(ingestion(), "aws_sns_topic");
    for (const kind of Object.keys(paymentAlertKinds)) {
      const topic = topics.find((candidate) => candidate.name === `acme-staging-alerts-${kind}`);
      expect(topic).toBeDefined();
      expect(topic.kms_master_key_id).toContain("terraform_remote_state");
    }
    const emails = loadEnvironment("staging").alertEmails;
    const subscriptions = resourcesOf(ingestion(), "aws_sns_topic_subscription");
    expect(subscriptions).toHaveLength(Object.keys(paymentAlertKinds).length * emails.length);
    expect(subscriptions.every((subscription) => subscription.protocol === "email" && emails.includes(subscription.endpoint))).toBe(true);
  });

  it("lets only the processor that raises a kind publish to its topic, and tells it the ARN", () => {
    const lambdas = resourcesOf(ingestion(), "aws_lambda_function");
    const policies = resourcesOf(ingestion(), "aws_iam_role_policy");
    for (const [kind, processor] of Object.entries(paymentAlertKinds)) {
      for (const fn of lambdas) {
        const variables = fn.environment.variables;
        expect([fn.function_name, Boolean(variables[alertKindTopicEnvVar(kind)])]).toEqual([fn.function_name, fn.function_name === `acme-staging-${processor}`]);
      }
      const processorPolicy = policies
        .filter((policy) => JSON.stringify(policy.role).includes(processor))
        .map((policy) => JSON.stringify(policy.policy))
        .join("");
      expect(processorPolicy).toContain(`aws_sns_topic.alerts-${kind}.arn`);
    }
  });

  it("alarms on refused signatures at both payment doors, and the guardrails pass", () => {
    const alarms = resourcesOf(ingestion(), "aws_cloudwatch_metric_alarm").filter((alarm) => alarm.metric_name === "WebhookRejected");
    expect(alarms.map((alarm) => [alarm.alarm_name, alarm.dimensions])).toEqual([
      ["acme-staging-recharge-ingress-rejected-signatures", { FunctionName: "acme-staging-recharge-ingress", source: "recharge", status: "401" }],
      ["acme-staging-stripe-ingress-rejected-signatures", { FunctionName: "acme-staging-stripe-ingress", source: "stripe", status: "401" }],
    ]);
    for (const stack of synth.stacks) expect(stack.guardrailReport?.violations).toEqual([]);
  });
});
