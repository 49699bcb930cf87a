/**
 * One traffic run against a platform, shared by `sdp load` and `sdp soak`: starts the embedded
 * platform on a fresh data dir (or uses `--ingress`), sends the requests with the worker-thread
 * sender, follows every accepted event until it settles (processed into its hot row, or
 * dead-lettered), and measures answers, end-to-end lag and CPU.
 *
 * End-to-end lag is "first sent -> hot row written": with the embedded platform, the platform's
 * onSettled hook (called when a processor finished the event and it left its queue) gives the
 * moment per event. Against `--ingress` there is no hook: the run polls `GET /status` and matches
 * the n-th settled event with the n-th accepted one (first in, first out), an estimate.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { emulatorRequestCounts } from "../../local/emulators";
import { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions, type PlatformCounters } from "../../local/platform";
import { componentOrder, startCpuWindow, type Component, type CpuFigures } from "./cpu";
import { startSender, type SendPlan, type SendRequest, type SendResult } from "./sender";
import { quantile, round } from "./stats";

export interface TrafficItem extends SendRequest {
  /** Ids under which the platform settles its event (cli/load/traffic.ts). */
  readonly ids: ReadonlyArray<string>;
}

export interface IntervalKpis {
  readonly atS: number;
  readonly sent: number;
  readonly acceptedPerSecond: number;
  readonly answerP50Ms?: number;
  readonly answerP99Ms?: number;
  readonly settledPerSecond: number;
  readonly lagP50Ms?: number;
  readonly lagP99Ms?: number;
  readonly depth: number;
  readonly deadLetters: number;
  readonly alerts: number;
  readonly failures: number;
  readonly cpuMsPerEvent?: number;
}

export interface RunOptions {
  readonly items: ReadonlyArray<TrafficItem>;
  readonly ratePerSecond: number;
  readonly offsetsMs?: ReadonlyArray<number>;
  readonly concurrency: number;
  readonly maxSendMs: number;
  readonly drainTimeoutMs: number;
  readonly ingress?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly profile: boolean;
  readonly keepData?: boolean;
  readonly dataDir?: string;
  readonly label: string;
  readonly retry?: SendPlan["retry"];
  readonly stripeSecret?: string;
  readonly intervalMs?: number;
  readonly onInterval?: (kpis: IntervalKpis) => void;
  readonly platformOptions?: Partial<LocalPlatformOptions>;
}

export interface RunReport {
  readonly target: "embedded" | "ingress";
  readonly ingress: string;
  readonly dataDir?: string;
  readonly requests: number;
  readonly sent: number;
  readonly notSent: number;
  readonly answers: Record<string, number>;
  readonly accepted: number;
  readonly sendSeconds: number;
  readonly acceptedPerSecond: number;
  readonly answerLatencyMs: { readonly p50?: number; readonly p95?: number; readonly p99?: number; readonly max?: number };
  readonly endToEnd: {
    readonly method: "onSettled" | "status-poll estimate";
    readonly settled: number;
    readonly seconds: number;
    readonly perSecond: number;
    readonly lagMs: { readonly p50?: number; readonly p99?: number; readonly max?: number };
  };
  readonly deadLetters: number;
  /** Accepted at the door but neither processed nor dead-lettered when the run ended. */
  readonly lost: number;
  readonly failures: number;
  readonly cpu?: {
    readonly method: string;
    readonly events: number;
    readonly processMsPerEvent: number;
    readonly platformThreadMsPerEvent?: number;
    readonly senderThreadMsPerEvent?: number;
    readonly otherThreadsMsPerEvent?: number;
    readonly componentsMsPerEvent: Record<Component, number>;
    readonly samples: number;
  };
  /** Requests the emulators served over the run per event settled, by "DynamoDB <operation>" / "S3 <method>", and `total` (embedded platform only). */
  readonly emulatorCallsPerEvent?: Readonly<Record<string, number>>;
  readonly loadAverage: ReadonlyArray<number>;
  readonly intervals: ReadonlyArray<IntervalKpis>;
}

const now = () => performance.timeOrigin + performance.now();
const label = (result: SendResult) =>
  result.status === -1 ? "not sent" : result.status === 0 ? "no answer" : result.status === 200 && result.outcome ? result.outcome : String(result.status);

interface StatusSnapshot {
  readonly settled: number;
  readonly depth: number;
  readonly deadLetters: number;
  readonly alerts: number;
}

