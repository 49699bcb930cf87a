/** How each provider writes amounts, times and ids in its payloads. */

export const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
/** Shopify sends shop-local times with an offset; this shop runs on UTC-5. */
export const shopifyTime = (at: Date) => {
  const local = new Date(at.getTime() - 5 * 3600_000);
  return `${local.toISOString().slice(0, 19)}-05:00`;
};
export const rechargeTime = (at: Date) => `${at.toISOString().slice(0, 19)}+00:00`;
export const unixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
export const gid = (type: string, id: number) => `gid://shopify/${type}/${id}`;
