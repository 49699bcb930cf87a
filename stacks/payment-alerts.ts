/**
 * Payment alerts, added to the ingestion stack: one SNS topic per payment alert kind
 * (subscription cancelled, charge failed, dispute opened, payment failed), each encrypted with the
 * messaging key and mailed to the environment's alert addresses; the processors that raise a kind
 * may publish to its topic and get its ARN in `alertKindTopicEnvVar(kind)` (they fall back to the
 * general alerts topic without it). Plus alarms on the payment doors: a burst of 401s means a
 * webhook secret is wrong or mid-rotation, and every refused delivery is an event we are missing.
 */
import { SnsTopic } from "@cdktn/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktn/provider-aws/lib/sns-topic-subscription";
import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { paymentAlertKindList, type PaymentAlertKind } from "../contracts/alerts";
import { alertKindTopicEnvVar } from "../contracts/env-vars";
import { functionSpecs } from "../contracts/functions";
import type { AlarmFactory } from "../modules/alarms";
import type { EffectFunction } from "../modules/effect-function";
import { statements } from "../policies/iam";

/** Which function raises which payment alert kind: the spec that lists the kind in its `alertKinds` (one per kind). */
export const paymentAlertKinds: Readonly<Record<PaymentAlertKind, string>> = Object.fromEntries(
  paymentAlertKindList.map((kind) => {
    const raisers = functionSpecs.filter((spec) => (spec.alertKinds ?? []).includes(kind));
    if (raisers.length !== 1) throw new Error(`payment alert kind ${kind} must be raised by exactly one function in contracts/functions.ts, found ${raisers.length}`);
    return [kind, raisers[0]!.name];
  }),
) as Record<PaymentAlertKind, string>;

/** The payment doors and the EMF dimension `source` their ingress metrics carry. */
export const paymentDoors = { "recharge-ingress": "recharge", "stripe-ingress": "stripe" } as const;

const pascal = (text: string) => text.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());

export interface PaymentAlertsProps {
  readonly env: EnvironmentConfig;
  readonly prefix: string;
  readonly messagingKeyArn: string;
  readonly functions: Readonly<Record<string, EffectFunction>>;
  readonly alarms: AlarmFactory;
}

export const addPaymentAlerts = (scope: Construct, props: PaymentAlertsProps): Record<string, SnsTopic> => {
  const topics: Record<string, SnsTopic> = {};
  for (const [kind, processor] of Object.entries(paymentAlertKinds)) {
    const fn = props.functions[processor];
    // Topics follow their publisher: an environment without the processor needs no topic.
    if (!fn) continue;
    const topic = new SnsTopic(scope, `alerts-${kind}`, { name: `${props.prefix}-alerts-${kind}`, kmsMasterKeyId: props.messagingKeyArn });
    props.env.alertEmails.forEach((email, index) => {
      new SnsTopicSubscription(scope, `alerts-${kind}-email-${index}`, { topicArn: topic.arn, protocol: "email", endpoint: email });
    });
    fn.addStatement(statements.snsPublish(`Alerts${pascal(kind)}Topic`, topic.arn));
    fn.addEnvironment(alertKindTopicEnvVar(kind), topic.arn);
    new TerraformOutput(scope, `alerts-${kind}-topic-arn`, { value: topic.arn, description: `SNS topic of ${kind} alerts.` });
    topics[kind] = topic;
  }
  for (const [door, source] of Object.entries(paymentDoors)) {
    if (!props.functions[door]) continue;
    props.alarms.metric(scope, `${door}-rejected-signatures`, {
      name: `${door}-rejected-signatures`,
      description: `${source} deliveries refused with 401: check the ${source} webhook secret (rotation?); refused events are not stored.`,
      namespace: "ShopifyDataPlatform",
      metricName: "WebhookRejected",
      dimensions: { FunctionName: `${props.prefix}-${door}`, source, status: "401" },
      threshold: 5,
    });
  }
  return topics;
};
