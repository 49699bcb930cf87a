/**
 * The platform's queues and their workers: each route's processor is loaded once (a missing one
 * is reported and its events dead-lettered, kept), and the router delivers every queued event to
 * its processor's `program` as the Lambda SQS adapter would: with the function's deadline, its
 * log context and the metrics flushed after each invocation.
 */
import type { DoorFirstGate } from "./door-first";
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, type ManagedRuntime } from "effect";
import type { Route } from "../contracts/events";
import { functionTimeoutSeconds } from "../contracts/functions";
import { withInvocationDeadline } from "../functions/kernel/deadline";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import type { KernelServices } from "../functions/kernel/live";
import { withLogContext } from "../functions/kernel/logger";
import { Metrics } from "../functions/kernel/services";
import { consumerResultOf, loadEventFunction, type AnyEventProgram, type Loaded } from "./functions";
import type { PlatformLog } from "./log";
import { PlatformStartFailed, type DeliveryInterceptor } from "./platform-types";
import type { ConsumerResult } from "./queues";
import { LocalEventRouter } from "./router";

/** Flushes the functions' metrics at the end of an invocation, as the Lambda adapters do. */
export const flushMetrics = Effect.flatMap(Metrics, (service) => service.flush);

/** The processors the routes name, loaded once; one that is not available is recorded in `unavailable`. */
export const loadProcessors = (routes: ReadonlyArray<Route>, root: string, unavailable: Record<string, string>, log: PlatformLog) => {
  const processors = new Map<string, Loaded<AnyEventProgram>>();
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
  return processors;
};

export interface ProcessorQueueOptions {
  readonly routes: ReadonlyArray<Route>;
  readonly processors: ReadonlyMap<string, Loaded<AnyEventProgram>>;
  readonly dataDir: string;
  readonly account: string;
  readonly region: string;
  readonly log: PlatformLog;
  /** The kernel runtime; it is built after the router (its EventBus publishes into the router). */
  readonly runtime: () => ManagedRuntime.ManagedRuntime<KernelServices, never>;
  readonly interceptDelivery?: DeliveryInterceptor;
  readonly maxReceiveCount?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly concurrency?: number;
  readonly gate?: DoorFirstGate;
  readonly onSettled: (route: Route, envelope: BusEnvelope, outcome: "delivered" | "dead-lettered") => void;
}

/** The router whose queues deliver to the processors. */
export const startProcessorQueues = (options: ProcessorQueueOptions): LocalEventRouter => {
  const { processors, log } = options;
  const intercept = options.interceptDelivery;
  const deliver = (route: Route, envelope: BusEnvelope, context: { receiveCount: number; signal: AbortSignal }): Promise<ConsumerResult> =>
    intercept ? intercept(route, envelope, context, () => deliverNow(route, envelope, context)) : deliverNow(route, envelope, context);
  const deliverNow = async (route: Route, envelope: BusEnvelope, context: { receiveCount: number; signal: AbortSignal }): Promise<ConsumerResult> => {
    const processor = processors.get(route.processor)!;
    if (!processor.ok) return { kind: "invalid", reason: `processor ${route.processor} unavailable: ${processor.reason}` };
    const run = processor
      .program(envelope)
      .pipe(
        Effect.ensuring(flushMetrics),
        withLogContext({ correlationId: envelope.id, functionName: route.processor, route: route.id }),
        withInvocationDeadline(Date.now() + functionTimeoutSeconds(processor.spec) * 1000),
      );
    const exit = await options.runtime().runPromiseExit(run, { signal: context.signal });
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

  return new LocalEventRouter({
    routes: options.routes,
    dataDir: options.dataDir,
    deliver,
    account: options.account,
    region: options.region,
    maxReceiveCount: options.maxReceiveCount,
    backoffBaseMs: options.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs,
    concurrency: options.concurrency,
    gate: options.gate,
    onDeadLetter: (letter) => log("warn", "event dead-lettered", { route: letter.queue, eventId: letter.body.id, reason: letter.reason }),
    onSettled: options.onSettled,
  });
};

/** Where the functions' JSON log lines go: the caller's sink, or `<data-dir>/logs/functions.jsonl`. */
export const functionLogSink = (dataDir: string, sink: ((line: string) => void) | undefined, cleanups: Array<() => Promise<void> | void>): ((line: string) => void) => {
  if (sink) return sink;
  // Lambda logs go to stdout; here stdout carries only the ready line, so function logs go to
  // the sink the caller chose (the CLI: stderr) or to a file in the data dir.
  fs.mkdirSync(path.join(dataDir, "logs"), { recursive: true });
  const stream = fs.createWriteStream(path.join(dataDir, "logs", "functions.jsonl"), { flags: "a" });
  cleanups.push(() => new Promise<void>((resolve) => stream.end(() => resolve())));
  return (line) => void stream.write(`${line}\n`);
};
