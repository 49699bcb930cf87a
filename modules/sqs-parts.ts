/**
 * The SQS pieces QueueWithDlq and EventTargetDlq share: a dead-letter queue's settings, the queue
 * policy that lets exactly some EventBridge rules send (aws:SourceArn = the rule ARNs, filled in
 * when the stack is synthesized), and the alarm on a queue's depth.
 */
import { SqsQueuePolicy } from "@cdktn/provider-aws/lib/sqs-queue-policy";
import type { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";
import { Lazy } from "cdktn";
import type { Construct } from "constructs";
import { policyDocument } from "../policies/iam";
import type { AlarmFactory } from "./alarms";

/** A dead-letter queue: encrypted with the messaging key, messages kept 14 days (SQS's maximum). */
export const deadLetterQueueSettings = (kmsKeyArn: string) => ({
  kmsMasterKeyId: kmsKeyArn,
  kmsDataKeyReusePeriodSeconds: 300,
  messageRetentionSeconds: 14 * 24 * 3600,
});

/**
 * The queue's policy: EventBridge may send on behalf of the rules in `ruleArns` only (read when
 * synthesized, so rules added after construction count; none yet matches no rule).
 */
export const eventRulesMaySend = (scope: Construct, queue: SqsQueue, sid: string, ruleArns: ReadonlyArray<string>) =>
  new SqsQueuePolicy(scope, "policy", {
    queueUrl: queue.url,
    policy: Lazy.stringValue({
      produce: () =>
        policyDocument([
          {
            Sid: sid,
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: queue.arn,
            Condition: { ArnEquals: { "aws:SourceArn": ruleArns.length > 0 ? [...ruleArns] : ["arn:aws:events:::rule/none"] } },
          },
        ]),
    }),
  });

/** An alarm when anything is visible in the queue `queueName`. */
export const queueDepthAlarm = (alarms: AlarmFactory, scope: Construct, id: string, spec: { name: string; description: string; queueName: string }) =>
  alarms.metric(scope, id, {
    name: spec.name,
    description: spec.description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: spec.queueName },
    statistic: "Maximum",
    threshold: 1,
  });
