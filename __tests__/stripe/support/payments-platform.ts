/**
 * Test platform for the payment doors and processors: the kernel's in-memory layers
 * (functions/kernel/memory.ts, which also writes the kernel's redacted JSON log lines) plus a
 * logger that captures every line exactly as our code hands it to Effect, unredacted, so the
 * redaction suite can prove our code never logs PII in the first place.
 */
import { Effect, Layer, Logger, LogLevel, TestClock, TestContext, type Exit } from "effect";
import type { SecretKey } from "../../../contracts/functions";
import type { TableKey } from "../../../contracts/tables";
import { makeTestPlatform, type TestPlatform } from "../../../functions/kernel/memory";
import type { Alert, BusEvent, Item } from "../../../functions/kernel/services";
import { NOW_SECONDS, RECHARGE_SECRET, STRIPE_SECRET } from "./fixtures";

type Services = TestPlatform["layer"] extends Layer.Layer<infer A, any, any> ? A : never;

export interface PaymentsTestPlatform {
  readonly kernel: TestPlatform;
  readonly layer: TestPlatform["layer"];
  readonly row: (table: TableKey, id: string) => Item | undefined;
  readonly rows: (table: TableKey) => Item[];
  readonly putObject: (key: string, text: string) => void;
  readonly objectText: (key: string) => string | undefined;
  readonly objectKeys: () => string[];
  readonly published: BusEvent[];
  /** Alerts actually published (after de-duplication). */
  readonly alerts: Alert[];
  /** Lines as our code logged them (message + annotations), before any redaction. */
  readonly logLines: string[];
  /** Lines as the kernel's JSON logger wrote them. */
  readonly jsonLines: string[];
  readonly metricCount: (name: string) => number;
}

export const makePaymentsTestPlatform = (secrets: Partial<Record<SecretKey, string>> = { rechargeWebhook: RECHARGE_SECRET, stripeWebhook: STRIPE_SECRET }): PaymentsTestPlatform => {
  // The kernel's logger takes its level from SDP_LOG_LEVEL when the platform is made: debug, so
  // every line our code writes is captured (and searched by the redaction suite).
  const previousLevel = process.env.SDP_LOG_LEVEL;
  process.env.SDP_LOG_LEVEL = "debug";
  const kernel = makeTestPlatform({ secrets });
  if (previousLevel === undefined) delete process.env.SDP_LOG_LEVEL;
  else process.env.SDP_LOG_LEVEL = previousLevel;
  return {
    kernel,
    layer: kernel.layer,
    row: (table, id) => kernel.item(table, { [table === "idempotency" ? "key" : "id"]: id }),
    rows: (table) => kernel.items(table),
    putObject: (key, text) => void kernel.state.objects.set(key, { body: new Uint8Array(Buffer.from(text)) }),
    objectText: kernel.objectText,
    objectKeys: () => [...kernel.state.objects.keys()],
    published: kernel.state.events,
    alerts: kernel.state.alerts,
    logLines: [],
    jsonLines: kernel.state.logs,
    metricCount: kernel.metricTotal,
  };
};

/** A logger that renders every line (message and annotations) as JSON into `lines`, unredacted. */
export const capturingLogger = (lines: string[]) =>
  Logger.add(
    Logger.make(({ message, annotations, logLevel, cause }) => {
      lines.push(JSON.stringify({ level: logLevel.label, message, annotations: Object.fromEntries(annotations), cause: cause._tag === "Empty" ? undefined : String(cause) }));
    }),
  );

/** Runs `effect` on the test platform at a fixed clock time, capturing logs at every level; returns its Exit. */
export const runOn = <A, E, R extends Services>(platform: PaymentsTestPlatform, effect: Effect.Effect<A, E, R>, clockSeconds = NOW_SECONDS): Promise<Exit.Exit<A, E>> =>
  Effect.runPromise(
    Effect.exit(
      Effect.gen(function* () {
        yield* TestClock.setTime(clockSeconds * 1000);
        return yield* effect;
      }).pipe(
        Effect.provide(platform.layer),
        Effect.provide(Layer.merge(capturingLogger(platform.logLines), Logger.minimumLogLevel(LogLevel.All))),
        Effect.provide(TestContext.TestContext),
      ),
    ) as Effect.Effect<Exit.Exit<A, E>>,
  );
