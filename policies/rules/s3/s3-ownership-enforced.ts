/** S3_OWNERSHIP_ENFORCED: S3 buckets disable ACLs (BucketOwnerEnforced). */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource, companions } from "../helpers";

export const s3OwnershipEnforced: GuardrailRule = {
  id: "S3_OWNERSHIP_ENFORCED",
  title: "S3 buckets disable ACLs (BucketOwnerEnforced)",
  fix: "Add aws_s3_bucket_ownership_controls with object_ownership = BucketOwnerEnforced.",
  check: perResource(["aws_s3_bucket"], (bucket, context) =>
    companions(context, bucket, "aws_s3_bucket_ownership_controls").some((oc) => block(oc.body.rule)?.object_ownership === "BucketOwnerEnforced")
      ? undefined
      : "bucket ACLs are not disabled",
  ),
};
