/**
 * Where the CPU of the embedded platform goes, per event.
 *
 * The platform runs in one thread (the ingress doors, the router and queues, the processors), the
 * emulators, s3rver and dynalite, in a worker thread of their own (local/emulators.ts), so
 * per-component CPU cannot come from process.cpuUsage deltas around each component: their work
 * interleaves on one event loop. The emulator thread is profiled inside it the same way.
 * Instead:
 *   - the main thread's CPU time comes from /proc/self/task/<pid>/stat (Linux; else the
 *     process's CPU less the sender's), the sender thread's from /proc/thread-self/stat inside it,
 *     and the process total from process.cpuUsage() (which also counts libuv's threads: file
 *     writes, LevelDB, compression);
 *   - the main thread's share per component comes from V8's sampling CPU profiler (node:inspector,
 *     one sample per `intervalUs`): each sample is charged to the innermost frame that belongs to
 *     a component (s3rver and koa: S3 emulator; dynalite and the level* stack: DynamoDB emulator;
 *     local/queues.ts: journal; local/server.ts, event-door.ts and the ingress/signature code:
 *     door; local/router.ts: router; the rest of functions/: processors), else to the kind of code
 *     it is in (AWS SDK clients, Effect runtime, Node internals: HTTP, streams, fs; GC).
 * The SDK and Effect frames run for both the doors and the processors (their callers are not on
 * the stack once a promise resumes), so they are their own lines.
 */
import * as fs from "node:fs";
import { Session } from "node:inspector";
import { profileEmulatorThread } from "../../local/emulators";

export const componentOrder = [
  "door",
  "router",
  "journal",
  "processors",
  "s3 emulator",
  "dynamodb emulator",
  "aws sdk clients",
  "effect runtime",
  "node internals",
  "gc",
  "other",
] as const;
export type Component = (typeof componentOrder)[number];

const ownerOf = (url: string): Component | undefined => {
  if (url === "") return undefined;
  if (/\/node_modules\/(s3rver|koa[^/]*|@koa|xmlbuilder[^/]*|fast-xml-parser|busboy|statuses|mime[^/]*|on-finished|http-errors)\//.test(url) || url.includes("/local/s3rver-patch"))
    return "s3 emulator";
  if (/\/node_modules\/(dynalite|level[^/]*|abstract-leveldown|memdown|subleveldown|deferred-leveldown|encoding-down|lazy|big\.js|buffer-crc32|async)\//.test(url))
    return "dynamodb emulator";
  if (url.includes("/local/queues.ts")) return "journal";
  if (/\/local\/(server|event-door)\.ts/.test(url) || /\/functions\/(kernel\/ingress|kernel\/limits|[a-z-]+\/ingress|[a-z-]+\/signature|[a-z-]+\/describe)\.ts/.test(url))
    return "door";
  if (/\/local\/(router|event-pattern)\.ts/.test(url)) return "router";
  if (url.includes("/functions/") || url.includes("/contracts/")) return "processors";
  return undefined;
};

const kindOf = (url: string, functionName: string): Component => {
  if (functionName === "(garbage collector)") return "gc";
  if (/\/node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(url)) return "aws sdk clients";
  if (url.includes("/node_modules/effect/")) return "effect runtime";
  if (url.startsWith("node:") || url === "") return "node internals";
  return "other";
};

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: ReadonlyArray<number>;
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>;
  readonly samples?: ReadonlyArray<number>;
}

/** Samples per component (idle and the profiler's own "(program)" are left out). */
export const attributeProfile = (profile: Profile): Record<Component, number> => {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const cache = new Map<number, Component | null>();
  const componentOf = (id: number): Component | null => {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === "(idle)" || leaf.callFrame.functionName === "(program)" || leaf.callFrame.functionName === "(root)") {
      cache.set(id, null);
      return null;
    }
    let owner: Component | undefined;
    for (let current: number | undefined = id; current !== undefined && owner === undefined; current = parent.get(current)) owner = ownerOf(byId.get(current)!.callFrame.url);
    const result = owner ?? kindOf(leaf.callFrame.url, leaf.callFrame.functionName);
    cache.set(id, result);
    return result;
  };
  const counts = Object.fromEntries(componentOrder.map((component) => [component, 0])) as Record<Component, number>;
  for (const sample of profile.samples ?? []) {
    const component = componentOf(sample);
    if (component) counts[component]++;
  }
  return counts;
};