const snapshotOf = (counters: PlatformCounters): StatusSnapshot => {
  let settled = 0;
  let depth = 0;
  let deadLetters = 0;
  for (const route of Object.values(counters.events.routes)) {
    settled += route.delivered + route.deadLettered;
    depth += route.depth;
    deadLetters += route.deadLettered;
  }
  return { settled, depth, deadLetters, alerts: counters.alerts.published };
};

const fetchStatus = async (ingress: string): Promise<StatusSnapshot | undefined> => {
  try {
    const response = await fetch(new URL("/status", ingress), { signal: AbortSignal.timeout(5_000) });
    return snapshotOf((await response.json()) as PlatformCounters);
  } catch {
    return undefined;
  }
};

export const runTraffic = async (options: RunOptions): Promise<RunReport> => {
  const ownDir = options.ingress === undefined && options.dataDir === undefined;
  const dataDir = options.ingress !== undefined ? undefined : (options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `sdp-${options.label}-`)));
  const settledAt = new Map<string, number>();
  let deadLettered = 0;
  let platform: LocalPlatform | undefined;
  try {
    if (dataDir !== undefined) {
      platform = await startLocalPlatform({
        dataDir,
        port: 0,
        env: options.env,
        ttlSweepIntervalMs: 0,
        ...options.platformOptions,
        onSettled: (route, envelope: BusEnvelope, outcome) => {
          const at = now();
          if (outcome === "dead-lettered") deadLettered++;
          for (const id of envelopeIdsOf(envelope)) settledAt.set(id, at);
          options.platformOptions?.onSettled?.(route, envelope, outcome);
        },
      });
    }
    const ingress = platform ? platform.ready.ingress : options.ingress!;
    const status = async () => (platform ? snapshotOf(platform.counters()) : await fetchStatus(ingress));
    const baseline = (await status()) ?? { settled: 0, depth: 0, deadLetters: 0, alerts: 0 };

    // Index: event id -> request index.
    const indexOf = new Map<string, number>();
    options.items.forEach((item, index) => {
      for (const id of item.ids) indexOf.set(id, index);
    });

    const results: Array<SendResult | undefined> = new Array(options.items.length);
    const answered: SendResult[] = [];
    const settleTimeline: number[] = []; // status-poll mode: when the n-th settle was first seen
    const intervals: IntervalKpis[] = [];
    const cpuWindow = await startCpuWindow({ profile: options.profile && platform !== undefined });
    const callsBefore = platform ? await emulatorRequestCounts() : undefined;
    const startedAt = now();
    let lastInterval = { at: startedAt, answered: 0, settledSeen: 0, cpu: process.cpuUsage(), status: baseline };
    const sentOrder: number[] = [];

    const sender = startSender(
      {
        ingress,
        requests: options.items,
        ratePerSecond: options.ratePerSecond,
        ...(options.offsetsMs ? { offsetsMs: options.offsetsMs } : {}),
        concurrency: options.concurrency,
        maxDurationMs: options.maxSendMs,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.stripeSecret ? { stripeSecret: options.stripeSecret } : {}),
      },
      (batch) => {
        for (const result of batch) {
          results[result.index] = result;
          answered.push(result);
          if (result.status === 200 && result.outcome === "accepted") sentOrder.push(result.index);
        }
      },
    );

    // Intervals and (against --ingress) the settle timeline.
    let polling = true;
    const settledCount = () => {
      let count = 0;
      for (const index of sentOrder) if (options.items[index]!.ids.some((id) => settledAt.has(id))) count++;
      return count;
    };
    const poller = (async () => {
      const intervalMs = options.intervalMs ?? 0;
      const pollMs = platform ? Math.max(100, intervalMs || 1000) : 100;
      while (polling) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, intervalMs > 0 ? intervalMs : pollMs)));
        const snapshot = await status();
        const at = now();
        if (snapshot && !platform) {
          const seen = snapshot.settled - baseline.settled;
          while (settleTimeline.length < seen) settleTimeline.push(at);
        }
        if (intervalMs > 0 && at - lastInterval.at >= intervalMs - 5 && snapshot) {
          const window = answered.slice(lastInterval.answered);
          const seconds = (at - lastInterval.at) / 1000;
          const settledSeen = platform ? settledCount() : snapshot.settled - baseline.settled;
          const settledInWindow = settledSeen - lastInterval.settledSeen;
          const latencies = window.filter((r) => r.status > 0).map((r) => r.answeredAt - r.sentAt);
          const lags: number[] = [];
          if (platform) {
            for (const index of sentOrder) {
              const at2 = lastSettle(options.items[index]!.ids, settledAt);
              if (at2 !== undefined && at2 > lastInterval.at && at2 <= at) lags.push(at2 - results[index]!.firstSentAt);
            }
          }
          const cpu = process.cpuUsage(lastInterval.cpu);
          const kpis: IntervalKpis = {
            atS: round((at - startedAt) / 1000, 1)!,
            sent: window.length,
            acceptedPerSecond: round(window.filter((r) => r.status === 200 && r.outcome === "accepted").length / seconds, 1)!,
            ...(latencies.length > 0 ? { answerP50Ms: round(quantile(latencies, 0.5)), answerP99Ms: round(quantile(latencies, 0.99)) } : {}),
            settledPerSecond: round(settledInWindow / seconds, 1)!,
            ...(lags.length > 0 ? { lagP50Ms: round(quantile(lags, 0.5)), lagP99Ms: round(quantile(lags, 0.99)) } : {}),
            depth: snapshot.depth,
            deadLetters: snapshot.deadLetters - baseline.deadLetters,
            alerts: snapshot.alerts - baseline.alerts,
            failures: window.filter((r) => r.status <= 0 || r.status >= 500).length,
            ...(platform && settledInWindow > 0 ? { cpuMsPerEvent: round((cpu.user + cpu.system) / 1000 / settledInWindow, 2) } : {}),
          };
          intervals.push(kpis);
          options.onInterval?.(kpis);
          lastInterval = { at, answered: answered.length, settledSeen, cpu: process.cpuUsage(), status: snapshot };
        }
      }
    })();

    const outcome = await sender.done;
    for (const result of outcome.results) results[result.index] = result;
    const final = outcome.results;
    const acceptedIndexes = final.filter((r) => r.status === 200 && r.outcome === "accepted").map((r) => r.index);
    const accepted = acceptedIndexes.length;

    // Wait until every accepted event settled (or the queues are empty), bounded.
    const drainDeadline = now() + options.drainTimeoutMs;
    const allSettled = async () => {
      if (platform)
        return (
          acceptedIndexes.every((index) => options.items[index]!.ids.some((id) => settledAt.has(id))) &&
          platform.counters() !== undefined &&
          snapshotOf(platform.counters()).depth === 0
        );
      const snapshot = await fetchStatus(ingress);
      return snapshot !== undefined && snapshot.depth === 0 && snapshot.settled - baseline.settled >= accepted;
    };
    while (!(await allSettled()) && now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const drainedAt = now();
    polling = false;
    await poller;
    const cpu = await cpuWindow.stop();
    const callsAfter = callsBefore ? await emulatorRequestCounts() : undefined;
    const endStatus = (await status()) ?? baseline;

    // Answers.
    const answers: Record<string, number> = {};
    for (const result of final) answers[label(result)] = (answers[label(result)] ?? 0) + 1;
    const sentResults = final.filter((r) => r.status !== -1);
    const latencies = sentResults.filter((r) => r.status > 0).map((r) => r.answeredAt - r.sentAt);
    const firstSent = Math.min(...sentResults.map((r) => r.firstSentAt));
    const lastAnswer = Math.max(...sentResults.map((r) => r.answeredAt));
    const sendSeconds = sentResults.length > 0 ? (lastAnswer - firstSent) / 1000 : 0;

    // End to end.
    let lags: number[] = [];
    let settled = 0;
    let lastSettleAt = firstSent;
    if (platform) {
      for (const index of acceptedIndexes) {
        const at = lastSettle(options.items[index]!.ids, settledAt);
        if (at === undefined) continue;
        settled++;
        lastSettleAt = Math.max(lastSettleAt, at);
        lags.push(at - final[index]!.firstSentAt);
      }
    } else {
      const settledSnapshot = endStatus.settled - baseline.settled;
      while (settleTimeline.length < settledSnapshot) settleTimeline.push(drainedAt);
      const acceptedBySend = [...acceptedIndexes].sort((a, b) => final[a]!.firstSentAt - final[b]!.firstSentAt);
      settled = Math.min(accepted, settleTimeline.length);
      lags = acceptedBySend.slice(0, settled).map((index, n) => Math.max(0, settleTimeline[n]! - final[index]!.firstSentAt));
      if (settled > 0) lastSettleAt = settleTimeline[settled - 1]!;
    }
    const e2eSeconds = (lastSettleAt - firstSent) / 1000;
    const deadLetters = platform ? deadLettered : endStatus.deadLetters - baseline.deadLetters;
    const failures = final.filter((r) => r.status === 0 || r.status >= 500).length;

    const events = Math.max(1, settled);
    const cpuReport = platform ? cpuFiguresPerEvent(cpu, outcome.cpuMs, events, options.profile) : undefined;
    return {
      target: platform ? "embedded" : "ingress",
      ingress,
      ...(dataDir !== undefined && (options.keepData || !ownDir) ? { dataDir } : {}),
      requests: options.items.length,
      sent: sentResults.length,
      notSent: final.length - sentResults.length,
      answers,
      accepted,
      sendSeconds: round(sendSeconds, 2)!,
      acceptedPerSecond: round(sendSeconds > 0 ? accepted / sendSeconds : 0, 1)!,
      answerLatencyMs: { p50: round(quantile(latencies, 0.5)), p95: round(quantile(latencies, 0.95)), p99: round(quantile(latencies, 0.99)), max: round(quantile(latencies, 1)) },
      endToEnd: {
        method: platform ? "onSettled" : "status-poll estimate",
        settled,
        seconds: round(e2eSeconds, 2)!,
        perSecond: round(e2eSeconds > 0 ? settled / e2eSeconds : 0, 1)!,
        lagMs: { p50: round(quantile(lags, 0.5)), p99: round(quantile(lags, 0.99)), max: round(quantile(lags, 1)) },
      },
      deadLetters,
      lost: Math.max(0, accepted - settled),
      failures,
      ...(cpuReport ? { cpu: cpuReport } : {}),
      ...(callsBefore && callsAfter ? { emulatorCallsPerEvent: callsPerEvent(callsBefore, callsAfter, events) } : {}),
      loadAverage: os.loadavg().map((value) => round(value, 2)!),
      intervals,
    };
  } finally {
    if (platform) await platform.stop();
    if (ownDir && dataDir !== undefined && !options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  }
};

