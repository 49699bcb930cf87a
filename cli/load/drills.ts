/**
 * `sdp drill <scenario>`: a failure on a local platform while a demo day of signed traffic flows,
 * timed from the moment it starts until the platform's own signals show it (time to detect) and
 * from the fix until every event is in its hot row again (time to recover). A drill passes only
 * when nothing was lost: every delivery got its answer (providers retry 5xx and no-answer, so the
 * sender does too), the hot stores hold the newest state of every object (demo/verify.ts), the
 * lake holds one raw object per distinct event, and no queue or DLQ holds anything.
 *
 * Signals ("alarms") are read from the platform, never from the drill's own bookkeeping:
 *   backlog      a processor's queues hold messages and deliver none for 500 ms
 *   retries      the kernel's Retried metric, WebhookFailed / WebhookInProgress (503s at the
 *                doors) or queue redeliveries rise above zero
 *   dlq          a route's dead-letter count rises (the `<queue>-dlq-depth` alarm's condition)
 *   health       GET /health stops answering
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Effect } from "effect";
import type { Route } from "../../contracts/events";
import { tableKeys, type TableKey } from "../../contracts/tables";
import { makeFaultInjector, type FaultInjector } from "../../functions/kernel/faults";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { countRawObjects } from "../../demo/inspect";
import { webhookSecretsFrom } from "../../demo/signing";
import type { Delivery, Traffic } from "../../demo/traffic";
import { verifyHotStores } from "../../demo/verify";
import { repositoryRoot } from "../../local/functions";
import { startLocalPlatform, type LocalPlatform, type PlatformCounters, type ReadyInfo } from "../../local/platform";
import type { ConsumerResult } from "../../local/queues";
import { locateLake, scanHotStores } from "../../local/lake-views";
import { redriveThrough } from "../commands/redrive";
import { startSender, type SendResult } from "./sender";
import { drillTraffic } from "./traffic";

export const scenarios = ["processor-down", "dynamodb-throttle", "s3-errors", "poison-message", "crash-restart"] as const;
export type Scenario = (typeof scenarios)[number];

export interface DrillOptions {
  readonly orders: number;
  /** How long the failure lasts at least (it lasts until detected, too). */
  readonly faultMs: number;
  readonly seed: number;
  readonly env: NodeJS.ProcessEnv;
  readonly keepData: boolean;
  /** Give up on detection / recovery after this long. */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface DrillCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface DrillReport {
  readonly scenario: Scenario;
  readonly ok: boolean;
  readonly deliveries: number;
  readonly uniqueEvents: number;
  readonly detectedBy?: string;
  readonly timeToDetectMs?: number;
  readonly timeToRecoverMs?: number;
  readonly outageMs?: number;
  readonly lost: number;
  readonly checks: ReadonlyArray<DrillCheck>;
  readonly notes: ReadonlyArray<string>;
  readonly dataDir?: string;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fault injector that injects only while switched on (drills start and fix the failure). */
export const switchableFaults = (spec: string): { readonly injector: FaultInjector; readonly set: (on: boolean) => void } => {
  const inner = makeFaultInjector(spec);
  let on = false;
  const injector: FaultInjector = {
    ...inner,
    wrap: (service, label, implementation) => {
      const faulty = inner.wrap(service, label, implementation) as Record<string, unknown>;
      if ((faulty as unknown) === implementation) return implementation;
      const raw = implementation as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const name of Object.keys(faulty)) {
        const field = faulty[name];
        if (typeof field === "function")
          out[name] = (...args: unknown[]) => (on ? (field as (...a: unknown[]) => unknown)(...args) : (raw[name] as (...a: unknown[]) => unknown).apply(implementation, args));
        else if (Effect.isEffect(field)) out[name] = Effect.suspend(() => (on ? field : (raw[name] as typeof field)));
        else out[name] = field;
      }
      return out as typeof implementation;
    },
  };
  return { injector, set: (value) => void (on = value) };
};

