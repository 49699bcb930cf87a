/** KMS_NO_STAR_PRINCIPAL: KMS key policies name their principals. */
import type { GuardrailRule } from "../../guardrails";
import { perResource, parsePolicy, isStarPrincipal } from "../helpers";

export const kmsNoStarPrincipal: GuardrailRule = {
  id: "KMS_NO_STAR_PRINCIPAL",
  title: "KMS key policies name their principals",
  fix: 'Grant the account root ARN or a service principal with a SourceAccount/ViaService condition, never Principal "*".',
  check: perResource(["aws_kms_key"], (key) => {
    const statements = parsePolicy(key.body.policy);
    if (statements === undefined) return "key has no explicit key policy";
    if (statements === "unreadable") return "key policy is not readable JSON";
    return statements.some((s) => s.Effect === "Allow" && isStarPrincipal(s.Principal)) ? "key policy allows Principal *" : undefined;
  }),
};
