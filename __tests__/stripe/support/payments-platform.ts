/**
 * Test platform for the payment doors and processors: the in-memory platform of the test support
 * (../../support/platform.ts: the kernel's in-memory layers, which also write the kernel's
 * redacted JSON log lines, with its accessor names) at debug level, plus a logger that captures
 * every line exactly as our code hands it to Effect, unredacted, so the redaction suite can prove
 * our code never logs PII in the first place.
 */
import { Effect, Layer, Logger, LogLevel, TestClock, TestContext, type Exit } from "effect";
import type { SecretKey } from "../../../contracts/functions";
import { memoryPlatform, type MemoryPlatform } from "../../support/platform";
import { NOW_SECONDS, RECHARGE_SECRET, STRIPE_SECRET } from "./fixtures";

type Services = MemoryPlatform["layer"] extends Layer.Layer<infer A, any, any> ? A : never;

export interface PaymentsTestPlatform extends MemoryPlatform {
  /** Lines as our code logged them (message + annotations), before any redaction. */
  readonly logLines: string[];
  /** Lines as the kernel's JSON logger wrote them. */
  readonly jsonLines: string[];
}

export const makePaymentsTestPlatform = (
  secrets: Partial<Record<SecretKey, string>> = { rechargeWebhook: RECHARGE_SECRET, stripeWebhook: STRIPE_SECRET },
  options: { readonly config?: Readonly<Record<string, string>> } = {},
): PaymentsTestPlatform => {
  // Debug, so every line our code writes is captured (and searched by the redaction suite).
  const platform = memoryPlatform({ secrets, logLevel: LogLevel.Debug, ...options });
  return { ...platform, logLines: [], jsonLines: platform.state.logs };
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
