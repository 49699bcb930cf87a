/**
 * The runtime patch of dynalite (local/dynalite-patch.ts): errors answer the request instead of
 * being thrown out of the process (which ended `sdp local`).
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynalitePatchMismatch, dynaliteDirectory, patchDynalite, verifyPinnedDynalite } from "../../local/dynalite-patch";
import { emulatorsForTests, tempDataDir } from "../support";

jest.setTimeout(60_000);

const fixture = emulatorsForTests("dynalite-patch");

const signedHeaders = (target: string) => ({
  "Content-Type": "application/x-amz-json-1.0",
  "X-Amz-Target": `DynamoDB_20120810.${target}`,
  "X-Amz-Date": "20260101T000000Z",
  Authorization: "AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
});

const stillServes = async () => {
  await fixture.aws.dynamodb.send(new PutItemCommand({ TableName: fixture.emulators.tables.orders, Item: { id: { S: "alive" } } }));
  const { Item } = await fixture.aws.dynamodb.send(new GetItemCommand({ TableName: fixture.emulators.tables.orders, Key: { id: { S: "alive" } } }));
  expect(Item?.id?.S).toBe("alive");
};

describe("dynalite patch", () => {
  it("is pinned to dynalite's exact version and fails loudly when dynalite changes", () => {
    expect(() => verifyPinnedDynalite()).not.toThrow();
    const copy = tempDataDir("dynalite-copy");
    try {
      fs.mkdirSync(path.join(copy, "db"));
      fs.cpSync(path.join(dynaliteDirectory(), "index.js"), path.join(copy, "index.js"));
      fs.writeFileSync(path.join(copy, "db", "index.js"), "// changed\n");
      fs.writeFileSync(path.join(copy, "package.json"), JSON.stringify({ version: "4.0.0" }));
      expect(() => verifyPinnedDynalite(copy)).toThrow(DynalitePatchMismatch);
      expect(() => verifyPinnedDynalite(copy)).toThrow(/db\/index\.js has SHA-256/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("survives a client that hangs up in the middle of a request body (dynalite threw the request's error)", async () => {
    const port = Number(new URL(fixture.emulators.endpoints.dynamodb).port);
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          const head = Object.entries({ ...signedHeaders("PutItem"), Host: "127.0.0.1", "Content-Length": "1000" })
            .map(([name, value]) => `${name}: ${value}`)
            .join("\r\n");
          socket.write(`POST / HTTP/1.1\r\n${head}\r\n\r\n{"TableName":"x","Item":`);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
        socket.on("error", reject);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stillServes();
  });

  it("answers an item nested thousands of levels deep with 400 ValidationException, not a crash", async () => {
    let value = '{"S":"x"}';
    for (let depth = 0; depth < 5_000; depth++) value = `{"M":{"a":${value}}}`;
    const response = await fetch(fixture.emulators.endpoints.dynamodb, {
      method: "POST",
      headers: signedHeaders("PutItem"),
      body: `{"TableName":"${fixture.emulators.tables.orders}","Item":{"id":{"S":"deep"},"v":${value}}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: expect.stringContaining("ValidationException") });
    await stillServes();
  });

  it("gives a storage error a 500 InternalServerError status (dynalite threw errors without one)", async () => {
    patchDynalite();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const store = (require("dynalite/db") as { create: (options: object) => { db: { close(): Promise<void>; put: (...args: unknown[]) => void } } }).create({});
    await store.db.close();
    const error = await new Promise<Error & { statusCode?: number; body?: { __type?: string } }>((resolve) => store.db.put("k", { a: 1 }, (caught: Error) => resolve(caught)));
    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(500);
    expect(error.body?.__type).toContain("InternalServerError");
  });
});
