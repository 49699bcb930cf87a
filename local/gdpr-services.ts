/**
 * The services the GDPR commands (`sdp gdpr export|redact|shop-redact`, `sdp etl`'s index pass)
 * run with against an embedded platform's data dir: the running platform's emulators when one
 * runs on it, else the emulators started on it for the command (and stopped after). The same live
 * layers as in AWS (S3, DynamoDB, Secrets, idempotency and subject index), alerts to the data
 * dir's alerts.jsonl.
 */
import * as path from "node:path";
import { Effect, Layer } from "effect";
import { HotStoreLive, IdempotencyLive, ObjectStoreLive, SecretsLive, SubjectIndexLive } from "../functions/kernel/live";
import { Alerts, type Alert, type HotStore, type Idempotency, type ObjectStore, type Secrets } from "../functions/kernel/services";
import type { SubjectIndex } from "../functions/kernel/subject-index";
import { LocalAlertLog } from "./alerts";
import { emulatorsOfDataDir } from "./emulators";
import { applyEnvironment, localEnvironment } from "./environment";

export type GdprServices = ObjectStore | HotStore | Secrets | Idempotency | Alerts | SubjectIndex;

export interface LocalGdprContext {
  readonly layer: Layer.Layer<GdprServices>;
  readonly bucket: string;
  readonly region: string;
  readonly s3Endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly alertsFile: string;
}

/**
 * The platform's services on `dataDir`, until `close` restores the environment and stops any
 * emulators started; `onAlert` also sees each alert published.
 */
export const openLocalGdpr = async (
  dataDir: string,
  env: NodeJS.ProcessEnv,
  options: { readonly onAlert?: (alert: Alert) => void } = {},
): Promise<LocalGdprContext & { readonly close: () => Promise<void> }> => {
  const emulators = await emulatorsOfDataDir(dataDir);
  const restore = applyEnvironment(localEnvironment(emulators, env, dataDir));
  const alertsFile = path.join(dataDir, "alerts.jsonl");
  const log = new LocalAlertLog(alertsFile);
  const onAlert = options.onAlert;
  const alerts = onAlert ? { publish: (alert: Alert) => Effect.tap(log.service.publish(alert), () => Effect.sync(() => onAlert(alert))) } : log.service;
  const layer = Layer.mergeAll(ObjectStoreLive, IdempotencyLive, SubjectIndexLive, Layer.succeed(Alerts, alerts)).pipe(Layer.provideMerge(Layer.merge(HotStoreLive, SecretsLive)));
  return {
    layer,
    bucket: emulators.bucket,
    region: emulators.region,
    s3Endpoint: emulators.endpoints.s3,
    credentials: emulators.credentials,
    alertsFile,
    close: async () => {
      restore();
      await emulators.stop();
    },
  };
};

/** Runs `use` with the platform's services on `dataDir`; the environment and any emulators started are restored and stopped after. */
export const withLocalGdpr = async <A>(dataDir: string, env: NodeJS.ProcessEnv, use: (context: LocalGdprContext) => Promise<A>): Promise<A> => {
  const context = await openLocalGdpr(dataDir, env);
  try {
    return await use(context);
  } finally {
    await context.close();
  }
};
