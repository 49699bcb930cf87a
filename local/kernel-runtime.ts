/**
 * The kernel runtime the embedded platform runs its functions with: the live stores, talking to
 * this platform's emulators through clients built for this run (closed with it, so a later
 * platform in the same process never meets an earlier one's clients), with the local event bus, alert log,
 * metrics and dead-letter file in place of EventBridge, SNS, CloudWatch and SQS, and the fault
 * injector around them when one is on.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Layer, ManagedRuntime } from "effect";
import { Transient } from "../functions/kernel/errors";
import { withFaults, type FaultableServices, type FaultInjector } from "../functions/kernel/faults";
import { IdempotencyLive, makeDynamoHotStore, makeDynamoSubjectIndex, makeS3ObjectStore, SecretsLive, type KernelServices } from "../functions/kernel/live";
import { loggerLayer } from "../functions/kernel/logger";
import { Alerts, DeadLetters, EventBus, HotStore, Metrics, ObjectStore, Secrets, type BusEvent, type DeadLetter } from "../functions/kernel/services";
import { SubjectIndex } from "../functions/kernel/subject-index";
import type { LocalAlertLog } from "./alerts";
import { withBatchedIndexWrites, withBatchedPuts } from "./batched-puts";
import { emulatorClients, type Emulators } from "./emulators";
import type { makeLocalMetrics } from "./metrics";
import { dlqFileOf, type LocalEventRouter } from "./router";

export interface KernelRuntimeOptions {
  readonly emulators: Emulators;
  readonly router: LocalEventRouter;
  readonly alerts: LocalAlertLog;
  readonly metrics: ReturnType<typeof makeLocalMetrics>;
  readonly logSink: (line: string) => void;
  readonly dataDir: string;
  readonly faultInjector?: FaultInjector;
}

/** Builds the runtime; its clients' and its own disposal go to `cleanups`. */
export const buildKernelRuntime = (options: KernelRuntimeOptions, cleanups: Array<() => Promise<void> | void>): ManagedRuntime.ManagedRuntime<KernelServices, never> => {
  const { router, dataDir } = options;
  const clients = emulatorClients(options.emulators);
  cleanups.push(() => clients.destroy());

  const injectFaults = <T extends FaultableServices>(services: T): T => (options.faultInjector ? withFaults(options.faultInjector, services) : services);
  const services = injectFaults({
    objectStore: makeS3ObjectStore(() => clients.s3),
    // Unconditional puts (the idempotency table's COMPLETED records) go in group commits: local/batched-puts.ts.
    hotStore: withBatchedPuts(
      makeDynamoHotStore(() => clients.documents),
      {
        client: () => clients.documents,
        tableName: (table) => options.emulators.tables[table],
        tables: ["idempotency"],
      },
    ),
    eventBus: {
      publish: (events: ReadonlyArray<BusEvent>) =>
        Effect.tryPromise({
          try: async () => {
            for (const event of events) await router.publish("platform", router.envelopeOf(event));
          },
          catch: (cause) => new Transient({ service: "local-event-bus", reason: "could not enqueue the event", cause }),
        }),
    },
    alerts: options.alerts.service,
    deadLetters: {
      // A function that dead-letters a record itself (rather than failing with InvalidPayload).
      send: (letter: DeadLetter) =>
        Effect.try({
          try: () => {
            const file = dlqFileOf(dataDir, "functions");
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.appendFileSync(file, `${JSON.stringify({ deadLetteredAt: new Date().toISOString(), ...letter })}\n`);
          },
          catch: (cause) => new Transient({ service: "local-dead-letters", reason: "could not write the dead letter", cause }),
        }),
    },
  });
  // The live Secrets (from the environment) and Idempotency over this platform's hot store.
  const built = ManagedRuntime.make(
    Layer.mergeAll(
      Layer.succeed(ObjectStore, services.objectStore),
      IdempotencyLive,
      // The GDPR subject index on the same DynamoDB, its HMAC key from the environment (SDP_SUBJECT_INDEX_KEY).
      Layer.effect(
        SubjectIndex,
        // Its writes group-committed like the COMPLETED records (local/batched-puts.ts).
        Effect.map(Secrets, (secrets) =>
          withBatchedIndexWrites(
            makeDynamoSubjectIndex(() => clients.documents, secrets),
            {
              client: () => clients.documents,
              tableName: (table) => options.emulators.tables[table],
            },
          ),
        ),
      ),
      Layer.succeed(EventBus, services.eventBus),
      Layer.succeed(Alerts, services.alerts),
      Layer.succeed(Metrics, options.metrics.service),
      Layer.succeed(DeadLetters, services.deadLetters),
      loggerLayer(options.logSink),
    ).pipe(Layer.provideMerge(Layer.merge(Layer.succeed(HotStore, services.hotStore), SecretsLive))),
  );
  cleanups.push(() => built.dispose());
  return built;
};
