/**
 * An SQS queue with its dead-letter queue, both encrypted with the messaging CMK, and an alarm
 * when anything lands in the DLQ. EventBridge rules that target it are allowed by ARN.
 */
import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import type { AlarmFactory } from "./alarms";
import { deadLetterQueueSettings, eventRulesMaySend, queueDepthAlarm } from "./sqs-parts";

export interface QueueWithDlqProps {
  readonly queueName: string;
  readonly kmsKeyArn: string;
  /** At least six times the consumer's timeout (AWS guidance for Lambda event sources). */
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount?: number;
  readonly alarms: AlarmFactory;
}

export class QueueWithDlq extends Construct {
  readonly queue: SqsQueue;
  readonly dlq: SqsQueue;
  private readonly senderRuleArns: string[] = [];

  constructor(
    scope: Construct,
    id: string,
    readonly props: QueueWithDlqProps,
  ) {
    super(scope, id);
    this.dlq = new SqsQueue(this, "dlq", { name: `${props.queueName}-dlq`, ...deadLetterQueueSettings(props.kmsKeyArn) });
    this.queue = new SqsQueue(this, "queue", {
      name: props.queueName,
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      messageRetentionSeconds: 4 * 24 * 3600,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.dlq.arn, maxReceiveCount: props.maxReceiveCount ?? 5 }),
    });
    queueDepthAlarm(props.alarms, this, "dlq-depth", {
      name: `${props.queueName}-dlq-depth`,
      description: `Messages in ${props.queueName}-dlq: events that failed processing ${props.maxReceiveCount ?? 5} times. Inspect and redrive.`,
      queueName: `${props.queueName}-dlq`,
    });
    eventRulesMaySend(this, this.queue, "AllowEventBridgeRules", this.senderRuleArns);
  }

  /** Lets an EventBridge rule send to this queue. */
  allowRule(ruleArn: string): void {
    this.senderRuleArns.push(ruleArn);
  }
}