// --- Signals ---------------------------------------------------------------------------------

interface Signals {
  readonly retries: number;
  readonly deadLetters: number;
  readonly alerts: number;
  readonly depthOf: (routes: ReadonlyArray<string>) => number;
  readonly deliveredOf: (routes: ReadonlyArray<string>) => number;
  readonly depth: number;
}

const signalsOf = (counters: PlatformCounters): Signals => {
  const routes = counters.events.routes;
  const sum = (pick: (route: (typeof routes)[string]) => number, ids: ReadonlyArray<string> = Object.keys(routes)) =>
    ids.reduce((total, id) => total + (routes[id] ? pick(routes[id]!) : 0), 0);
  const metric = (name: string) => counters.metrics[name] ?? 0;
  return {
    retries: metric("Retried") + metric("WebhookFailed") + metric("WebhookInProgress") + sum((route) => route.retried),
    deadLetters: sum((route) => route.deadLettered),
    alerts: counters.alerts.published,
    depthOf: (ids) => sum((route) => route.depth, ids),
    deliveredOf: (ids) => sum((route) => route.delivered, ids),
    depth: sum((route) => route.depth),
  };
};

// --- Traffic ---------------------------------------------------------------------------------

const expectedAnswer = (delivery: Delivery, result: SendResult | undefined) => {
  if (!result) return false;
  if (delivery.expected.status === 401) return result.status === 401;
  return result.status === 200 && (result.outcome === "accepted" || result.outcome === "duplicate");
};

/** Sends the day wave by wave (a wave's deliveries in parallel), retrying as the providers do. */
const sendDay = (ingress: () => string, traffic: Traffic, env: NodeJS.ProcessEnv, deadline: number) => {
  let current: ReturnType<typeof startSender> | undefined;
  const done = sendWaves(ingress, traffic, env, deadline, (sender) => (current = sender));
  return { done, retrying: () => current?.retrying() ?? 0 };
};

const sendWaves = async (ingress: () => string, traffic: Traffic, env: NodeJS.ProcessEnv, deadline: number, onSender: (sender: ReturnType<typeof startSender>) => void) => {
  const results = new Map<number, SendResult>();
  const waves = [...new Set(traffic.deliveries.map((delivery) => delivery.wave))].sort((a, b) => a - b);
  const stripeSecret = webhookSecretsFrom(env).stripe;
  for (const wave of waves) {
    const deliveries = traffic.deliveries.filter((delivery) => delivery.wave === wave);
    const sender = startSender({
      ingress: ingress(),
      requests: deliveries,
      ratePerSecond: Infinity,
      concurrency: 8,
      maxDurationMs: Math.max(1_000, deadline - now()),
      retry: { maxAttempts: 80, baseMs: 100, maxMs: 1_000 },
      stripeSecret,
    });
    onSender(sender);
    const outcome = await sender.done;
    outcome.results.forEach((result, index) => results.set(deliveries[index]!.seq, result));
  }
  return results;
};

// --- Verification ----------------------------------------------------------------------------

