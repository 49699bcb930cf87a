/** IAM_TRUST_SCOPED: Role trust policies name who may assume them; web-identity trust is pinned to a subject. */
import { list, type GuardrailRule } from "../../guardrails";
import { perResource, parsePolicy, actionsOf, isStarPrincipal } from "../helpers";

export const iamTrustScoped: GuardrailRule = {
  id: "IAM_TRUST_SCOPED",
  title: "Role trust policies name who may assume them; web-identity trust is pinned to a subject",
  fix: "Trust a service principal or an account, and for OIDC require an exact `sub` (repo:<owner>/<repo>:environment:<env>) and `aud`.",
  check: perResource(["aws_iam_role"], (role) => {
    const statements = parsePolicy(role.body.assume_role_policy);
    if (statements === undefined) return "role has no trust policy";
    if (statements === "unreadable") return "trust policy is not readable JSON";
    for (const s of statements.filter((st) => st.Effect === "Allow")) {
      if (isStarPrincipal(s.Principal)) return "trust policy allows Principal *";
      if (actionsOf(s).includes("sts:AssumeRoleWithWebIdentity")) {
        const conditions = JSON.stringify(s.Condition ?? {});
        const sub = Object.values(s.Condition ?? {})
          .flatMap((c) => Object.entries(c))
          .find(([key]) => key.endsWith(":sub"));
        if (!sub) return "web-identity trust has no sub condition";
        if (list<string>(sub[1] as string | string[]).some((value) => value.includes("*"))) return "web-identity sub condition contains a wildcard";
        if (!conditions.includes(":aud")) return "web-identity trust has no aud condition";
      }
    }
    return undefined;
  }),
};