/** utime + stime of one thread, in ms, from a /proc stat file; undefined off Linux. */
export const threadCpuMs = (statFile: string): number | undefined => {
  try {
    const text = fs.readFileSync(statFile, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // After the comm: state(0) ... utime is field 14 of the line, i.e. index 11 here; stime 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
};

export const mainThreadCpuMs = () => threadCpuMs(`/proc/self/task/${process.pid}/stat`);

export interface CpuWindow {
  /** Stops profiling; the figures of the window since `startCpuWindow`. */
  readonly stop: () => Promise<CpuFigures>;
}

export interface CpuFigures {
  readonly processMs: number;
  readonly mainThreadMs?: number;
  /** The emulators' worker thread (local/emulators.ts), when they run in one. */
  readonly emulatorThreadMs?: number;
  /**
   * Ms per component: the main thread's profile shares scaled to its CPU time, plus the emulator
   * thread's (its s3rver and dynalite frames, and its HTTP and GC) scaled to that thread's.
   */
  readonly components: Record<Component, number>;
  readonly samples: number;
}

/**
 * With SDP_PROFILE_DIR set, each thread's raw profile is also written there as
 * `<thread>-<time>.cpuprofile` (open in Chrome DevTools or speedscope) to find the functions behind
 * a component's share.
 */
const keepProfile = (thread: string, profile: unknown) => {
  const directory = process.env.SDP_PROFILE_DIR;
  if (!directory) return;
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(`${directory}/${thread}-${Date.now()}.cpuprofile`, JSON.stringify(profile));
};

/** Starts the profiler (sampling every `intervalUs`) and the CPU counters. */
export const startCpuWindow = async (options: { readonly profile: boolean; readonly intervalUs?: number }): Promise<CpuWindow> => {
  const session = options.profile ? new Session() : undefined;
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session!.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  if (session) {
    session.connect();
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: options.intervalUs ?? 1000 });
    await post("Profiler.start");
  }
  // The emulators run in a worker thread of their own: its profile is taken inside it.
  const emulatorProfile = options.profile ? await profileEmulatorThread(options.intervalUs ?? 1000).catch(() => undefined) : undefined;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  return {
    stop: async () => {
      const cpu = process.cpuUsage(cpuStart);
      const mainEnd = mainThreadCpuMs();
      const processMs = (cpu.user + cpu.system) / 1000;
      const mainThreadMs = mainStart !== undefined && mainEnd !== undefined ? mainEnd - mainStart : undefined;
      let counts = Object.fromEntries(componentOrder.map((component) => [component, 0])) as Record<Component, number>;
      if (session) {
        const { profile } = await post<{ profile: Profile }>("Profiler.stop");
        session.disconnect();
        counts = attributeProfile(profile);
        keepProfile("platform-thread", profile);
      }
      const mainSamples = componentOrder.reduce((sum, component) => sum + counts[component], 0);
      const base = mainThreadMs ?? processMs;
      const components = Object.fromEntries(componentOrder.map((component) => [component, mainSamples === 0 ? 0 : (counts[component] / mainSamples) * base])) as Record<
        Component,
        number
      >;
      let samples = mainSamples;
      const emulator = emulatorProfile ? await emulatorProfile.stop().catch(() => undefined) : undefined;
      if (emulator?.threadMs !== undefined) {
        keepProfile("emulator-thread", emulator.profile);
        const emulatorCounts = attributeProfile(emulator.profile as Profile);
        const emulatorSamples = componentOrder.reduce((sum, component) => sum + emulatorCounts[component], 0);
        samples += emulatorSamples;
        if (emulatorSamples > 0) for (const component of componentOrder) components[component] += (emulatorCounts[component] / emulatorSamples) * emulator.threadMs;
      }
      return {
        processMs,
        ...(mainThreadMs !== undefined ? { mainThreadMs } : {}),
        ...(emulator?.threadMs !== undefined ? { emulatorThreadMs: emulator.threadMs } : {}),
        components,
        samples,
      };
    },
  };
};
