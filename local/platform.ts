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
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, ManagedRuntime } from "effect";
import { routes as contractRoutes, type Route } from "../contracts/events";
import { functionTimeoutSeconds } from "../contracts/functions";
import { withInvocationDeadline } from "../functions/kernel/deadline";
import { Transient } from "../functions/kernel/errors";
import type { BusEnvelope, HttpResponse } from "../functions/kernel/function-shape";
import { liveLayer, makeDynamoHotStore, makeS3ObjectStore, type KernelServices } from "../functions/kernel/live";
import { withLogContext } from "../functions/kernel/logger";
import { Metrics } from "../functions/kernel/services";
import { LocalAlertLog } from "./alerts";
import { emulatorClients, startEmulators, type Emulators } from "./emulators";
import { applyEnvironment, localEnvironment } from "./environment";
import { createEventDoor, partnerDedupeKeys, type EventDoor, type EventDoorCounters } from "./event-door";
import { consumerResultOf, loadEventFunction, loadHttpFunction, repositoryRoot, type AnyEventProgram, type Loaded } from "./functions";
import { makeLocalMetrics } from "./metrics";
import { DataDirUnusable, recoverDataDir, type RecoveryReport } from "./recovery";
import { redriveDeadLetters, UnknownRoute, type RedriveResult } from "./redrive";
import { withFaults, type FaultableServices, type FaultInjector } from "../functions/kernel/faults";
import { silentLog, type PlatformLog } from "./log";
import type { ConsumerResult } from "./queues";
import { releaseClaimsOfEarlierRuns, sweepExpiredItems } from "./ttl";
import { dlqFileOf, LocalEventRouter, type RouterCounters } from "./router";
import { jsonResponse, startIngressServer, type IngressRoute } from "./server";

/** What `sdp local` prints on stdout (one line) and writes to `<data-dir>/platform.json`. */
export interface ReadyInfo {
  readonly ready: true;
  readonly ingress: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints: { readonly s3: string; readonly dynamodb: string };
  readonly bucket: string;
  readonly tables: Record<string, string>;
  readonly dataDir: string;
  readonly pid: number;
}

export interface LocalPlatformOptions {
  readonly dataDir: string;
  /** Ingress port; 0 picks a free one. */
  readonly port?: number;
  readonly s3Port?: number;
  readonly dynamodbPort?: number;
  /** The environment the user started us with (webhook secrets); defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: PlatformLog;
  /** Where the functions' own JSON log lines go; default `<data-dir>/logs/functions.jsonl`. */
  readonly functionLog?: (line: string) => void;
  /** Records `.sdp/last-run.json` under the repository root (the CLI does; tests do not). */
  readonly recordLastRun?: "local" | "demo";
  readonly repositoryRoot?: string;
  readonly routes?: ReadonlyArray<Route>;
  readonly maxReceiveCount?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly concurrency?: number;
  /** How often expired TTL items are deleted (dynalite does not); 0 disables. Default 60 s. */
  readonly ttlSweepIntervalMs?: number;
  /**
   * Faults for the kernel services (functions/kernel/faults.ts): the ObjectStore, HotStore (and
   * so Idempotency), EventBus, Alerts and DeadLetters are wrapped by `injector.wrap`. `sdp drill`
   * passes an injector it can switch on and off.
   */
  readonly faultInjector?: FaultInjector;
  /** Called when an event leaves a route's queue (processed or dead-lettered): `sdp load` measures lag with it. */
  readonly onSettled?: (route: Route, envelope: BusEnvelope, outcome: "delivered" | "dead-lettered") => void;
  /**
   * Wraps every delivery to a processor (`next` runs it): `sdp drill` holds deliveries back
   * (processor down) or rejects some (a bad deploy). Default: none.
   */
  readonly interceptDelivery?: (route: Route, envelope: BusEnvelope, context: { receiveCount: number; signal: AbortSignal }, next: () => Promise<ConsumerResult>) => Promise<ConsumerResult>;
}

export interface DoorCounters {
  accepted: number;
  duplicate: number;
  rejected: Record<string, number>;
}

export interface PlatformCounters {
  readonly doors: Record<string, DoorCounters>;
  readonly events: RouterCounters;
  readonly eventDoor: EventDoorCounters;
  readonly alerts: LocalAlertLog["counters"];
  /** Totals of the functions' Count metrics (StaleUpdate, unknown event types, ...). */
  readonly metrics: Record<string, number>;
  readonly unavailable: Record<string, string>;
  /** What the fault injector injected, when one is on (`sdp local --faults`). */
  readonly faults?: ReturnType<FaultInjector["snapshot"]>;
}

