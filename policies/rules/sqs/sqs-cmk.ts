/** SQS_CMK: SQS queues are encrypted with a customer-managed KMS key. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const sqsCmk: GuardrailRule = {
  id: "SQS_CMK",
  title: "SQS queues are encrypted with a customer-managed KMS key",
  fix: "Set kms_master_key_id to the messaging key (QueueWithDlq does this).",
  check: perResource(["aws_sqs_queue"], (queue) => (typeof queue.body.kms_master_key_id === "string" ? undefined : "queue is not encrypted with a CMK")),
};
