/**
 * The emulator servers themselves: dynalite (DynamoDB, LevelDB under `<data-dir>/dynamodb`) and
 * s3rver (S3, plain files under `<data-dir>/s3`), patched (local/dynalite-patch.ts,
 * local/s3rver-patch.ts) and listening on 127.0.0.1. local/emulators.ts runs this in a worker
 * thread (local/emulator-worker.js), off the platform's event loop: the SDK talks HTTP to them
 * anyway, and the platform's doors and processors then do not wait behind LevelDB and s3rver.
 */
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as fs from "node:fs";
import * as path from "node:path";
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

/**
 * Requests the emulators of this thread have served, by "DynamoDB <operation>" / "S3 <method>",
 * since the thread started (all platforms it hosted): `sdp load` reports the calls per event.
 */
const served: Record<string, number> = {};
export const emulatorRequestCounts = (): Record<string, number> => ({ ...served });

const countRequests = (server: http.Server, service: "DynamoDB" | "S3") =>
  server.prependListener("request", (request: http.IncomingMessage) => {
    const target = request.headers["x-amz-target"];
    const name = `${service} ${service === "DynamoDB" && typeof target === "string" ? target.slice(target.lastIndexOf(".") + 1) : request.method}`;
    served[name] = (served[name] ?? 0) + 1;
  });

export interface HostOptions {
  readonly dataDir: string;
  readonly bucket: string;
  readonly dynamodbPort?: number;
  readonly s3Port?: number;
}

export interface HostedEmulators {
  readonly endpoints: { readonly s3: string; readonly dynamodb: string };
  readonly stop: () => Promise<void>;
}

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

/** Starts both servers on the data dir; `stop` closes them (dynalite closes its LevelDB with its server). */
export const hostEmulators = async (options: HostOptions): Promise<HostedEmulators> => {
  // Pagination without DES, atomic writes, stream errors answered (fails loudly if s3rver changed).
  patchS3rver();
  // dynalite's request and LevelDB errors answer 500 instead of throwing out of the process.
  patchDynalite();
  const dataDir = path.resolve(options.dataDir);
  const dynamoDir = path.join(dataDir, "dynamodb");
  const s3Dir = path.join(dataDir, "s3");
  fs.mkdirSync(dynamoDir, { recursive: true });
  fs.mkdirSync(s3Dir, { recursive: true });

  const dynamoServer = guardDynaliteServer(dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
  const s3 = new S3rver({
    address: "127.0.0.1",
    port: options.s3Port ?? 0,
    directory: s3Dir,
    // s3rver logs to stdout, which belongs to the ready line.
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });

  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    countRequests(dynamoServer, "DynamoDB");
    const dynamoAddress = await listen(dynamoServer, options.dynamodbPort ?? 0);
    stops.push(() => closeServer(dynamoServer));
    const s3Address = await s3.run();
    if (s3.httpServer) countRequests(s3.httpServer, "S3");
    stops.push(async () => {
      if (s3.httpServer) await closeServer(s3.httpServer);
    });
    return { endpoints: { s3: `http://127.0.0.1:${s3Address.port}`, dynamodb: `http://127.0.0.1:${dynamoAddress.port}` }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