export interface LocalPlatform {
  readonly ready: ReadyInfo;
  readonly dataDir: string;
  /** Resolves when every queue is empty (all accepted events processed or dead-lettered). */
  readonly drain: () => Promise<void>;
  /** Stops accepting, drains, closes everything; safe to call more than once. */
  readonly stop: () => Promise<void>;
  readonly counters: () => PlatformCounters;
  /** Moves dead letters back to their queues (all routes, or one); see local/redrive.ts. */
  readonly redrive: (routeId?: string) => Promise<RedriveResult>;
}

export class PlatformStartFailed extends Error {
  readonly _tag = "PlatformStartFailed";
}

let activePlatform: string | undefined;

const isProcessAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** One platform per data dir: LevelDB allows a single opener, and two routers would double-deliver. */
const takeDataDirLock = (dataDir: string): (() => void) => {
  const lockFile = path.join(dataDir, "platform.lock");
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(fs.readFileSync(lockFile, "utf8").trim());
    // An empty lock (a kill between creating and writing it) names no one: pid 0 would be our group.
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
      throw new PlatformStartFailed(
        `${dataDir} is in use by another sdp local (pid ${holder}); stop it or choose another --data-dir (if none runs, delete ${lockFile})`,
      );
    }
    // A stale lock from a run that was killed: take it over.
    fs.writeFileSync(lockFile, String(process.pid));
  }
  return () => fs.rmSync(lockFile, { force: true });
};

