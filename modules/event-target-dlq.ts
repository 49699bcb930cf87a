/**
 * The dead-letter queue of a stack's EventBridge rule targets. Without one, an event EventBridge
 * cannot deliver (the target's key policy denies it, the queue was deleted, Step Functions
 * throttles) is retried for the retry policy's maximum event age and then dropped for good.
 *
 * One queue per stack: every message carries the RULE_ARN, TARGET_ARN and ERROR_CODE attributes,
 * so one DLQ tells the failures of all the stack's rules apart. Its queue policy lets exactly the
 * rules that use it send (aws:SourceArn = the rule ARN), as AWS documents for target DLQs:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 * Encrypted with the messaging key, whose policy lets EventBridge rules of this environment use
 * it (stacks/foundation.ts).
 */
import type { CloudwatchEventRule } from "@cdktn/provider-aws/lib/cloudwatch-event-rule";
import type { CloudwatchEventTargetDeadLetterConfig, CloudwatchEventTargetRetryPolicy } from "@cdktn/provider-aws/lib/cloudwatch-event-target";
import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import type { AlarmFactory } from "./alarms";
import { deadLetterQueueSettings, eventRulesMaySend, queueDepthAlarm } from "./sqs-parts";

export interface EventTargetDlqProps {
  /** Full queue name; ends in `-dlq`. */
  readonly queueName: string;
  readonly kmsKeyArn: string;
  readonly alarms: AlarmFactory;
}

/**
 * How long and how often EventBridge retries a target before the event goes to the DLQ: its
 * maxima (24 hours, 185 attempts), so a target that is down for hours still gets the event.
 */
export const targetRetryPolicy: CloudwatchEventTargetRetryPolicy = { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 };

export class EventTargetDlq extends Construct {
  readonly queue: SqsQueue;
  private readonly ruleArns: string[] = [];

  constructor(scope: Construct, id: string, props: EventTargetDlqProps) {
    super(scope, id);
    this.queue = new SqsQueue(this, "queue", { name: props.queueName, ...deadLetterQueueSettings(props.kmsKeyArn) });
    eventRulesMaySend(this, this.queue, "EventBridgeRulesDeadLetters", this.ruleArns);
    queueDepthAlarm(props.alarms, this, "depth", {
      name: `${props.queueName}-depth`,
      description: `Events EventBridge could not deliver to a rule target are in ${props.queueName} (message attributes RULE_ARN, TARGET_ARN, ERROR_CODE say which and why).`,
      queueName: props.queueName,
    });
  }

  /** The target settings for a rule that uses this DLQ; lets the rule send to it. */
  forRule(rule: CloudwatchEventRule): { deadLetterConfig: CloudwatchEventTargetDeadLetterConfig; retryPolicy: CloudwatchEventTargetRetryPolicy } {
    this.ruleArns.push(rule.arn);
    return { deadLetterConfig: { arn: this.queue.arn }, retryPolicy: targetRetryPolicy };
  }
}
