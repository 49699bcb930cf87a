/** SECRETS_OWNER_TAG: Secrets name an owner. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const secretsOwnerTag: GuardrailRule = {
  id: "SECRETS_OWNER_TAG",
  title: "Secrets name an owner",
  fix: "Add an owner tag, so someone is asked when it must rotate.",
  check: perResource(["aws_secretsmanager_secret"], (secret) => {
    const tags = (secret.body.tags ?? {}) as Record<string, unknown>;
    return typeof tags.owner === "string" && tags.owner.length > 0 ? undefined : "secret has no owner tag";
  }),
};
