/**
 * The subject index (kernel/subject-index.ts) on DynamoDB: BatchWriteItem of up to 25 puts or
 * deletes per call (an event's items are one call), unprocessed items retried with backoff; a
 * paginated Query per subject key. The HMAC key comes from Secrets (`subjectIndexKey`).
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Effect, Layer, Redacted } from "effect";
import { awsCall } from "../aws-errors";
import { Transient } from "../errors";
import { Secrets, type StoreError } from "../services";
import { SUBJECT_INDEX_TABLE, SubjectIndex, type SubjectIndexItem } from "../subject-index";
import { scopedDocumentClient, tableNameOf } from "./dynamodb";
import { sdk } from "./sdk";

const BATCH = 25;
const ATTEMPTS = 6;

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

const chunks = <A>(items: ReadonlyArray<A>, size: number): A[][] => {
  const out: A[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** One BatchWriteItem per 25 requests; what DynamoDB leaves unprocessed is sent again (backoff), then a Transient. */
const batchWrite = (client: () => DynamoDBDocumentClient, requests: ReadonlyArray<WriteRequest>): Effect.Effect<void, StoreError> =>
  Effect.flatMap(tableNameOf(SUBJECT_INDEX_TABLE), (TableName) =>
    Effect.forEach(
      chunks(requests, BATCH),
      (chunk) =>
        Effect.gen(function* () {
          let pending: ReadonlyArray<WriteRequest> = chunk;
          for (let attempt = 0; pending.length > 0; attempt++) {
            if (attempt >= ATTEMPTS)
              return yield* Effect.fail(new Transient({ service: "dynamodb", reason: `BatchWriteItem left ${pending.length} subject index item(s) unprocessed` }));
            if (attempt > 0) yield* Effect.sleep(Math.min(1000, 25 * 2 ** attempt));
            const input = { RequestItems: { [TableName]: [...pending] } };
            const response = yield* awsCall("dynamodb", "BatchWriteItem", (abortSignal) => client().send(new (sdk.documents().BatchWriteCommand)(input), { abortSignal }));
            pending = (response.UnprocessedItems?.[TableName] ?? []) as ReadonlyArray<WriteRequest>;
          }
        }),
      { discard: true },
    ),
  );

export const makeDynamoSubjectIndex = (client: () => DynamoDBDocumentClient, secrets: Secrets["Type"]): SubjectIndex["Type"] => ({
  indexKey: Effect.map(secrets.get("subjectIndexKey"), (value) => Redacted.value(value)),
  write: (items) =>
    items.length === 0
      ? Effect.void
      : batchWrite(
          client,
          items.map((item) => ({ PutRequest: { Item: { ...item } } })),
        ),
  entriesOf: (subjectKey) =>
    Effect.flatMap(tableNameOf(SUBJECT_INDEX_TABLE), (TableName) =>
      awsCall("dynamodb", "Query", async (abortSignal) => {
        const items: SubjectIndexItem[] = [];
        const input = { TableName, KeyConditionExpression: "#pk = :pk", ExpressionAttributeNames: { "#pk": "subject_key" }, ExpressionAttributeValues: { ":pk": subjectKey } };
        for await (const page of sdk.documents().paginateQuery({ client: client() }, input, { abortSignal })) items.push(...((page.Items ?? []) as SubjectIndexItem[]));
        return items;
      }),
    ),
  remove: (keys) =>
    keys.length === 0
      ? Effect.void
      : batchWrite(
          client,
          keys.map((key) => ({ DeleteRequest: { Key: { subject_key: key.subject_key, location_id: key.location_id } } })),
        ),
});

/** The subject index with its own DynamoDB client (destroyed with the layer), its key from the composition's Secrets. */
export const SubjectIndexLive: Layer.Layer<SubjectIndex, never, Secrets> = Layer.scoped(
  SubjectIndex,
  Effect.flatMap(Secrets, (secrets) => Effect.map(scopedDocumentClient, (documents) => makeDynamoSubjectIndex(documents, secrets))),
);