/** Sweeps expired TTL items now and then; returns the function that stops it. */
const startTtlSweeper = (emulators: Emulators, intervalMs: number, log: PlatformLog): (() => Promise<void>) => {
  if (intervalMs <= 0) return async () => undefined;
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= sweepExpiredItems({ region: emulators.region, endpoint: emulators.endpoints.dynamodb, credentials: emulators.credentials, tables: emulators.tables })
      .then(
        (deleted) => {
          if (Object.keys(deleted).length > 0) log("info", "expired TTL items deleted", { deleted });
        },
        (error) => log("warn", "TTL sweep failed", { error: (error as Error)?.message }),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  sweep();
  return async () => {
    clearInterval(timer);
    await running;
  };
};

/** Write then rename: a kill leaves the old file or the new one (and a *.tmp the next start removes). */
const writeFileAtomically = (file: string, content: string) => {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
};

/** One line for everything the start-up check did (nothing when the data dir was whole). */
const logRecovery = (log: PlatformLog, dataDir: string, report: RecoveryReport) => {
  if (report.quarantined.length === 0 && report.removedTemporary.length === 0) return;
  const rawEvents = report.quarantined.flatMap((entry) => (entry.rawEvent && entry.file.endsWith("._S3rver_object") ? [entry.rawEvent] : []));
  log(report.quarantined.length > 0 ? "warn" : "info", report.quarantined.length > 0 ? "torn files left by an unclean stop were quarantined" : "stale temporary files removed", {
    dataDir,
    ...(report.quarantineDir ? { quarantine: path.join(dataDir, report.quarantineDir) } : {}),
    quarantined: report.quarantined.map((entry) => ({ file: entry.file, reason: entry.reason })),
    ...(rawEvents.length > 0
      ? { rawEventCopies: rawEvents.map((event) => ({ key: event.key, stillJournaled: event.journaled.length > 0, note: event.note })) }
      : {}),
    ...(report.repaired.length > 0 ? { repaired: report.repaired } : {}),
    removedTemporaryFiles: report.removedTemporary,
  });
};

/** An emulator that will not start, said with the data it keeps and what to do. */
const emulatorStartFailed = (dataDir: string, error: unknown): Error => {
  if (error instanceof PlatformStartFailed || (error as NodeJS.ErrnoException)?.code === "EADDRINUSE") return error as Error;
  if ((error as Error)?.name === "S3rverPatchMismatch" || (error as { _tag?: string })?._tag === "S3rverPatchMismatch") return new PlatformStartFailed((error as Error).message);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const what = `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}${status ? ` (HTTP ${status})` : ""}`;
  return new PlatformStartFailed(
    `the emulators could not start on ${dataDir} (S3 in ${path.join(dataDir, "s3")}, DynamoDB in ${path.join(dataDir, "dynamodb")}): ${what}. ` +
      `Torn files are quarantined at start under ${path.join(dataDir, "quarantine")}; if this persists, stop sdp local, move the directory named above aside and start again, or use another --data-dir.`,
  );
};

const doorOf = (routeKey: string) => routeKey.replace(/^POST \/webhooks\//, "");

export const startLocalPlatform = async (options: LocalPlatformOptions): Promise<LocalPlatform> => {
  const dataDir = path.resolve(options.dataDir);
  const log = options.log ?? silentLog;
  const root = options.repositoryRoot ?? repositoryRoot;
  if (activePlatform !== undefined) {
    throw new PlatformStartFailed(`an embedded platform already runs in this process (${activePlatform}); stop it first`);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  // A lock left behind means the previous run did not stop cleanly (killed, crashed).
  const uncleanStop = fs.existsSync(path.join(dataDir, "platform.lock"));
  const releaseLock = takeDataDirLock(dataDir);
  activePlatform = dataDir;

  const cleanups: Array<() => Promise<void> | void> = [
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
    const recovery = await recoverDataDir(dataDir, { deep: uncleanStop }).catch((error: unknown) => {
      if (error instanceof DataDirUnusable) throw new PlatformStartFailed(error.message);
      // A file system error names its file (EACCES, ENOSPC, EIO ...).
      throw new PlatformStartFailed(
        `could not check ${dataDir} for files a kill left torn: ${(error as Error)?.message ?? String(error)}. Fix the file named (permissions, free space) or move the data dir aside and start again.`,
      );
    });
    logRecovery(log, dataDir, recovery);
    const emulators: Emulators = await startEmulators({ dataDir, s3Port: options.s3Port, dynamodbPort: options.dynamodbPort }).catch((error: unknown) => {
      throw emulatorStartFailed(dataDir, error);
    });
    cleanups.push(() => emulators.stop());
    cleanups.push(applyEnvironment(localEnvironment(emulators, options.env ?? process.env)));
    log("info", "emulators ready", { endpoints: emulators.endpoints, bucket: emulators.bucket });
    cleanups.push(startTtlSweeper(emulators, options.ttlSweepIntervalMs ?? 60_000, log));

    const alerts = new LocalAlertLog(path.join(dataDir, "alerts.jsonl"));
    const unavailable: Record<string, string> = {};

    // Processors are loaded once; a missing one is reported and its events dead-lettered (kept).
    const processors = new Map<string, Loaded<AnyEventProgram>>();
    const routes = options.routes ?? contractRoutes;
    for (const route of routes) {
      if (processors.has(route.processor)) continue;
      const loaded = loadEventFunction(route.processor, root);
      if (!loaded) throw new PlatformStartFailed(`route ${route.id} names processor ${route.processor}, which contracts/functions.ts does not define`);
      processors.set(route.processor, loaded);
      if (!loaded.ok) {
        unavailable[route.processor] = loaded.reason;
        log("warn", "processor unavailable; its events go to the local DLQ", { processor: route.processor, reason: loaded.reason });
      }
    }

    // Lambda logs go to stdout; here stdout carries only the ready line, so function logs go to
    // the sink the caller chose (the CLI: stderr) or to a file in the data dir.
    let functionSink = options.functionLog;
    if (!functionSink) {
      fs.mkdirSync(path.join(dataDir, "logs"), { recursive: true });
      const stream = fs.createWriteStream(path.join(dataDir, "logs", "functions.jsonl"), { flags: "a" });
      cleanups.push(() => new Promise<void>((resolve) => stream.end(() => resolve())));
      functionSink = (line) => void stream.write(`${line}\n`);
    }
    const metrics = makeLocalMetrics(functionSink);
    const flushMetrics = Effect.flatMap(Metrics, (service) => service.flush);

    // The runtime is created after the router exists (the EventBus override publishes into it).
    let runtime: ManagedRuntime.ManagedRuntime<KernelServices, never> | undefined;

    const intercept = options.interceptDelivery;
    const deliver = (route: Route, envelope: BusEnvelope, context: { receiveCount: number; signal: AbortSignal }): Promise<ConsumerResult> =>
      intercept ? intercept(route, envelope, context, () => deliverNow(route, envelope, context)) : deliverNow(route, envelope, context);
    const deliverNow = async (route: Route, envelope: BusEnvelope, context: { receiveCount: number; signal: AbortSignal }): Promise<ConsumerResult> => {
      const processor = processors.get(route.processor)!;
      if (!processor.ok) return { kind: "invalid", reason: `processor ${route.processor} unavailable: ${processor.reason}` };
      const run = processor.program(envelope).pipe(
        Effect.ensuring(flushMetrics),
        withLogContext({ correlationId: envelope.id, functionName: route.processor, route: route.id }),
        withInvocationDeadline(Date.now() + functionTimeoutSeconds(processor.spec) * 1000),
      );
      const exit = await runtime!.runPromiseExit(run, { signal: context.signal });
      const result = consumerResultOf(exit);
      if (result.kind !== "ok") {
        log(result.kind === "invalid" ? "warn" : "info", result.kind === "invalid" ? "event rejected" : "event will be retried", {
          route: route.id,
          eventId: envelope.id,
          receiveCount: context.receiveCount,
          reason: result.reason,
        });
      }
      return result;
    };

    const router = new LocalEventRouter({
      routes,
      dataDir,
      deliver,
      account: emulators.environment.accountId,
      region: emulators.region,
      maxReceiveCount: options.maxReceiveCount,
      backoffBaseMs: options.backoffBaseMs,
      backoffMaxMs: options.backoffMaxMs,
      concurrency: options.concurrency,
      onDeadLetter: (letter) => log("warn", "event dead-lettered", { route: letter.queue, eventId: letter.body.id, reason: letter.reason }),
      onSettled: (route, envelope, outcome) => {
        if (route.bus === "partner") eventDoor?.settled(envelope);
        options.onSettled?.(route, envelope, outcome);
      },
    });
    let eventDoor: EventDoor | undefined;

    // Clients of this platform's emulators. The live layer's default clients are built once per
    // process from the environment, which would keep pointing at the emulators of an earlier
    // platform in the same process (tests, restarts); these are built for this run and closed with it.
    const clients = emulatorClients(emulators);
    cleanups.push(() => clients.destroy());

    const injectFaults = <T extends FaultableServices>(services: T): T => (options.faultInjector ? withFaults(options.faultInjector, services) : services);
    const built = ManagedRuntime.make(
      liveLayer(injectFaults({
        objectStore: makeS3ObjectStore(() => clients.s3),
        hotStore: makeDynamoHotStore(() => clients.documents),
        eventBus: {
          publish: (events) =>
            Effect.tryPromise({
              try: async () => {
                for (const event of events) await router.publish("platform", router.envelopeOf(event));
              },
              catch: (cause) => new Transient({ service: "local-event-bus", reason: "could not enqueue the event", cause }),
            }),
        },
        alerts: alerts.service,
        metrics: metrics.service,
        logSink: functionSink,
        deadLetters: {
          // A function that dead-letters a record itself (rather than failing with InvalidPayload).
          send: (letter) =>
            Effect.try({
              try: () => {
                const file = dlqFileOf(dataDir, "functions");
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.appendFileSync(file, `${JSON.stringify({ deadLetteredAt: new Date().toISOString(), ...letter })}\n`);
              },
              catch: (cause) => new Transient({ service: "local-dead-letters", reason: "could not write the dead letter", cause }),
            }),
        },
      })),
    );
    runtime = built;
    cleanups.push(() => built.dispose());
    const closeRouter = () => router.close();
    cleanups.push(closeRouter);

    // Before anything is redelivered: claims held by the killed run would otherwise make every
    // redelivery wait until they lapse (a function timeout, up to 15 minutes).
    const released = await releaseClaimsOfEarlierRuns({ region: emulators.region, endpoint: emulators.endpoints.dynamodb, credentials: emulators.credentials, tables: emulators.tables });
    if (released > 0) log("info", "released idempotency claims left in progress by the previous run", { count: released });
    const recovered = router.recover();
    if (recovered > 0) log("info", "re-delivering events accepted by the previous run", { count: recovered });

    // The HTTP doors.
    const doorCounters: Record<string, DoorCounters> = {};
    const countResponse = (routeKey: string, response: HttpResponse) => {
      const counters = (doorCounters[routeKey] ??= { accepted: 0, duplicate: 0, rejected: {} });
      if (response.statusCode === 200) {
        const status = parseStatus(response.body);
        if (status === "duplicate") counters.duplicate++;
        else counters.accepted++;
      } else {
        counters.rejected[response.statusCode] = (counters.rejected[response.statusCode] ?? 0) + 1;
      }
    };

    const webhookRoutes: IngressRoute[] = ["POST /webhooks/shopify", "POST /webhooks/recharge", "POST /webhooks/stripe"].map((routeKey) => {
      const loaded = loadHttpFunction(routeKey, root);
      const path_ = routeKey.slice("POST ".length);
      if (!loaded || !loaded.ok) {
        const reason = loaded ? loaded.reason : `no function in contracts/functions.ts serves ${routeKey}`;
        unavailable[doorOf(routeKey)] = reason;
        log("warn", "webhook door unavailable", { route: routeKey, reason });
        return { method: "POST", path: path_, handle: async () => jsonResponse(503, { error: `the ${doorOf(routeKey)} door is not available: ${reason}` }) };
      }
      const functionName = loaded.spec.name;
      return {
        method: "POST",
        path: path_,
        // As the Lambda HTTP adapter: a defect is a 500 (logged), never a crash.
        handle: (request) =>
          runtime!.runPromise(
            loaded.program(request).pipe(
              Effect.catchAllDefect((defect) =>
                Effect.as(
                  Effect.logError("unhandled defect", defect instanceof Error ? defect.message : String(defect)),
                  jsonResponse(500, { error: "internal error", requestId: request.requestId }),
                ),
              ),
              Effect.map((response) => ({ ...response, headers: { "content-type": "application/json", ...response.headers } })),
              Effect.ensuring(flushMetrics),
              withLogContext({ correlationId: request.requestId, functionName }),
              withInvocationDeadline(Date.now() + functionTimeoutSeconds(loaded.spec) * 1000),
            ),
          ),
      };
    });

    const redrive = (routeId?: string) => redriveDeadLetters({ dataDir, router, routeId });
    eventDoor = createEventDoor({ router, runtime: built, log, dedupeKeys: partnerDedupeKeys });
    const stats = () => counters();
    const ingressRoutes: IngressRoute[] = [
      ...webhookRoutes,
      { method: "POST", path: "/events", handle: eventDoor.handle },
      { method: "GET", path: "/health", handle: async () => jsonResponse(200, { status: "ok", depth: router.depth }) },
      { method: "GET", path: "/status", handle: async () => jsonResponse(200, stats()) },
      // `sdp redrive`: dead letters back to their queues (after the fix), as SQS's message move task.
      {
        method: "POST",
        path: "/dlq/redrive",
        handle: async (request) => {
          let route: string | undefined;
          try {
            const body = request.rawBody.byteLength === 0 ? {} : (JSON.parse(request.rawBody.toString("utf8")) as { route?: unknown });
            if (body.route !== undefined && typeof body.route !== "string") return jsonResponse(400, { error: '"route" must be a route id' });
            route = body.route;
          } catch {
            return jsonResponse(400, { error: 'the body must be {} or {"route": "<route id>"}' });
          }
          try {
            return jsonResponse(200, await redrive(route));
          } catch (error) {
            return jsonResponse(error instanceof UnknownRoute ? 404 : 500, { error: (error as Error).message });
          }
        },
      },
    ];
    const server = await startIngressServer({ routes: ingressRoutes, port: options.port ?? 0, log, onResponse: countResponse });
    // Registered last, so it runs first: stop taking requests before the queues close.
    cleanups.push(() => server.close());

    const counters = (): PlatformCounters => ({
      doors: Object.fromEntries(Object.entries(doorCounters).map(([key, value]) => [key, { ...value, rejected: { ...value.rejected } }])),
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

const parseStatus = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body) as { status?: unknown };
    return typeof parsed.status === "string" ? parsed.status : undefined;
  } catch {
    return undefined;
  }
};

export interface LastRun {
  readonly dataDir: string;
  readonly kind: "local" | "demo";
  readonly startedAt: string;
}

/** `.sdp/last-run.json` under the repository root; SDP_LAST_RUN_FILE moves it (tests use that). */
export const lastRunFile = (root: string = repositoryRoot, env: NodeJS.ProcessEnv = process.env) =>
  env.SDP_LAST_RUN_FILE !== undefined && env.SDP_LAST_RUN_FILE !== "" ? path.resolve(env.SDP_LAST_RUN_FILE) : path.join(root, ".sdp", "last-run.json");

export const recordLastRun = (root: string, dataDir: string, kind: LastRun["kind"], env: NodeJS.ProcessEnv = process.env) => {
  const file = lastRunFile(root, env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const record: LastRun = { dataDir, kind, startedAt: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
};

export const readLastRun = (root: string = repositoryRoot, env: NodeJS.ProcessEnv = process.env): LastRun | undefined => {
  try {
    const parsed = JSON.parse(fs.readFileSync(lastRunFile(root, env), "utf8")) as Partial<LastRun>;
    if (typeof parsed.dataDir !== "string" || (parsed.kind !== "local" && parsed.kind !== "demo")) return undefined;
    return parsed as LastRun;
  } catch {
    return undefined;
  }
};

/** The ready info of a platform running on `dataDir`, if one is (platform.json and a live pid). */
export const readRunningPlatform = (dataDir: string): ReadyInfo | undefined => {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, "platform.json"), "utf8")) as ReadyInfo;
    return info.ready === true && typeof info.pid === "number" && isProcessAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
};
