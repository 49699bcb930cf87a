/**
 * The embedded platform: emulators + in-process event buses + the HTTP doors, wired with the
 * same contracts the AWS stacks use. `sdp local`, `sdp demo` and the integration tests start it
 * with `startLocalPlatform`.
 *
 *   POST /webhooks/{shopify,recharge,stripe} -> the ingress function's `program` (verifies,
 *        writes raw, publishes to the platform bus) -> queue per route -> processor `program`
 *   POST /events (Shopify partner-bus envelope) -> queue per matching partner route -> processor
 *
 * Only one platform runs per process: the live kernel layers read their configuration from
 * process.env, which the platform points at its emulators.
 *
 * This file composes the jobs, each in its own module:
 *   data-dir.ts            lock, start-up check for torn files, platform.json, last-run.json
 *   platform-emulators.ts  dynalite + s3rver, the process environment, the TTL sweeper
 *   processors.ts          processors loaded once, the router's queues delivering to them
 *   kernel-runtime.ts      the kernel layers the functions run with, on this run's emulators
 *   ingress-routes.ts      webhook doors, health/status/redrive, answer counters
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ManagedRuntime } from "effect";
import { routes as contractRoutes } from "../contracts/events";
import type { KernelServices } from "../functions/kernel/live";
import { LocalAlertLog } from "./alerts";
import { checkDataDir, lockFileOf, recordLastRun, takeDataDirLock, writeFileAtomically } from "./data-dir";
import { createEventDoor, partnerDedupeKeys, type EventDoor } from "./event-door";
import { repositoryRoot } from "./functions";
import { makeDoorCounters, operatorRoutes, webhookRoutes } from "./ingress-routes";
import { reconcileRoute } from "./reconcile-route";
import { buildKernelRuntime } from "./kernel-runtime";
import { silentLog } from "./log";
import { makeLocalMetrics } from "./metrics";
import { startPlatformEmulators, type Cleanup } from "./platform-emulators";
import { PlatformStartFailed, type LocalPlatform, type LocalPlatformOptions, type PlatformCounters, type ReadyInfo } from "./platform-types";
import { functionLogSink, loadProcessors, startProcessorQueues } from "./processors";
import { redriveDeadLetters } from "./redrive";
import { releaseClaimsOfEarlierRuns } from "./ttl";
import { DoorFirstGate, doorRoute, processorsWhileDoorsBusyFrom } from "./door-first";
import { startIngressServer } from "./server";

export * from "./platform-types";
export { lastRunFile, readLastRun, readRunningPlatform, recordLastRun, type LastRun } from "./data-dir";

let activePlatform: string | undefined;

export const startLocalPlatform = async (options: LocalPlatformOptions): Promise<LocalPlatform> => {
  const dataDir = path.resolve(options.dataDir);
  const log = options.log ?? silentLog;
  const root = options.repositoryRoot ?? repositoryRoot;
  if (activePlatform !== undefined) {
    throw new PlatformStartFailed(`an embedded platform already runs in this process (${activePlatform}); stop it first`);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  // A lock left behind means the previous run did not stop cleanly (killed, crashed).
  const uncleanStop = fs.existsSync(lockFileOf(dataDir));
  const releaseLock = takeDataDirLock(dataDir);
  activePlatform = dataDir;

  const cleanups: Cleanup[] = [
    () => {
      activePlatform = undefined;
    },
    releaseLock,
  ];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log("warn", "cleanup step failed", { error: (error as Error)?.message });
      }
    }
  };

  try {
    // Before anything reads the data dir: torn files a kill left are set aside (local/recovery.ts).
    await checkDataDir(dataDir, uncleanStop, log);
    const emulators = await startPlatformEmulators(
      { dataDir, s3Port: options.s3Port, dynamodbPort: options.dynamodbPort, env: options.env ?? process.env, ttlSweepIntervalMs: options.ttlSweepIntervalMs ?? 60_000, log },
      cleanups,
    );

    const alerts = new LocalAlertLog(path.join(dataDir, "alerts.jsonl"));
    const unavailable: Record<string, string> = {};
    const routes = options.routes ?? contractRoutes;
    const processors = loadProcessors(routes, root, unavailable, log);
    const functionSink = functionLogSink(dataDir, options.functionLog, cleanups);
    const metrics = makeLocalMetrics(functionSink);

    // The runtime is created after the router exists (the EventBus publishes into it).
    let runtime: ManagedRuntime.ManagedRuntime<KernelServices, never> | undefined;
    let eventDoor: EventDoor | undefined;
    const gate = new DoorFirstGate(options.processorsWhileDoorsBusy ?? processorsWhileDoorsBusyFrom(process.env));
    const router = startProcessorQueues({
      routes,
      processors,
      dataDir,
      account: emulators.environment.accountId,
      region: emulators.region,
      log,
      runtime: () => runtime!,
      interceptDelivery: options.interceptDelivery,
      maxReceiveCount: options.maxReceiveCount,
      backoffBaseMs: options.backoffBaseMs,
      backoffMaxMs: options.backoffMaxMs,
      concurrency: options.concurrency,
      gate,
      onSettled: (route, envelope, outcome) => {
        if (route.bus === "partner") eventDoor?.settled(envelope);
        options.onSettled?.(route, envelope, outcome);
      },
    });
    const built = buildKernelRuntime({ emulators, router, alerts, metrics, logSink: functionSink, dataDir, faultInjector: options.faultInjector }, cleanups);
    runtime = built;
    cleanups.push(() => router.close());

    // Before anything is redelivered: claims held by the killed run would otherwise make every
    // redelivery wait until they lapse (a function timeout, up to 15 minutes).
    const released = await releaseClaimsOfEarlierRuns({
      region: emulators.region,
      endpoint: emulators.endpoints.dynamodb,
      credentials: emulators.credentials,
      tables: emulators.tables,
    });
    if (released > 0) log("info", "released idempotency claims left in progress by the previous run", { count: released });
    const recovered = router.recover();
    if (recovered > 0) log("info", "re-delivering events accepted by the previous run", { count: recovered });

    // The HTTP doors.
    const doorCounters = makeDoorCounters();
    const redrive = (routeId?: string) => redriveDeadLetters({ dataDir, router, routeId });
    eventDoor = createEventDoor({ router, runtime: built, log, dedupeKeys: partnerDedupeKeys });
    const server = await startIngressServer({
      routes: [
        // The webhook doors and the event door go before processing (local/door-first.ts).
        ...[...webhookRoutes(root, built, unavailable, log), { method: "POST" as const, path: "/events", handle: eventDoor.handle }].map((route) => doorRoute(gate, route)),
        // `sdp reconcile payments`: the nightly payments reconciliation, run here with this runtime.
        reconcileRoute(root, built),
        ...operatorRoutes({ depth: () => router.depth, status: () => counters(), redrive }),
      ],
      port: options.port ?? 0,
      log,
      onResponse: doorCounters.countResponse,
    });
    // Registered last, so it runs first: stop taking requests before the queues close.
    cleanups.push(() => server.close());

    const counters = (): PlatformCounters => ({
      doors: doorCounters.snapshot(),
      events: router.counters,
      eventDoor: eventDoor!.counters(),
      alerts: alerts.counters,
      metrics: metrics.totals(),
      unavailable: { ...unavailable },
      ...(options.faultInjector ? { faults: options.faultInjector.snapshot() } : {}),
    });
    const writeCounters = () => {
      try {
        writeFileAtomically(path.join(dataDir, "counters.json"), `${JSON.stringify({ at: new Date().toISOString(), ...counters() }, null, 2)}\n`);
      } catch (error) {
        log("warn", "could not write counters.json", { error: (error as Error)?.message });
      }
    };

    const ready: ReadyInfo = {
      ready: true,
      ingress: server.url,
      region: emulators.region,
      credentials: { accessKeyId: emulators.credentials.accessKeyId, secretAccessKey: emulators.credentials.secretAccessKey },
      endpoints: { ...emulators.endpoints },
      bucket: emulators.bucket,
      tables: { ...emulators.tables },
      dataDir,
      pid: process.pid,
    };
    writeFileAtomically(path.join(dataDir, "platform.json"), `${JSON.stringify(ready, null, 2)}\n`);
    if (options.recordLastRun) recordLastRun(root, dataDir, options.recordLastRun, options.env ?? process.env);
    log("info", "ready", { ingress: server.url, dataDir });

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        log("info", "stopping: no new requests, draining queues", { depth: router.depth });
        await server.close();
        await router.close();
        writeCounters();
        await runCleanups();
        log("info", "stopped");
      })());

    return {
      ready,
      dataDir,
      drain: async () => {
        await router.drain();
        writeCounters();
      },
      stop,
      counters,
      redrive,
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
};
