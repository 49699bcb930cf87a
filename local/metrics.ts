/**
 * Metrics on the embedded platform: the kernel's Embedded Metric Format lines go to the function
 * log (not stdout), and every count is also totalled in memory by metric name, so `sdp status`,
 * `/status` and the demo can show stale updates, unknown event types, alerts and the like.
 */
import { Effect } from "effect";
import { makeEmfMetrics } from "../functions/kernel/live";
import type { Metrics } from "../functions/kernel/services";

export interface LocalMetrics {
  readonly service: Metrics["Type"];
  /** Count totals by metric name (summed over dimensions). */
  readonly totals: () => Record<string, number>;
}

export const makeLocalMetrics = (sink: (line: string) => void): LocalMetrics => {
  const emf = makeEmfMetrics(sink);
  const totals = new Map<string, number>();
  return {
    service: {
      ...emf,
      count: (name, value = 1, dimensions) =>
        Effect.zipRight(
          Effect.sync(() => void totals.set(name, (totals.get(name) ?? 0) + value)),
          emf.count(name, value, dimensions),
        ),
    },
    totals: () => Object.fromEntries([...totals.entries()].sort(([a], [b]) => a.localeCompare(b))),
  };
};
