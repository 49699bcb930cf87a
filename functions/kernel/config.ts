/**
 * Settings are read through Effect `Config` only (no raw `process.env` in functions/, a test scans
 * for it): in Lambda and `sdp local` the provider is the environment; a test may run a program
 * with `Effect.withConfigProvider(ConfigProvider.fromMap(...))` instead of touching process.env.
 */
import { Config, Effect } from "effect";

/** Set by Lambda (its runtime contract): the function name on metrics and logs; absent elsewhere. */
export const FUNCTION_NAME_VAR = "AWS_LAMBDA_FUNCTION_NAME";

/** A required setting (contracts/env-vars.ts): a missing variable is a deployment bug, so a defect. */
export const configValue = (name: string): Effect.Effect<string> => Config.string(name).pipe(Effect.orDie);

/** An optional setting, as it is set (possibly empty), or undefined. */
export const optionalConfig = (name: string): Effect.Effect<string | undefined> =>
  Config.option(Config.string(name)).pipe(
    Effect.map((value) => (value._tag === "Some" ? value.value : undefined)),
    Effect.orElseSucceed(() => undefined),
  );

/**
 * An optional setting read now, outside any program, from the default provider (the environment):
 * for what must be known before a program runs (where log lines go, a layer's log level).
 */
export const optionalConfigNow = (name: string): string | undefined => Effect.runSync(optionalConfig(name));
