/** S3_BUCKET_VERSIONING: S3 buckets are versioned. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource, companions } from "../helpers";

export const s3BucketVersioning: GuardrailRule = {
  id: "S3_BUCKET_VERSIONING",
  title: "S3 buckets are versioned",
  fix: "Add aws_s3_bucket_versioning with versioning_configuration.status = Enabled.",
  check: perResource(["aws_s3_bucket"], (bucket, context) =>
    companions(context, bucket, "aws_s3_bucket_versioning").some((v) => block(v.body.versioning_configuration)?.status === "Enabled")
      ? undefined
      : "bucket versioning is not enabled",
  ),
};
