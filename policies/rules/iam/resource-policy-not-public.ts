/** RESOURCE_POLICY_NOT_PUBLIC: Bucket, queue and topic policies never allow everyone. */
import type { GuardrailRule } from "../../guardrails";
import { perResource, parsePolicy, isStarPrincipal } from "../helpers";

export const resourcePolicyNotPublic: GuardrailRule = {
  id: "RESOURCE_POLICY_NOT_PUBLIC",
  title: "Bucket, queue and topic policies never allow everyone",
  fix: "Allow a service principal with an aws:SourceArn/SourceAccount condition, or an account ARN.",
  check: perResource(["aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy"], (policy) => {
    const statements = parsePolicy(policy.body.policy);
    if (statements === "unreadable") return "policy is not readable JSON";
    return (statements ?? []).some((s) => s.Effect === "Allow" && isStarPrincipal(s.Principal) && s.Condition === undefined)
      ? "policy allows Principal * without a condition"
      : undefined;
  }),
};
