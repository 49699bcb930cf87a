/**
 * The AWS emulators of the embedded platform: dynalite (DynamoDB, LevelDB under
 * `<data-dir>/dynamodb`) and s3rver (S3, plain files under `<data-dir>/s3`), both on 127.0.0.1.
 * Both keep their data on disk, so a restart on the same data dir finds everything again. The
 * servers run in a worker thread of their own (local/emulator-host.ts, local/emulator-worker.js),
 * off the event loop of the platform that uses them; the SDK reaches them over HTTP either way.
 *
 * The lake bucket and every table in contracts/tables.ts are created idempotently on each start:
 * existing ones are left alone (and their data with them).
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { documentClientFor } from "../functions/kernel/live";
import { loadEnvironment } from "../config/environments";
import type { EnvironmentConfig } from "../config/schema";
import { lakeBucketName, tableName } from "../contracts/naming";
import { tableKeys, tableSpecs, type TableKey, type TableSpec } from "../contracts/tables";
import { readRunningPlatform } from "./data-dir";
import type { HostedEmulators, HostOptions } from "./emulator-host";

/** s3rver verifies SigV4 signatures against this one built-in key pair; dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface EmulatorOptions {
  readonly dataDir: string;
  /** 0 (the default) picks a free port. */
  readonly dynamodbPort?: number;
  readonly s3Port?: number;
  /** Defaults to the `local` environment of config/environments.ts. */
  readonly environment?: EnvironmentConfig;
  /**
   * Where the servers run: "worker" (the default) in a worker thread of their own, off the
   * caller's event loop; "main" on the caller's (SDP_EMULATORS_THREAD=main chooses it too).
   */
  readonly thread?: "worker" | "main";
}

export interface Emulators {
  readonly region: string;
  readonly credentials: typeof LOCAL_CREDENTIALS;
  readonly endpoints: { readonly s3: string; readonly dynamodb: string };
  readonly bucket: string;
  readonly tables: Record<TableKey, string>;
  readonly environment: EnvironmentConfig;
  readonly stop: () => Promise<void>;
}

export const localTableNames = (environment: EnvironmentConfig): Record<TableKey, string> =>
  Object.fromEntries(tableKeys.map((key) => [key, tableName(environment.brand, environment.name, tableSpecs[key].logicalName)])) as Record<TableKey, string>;

export const localBucketName = (environment: EnvironmentConfig) => lakeBucketName(environment.brand, environment.accountId, environment.name);

/** The CreateTable input of one table spec (on-demand billing, like the hot-stores stack). */
export const createTableInput = (name: string, spec: TableSpec): CreateTableCommandInput => {
  const attributes = new Map<string, AttributeDefinition>();
  const keySchema = (partition: TableSpec["partitionKey"], sort?: TableSpec["sortKey"]): KeySchemaElement[] => {
    attributes.set(partition.name, { AttributeName: partition.name, AttributeType: partition.type });
    const schema: KeySchemaElement[] = [{ AttributeName: partition.name, KeyType: "HASH" }];
    if (sort) {
      attributes.set(sort.name, { AttributeName: sort.name, AttributeType: sort.type });
      schema.push({ AttributeName: sort.name, KeyType: "RANGE" });
    }
    return schema;
  };
  const tableKeySchema = keySchema(spec.partitionKey, spec.sortKey);
  const indexes = spec.globalSecondaryIndexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: "ALL" as const },
  }));
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: tableKeySchema,
    AttributeDefinitions: [...attributes.values()],
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
  };
};

const ensureTables = async (client: DynamoDBClient, names: Record<TableKey, string>) => {
  for (const key of tableKeys) {
    const name = names[key];
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await client.send(new CreateTableCommand(createTableInput(name, tableSpecs[key])));
    }
  }
  // dynalite keeps new tables in CREATING for `createTableMs`; we set it to 0, but wait anyway.
  for (const key of tableKeys) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: names[key] }));
      if (Table?.TableStatus === "ACTIVE") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
};

