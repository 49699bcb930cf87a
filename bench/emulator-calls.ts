/**
 * What one emulator call costs, measured alone: the S3 emulator's raw PUT rate (the load goal's
 * yardstick) and the process CPU per call of an S3 PUT, a conditional DynamoDB PutItem and a
 * DynamoDB GetItem, each `count` times at `concurrency` with the platform's client settings (the
 * SDK's work, the emulator thread's and libuv's: all of the process).
 *
 * With the calls an event makes (`sdp load`'s emulator calls per event) this gives a floor: the
 * CPU an event costs in emulator round trips alone, however little the platform's own code
 * costs, and so the most events per second the machine's cores allow.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { emulatorClients, startEmulators } from "../local/emulators";

export type MeasuredCall = "S3 PUT" | "DynamoDB PutItem" | "DynamoDB GetItem";
export interface CallCost {
  readonly perSecond: number;
  readonly cpuMsPerCall: number;
}

/** Calls the platform makes priced at the measured call nearest below them: a lower bound. */
const pricedAs: Readonly<Record<string, MeasuredCall>> = {
  "S3 PUT": "S3 PUT",
  "S3 GET": "DynamoDB GetItem",
  "DynamoDB PutItem": "DynamoDB PutItem",
  "DynamoDB UpdateItem": "DynamoDB PutItem",
  "DynamoDB BatchWriteItem": "DynamoDB PutItem",
  "DynamoDB GetItem": "DynamoDB GetItem",
};

const TABLE = "bench-calls";
const body = JSON.stringify({
  id: 1,
  admin_graphql_api_id: "gid://shopify/Order/1",
  updated_at: "2026-03-01T00:00:00Z",
  line_items: Array.from({ length: 5 }, (_, i) => ({ id: i, title: `Item ${i}`, price: "10.00" })),
});

export const measureEmulatorCalls = async (options: { readonly count: number; readonly concurrency: number }): Promise<Record<MeasuredCall, CallCost>> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-bench-calls-"));
  const emulators = await startEmulators({ dataDir });
  const clients = emulatorClients(emulators);
  try {
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const calls: Record<MeasuredCall, (index: number) => Promise<unknown>> = {
      "S3 PUT": (index) =>
        clients.s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: `raw/bench/orders/dt=2026-03-01/put-${index}.json`, Body: body, ContentType: "application/json" })),
      "DynamoDB PutItem": (index) =>
        clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `key-${index}` }, payload: { S: body } }, ConditionExpression: "attribute_not_exists(pk)" })),
      "DynamoDB GetItem": (index) => clients.dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `key-${index}` } } })),
    };
    const costs = {} as Record<MeasuredCall, CallCost>;
    for (const [name, call] of Object.entries(calls) as Array<[MeasuredCall, (index: number) => Promise<unknown>]>) {
      for (let index = 0; index < 100; index++) await call(-index - 1); // warm-up
      let next = 0;
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < options.count) await call(next++);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      costs[name] = { perSecond: options.count / seconds, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / options.count };
    }
    return costs;
  } finally {
    clients.destroy();
    await emulators.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
};

/** CPU ms per event in emulator round trips alone (a lower bound), from the calls per event. */
export const emulatorFloorMsPerEvent = (callsPerEvent: Readonly<Record<string, number>>, costs: Record<MeasuredCall, CallCost>): number =>
  Object.entries(callsPerEvent)
    .filter(([name]) => name !== "total")
    .reduce((sum, [name, count]) => sum + count * (costs[pricedAs[name] ?? "DynamoDB GetItem"]?.cpuMsPerCall ?? 0), 0);
