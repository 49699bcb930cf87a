/**
 * The options `sdp load` and `sdp soak` share, and their checks: both drive traffic at an
 * embedded platform or at a running one named by --ingress (loopback only).
 */
import { UsageError } from "../command";
import { isLoopback } from "./sender";

/** Options both commands take, besides their own. */
export const trafficOptions = {
  seed: { type: "string" },
  concurrency: { type: "string" },
  ingress: { type: "string" },
  "keep-data": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** A parsed value, or a usage error for the message a parser returned instead. */
export const usable = <T>(value: T | string): T => {
  if (typeof value === "string") throw new UsageError(value);
  return value;
};

/** --seed: a whole number, by default from the clock (so ids are new each run). */
export const parseSeed = (value: string | undefined): number => {
  const seed = value === undefined ? Date.now() % 2_147_483_647 : Number(value);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number, got "${value}"`);
  return seed;
};

/** --ingress, when given, must be a loopback URL; `why` is added to the message in parentheses. */
export const checkIngress = (ingress: string | undefined, why?: string) => {
  if (ingress !== undefined && !isLoopback(ingress))
    throw new UsageError(`--ingress must be a loopback URL such as http://127.0.0.1:4010${why ? ` (${why})` : ""}, got "${ingress}"`);
};
