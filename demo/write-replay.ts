/**
 * Writes the demo's day of traffic as a replay file (JSON lines) for `sdp replay`:
 *
 *   npx tsx demo/write-replay.ts [--seed <n>] [--orders <n>] > day.jsonl
 *   npx sdp replay day.jsonl
 *
 * Signed with the webhook secrets of the environment (or the local defaults). Stripe signatures
 * carry the current time and expire after 5 minutes, as real ones do: replay soon after writing.
 */
import { parseArgs } from "node:util";
import { webhookSecretsFrom } from "./signing";
import { DEFAULT_SEED, defaultDayStart, generateTraffic, replayLineOf } from "./traffic";

export const replayFileText = (options: { seed?: number; orders?: number; env?: NodeJS.ProcessEnv; now?: Date } = {}) => {
  const traffic = generateTraffic({
    seed: options.seed ?? DEFAULT_SEED,
    orders: options.orders,
    dayStart: defaultDayStart(options.now),
    secrets: webhookSecretsFrom(options.env ?? process.env),
  });
  return { traffic, text: `${traffic.deliveries.map(replayLineOf).join("\n")}\n` };
};

if (require.main === module) {
  const { values } = parseArgs({ options: { seed: { type: "string" }, orders: { type: "string" } } });
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  const orders = values.orders === undefined ? undefined : Number(values.orders);
  if (!Number.isInteger(seed) || (orders !== undefined && (!Number.isInteger(orders) || orders < 1))) {
    process.stderr.write("usage: npx tsx demo/write-replay.ts [--seed <n>] [--orders <n>] > day.jsonl\n");
    process.exit(2);
  }
  process.stdout.write(replayFileText({ seed, orders }).text);
}
