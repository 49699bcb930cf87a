/** KMS_ROTATION: KMS keys rotate. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const kmsRotation: GuardrailRule = {
  id: "KMS_ROTATION",
  title: "KMS keys rotate",
  fix: "Set enable_key_rotation = true.",
  check: perResource(["aws_kms_key"], (key) => (key.body.enable_key_rotation === true ? undefined : "key rotation is off")),
};
