/** IAM_ROLE_BOUNDARY: Every role carries the environment's workload permissions boundary. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const iamRoleBoundary: GuardrailRule = {
  id: "IAM_ROLE_BOUNDARY",
  title: "Every role carries the environment's workload permissions boundary",
  fix: "PlatformStack sets permissions_boundary on every aws_iam_role of a CI-applied stack; a role created another way must set it to the <brand>-<env>-workload-boundary policy ARN.",
  check: perResource(["aws_iam_role"], (role, context) => {
    const boundary = role.body.permissions_boundary;
    if (typeof boundary !== "string" || boundary.length === 0) return "role has no permissions boundary";
    const tags = (block(block(context.stack.provider?.aws)?.default_tags)?.tags ?? {}) as Record<string, string>;
    const expected = `:policy/${tags.brand}-${tags.environment}-workload-boundary`;
    return boundary.endsWith(expected) ? undefined : `permissions boundary ${boundary} is not the environment's workload boundary (*${expected})`;
  }),
};
