/**
 * Metrics as CloudWatch Embedded Metric Format: buffered, written as JSON lines when the adapter
 * flushes at the end of an invocation (one document per dimension set), which CloudWatch Logs
 * turns into metrics without an API call.
 *
 * Why our own writer rather than `@aws-lambda-powertools/metrics` or `aws-embedded-metrics`:
 * neither is a dependency of this project (adding one adds a package to every function bundle),
 * and the part of EMF we use (counts and single values, a few dimensions, one namespace) is the
 * fifty lines below, tested with the rest of the kernel. Adopt powertools if we need high-resolution
 * metrics, metadata or default dimensions beyond the function name.
 */
import { Effect, Layer } from "effect";
import { defaultSink } from "../logger";
import { Metrics, type MetricUnit } from "../services";
import { FUNCTION_NAME_VAR, optionalConfig } from "../config";

export const METRICS_NAMESPACE = "ShopifyDataPlatform";
export { FUNCTION_NAME_VAR };

/** Metrics buffered beyond this many are written at once (a program run without an adapter never flushes). */
const MAX_BUFFERED_METRICS = 100;

export const makeEmfMetrics = (sink: (line: string) => void = defaultSink): Metrics["Type"] => {
  type Entry = { name: string; value: number; unit: MetricUnit; dimensions: Record<string, string> };
  const buffer: Entry[] = [];
  const baseDimensions = Effect.map(optionalConfig(FUNCTION_NAME_VAR), (name): Record<string, string> => (name ? { FunctionName: name } : {}));
  const write = (entries: Entry[], base: Record<string, string>) => {
    // One EMF document per dimension set: EMF applies each dimension set to every metric in it.
    const groups = new Map<string, Entry[]>();
    for (const entry of entries) {
      const dimensions = { ...base, ...entry.dimensions };
      const groupKey = JSON.stringify(Object.entries(dimensions).sort());
      const group = groups.get(groupKey) ?? [];
      group.push({ ...entry, dimensions });
      groups.set(groupKey, group);
    }
    for (const group of groups.values()) {
      const dimensions = group[0]!.dimensions;
      const totals = new Map<string, { unit: MetricUnit; values: number[] }>();
      for (const entry of group) {
        const total = totals.get(entry.name) ?? { unit: entry.unit, values: [] };
        total.values.push(entry.value);
        totals.set(entry.name, total);
      }
      const document: Record<string, unknown> = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [Object.keys(dimensions)],
              Metrics: [...totals.entries()].map(([name, total]) => ({ Name: name, Unit: total.unit })),
            },
          ],
        },
        ...dimensions,
      };
      for (const [name, total] of totals)
        document[name] = total.unit === "Count" ? total.values.reduce((a, b) => a + b, 0) : total.values.length === 1 ? total.values[0] : total.values;
      sink(JSON.stringify(document));
    }
  };
  const flush = Effect.suspend(() => (buffer.length === 0 ? Effect.void : Effect.map(baseDimensions, (base) => write(buffer.splice(0), base))));
  const flushWhenFull = Effect.suspend(() => (buffer.length >= MAX_BUFFERED_METRICS ? flush : Effect.void));
  return {
    count: (name, value = 1, dimensions = {}) =>
      Effect.zipRight(
        Effect.sync(() => void buffer.push({ name, value, unit: "Count", dimensions })),
        flushWhenFull,
      ),
    record: (name, value, unit, dimensions = {}) =>
      Effect.zipRight(
        Effect.sync(() => void buffer.push({ name, value, unit, dimensions })),
        flushWhenFull,
      ),
    flush,
  };
};

/** EMF metrics to stdout (CloudWatch Logs in Lambda), a buffer per layer build. */
export const MetricsLive: Layer.Layer<Metrics> = Layer.sync(Metrics, () => makeEmfMetrics());
