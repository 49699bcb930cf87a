/**
 * The retention purge: deletes whole partitions whose every day lies outside their table's
 * retention window (contracts/retention.ts), never one that is even partly inside it.
 *
 *   dt=YYYY-MM-DD   covers [dt 00:00Z, dt+1 00:00Z); deleted when dt+1 <= now - days
 *   run=<id>        dated by the latest date in the run id (backfill-2026-01-01-2026-01-31-20260201T0300
 *                   is 2026-02-01); the newest `keepLatestRuns` runs of a table are always kept (the
 *                   current full copy); a run id without a date is never deleted
 *   no partition    never deleted (the purge deletes partitions, nothing else)
 *
 * Only keys under `retentionPurgePrefixes` are considered: the audit trails (metadata/gdpr-audit/,
 * metadata/retention/) are never touched. A run writes its own audit entry
 * (metadata/retention/dt=<today>/<run id>.json: per partition deleted, its table, objects, bytes,
 * window and cutoff; never object contents) before deleting ("started") and again when done
 * ("complete"). A crash midway leaves a started entry; the next run deletes what is left (deleting
 * a deleted key is a no-op), so repeating is safe. `dryRun` lists the same plan and writes nothing.
 *
 * Deleting in a versioned bucket leaves the earlier versions noncurrent; the lake's lifecycle
 * removes them after NONCURRENT_VERSION_DAYS (stacks/lake.ts).
 */
import { Effect } from "effect";
import { retentionAuditKey, retentionPurgePrefixes } from "../../contracts/lake-layout";
import { retentionDaysOf, type RetentionPolicy } from "../../contracts/retention";
import { Metrics, ObjectStore, type StoreError } from "../kernel/services";

const DAY_MS = 24 * 60 * 60 * 1000;

export type PartitionDecision = "delete" | "inside-window" | "newest-run" | "undated";

export interface PartitionPlan {
  readonly table: string;
  /** The partition's key prefix, e.g. raw/shopify/orders/dt=2026-01-01/. */
  readonly prefix: string;
  readonly partition: string;
  /** The partition's last day (dt) or the run's date, YYYY-MM-DD. */
  readonly date?: string;
  readonly retentionDays: number;
  readonly objects: number;
  readonly bytes: number;
  readonly decision: PartitionDecision;
}

export interface RetentionReport {
  readonly runId: string;
  readonly at: string;
  readonly dryRun: boolean;
  readonly partitions: ReadonlyArray<PartitionPlan>;
  readonly deleted: { readonly partitions: number; readonly objects: number; readonly bytes: number };
  readonly kept: { readonly partitions: number; readonly objects: number };
  /** Keys under the purge prefixes outside any partition (never deleted). */
  readonly unpartitionedObjects: number;
  readonly auditKey?: string;
}

const isoDay = (text: string): string | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text ? undefined : text;
};

/** The latest calendar date written in a run id (2026-02-01 or 20260201), if any. */
export const runDate = (runId: string): string | undefined => {
  let latest: string | undefined;
  for (const match of runId.matchAll(/(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)/g)) {
    const day = isoDay(`${match[1]}-${match[2]}-${match[3]}`);
    if (day !== undefined && (latest === undefined || day > latest)) latest = day;
  }
  return latest;
};

/** Whether a partition whose last day is `date` lies entirely outside a window of `days` days ending at `now`. */
export const entirelyOutside = (date: string, days: number, now: Date): boolean => Date.parse(`${date}T00:00:00Z`) + DAY_MS <= now.getTime() - days * DAY_MS;

interface Partition {
  readonly table: string;
  readonly prefix: string;
  readonly segment: string;
  readonly keys: string[];
  bytes: number;
}

/** Groups keys by partition (the first dt= or run= segment); keys without one are counted apart. */
const partitionsOf = (objects: ReadonlyArray<{ readonly key: string; readonly size: number }>) => {
  const partitions = new Map<string, Partition>();
  let unpartitioned = 0;
  for (const { key, size } of objects) {
    const segments = key.split("/");
    const index = segments.findIndex((segment, position) => position < segments.length - 1 && /^(dt|run)=./.test(segment));
    if (index <= 0) {
      unpartitioned += 1;
      continue;
    }
    const prefix = `${segments.slice(0, index + 1).join("/")}/`;
    const partition = partitions.get(prefix) ?? { table: segments.slice(0, index).join("/"), prefix, segment: segments[index]!, keys: [], bytes: 0 };
    partition.keys.push(key);
    partition.bytes += size;
    partitions.set(prefix, partition);
  }
  return { partitions: [...partitions.values()], unpartitioned };
};

