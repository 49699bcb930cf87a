/** BACKEND_S3_LOCKED: State lives in an encrypted S3 backend with locking. */
import type { GuardrailRule } from "../../guardrails";

export const backendS3Locked: GuardrailRule = {
  id: "BACKEND_S3_LOCKED",
  title: "State lives in an encrypted S3 backend with locking",
  fix: "Use S3Backend with encrypt = true and dynamodb_table (PlatformStack does this).",
  check: (context) => {
    const s3 = context.stack.terraform?.backend?.s3;
    if (!s3) return [{ address: "terraform.backend", problem: "stack has no s3 backend" }];
    if (s3.encrypt !== true) return [{ address: "terraform.backend.s3", problem: "state is not encrypted" }];
    return typeof s3.dynamodb_table === "string" || s3.use_lockfile === true ? [] : [{ address: "terraform.backend.s3", problem: "state has no lock" }];
  },
};
