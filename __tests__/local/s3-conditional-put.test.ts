/**
 * The patched s3rver honours `If-None-Match: *` on PutObject (local/s3rver-patch.ts), so the
 * local platform's raw writes are one conditional PUT instead of HEAD + PUT.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { emulatorClients, startEmulators, type Emulators } from "../../local/emulators";
import { localEnvironment } from "../../local/environment";
import { S3_CONDITIONAL_WRITES_VAR } from "../../functions/kernel/live";

jest.setTimeout(60_000);

let dataDir: string;
let emulators: Emulators;
let clients: ReturnType<typeof emulatorClients>;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-s3-conditional-"));
  emulators = await startEmulators({ dataDir });
  clients = emulatorClients(emulators);
});
afterAll(async () => {
  clients.destroy();
  await emulators.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const put = (key: string, body: string, conditional = true) =>
  clients.s3.send(new PutObjectCommand({ Bucket: emulators.bucket, Key: key, Body: body, ...(conditional ? { IfNoneMatch: "*" } : {}) })).then(
    () => "created",
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`,
  );
const read = async (key: string) => (await clients.s3.send(new GetObjectCommand({ Bucket: emulators.bucket, Key: key }))).Body!.transformToString();

it("creates a missing key and refuses an existing one with 412, leaving it as it was", async () => {
  expect(await put("raw/a.json", "first")).toBe("created");
  expect(await put("raw/a.json", "second")).toBe("412 PreconditionFailed");
  expect(await read("raw/a.json")).toBe("first");
  // Without the header a PUT still overwrites, as S3 does.
  expect(await put("raw/a.json", "third", false)).toBe("created");
  expect(await read("raw/a.json")).toBe("third");
});

it("lets exactly one of concurrent conditional PUTs of a key create it", async () => {
  const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => put("raw/race.json", `writer ${index}`)));
  expect(answers.filter((answer) => answer === "created")).toHaveLength(1);
  expect(answers.filter((answer) => answer === "412 PreconditionFailed")).toHaveLength(5);
  expect(await read("raw/race.json")).toBe(`writer ${answers.indexOf("created")}`);
});

it("is switched on for the platform's functions", () => {
  expect(localEnvironment(emulators, {})[S3_CONDITIONAL_WRITES_VAR]).toBe("true");
});
