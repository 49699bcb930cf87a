/** SNS_CMK: SNS topics are encrypted with a customer-managed KMS key. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const snsCmk: GuardrailRule = {
  id: "SNS_CMK",
  title: "SNS topics are encrypted with a customer-managed KMS key",
  fix: "Set kms_master_key_id to the messaging key.",
  check: perResource(["aws_sns_topic"], (topic) => {
    const key = topic.body.kms_master_key_id;
    return typeof key === "string" && key !== "alias/aws/sns" ? undefined : "topic is not encrypted with a CMK";
  }),
};
