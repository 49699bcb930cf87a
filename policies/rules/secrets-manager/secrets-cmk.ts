/** SECRETS_CMK: Secrets are encrypted with a customer-managed KMS key. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const secretsCmk: GuardrailRule = {
  id: "SECRETS_CMK",
  title: "Secrets are encrypted with a customer-managed KMS key",
  fix: "Set kms_key_id to the secrets key.",
  check: perResource(["aws_secretsmanager_secret"], (secret) => (typeof secret.body.kms_key_id === "string" ? undefined : "secret uses the AWS-managed key")),
};
