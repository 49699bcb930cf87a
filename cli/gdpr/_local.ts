/**
 * The services `sdp gdpr` subcommands run with against an embedded platform's data dir: the
 * running platform's emulators when one runs on it, else the emulators started on it for the
 * command (and stopped after). The same live layers as in AWS (liveLayer's S3, DynamoDB, Secrets
 * and subject index), alerts to the data dir's alerts.jsonl. Not a subcommand (the `_` prefix).
 */
import * as path from "node:path";
import { Layer } from "effect";
import { HotStoreLive, IdempotencyLive, ObjectStoreLive, SecretsLive, SubjectIndexLive } from "../../functions/kernel/live";
import { Alerts, type HotStore, type Idempotency, type ObjectStore, type Secrets } from "../../functions/kernel/services";
import type { SubjectIndex } from "../../functions/kernel/subject-index";
import { LocalAlertLog } from "../../local/alerts";
import { emulatorsOfDataDir } from "../../local/emulators";
import { applyEnvironment, localEnvironment } from "../../local/environment";

export type GdprServices = ObjectStore | HotStore | Secrets | Idempotency | Alerts | SubjectIndex;

export interface LocalGdprContext {
  readonly layer: Layer.Layer<GdprServices>;
  readonly bucket: string;
  readonly region: string;
  readonly s3Endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly alertsFile: string;
}

/** Runs `use` with the platform's services on `dataDir`; the environment and any emulators started are restored and stopped after. */
export const withLocalGdpr = async <A>(dataDir: string, env: NodeJS.ProcessEnv, use: (context: LocalGdprContext) => Promise<A>): Promise<A> => {
  const emulators = await emulatorsOfDataDir(dataDir);
  const restore = applyEnvironment(localEnvironment(emulators, env, dataDir));
  try {
    const alertsFile = path.join(dataDir, "alerts.jsonl");
    const alerts = new LocalAlertLog(alertsFile);
    const layer = Layer.mergeAll(ObjectStoreLive, IdempotencyLive, SubjectIndexLive, Layer.succeed(Alerts, alerts.service)).pipe(
      Layer.provideMerge(Layer.merge(HotStoreLive, SecretsLive)),
    );
    return await use({ layer, bucket: emulators.bucket, region: emulators.region, s3Endpoint: emulators.endpoints.s3, credentials: emulators.credentials, alertsFile });
  } finally {
    restore();
    await emulators.stop();
  }
};
