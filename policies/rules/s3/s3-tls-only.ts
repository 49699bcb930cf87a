/** S3_TLS_ONLY: S3 bucket policies deny requests without TLS. */
import type { GuardrailRule } from "../../guardrails";
import { perResource, companions, parsePolicy } from "../helpers";

export const s3TlsOnly: GuardrailRule = {
  id: "S3_TLS_ONLY",
  title: "S3 bucket policies deny requests without TLS",
  fix: "Add a bucket policy statement: Deny s3:* when aws:SecureTransport is false (LakeBucket does this).",
  check: perResource(["aws_s3_bucket"], (bucket, context) => {
    const ok = companions(context, bucket, "aws_s3_bucket_policy").some((policy) => {
      const statements = parsePolicy(policy.body.policy);
      return Array.isArray(statements) && statements.some((s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'));
    });
    return ok ? undefined : "bucket policy does not deny insecure transport";
  }),
};
