/** S3_LIFECYCLE: S3 buckets have lifecycle rules, including expiry of noncurrent versions. */
import { block, list, type GuardrailRule } from "../../guardrails";
import { perResource, companions } from "../helpers";

export const s3Lifecycle: GuardrailRule = {
  id: "S3_LIFECYCLE",
  title: "S3 buckets have lifecycle rules, including expiry of noncurrent versions",
  fix: "Add aws_s3_bucket_lifecycle_configuration with an enabled rule that sets noncurrent_version_expiration.",
  check: perResource(["aws_s3_bucket"], (bucket, context) => {
    const rules = companions(context, bucket, "aws_s3_bucket_lifecycle_configuration").flatMap((lc) => list<Record<string, unknown>>(lc.body.rule));
    const enabled = rules.filter((rule) => rule.status === "Enabled");
    if (enabled.length === 0) return "bucket has no enabled lifecycle rule";
    return enabled.some((rule) => block(rule.noncurrent_version_expiration)) ? undefined : "no lifecycle rule expires noncurrent versions";
  }),
};