/** An error the worker reported, rebuilt with the fields callers look at (name, code, _tag). */
const workerError = (described: { name?: string; message?: string; code?: string; _tag?: string; stack?: string }): Error => {
  const error = new Error(described.message ?? "the emulator worker failed") as Error & { code?: string; _tag?: string };
  if (described.name) error.name = described.name;
  if (described.code) error.code = described.code;
  if (described._tag) error._tag = described._tag;
  if (described.stack) error.stack = described.stack;
  return error;
};

type WorkerMessage = {
  kind?: string;
  id?: number;
  endpoints?: HostedEmulators["endpoints"];
  error?: Parameters<typeof workerError>[0];
  profile?: unknown;
  threadMs?: number;
  counts?: Record<string, number>;
};

/**
 * The process's emulator worker (local/emulator-worker.js), started on first use and kept for a
 * few idle seconds (unreferenced) after the last stop, so a restart reuses it. It holds the
 * process open only while emulators run in it.
 */
interface EmulatorWorker {
  readonly worker: Worker;
  readonly waiting: Map<number, (message: WorkerMessage) => void>;
  running: number;
  idle?: NodeJS.Timeout;
}
let emulatorWorker: EmulatorWorker | undefined;
const WORKER_IDLE_MS = 5_000;
let nextStartId = 0;

const theWorker = (): EmulatorWorker => {
  if (emulatorWorker) return emulatorWorker;
  const worker = new Worker(path.join(__dirname, "emulator-worker.js"));
  const state: EmulatorWorker = { worker, waiting: new Map(), running: 0 };
  worker.on("message", (message: WorkerMessage) => {
    const waiter = message?.id !== undefined ? state.waiting.get(message.id) : undefined;
    if (!waiter) return;
    state.waiting.delete(message.id!);
    waiter(message);
  });
  let dead = false;
  const gone = (error: Error) => {
    if (dead) return;
    dead = true;
    if (emulatorWorker === state) emulatorWorker = undefined;
    const waiters = [...state.waiting.values()];
    state.waiting.clear();
    for (const waiter of waiters) waiter({ kind: "failed", error: { name: error.name, message: error.message } });
    // In the caller's thread this would have been an uncaught exception: while emulators run, it stays one.
    if (state.running > 0) {
      process.nextTick(() => {
        throw error;
      });
    }
  };
  worker.on("error", gone);
  worker.on("exit", (code) => gone(new Error(`the emulator worker exited (code ${code})`)));
  worker.unref();
  emulatorWorker = state;
  return state;
};

const ask = (
  state: EmulatorWorker,
  message: { kind: "start"; options: HostOptions } | { kind: "stop" } | { kind: "profile-start"; intervalUs: number } | { kind: "profile-stop" } | { kind: "request-counts" },
  id: number,
) =>
  new Promise<WorkerMessage>((resolve) => {
    state.waiting.set(id, resolve);
    state.worker.postMessage({ ...message, id });
  });

/** The servers in the emulator worker; resolves once both listen. */
const hostInWorker = async (options: HostOptions): Promise<HostedEmulators> => {
  const state = theWorker();
  const id = nextStartId++;
  state.running++;
  clearTimeout(state.idle);
  state.worker.ref();
  const release = () => {
    state.running--;
    if (state.running > 0) return;
    state.worker.unref();
    state.idle = setTimeout(() => {
      if (state.running > 0) return;
      if (emulatorWorker === state) emulatorWorker = undefined;
      void state.worker.terminate();
    }, WORKER_IDLE_MS);
    state.idle.unref();
  };
  const answer = await ask(state, { kind: "start", options }, id);
  if (answer.kind !== "ready" || !answer.endpoints) {
    release();
    throw workerError(answer.error ?? {});
  }
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= ask(state, { kind: "stop" }, id).then(release));
  return { endpoints: answer.endpoints, stop };
};

/**
 * Profiles the emulator thread (V8's sampling profiler inside the worker) while emulators run in
 * it; `stop` gives the profile and the thread's CPU ms over the window. Undefined when no
 * emulators run in a worker (SDP_EMULATORS_THREAD=main: they are in the caller's own profile).
 */