const verify = async (dataDir: string, traffic: Traffic, results: Map<number, SendResult>, depth: () => Promise<number>): Promise<{ checks: DrillCheck[]; lost: number }> => {
  const checks: DrillCheck[] = [];
  const wrong = traffic.deliveries.filter((delivery) => !expectedAnswer(delivery, results.get(delivery.seq)));
  checks.push({
    name: "every delivery got its answer (accepted or duplicate; 401 for forgeries)",
    ok: wrong.length === 0,
    ...(wrong.length > 0
      ? {
          detail: wrong
            .slice(0, 3)
            .map(
              (delivery) =>
                `#${delivery.seq} ${delivery.topic}: ${results.get(delivery.seq)?.status ?? "not sent"} ${results.get(delivery.seq)?.outcome ?? results.get(delivery.seq)?.error ?? ""}`,
            )
            .join("; "),
        }
      : {}),
  });
  const lake = locateLake(dataDir);
  const items = await scanHotStores(
    lake,
    tableKeys.filter((key) => key !== "idempotency" && key !== "leases"),
  );
  const verification = verifyHotStores(traffic.expectations, items as Partial<Record<TableKey, Record<string, unknown>[]>>);
  const failed = verification.checks.filter((check) => !check.ok);
  checks.push({
    name: `hot stores hold the newest state of every object (${verification.rowsHolding} of ${verification.rowsChecked} rows)`,
    ok: failed.length === 0,
    ...(failed.length > 0
      ? {
          detail: failed
            .slice(0, 3)
            .map((check) => check.name)
            .join("; "),
        }
      : {}),
  });
  const raw = countRawObjects(lake);
  checks.push({
    name: "one raw object per distinct event",
    ok: raw === traffic.expectations.uniqueEvents,
    detail: `${raw} raw objects, ${traffic.expectations.uniqueEvents} distinct events`,
  });
  const remaining = await depth();
  checks.push({ name: "no queue holds anything", ok: remaining === 0, detail: `depth ${remaining}` });
  const dlqDir = path.join(dataDir, "dlq");
  const letters = fs.existsSync(dlqDir)
    ? fs.readdirSync(dlqDir).reduce(
        (total, file) =>
          total +
          fs
            .readFileSync(path.join(dlqDir, file), "utf8")
            .split("\n")
            .filter((line) => line.trim() !== "").length,
        0,
      )
    : 0;
  checks.push({ name: "no dead letters left", ok: letters === 0, detail: `${letters} lines in dlq/` });
  const lost = verification.rowsChecked - verification.rowsHolding + Math.max(0, traffic.expectations.uniqueEvents - raw) + letters + wrong.length;
  return { checks, lost };
};

// --- In-process scenarios --------------------------------------------------------------------

interface Fault {
  readonly description: string;
  readonly faultSpec?: string;
  readonly intercept?: (route: Route, envelope: BusEnvelope, next: () => Promise<ConsumerResult>, active: () => boolean, hit: () => void) => Promise<ConsumerResult>;
  /** The signal that detects it; returns its name once it holds. */
  readonly detect: (signals: Signals, baseline: Signals, state: { lastDeliveredChange: number; at: number }) => string | undefined;
  /** Hold the failure until every delivery was sent (poison: everything goes to the DLQ first). */
  readonly holdUntilSent?: boolean;
  /** Runs after the fix (redrive). */
  readonly afterFix?: (platform: LocalPlatform) => Promise<string | undefined>;
}

const ordersRoutes = ["shopify-partner-orders", "shopify-https-orders"];

