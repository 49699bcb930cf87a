/** LOG_GROUP_RETENTION: Log groups expire their logs. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const logGroupRetention: GuardrailRule = {
  id: "LOG_GROUP_RETENTION",
  title: "Log groups expire their logs",
  fix: "Set retention_in_days from the environment's logRetentionDays.",
  check: perResource(["aws_cloudwatch_log_group"], (group) => {
    const days = group.body.retention_in_days;
    return typeof days === "number" && days > 0 ? undefined : "log group keeps logs forever";
  }),
};
