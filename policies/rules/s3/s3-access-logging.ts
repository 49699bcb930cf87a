/** S3_ACCESS_LOGGING: S3 buckets have server access logging. */
import type { GuardrailRule } from "../../guardrails";
import { perResource, companions } from "../helpers";

export const s3AccessLogging: GuardrailRule = {
  id: "S3_ACCESS_LOGGING",
  title: "S3 buckets have server access logging",
  fix: "Add aws_s3_bucket_logging targeting the access-log bucket.",
  check: perResource(["aws_s3_bucket"], (bucket, context) =>
    companions(context, bucket, "aws_s3_bucket_logging").some((l) => typeof l.body.target_bucket === "string") ? undefined : "bucket has no access logging",
  ),
};