const faults = (): Record<Exclude<Scenario, "crash-restart">, Fault> => {
  let release: (() => void) | undefined;
  let up = Promise.resolve();
  return {
    "processor-down": {
      description: "the shopify-orders processor stops taking messages (in AWS: its event source mapping disabled); its queues back up, then drain when it is back",
      intercept: async (route, _envelope, next, active, hit) => {
        if (route.processor === "shopify-orders" && active()) {
          hit();
          if (!release) up = new Promise<void>((resolve) => (release = resolve));
          await up;
        }
        return next();
      },
      detect: (signals, _baseline, state) =>
        signals.depthOf(ordersRoutes) >= 3 && state.at - state.lastDeliveredChange >= 500
          ? "backlog: shopify-orders queues hold messages and delivered none for 500 ms"
          : undefined,
      afterFix: async () => {
        release?.();
        return undefined;
      },
    },
    "dynamodb-throttle": {
      description: "DynamoDB throttles 60% of calls (faults dynamodb=throttle:0.6): doors answer 503 and are retried by the providers, processors retry with backoff",
      faultSpec: "dynamodb=throttle:0.6",
      detect: (signals, baseline) =>
        signals.retries > baseline.retries ? "retries: Retried / WebhookFailed metrics or queue redeliveries above zero (AWS: <table>-write-throttles)" : undefined,
    },
    "s3-errors": {
      description: "S3 fails 50% of calls (faults s3=error:0.5, half of them after the write happened): raw writes are retried, If-None-Match keeps one object per event",
      faultSpec: "s3=error:0.5",
      detect: (signals, baseline) =>
        signals.retries > baseline.retries ? "retries: Retried / WebhookFailed metrics or queue redeliveries above zero (AWS: lake-5xx, <function>-errors)" : undefined,
    },
    "poison-message": {
      description:
        "a bad deploy of the stripe processor rejects every event as InvalidPayload: they go to the DLQ at once; after the fix they are redriven with `sdp redrive --route stripe`",
      intercept: async (route, _envelope, next, active, hit) => {
        if (route.id !== "stripe" || !active()) return next();
        hit();
        return { kind: "invalid", reason: "drill: the deployed stripe-processor rejects this event (simulated bad deploy)" };
      },
      detect: (signals, baseline) => (signals.deadLetters > baseline.deadLetters ? "dlq: stripe dead letters above zero (AWS: acme-<env>-stripe-processor-dlq-depth)" : undefined),
      holdUntilSent: true,
      afterFix: async (platform) => {
        const result = await redriveThrough(platform.ready.ingress, "stripe");
        return `redriven with \`sdp redrive --route stripe\`: ${JSON.stringify(result.redriven)}`;
      },
    },
  };
};

