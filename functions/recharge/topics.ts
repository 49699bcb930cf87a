/**
 * Which Recharge topics the processor stores: every `subscription/*` and `charge/*` (the families
 * of contracts/events.ts; a new action in a known family is processed by its object).
 */
export type RechargeEntity = "subscription" | "charge";

/** `subscription/cancelled` -> "subscription"; unknown families (order/*, customer/*...) -> undefined. */
export const rechargeEntityOfTopic = (topic: string): RechargeEntity | undefined => {
  const family = topic.split("/")[0];
  return family === "subscription" || family === "charge" ? family : undefined;
};

/** Lake entity of any topic (its family), so unknown topics are still stored under a sensible prefix. */
export const rechargeLakeEntity = (topic: string): string => {
  const family = topic.split("/")[0]?.trim().toLowerCase();
  return family && /^[a-z0-9_]+$/.test(family) ? family : "unknown";
};
