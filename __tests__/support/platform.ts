/**
 * The platforms tests run on, with one set of accessor names:
 *   - in memory: the kernel's in-memory layers (functions/kernel/memory.ts) with the same
 *     accessors (`items`, `item`, `objectText`, `metricTotal`) plus `objectKeys`, `putObject`,
 *     `published` and `alerts`; configuration and the log level are inputs, never `process.env`;
 *   - on the emulators: AWS SDK clients pointed at dynalite and s3rver (a running `sdp local`'s
 *     ready info, or emulators a test file starts), with `listKeys`, `getText`, `scan`, `getItem`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { ConfigProvider, Effect, Layer, Logger, type LogLevel } from "effect";
import type { TableKey } from "../../contracts/tables";
import { makeTestPlatform, type TestPlatform, type TestPlatformOptions } from "../../functions/kernel/memory";
import type { Alert, BusEvent, Item } from "../../functions/kernel/services";
// Types only: the emulators and the local platform are loaded when a test first uses them, so a
// unit test importing this module does not load dynalite, s3rver and the platform.
import type { Emulators } from "../../local/emulators";
import type { LocalPlatform, LocalPlatformOptions } from "../../local/platform";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const emulatorsModule = () => require("../../local/emulators") as typeof import("../../local/emulators");

/** Exactly these settings, for what programs read through Effect `Config` (nothing from the environment). */
export const configProvider = (settings: Readonly<Record<string, string>>): ConfigProvider.ConfigProvider => ConfigProvider.fromMap(new Map(Object.entries(settings)));
/** Runs an effect (and the layers it builds) with these settings. */
export const withConfig = (settings: Readonly<Record<string, string>>) => Effect.withConfigProvider(configProvider(settings));
/** A layer that gives what it is provided to (and the layers built after it) these settings. */
export const configLayer = (settings: Readonly<Record<string, string>>): Layer.Layer<never> => Layer.setConfigProvider(configProvider(settings));

export interface MemoryPlatformOptions extends TestPlatformOptions {
  /** Configuration the programs read through Effect `Config` (instead of environment variables). */
  readonly config?: Readonly<Record<string, string>>;
  /** The minimum log level of the kernel's logger (default: SDP_LOG_LEVEL's default, info). */
  readonly logLevel?: LogLevel.LogLevel;
}

export interface MemoryPlatform extends Omit<TestPlatform, "item"> {
  /** The kernel's layers, with `config` and `logLevel` applied. */
  readonly layer: TestPlatform["layer"];
  /** The kernel platform itself (its layer without `config` and `logLevel`). */
  readonly kernel: TestPlatform;
  /** An item by its key, or by the value of the table's partition key (`id`, or `key` for idempotency). */
  readonly item: (table: TableKey, key: Item | string) => Item | undefined;
  readonly objectKeys: () => string[];
  readonly putObject: (key: string, text: string) => void;
  /** Events published on the platform bus. */
  readonly published: BusEvent[];
  /** Alerts actually published (after de-duplication). */
  readonly alerts: Alert[];
}

export const memoryPlatform = (options: MemoryPlatformOptions = {}): MemoryPlatform => {
  const { config, logLevel, ...kernelOptions } = options;
  const kernel = makeTestPlatform(kernelOptions);
  // provideMerge builds the kernel first, so the settings here win over the kernel logger's level.
  const settings = [...(config ? [configLayer(config)] : []), ...(logLevel ? [Logger.minimumLogLevel(logLevel)] : [])];
  const layer = settings.length === 0 ? kernel.layer : Layer.provideMerge(Layer.mergeAll(settings[0]!, ...settings.slice(1)), kernel.layer);
  return {
    ...kernel,
    kernel,
    layer,
    item: (table, key) => kernel.item(table, typeof key === "string" ? { [table === "idempotency" ? "key" : "id"]: key } : key),
    objectKeys: () => [...kernel.state.objects.keys()],
    putObject: (key, text) => void kernel.state.objects.set(key, { body: new Uint8Array(Buffer.from(text)) }),
    published: kernel.state.events,
    alerts: kernel.state.alerts,
  };
};

export const tempDataDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `sdp-${label}-`));

/** What a test needs to reach emulators: a running `sdp local`'s ready info, or `Emulators`. */
export interface EmulatorAddress extends Pick<Emulators, "region" | "endpoints" | "bucket"> {
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tables: Readonly<Record<string, string>>;
}

/** AWS SDK clients pointed at the emulators (what any user tool would do), and the reads tests make. */
export const awsClients = (at: EmulatorAddress) => {
  const clients = emulatorsModule().emulatorClients(at as Pick<Emulators, "region" | "credentials" | "endpoints">);
  const { s3, dynamodb } = clients;
  return {
    ...clients,
    listKeys: async (prefix: string) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: at.bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    getText: async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: key }))).Body!.transformToString(),
    scan: async (table: string) => ((await dynamodb.send(new ScanCommand({ TableName: at.tables[table]! }))).Items ?? []).map((item) => unmarshall(item)),
    getItem: async (table: string, key: Record<string, string>) => {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: at.tables[table]!, Key: Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }])) }),
      );
      return Item ? unmarshall(Item) : undefined;
    },
  };
};

export type AwsClients = ReturnType<typeof awsClients>;

/**
 * Emulators on a fresh data dir for a test file or describe block (started before all, stopped
 * and removed after all). Read the fields inside tests: they are set once beforeAll has run.
 */
export const emulatorsForTests = (label: string) => {
  const fixture = {} as { dataDir: string; emulators: Emulators; aws: AwsClients };
  beforeAll(async () => {
    fixture.dataDir = tempDataDir(label);
    fixture.emulators = await emulatorsModule().startEmulators({ dataDir: fixture.dataDir });
    fixture.aws = awsClients(fixture.emulators);
  });
  afterAll(async () => {
    fixture.aws?.destroy();
    await fixture.emulators?.stop();
    if (fixture.dataDir) fs.rmSync(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
};

/**
 * The whole local platform (`sdp local` in this process) on a fresh data dir, with AWS clients on
 * its emulators, for a test file or describe block; the same lifecycle and names as
 * emulatorsForTests.
 */
export const localPlatformForTests = (label: string, options: Omit<LocalPlatformOptions, "dataDir" | "port"> = { env: {} }) => {
  const fixture = {} as { dataDir: string; platform: LocalPlatform; aws: AwsClients };
  beforeAll(async () => {
    fixture.dataDir = tempDataDir(label);
    const { startLocalPlatform } = await import("../../local/platform");
    fixture.platform = await startLocalPlatform({ ...options, dataDir: fixture.dataDir, port: 0 });
    fixture.aws = awsClients(fixture.platform.ready);
  });
  afterAll(async () => {
    fixture.aws?.destroy();
    await fixture.platform?.stop();
    if (fixture.dataDir) fs.rmSync(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
};
