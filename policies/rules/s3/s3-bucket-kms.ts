/** S3_BUCKET_KMS: S3 buckets are encrypted by default with a customer-managed KMS key. */
import { block, list, type GuardrailRule } from "../../guardrails";
import { perResource, companions } from "../helpers";

export const s3BucketKms: GuardrailRule = {
  id: "S3_BUCKET_KMS",
  title: "S3 buckets are encrypted by default with a customer-managed KMS key",
  fix: "Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and kms_master_key_id (LakeBucket does this).",
  check: perResource(["aws_s3_bucket"], (bucket, context) => {
    const ok = companions(context, bucket, "aws_s3_bucket_server_side_encryption_configuration").some((sse) =>
      list<Record<string, unknown>>(sse.body.rule).some((rule) => {
        const defaults = block(rule.apply_server_side_encryption_by_default);
        return String(defaults?.sse_algorithm).startsWith("aws:kms") && typeof defaults?.kms_master_key_id === "string";
      }),
    );
    return ok ? undefined : "bucket has no default SSE-KMS encryption with a CMK";
  }),
};
