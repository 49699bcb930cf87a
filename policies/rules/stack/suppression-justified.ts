/** SUPPRESSION_JUSTIFIED: Every guardrail suppression carries a written justification. */
import { list, MIN_JUSTIFICATION_LENGTH, type GuardrailRule } from "../../guardrails";

export const suppressionJustified: GuardrailRule = {
  id: "SUPPRESSION_JUSTIFIED",
  title: "Every guardrail suppression carries a written justification",
  fix: `Write why the rule does not apply (at least ${MIN_JUSTIFICATION_LENGTH} characters) in suppress(resource, ruleId, justification).`,
  check: (context) =>
    Object.entries(context.stack.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName).flatMap(([name, body]) => {
        const entries = list<{ rule?: unknown; justification?: unknown }>((body["//"] as { guardrails?: { suppress?: unknown } } | undefined)?.guardrails?.suppress);
        return entries
          .filter((entry) => typeof entry.justification !== "string" || entry.justification.trim().length < MIN_JUSTIFICATION_LENGTH)
          .map((entry) => ({ address: `${type}.${name}`, problem: `suppression of ${String(entry.rule)} has no justification` }));
      }),
    ),
};
