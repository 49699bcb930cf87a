/** LOG_GROUP_KMS: Log groups are encrypted with the logs KMS key. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const logGroupKms: GuardrailRule = {
  id: "LOG_GROUP_KMS",
  title: "Log groups are encrypted with the logs KMS key",
  fix: "Set kms_key_id to the logs key.",
  check: perResource(["aws_cloudwatch_log_group"], (group) => (typeof group.body.kms_key_id === "string" ? undefined : "log group is not KMS-encrypted")),
};