const lastSettle = (ids: ReadonlyArray<string>, settledAt: ReadonlyMap<string, number>) => {
  let latest: number | undefined;
  for (const id of ids) {
    const at = settledAt.get(id);
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
};

// Imported lazily to keep this module's import graph small for tests of the pure parts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const envelopeIdsOf = (envelope: BusEnvelope): string[] => (require("./traffic") as typeof import("./traffic")).envelopeIds(envelope);

/** Per event, largest first, with their total. */
export const callsPerEvent = (before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, events: number): Record<string, number> => {
  const deltas = Object.entries(after)
    .map(([name, count]) => [name, count - (before[name] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .sort(([, a], [, b]) => b - a);
  const total = deltas.reduce((sum, [, count]) => sum + count, 0);
  return Object.fromEntries([...deltas.map(([name, count]) => [name, round(count / events, 2)!] as const), ["total", round(total / events, 2)!]]);
};

const cpuFiguresPerEvent = (cpu: CpuFigures, senderMs: number | undefined, events: number, profiled: boolean): RunReport["cpu"] => {
  const per = (value: number) => round(value / events, 3)!;
  const other = cpu.mainThreadMs !== undefined && senderMs !== undefined ? cpu.processMs - cpu.mainThreadMs - senderMs : undefined;
  return {
    method: profiled
      ? "process.cpuUsage (all threads), /proc thread times (platform = main thread, sender = worker thread), V8 sampling profile of the main thread split by component"
      : "process.cpuUsage (all threads) and /proc thread times; no profile (--no-profile)",
    events,
    processMsPerEvent: per(cpu.processMs),
    ...(cpu.mainThreadMs !== undefined ? { platformThreadMsPerEvent: per(cpu.mainThreadMs) } : {}),
    ...(senderMs !== undefined ? { senderThreadMsPerEvent: per(senderMs) } : {}),
    ...(other !== undefined ? { otherThreadsMsPerEvent: per(Math.max(0, other)) } : {}),
    componentsMsPerEvent: Object.fromEntries(componentOrder.map((component) => [component, per(cpu.components[component])])) as Record<Component, number>,
    samples: cpu.samples,
  };
};
