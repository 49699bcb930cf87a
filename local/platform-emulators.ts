/**
 * Starting and stopping the platform's emulators: dynalite and s3rver on the data dir, the
 * process environment pointed at them, and the TTL sweeper dynalite needs (it deletes nothing
 * itself). Every step registers its undo with the platform's cleanups.
 */
import * as path from "node:path";
import { startEmulators, type Emulators } from "./emulators";
import { applyEnvironment, localEnvironment } from "./environment";
import type { PlatformLog } from "./log";
import { PlatformStartFailed } from "./platform-types";
import { sweepExpiredItems } from "./ttl";

export type Cleanup = () => Promise<void> | void;

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

export interface PlatformEmulatorOptions {
  readonly dataDir: string;
  readonly s3Port?: number;
  readonly dynamodbPort?: number;
  readonly env: NodeJS.ProcessEnv;
  readonly ttlSweepIntervalMs: number;
  readonly log: PlatformLog;
}

/** Starts the emulators, points the process environment at them and starts the TTL sweeper; undos go to `cleanups`. */
export const startPlatformEmulators = async (options: PlatformEmulatorOptions, cleanups: Cleanup[]): Promise<Emulators> => {
  const { dataDir, log } = options;
  const emulators: Emulators = await startEmulators({ dataDir, s3Port: options.s3Port, dynamodbPort: options.dynamodbPort }).catch((error: unknown) => {
    throw emulatorStartFailed(dataDir, error);
  });
  cleanups.push(() => emulators.stop());
  cleanups.push(applyEnvironment(localEnvironment(emulators, options.env, dataDir)));
  log("info", "emulators ready", { endpoints: emulators.endpoints, bucket: emulators.bucket });
  cleanups.push(startTtlSweeper(emulators, options.ttlSweepIntervalMs, log));
  return emulators;
};
