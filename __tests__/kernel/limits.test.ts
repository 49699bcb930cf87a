/**
 * Bad input never reaches a storage key or a recursion: the limits of functions/kernel/limits.ts,
 * the JSON depth cap of functions/kernel/json.ts, and client-caused AWS errors mapped to
 * InvalidPayload (functions/kernel/aws-errors.ts), including a real oversized key on dynalite.
 */
import type * as http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Effect, Exit } from "effect";
import { tableSpecs } from "../../contracts/tables";
import { rawEventKey } from "../../contracts/lake-layout";
import { awsCall, classifyAwsError } from "../../functions/kernel/aws-errors";
import { JsonTooDeep, MAX_ENVELOPE_JSON_DEPTH, MAX_JSON_DEPTH, parseJson, tryParseJson, valueTooDeep } from "../../functions/kernel/json";
import { eventIdProblem, MAX_EVENT_ID_LENGTH, MAX_S3_SEGMENT_BYTES, s3KeyProblem, shopDomainProblem, topicProblem } from "../../functions/kernel/limits";
import { documentClientFor, makeDynamoHotStore } from "../../functions/kernel/live";
import { withConfig } from "../support";

const nested = (depth: number) => `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;

describe("limits on ids, topics and shop domains", () => {
  test("real provider ids pass; the longest allowed id still makes a key s3rver can write", () => {
    for (const id of ["b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "evt_1NG8Du2eZvKYlo2CUI79vXWy", "subscription-created.27384576.0a1b2c3d4e5f60718293", "sha256-" + "a".repeat(64)]) {
      expect(eventIdProblem(id, "id")).toBeUndefined();
    }
    const longest = "e".repeat(MAX_EVENT_ID_LENGTH);
    expect(eventIdProblem(longest, "id")).toBeUndefined();
    const key = rawEventKey("stripe", "payment_intent", "2026-11-27T06:00:00Z", longest);
    expect(s3KeyProblem(key, "key")).toBeUndefined();
    expect(Buffer.byteLength(`${longest}.json._S3rver_metadata.json`)).toBeLessThanOrEqual(255);
  });

  test("too long, empty, odd characters: rejected naming the field and the rule, never quoting the value", () => {
    const secretish = "buyer@example.com";
    for (const id of ["", "e".repeat(MAX_EVENT_ID_LENGTH + 1), "a/b", "..", ".hidden", `id-${secretish}`, "id\u0000x", "idé", "a b"]) {
      const problem = eventIdProblem(id, "X-Shopify-Webhook-Id");
      expect(problem?._tag).toBe("InvalidPayload");
      expect(problem?.field).toBe("X-Shopify-Webhook-Id");
      expect(problem?.reason).toMatch(/X-Shopify-Webhook-Id must be 1-200 characters of A-Z a-z 0-9/);
      if (id.length > 0) expect(problem?.reason).not.toContain(id);
    }
    expect(eventIdProblem("idé", "id")?.reason).toContain("non-ASCII");
    expect(eventIdProblem("id\u0007", "id")?.reason).toContain("control characters");
  });

  test("topics and shop domains", () => {
    for (const topic of ["orders/updated", "subscription/created", "charge/max_retries_reached", "payment_intent.amount_capturable_updated", "charge.dispute.created"]) {
      expect(topicProblem(topic, "topic")).toBeUndefined();
    }
    for (const topic of ["", "x".repeat(101), "Orders/Updated", "orders updated", "orders/\u0000"]) expect(topicProblem(topic, "topic")?.field).toBe("topic");
    expect(shopDomainProblem("acme-store.myshopify.com", "shop")).toBeUndefined();
    for (const domain of ["a".repeat(256), "acme store", "-x.com", "acme/../x"]) expect(shopDomainProblem(domain, "shop")).toBeDefined();
  });

  test("S3 keys: at most 1,024 bytes and no segment longer than s3rver can name a file", () => {
    expect(s3KeyProblem(`raw/${"a".repeat(MAX_S3_SEGMENT_BYTES)}`, "rawKey")).toBeUndefined();
    expect(s3KeyProblem(`raw/${"a".repeat(MAX_S3_SEGMENT_BYTES + 1)}`, "rawKey")?.reason).toMatch(/path segment of 234 bytes; each must be at most 233/);
    expect(s3KeyProblem(Array.from({ length: 10 }, () => "a".repeat(120)).join("/"), "rawKey")?.reason).toMatch(/1-1024 bytes/);
  });
});

describe("JSON depth", () => {
  test(`a body of up to ${MAX_JSON_DEPTH} levels parses; one more is refused before anything recurses`, () => {
    expect(parseJson(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBeDefined();
    expect(() => parseJson(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toThrow(JsonTooDeep);
    const deep = tryParseJson(nested(100_000), MAX_JSON_DEPTH);
    expect(deep).toMatchObject({ ok: false, tooDeep: true });
    expect(!deep.ok && deep.error).toMatch(/nested deeper than 64 levels/);
  });

  test("an envelope around the deepest accepted body still parses (the default limit leaves room for it)", () => {
    const envelope = `{"detail":{"payload":${nested(MAX_JSON_DEPTH)}}}`;
    expect(parseJson(envelope)).toBeDefined();
    expect(() => parseJson(`{"detail":{"payload":${nested(MAX_ENVELOPE_JSON_DEPTH)}}}`)).toThrow(JsonTooDeep);
  });

  test("brackets inside strings do not count; large integers are still kept exact", () => {
    expect(parseJson(`{"text":"${"[".repeat(1000)}","id":12345678901234567890}`)).toEqual({ text: "[".repeat(1000), id: "12345678901234567890" });
  });

  test("valueTooDeep walks parsed values without recursion", () => {
    let value: unknown = 1;
    for (let level = 0; level < 200_000; level += 1) value = [value];
    expect(valueTooDeep(value)).toBe(true);
    expect(valueTooDeep({ a: [{ b: 1 }] })).toBe(false);
  });
});

describe("client-caused AWS errors are InvalidPayload, not defects", () => {
  const cases: Array<[string, string, unknown]> = [
    [
      "dynamodb",
      "PutItem",
      {
        name: "ValidationException",
        message: "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes",
        $metadata: { httpStatusCode: 400 },
      },
    ],
    ["dynamodb", "PutItem", { name: "ValidationException", message: "Item size has exceeded the maximum allowed size", $metadata: { httpStatusCode: 400 } }],
    ["s3", "PutObject", { name: "KeyTooLongError", message: "Your key is too long", $metadata: { httpStatusCode: 400 } }],
    ["s3", "PutObject", { name: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed object size.", $metadata: { httpStatusCode: 400 } }],
    ["eventbridge", "PutEvents", { name: "ValidationException", message: "Total size of the entries in the request is over the limit.", $metadata: { httpStatusCode: 400 } }],
    ["s3", "PutObject", Object.assign(new TypeError('Invalid character in header content ["x-amz-meta-topic"]'), { code: "ERR_INVALID_CHAR" })],
  ];
  test.each(cases)("%s %s", (service, operation, error) => {
    const classified = classifyAwsError(service, operation, error);
    expect(classified.kind).toBe("invalid");
    expect(classified.error).toMatchObject({ _tag: "InvalidPayload" });
  });

  test("other validation errors stay defects (a bug or misconfiguration), throttling stays throttling", () => {
    expect(
      classifyAwsError("dynamodb", "GetItem", { name: "ValidationException", message: "The provided key element does not match the schema", $metadata: { httpStatusCode: 400 } })
        .kind,
    ).toBe("defect");
    expect(classifyAwsError("dynamodb", "PutItem", { name: "ProvisionedThroughputExceededException", $metadata: { httpStatusCode: 400 } }).kind).toBe("throttled");
  });

  test("awsCall fails with InvalidPayload (not a die)", async () => {
    const exit = await Effect.runPromiseExit(awsCall("s3", "PutObject", () => Promise.reject({ name: "KeyTooLongError", $metadata: { httpStatusCode: 400 } })));
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("InvalidPayload");
  });
});

describe("on dynalite: an oversized partition key is an InvalidPayload", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (options: Record<string, unknown>) => http.Server;
  let server: http.Server;
  let client: DynamoDBClient;
  const settings = withConfig({ [tableSpecs.idempotency.envVar]: "limits-idempotency" });

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    client = new DynamoDBClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    await client.send(
      new CreateTableCommand({
        TableName: "limits-idempotency",
        KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  test("PutItem with a 3 KB key and a 500 KB item", async () => {
    const store = makeDynamoHotStore(() => documentClientFor(client));
    for (const item of [{ key: "k".repeat(3000) }, { key: "small", blob: "x".repeat(500_000) }]) {
      const exit = await Effect.runPromiseExit(settings(store.put("idempotency", item)));
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("InvalidPayload");
    }
    expect(Exit.isSuccess(await Effect.runPromiseExit(settings(store.put("idempotency", { key: "fine" }))))).toBe(true);
  });
});
