/** SQS_HAS_DLQ: SQS queues that feed consumers have a dead-letter queue. */
import type { GuardrailRule } from "../../guardrails";
import { perResource, refersToBlock } from "../helpers";

export const sqsHasDlq: GuardrailRule = {
  id: "SQS_HAS_DLQ",
  title: "SQS queues that feed consumers have a dead-letter queue",
  fix: "Set redrive_policy to a dead-letter queue (QueueWithDlq does this), or name the queue *-dlq if it is one.",
  check: perResource(["aws_sqs_queue"], (queue, context) => {
    if (queue.body.redrive_policy !== undefined) return undefined;
    if (String(queue.body.name ?? "").endsWith("-dlq")) return undefined;
    const usedAsDlq =
      context.referencing("aws_sqs_queue", queue, "redrive_policy").length > 0 ||
      context.resources("aws_lambda_function").some((fn) => refersToBlock(fn.body.dead_letter_config, queue));
    return usedAsDlq ? undefined : "queue has no dead-letter queue";
  }),
};