const runInProcess = async (scenario: Exclude<Scenario, "crash-restart">, options: DrillOptions): Promise<DrillReport> => {
  const fault = faults()[scenario];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sdp-drill-${scenario}-`));
  const switchable = fault.faultSpec ? switchableFaults(fault.faultSpec) : undefined;
  let active = false;
  let firstHitAt: number | undefined;
  const hit = () => void (firstHitAt ??= now());
  const notes: string[] = [fault.description];
  const platform = await startLocalPlatform({
    dataDir,
    port: 0,
    env: options.env,
    ttlSweepIntervalMs: 0,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
    ...(switchable ? { faultInjector: switchable.injector } : {}),
    ...(fault.intercept ? { interceptDelivery: (route, envelope, _context, next) => fault.intercept!(route, envelope, next, () => active, hit) } : {}),
  });
  try {
    const traffic = drillTraffic({ orders: options.orders, seed: options.seed, env: options.env });
    const baseline = signalsOf(platform.counters());
    const deadline = now() + options.timeoutMs;
    // The failure starts, then the traffic.
    const startedAt = now();
    active = true;
    switchable?.set(true);
    let sendingDone = false;
    const sending = sendDay(() => platform.ready.ingress, traffic, options.env, deadline);
    void sending.done.finally(() => (sendingDone = true));

    let detectedAt: number | undefined;
    let detectedBy: string | undefined;
    let lastDelivered = signalsOf(platform.counters()).deliveredOf(ordersRoutes);
    let lastDeliveredChange = now();
    while (now() < deadline) {
      const signals = signalsOf(platform.counters());
      const at = now();
      const delivered = signals.deliveredOf(ordersRoutes);
      if (delivered !== lastDelivered) {
        lastDelivered = delivered;
        lastDeliveredChange = at;
      }
      if (switchable && switchable.injector.injected() > 0) hit();
      if (detectedAt === undefined) {
        const name = fault.detect(signals, baseline, { lastDeliveredChange, at });
        if (name) {
          detectedAt = at;
          detectedBy = name;
          options.log(`detected ${Math.round(at - (firstHitAt ?? startedAt))} ms after the failure first hit an event: ${name}`);
        }
      }
      if (detectedAt !== undefined && at - startedAt >= options.faultMs && (!fault.holdUntilSent || sendingDone)) break;
      await sleep(10);
    }
    // The fix.
    const fixedAt = now();
    active = false;
    switchable?.set(false);
    options.log(`failure fixed after ${Math.round(fixedAt - startedAt)} ms`);
    const note = await fault.afterFix?.(platform);
    if (note) notes.push(note);
    // Recovered: nothing queued, no provider retry pending (later waves may still be on their way).
    while (now() < deadline && (signalsOf(platform.counters()).depth > 0 || sending.retrying() > 0)) await sleep(10);
    const recoveredAt = now();
    const results = await sending.done;
    while (signalsOf(platform.counters()).depth > 0 && now() < deadline) await sleep(10);
    const { checks, lost } = await verify(dataDir, traffic, results, async () => signalsOf(platform.counters()).depth);
    if (detectedAt === undefined) checks.unshift({ name: "the failure was detected", ok: false, detail: `no signal within ${options.timeoutMs} ms` });
    if (switchable) notes.push(`faults injected: ${switchable.injector.injected()}`);
    return {
      scenario,
      ok: detectedAt !== undefined && checks.every((check) => check.ok),
      deliveries: traffic.deliveries.length,
      uniqueEvents: traffic.expectations.uniqueEvents,
      // From the first event the failure hit (a failure nothing meets is not yet an incident).
      ...(detectedBy ? { detectedBy, timeToDetectMs: Math.round(detectedAt! - (firstHitAt ?? startedAt)) } : {}),
      timeToRecoverMs: Math.round(recoveredAt - fixedAt),
      outageMs: Math.round(recoveredAt - startedAt),
      lost,
      checks,
      notes,
      ...(options.keepData ? { dataDir } : {}),
    };
  } finally {
    active = false;
    switchable?.set(false);
    await faultsRelease(platform);
    if (!options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  }
};

const faultsRelease = async (platform: LocalPlatform) => {
  await platform.stop();
};

// --- crash-restart: the platform in a child process, SIGKILLed ---------------------------------

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** node >= 22 runs bin/sdp in-process (no hand-over child), so the pid we kill is the platform. */
const nodeForSdp = () => {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const bundled = path.join(repositoryRoot, "node_modules", "node", "bin", "node");
  return fs.existsSync(bundled) ? bundled : process.execPath;
};

export interface PlatformChild {
  readonly child: ChildProcess;
  readonly ready: ReadyInfo;
  readonly exited: Promise<void>;
  readonly stderr: () => string;
}

export const startPlatformChild = (dataDir: string, port: number, env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<PlatformChild> =>
  new Promise((resolve, reject) => {
    const child = spawn(nodeForSdp(), [path.join(repositoryRoot, "bin", "sdp"), "local", "--port", String(port), "--data-dir", dataDir, "--log-level", "warn"], {
      cwd: repositoryRoot,
      env: { ...env, SDP_LAST_RUN_FILE: path.join(dataDir, "last-run.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sdp local did not become ready in ${timeoutMs} ms: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString("utf8")).slice(-20_000)));
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve({ child, ready: JSON.parse(stdout.slice(0, newline)) as ReadyInfo, exited, stderr: () => stderr });
      } catch {
        child.kill("SIGKILL");
        reject(new Error(`sdp local printed no ready line: ${stdout.slice(0, 200)}`));
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sdp local exited (${code ?? signal}) before it was ready: ${stderr.slice(-800)}`));
    });
  });

const healthOf = async (ingress: string): Promise<{ depth: number } | undefined> => {
  try {
    const response = await fetch(new URL("/health", ingress), { signal: AbortSignal.timeout(1_000) });
    return response.ok ? ((await response.json()) as { depth: number }) : undefined;
  } catch {
    return undefined;
  }
};

/** Children the drills started, killed on exit whatever happens. */
const liveChildren = new Set<ChildProcess>();
export const killDrillChildren = () => {
  for (const child of liveChildren) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  liveChildren.clear();
};