export const profileEmulatorThread = async (intervalUs = 1000): Promise<{ readonly stop: () => Promise<{ profile: unknown; threadMs?: number } | undefined> } | undefined> => {
  const state = emulatorWorker;
  if (!state || state.running === 0) return undefined;
  const started = await ask(state, { kind: "profile-start", intervalUs }, nextStartId++);
  if (started.kind !== "profiling") return undefined;
  return {
    stop: async () => {
      const answer = await ask(state, { kind: "profile-stop" }, nextStartId++);
      return answer.kind === "profile" ? { profile: answer.profile, ...(answer.threadMs !== undefined ? { threadMs: answer.threadMs } : {}) } : undefined;
    },
  };
};

/**
 * Requests served so far by the emulators of this process ("DynamoDB PutItem", "S3 PUT", ...),
 * counted in whichever thread hosts them; a difference of two snapshots is what a window cost.
 */
export const emulatorRequestCounts = async (): Promise<Record<string, number>> => {
  const state = emulatorWorker;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!state || state.running === 0) return (require("./emulator-host") as typeof import("./emulator-host")).emulatorRequestCounts();
  const answer = await ask(state, { kind: "request-counts" }, nextStartId++);
  return answer.counts ?? {};
};

/**
 * The emulators a command works with on `dataDir`: those of the `sdp local` running on it (its
 * own to stop: `stop` does nothing), or ones started on it for the caller, who stops them.
 */
export const emulatorsOfDataDir = async (
  dataDir: string,
  environment: EnvironmentConfig = loadEnvironment("local"),
): Promise<Emulators & { readonly ofRunningPlatform: boolean }> => {
  const running = readRunningPlatform(dataDir);
  if (!running) return { ...(await startEmulators({ dataDir, environment })), ofRunningPlatform: false };
  return {
    ofRunningPlatform: true,
    region: running.region,
    credentials: running.credentials as Emulators["credentials"],
    endpoints: running.endpoints,
    bucket: running.bucket,
    tables: running.tables as Emulators["tables"],
    environment,
    stop: async () => undefined,
  };
};

/** Starts both emulators, creates the bucket and tables, and returns how to reach them. */
export const startEmulators = async (options: EmulatorOptions): Promise<Emulators> => {
  const environment = options.environment ?? loadEnvironment("local");
  const dataDir = path.resolve(options.dataDir);
  const bucket = localBucketName(environment);
  const tables = localTableNames(environment);
  const region = environment.region;

  const host: HostOptions = { dataDir, bucket, dynamodbPort: options.dynamodbPort, s3Port: options.s3Port };
  const thread = options.thread ?? (process.env.SDP_EMULATORS_THREAD === "main" ? "main" : "worker");
  // The servers' modules load only where they run (in the worker, not here).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hosted = thread === "main" ? await (require("./emulator-host") as typeof import("./emulator-host")).hostEmulators(host) : await hostInWorker(host);
  const stop = hosted.stop;
  try {
    const endpoints = hosted.endpoints;
    // Copies: the SDK annotates the credential objects it is given.
    const dynamo = new DynamoDBClient({ region, endpoint: endpoints.dynamodb, credentials: { ...LOCAL_CREDENTIALS } });
    const s3Client = new S3Client({ region, endpoint: endpoints.s3, forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS } });
    try {
      await ensureTables(dynamo, tables);
      await s3Client.send(new HeadBucketCommand({ Bucket: bucket }));
    } finally {
      dynamo.destroy();
      s3Client.destroy();
    }
    return { region, credentials: { ...LOCAL_CREDENTIALS }, endpoints, bucket, tables, environment, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/**
 * SDK clients bound to these emulators. The document client is the kernel's (documentClientFor),
 * so items read and write exactly as they do in Lambda.
 */
export const emulatorClients = (emulators: Pick<Emulators, "region" | "credentials" | "endpoints">) => {
  const common = { region: emulators.region, credentials: { ...emulators.credentials } };
  const s3 = new S3Client({
    ...common,
    endpoint: emulators.endpoints.s3,
    forcePathStyle: true,
    // s3rver does not understand the SDK's streaming (aws-chunked) checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamodb = new DynamoDBClient({ ...common, endpoint: emulators.endpoints.dynamodb });
  const documents = documentClientFor(dynamodb);
  return {
    s3,
    dynamodb,
    documents,
    destroy: () => {
      s3.destroy();
      dynamodb.destroy();
    },
  };
};
