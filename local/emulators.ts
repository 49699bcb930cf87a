/**
 * The AWS emulators of the embedded platform: dynalite (DynamoDB, LevelDB under
 * `<data-dir>/dynamodb`) and s3rver (S3, plain files under `<data-dir>/s3`), both on 127.0.0.1.
 * Both keep their data on disk, so a restart on the same data dir finds everything again.
 *
 * The lake bucket and every table in contracts/tables.ts are created idempotently on each start:
 * existing ones are left alone (and their data with them).
 */
import * as fs from "node:fs";
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
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
import { guardDynaliteServer, patchDynalite } from "./dynalite-patch";
import { patchS3rver } from "./s3rver-patch";

// dynalite and s3rver ship no types; these are the parts we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: Record<string, unknown>) => http.Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: http.Server;
};

/** s3rver verifies SigV4 signatures against this one built-in key pair; dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface EmulatorOptions {
  readonly dataDir: string;
  /** 0 (the default) picks a free port. */
  readonly dynamodbPort?: number;
  readonly s3Port?: number;
  /** Defaults to the `local` environment of config/environments.ts. */
  readonly environment?: EnvironmentConfig;
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
  Object.fromEntries(tableKeys.map((key) => [key, tableName(environment.brand, environment.name, tableSpecs[key].logicalName)])) as Record<
    TableKey,
    string
  >;

export const localBucketName = (environment: EnvironmentConfig) => lakeBucketName(environment.brand, environment.accountId, environment.name);

const listen = (server: http.Server, port: number): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });

const closeServer = (server: http.Server): Promise<void> =>
  new Promise((resolve) => {
    // Idle keep-alive sockets from SDK clients would otherwise hold `close` open.
    server.close(() => resolve());
    server.closeIdleConnections?.();
  });

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

/** Starts both emulators, creates the bucket and tables, and returns how to reach them. */
export const startEmulators = async (options: EmulatorOptions): Promise<Emulators> => {
  // Pagination without DES, atomic writes, stream errors answered (fails loudly if s3rver changed).
  patchS3rver();
  // dynalite's request and LevelDB errors answer 500 instead of throwing out of the process.
  patchDynalite();
  const environment = options.environment ?? loadEnvironment("local");
  const dataDir = path.resolve(options.dataDir);
  const dynamoDir = path.join(dataDir, "dynamodb");
  const s3Dir = path.join(dataDir, "s3");
  fs.mkdirSync(dynamoDir, { recursive: true });
  fs.mkdirSync(s3Dir, { recursive: true });

  const bucket = localBucketName(environment);
  const tables = localTableNames(environment);
  const region = environment.region;

  const dynamoServer = guardDynaliteServer(dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: options.s3Port ?? 0,
    directory: s3Dir,
    // s3rver logs to stdout, which belongs to the ready line.
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });

  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const dynamoAddress = await listen(dynamoServer, options.dynamodbPort ?? 0);
    stops.push(() => closeServer(dynamoServer));
    const s3Address = await s3.run();
    stops.push(async () => {
      if (s3.httpServer) await closeServer(s3.httpServer);
    });

    const endpoints = {
      s3: `http://127.0.0.1:${s3Address.port}`,
      dynamodb: `http://127.0.0.1:${dynamoAddress.port}`,
    };
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