const runCrashRestart = async (options: DrillOptions): Promise<DrillReport> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-drill-crash-restart-"));
  const port = await freePort();
  const notes = ["the platform process is SIGKILLed while traffic flows and restarted on the same data dir and port (the drill plays the supervisor)"];
  let current: PlatformChild | undefined;
  try {
    current = await startPlatformChild(dataDir, port, options.env);
    liveChildren.add(current.child);
    const ingress = current.ready.ingress;
    const traffic = drillTraffic({ orders: options.orders, seed: options.seed, env: options.env });
    const deadline = now() + options.timeoutMs;
    const sending = sendDay(() => ingress, traffic, options.env, deadline);
    // Kill once part of the day was accepted (the journal then holds events in flight).
    const target = Math.max(3, Math.floor(traffic.deliveries.length / 3));
    while (now() < deadline) {
      const status = await fetch(new URL("/status", ingress))
        .then((response) => response.json() as Promise<PlatformCounters>)
        .catch(() => undefined);
      const accepted = status ? Object.values(status.doors).reduce((total, door) => total + door.accepted, 0) + status.eventDoor.accepted : 0;
      if (accepted >= target) break;
      await sleep(20);
    }
    const killedAt = now();
    current.child.kill("SIGKILL");
    await current.exited;
    const journaled = journalFiles(dataDir);
    notes.push(`killed with ${journaled} event(s) journaled and not yet processed`);
    // Detection: the health check fails.
    let detectedAt: number | undefined;
    while (now() < deadline && detectedAt === undefined) {
      if ((await healthOf(ingress)) === undefined) detectedAt = now();
      else await sleep(20);
    }
    options.log(`detected after ${Math.round((detectedAt ?? now()) - killedAt)} ms: GET /health fails`);
    const restartAt = now();
    current = await startPlatformChild(dataDir, port, options.env);
    liveChildren.add(current.child);
    options.log(`restarted in ${Math.round(now() - restartAt)} ms`);
    const caughtUp = async () => {
      while (now() < deadline) {
        if ((await healthOf(ingress))?.depth === 0 && sending.retrying() === 0) return;
        await sleep(20);
      }
    };
    await caughtUp();
    const recoveredAt = now();
    const results = await sending.done;
    await caughtUp();
    // Stop it (SIGTERM drains) and read the data dir.
    current.child.kill("SIGTERM");
    await current.exited;
    const { checks, lost } = await verify(dataDir, traffic, results, async () => journalFiles(dataDir));
    if (detectedAt === undefined) checks.unshift({ name: "the failure was detected", ok: false, detail: "GET /health kept answering" });
    return {
      scenario: "crash-restart",
      ok: detectedAt !== undefined && checks.every((check) => check.ok),
      deliveries: traffic.deliveries.length,
      uniqueEvents: traffic.expectations.uniqueEvents,
      ...(detectedAt !== undefined ? { detectedBy: "health: GET /health stops answering", timeToDetectMs: Math.round(detectedAt - killedAt) } : {}),
      timeToRecoverMs: Math.round(recoveredAt - (detectedAt ?? killedAt)),
      outageMs: Math.round(recoveredAt - killedAt),
      lost,
      checks,
      notes,
      ...(options.keepData ? { dataDir } : {}),
    };
  } finally {
    killDrillChildren();
    if (!options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  }
};

const journalFiles = (dataDir: string) => {
  const queues = path.join(dataDir, "queues");
  if (!fs.existsSync(queues)) return 0;
  return fs.readdirSync(queues).reduce((total, route) => total + fs.readdirSync(path.join(queues, route)).filter((file) => file.endsWith(".json")).length, 0);
};

export const runDrill = (scenario: Scenario, options: DrillOptions): Promise<DrillReport> =>
  scenario === "crash-restart" ? runCrashRestart(options) : runInProcess(scenario, options);
