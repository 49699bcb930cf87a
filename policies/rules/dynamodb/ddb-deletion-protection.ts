/** DDB_DELETION_PROTECTION: DynamoDB tables outside dev have deletion protection. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const ddbDeletionProtection: GuardrailRule = {
  id: "DDB_DELETION_PROTECTION",
  title: "DynamoDB tables outside dev have deletion protection",
  fix: "Set deletion_protection_enabled = true (HotTable does this outside dev).",
  check: perResource(["aws_dynamodb_table"], (table, context) =>
    context.environment !== "dev" && table.body.deletion_protection_enabled !== true
      ? `deletion protection is off in ${context.environment ?? "an unknown environment"}`
      : undefined,
  ),
};
