/** S3_PUBLIC_ACCESS_BLOCK: S3 buckets block all public access. */
import type { GuardrailRule } from "../../guardrails";
import { perResource, companions } from "../helpers";

export const s3PublicAccessBlock: GuardrailRule = {
  id: "S3_PUBLIC_ACCESS_BLOCK",
  title: "S3 buckets block all public access",
  fix: "Add aws_s3_bucket_public_access_block with all four settings true.",
  check: perResource(["aws_s3_bucket"], (bucket, context) =>
    companions(context, bucket, "aws_s3_bucket_public_access_block").some(
      (pab) => pab.body.block_public_acls === true && pab.body.block_public_policy === true && pab.body.ignore_public_acls === true && pab.body.restrict_public_buckets === true,
    )
      ? undefined
      : "bucket does not block all public access",
  ),
};
