/** IAM_NO_ADMIN: No role gets administrator access. */
import { list, type GuardrailRule } from "../../guardrails";
import { identityRule, actionsOf, resourcesOf } from "../helpers";

export const iamNoAdmin: GuardrailRule = {
  id: "IAM_NO_ADMIN",
  title: "No role gets administrator access",
  fix: "Grant the specific actions on the specific resources the role needs (policies/iam.ts builders).",
  check: (context) => [
    ...context
      .resources("aws_iam_role_policy_attachment")
      .flatMap((a) => (String(a.body.policy_arn).endsWith("/AdministratorAccess") ? [{ address: a.address, problem: "AdministratorAccess is attached" }] : [])),
    ...context
      .resources("aws_iam_role")
      .flatMap((r) =>
        list<string>(r.body.managed_policy_arns).some((arn) => arn.endsWith("/AdministratorAccess")) ? [{ address: r.address, problem: "AdministratorAccess is attached" }] : [],
      ),
    ...identityRule((s) => (actionsOf(s).includes("*") && resourcesOf(s).includes("*") ? "a statement allows * on *" : undefined))(context),
  ],
};
