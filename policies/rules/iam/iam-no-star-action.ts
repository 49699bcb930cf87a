/** IAM_NO_STAR_ACTION: IAM statements name their actions (no * or service:*). */
import type { GuardrailRule } from "../../guardrails";
import { identityRule, actionsOf } from "../helpers";

export const iamNoStarAction: GuardrailRule = {
  id: "IAM_NO_STAR_ACTION",
  title: "IAM statements name their actions (no * or service:*)",
  fix: "List the actions the role calls, e.g. dynamodb:GetItem, instead of a wildcard.",
  check: identityRule((s) => {
    const wild = actionsOf(s).filter((action) => action === "*" || action.endsWith(":*"));
    return wild.length > 0 ? `wildcard actions: ${wild.join(", ")}` : undefined;
  }),
};
