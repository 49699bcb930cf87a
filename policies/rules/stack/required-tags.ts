/** REQUIRED_TAGS: Every resource carries the required tags (provider default_tags). */
import { block, list, type GuardrailRule } from "../../guardrails";

export const requiredTags = ["brand", "environment", "owner", "cost-center", "data-classification"] as const;

export const requiredTagsRule: GuardrailRule = {
  id: "REQUIRED_TAGS",
  title: "Every resource carries the required tags (provider default_tags)",
  fix: `Set default_tags on the aws provider with ${requiredTags.join(", ")} (PlatformStack does this).`,
  check: (context) => {
    const providers = list<Record<string, unknown>>(context.stack.provider?.aws);
    if (providers.length === 0) return [{ address: "provider.aws", problem: "stack has no aws provider" }];
    return providers.flatMap((provider, index) => {
      const tags = (block(provider.default_tags)?.tags ?? {}) as Record<string, unknown>;
      const missing = requiredTags.filter((tag) => typeof tags[tag] !== "string" || (tags[tag] as string).length === 0);
      return missing.length > 0 ? [{ address: `provider.aws[${index}]`, problem: `default_tags lack ${missing.join(", ")}` }] : [];
    });
  },
};