/** What the purge would do with these objects (pure: the plan `sdp retention --dry-run` prints). */
export const planRetention = (
  objects: ReadonlyArray<{ readonly key: string; readonly size: number }>,
  policy: RetentionPolicy,
  now: Date,
): { readonly plans: PartitionPlan[]; readonly keys: ReadonlyMap<string, ReadonlyArray<string>>; readonly unpartitioned: number } => {
  const considered = objects.filter(({ key }) => retentionPurgePrefixes.some((prefix) => key.startsWith(prefix)));
  const { partitions, unpartitioned } = partitionsOf(considered);
  // The newest runs of each table, kept whatever their age.
  const newestRuns = new Set<string>();
  const runsByTable = new Map<string, Array<{ prefix: string; date: string }>>();
  for (const partition of partitions) {
    if (!partition.segment.startsWith("run=")) continue;
    const date = runDate(partition.segment.slice(4));
    if (date === undefined) continue;
    runsByTable.set(partition.table, [...(runsByTable.get(partition.table) ?? []), { prefix: partition.prefix, date }]);
  }
  for (const runs of runsByTable.values()) {
    runs.sort((a, b) => b.date.localeCompare(a.date) || b.prefix.localeCompare(a.prefix));
    for (const run of runs.slice(0, policy.keepLatestRuns)) newestRuns.add(run.prefix);
  }
  const plans: PartitionPlan[] = [];
  const keys = new Map<string, ReadonlyArray<string>>();
  for (const partition of partitions.sort((a, b) => a.prefix.localeCompare(b.prefix))) {
    const days = retentionDaysOf(policy, partition.table);
    if (days === undefined) continue;
    const isRun = partition.segment.startsWith("run=");
    const date = isRun ? runDate(partition.segment.slice(4)) : isoDay(partition.segment.slice(3));
    const decision: PartitionDecision =
      date === undefined ? "undated" : isRun && newestRuns.has(partition.prefix) ? "newest-run" : entirelyOutside(date, days, now) ? "delete" : "inside-window";
    plans.push({
      table: partition.table,
      prefix: partition.prefix,
      partition: partition.segment,
      ...(date !== undefined ? { date } : {}),
      retentionDays: days,
      objects: partition.keys.length,
      bytes: partition.bytes,
      decision,
    });
    keys.set(partition.prefix, partition.keys);
  }
  return { plans, keys, unpartitioned };
};

export interface PurgeOptions {
  readonly policy: RetentionPolicy;
  readonly now: Date;
  readonly runId: string;
  readonly dryRun?: boolean;
}

export const retentionPurge = (options: PurgeOptions): Effect.Effect<RetentionReport, StoreError, ObjectStore | Metrics> =>
  Effect.gen(function* () {
    const store = yield* ObjectStore;
    const objects = (yield* Effect.forEach(retentionPurgePrefixes, (prefix) => store.list(prefix))).flat();
    const { plans, keys, unpartitioned } = planRetention(objects, options.policy, options.now);
    const doomed = plans.filter((plan) => plan.decision === "delete");
    const kept = plans.filter((plan) => plan.decision !== "delete");
    const at = options.now.toISOString();
    const dryRun = options.dryRun ?? false;
    const report: RetentionReport = {
      runId: options.runId,
      at,
      dryRun,
      partitions: plans,
      deleted: { partitions: doomed.length, objects: doomed.reduce((sum, plan) => sum + plan.objects, 0), bytes: doomed.reduce((sum, plan) => sum + plan.bytes, 0) },
      kept: { partitions: kept.length, objects: kept.reduce((sum, plan) => sum + plan.objects, 0) },
      unpartitionedObjects: unpartitioned,
    };
    if (dryRun || doomed.length === 0) return report;

    const auditKey = retentionAuditKey(at.slice(0, 10), options.runId);
    const audit = (status: "started" | "complete") =>
      JSON.stringify({
        runId: options.runId,
        at,
        status,
        ...(status === "complete" ? { completedAt: new Date().toISOString() } : {}),
        deleted: doomed.map((plan) => ({
          table: plan.table,
          partition: plan.partition,
          date: plan.date,
          retentionDays: plan.retentionDays,
          cutoff: new Date(options.now.getTime() - plan.retentionDays * DAY_MS).toISOString(),
          objects: plan.objects,
          bytes: plan.bytes,
        })),
        totals: report.deleted,
      });
    // The intent first: a crash midway leaves an entry saying which partitions were being deleted.
    yield* store.put(auditKey, audit("started"), { contentType: "application/json" });
    for (const plan of doomed) for (const key of keys.get(plan.prefix) ?? []) yield* store.delete(key);
    yield* store.put(auditKey, audit("complete"), { contentType: "application/json" });
    const metrics = yield* Metrics;
    yield* metrics.count("RetentionObjectsDeleted", report.deleted.objects);
    yield* metrics.count("RetentionPartitionsDeleted", report.deleted.partitions);
    yield* Effect.logInfo("retention purge", { runId: options.runId, ...report.deleted });
    return { ...report, auditKey };
  });
