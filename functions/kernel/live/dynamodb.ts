/** The HotStore (DynamoDB tables, contracts/tables.ts) on the AWS SDK v3; the same code serves AWS and dynalite. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Effect, Layer, Option } from "effect";
import { tableSpecs, type TableKey } from "../../../contracts/tables";
import { awsCall, awsCallWithOutcomes, errorName } from "../aws-errors";
import { HotStore, type ClaimResult, type Item, type UpsertOutcome } from "../services";
import { configValue } from "../config";
import { scopedClient, sdk } from "./sdk";

/** The table name for a logical table, from its env var (a missing variable is a deployment bug). */
export const tableNameOf = (table: TableKey): Effect.Effect<string> => configValue(tableSpecs[table].envVar);

const keyNamesOf = (table: TableKey): string[] => {
  const spec = tableSpecs[table] as { partitionKey: { name: string }; sortKey?: { name: string } };
  return spec.sortKey ? [spec.partitionKey.name, spec.sortKey.name] : [spec.partitionKey.name];
};

const keyOf = (table: TableKey, item: Item): Item => Object.fromEntries(keyNamesOf(table).map((name) => [name, item[name]]));

/** How items marshal, wherever a document client is made (Lambda, the local platform, the CLI). */
export const documentClientFor = (client: DynamoDBClient): DynamoDBDocumentClient =>
  sdk.documents().DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    unmarshallOptions: { wrapNumbers: false },
  });

const conditionFailed = (error: unknown) => errorName(error) === "ConditionalCheckFailedException";

/** Drops undefined values (DynamoDB has no such type). */
const defined = (item: Item): Item => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

/**
 * Every item of every page: the SDK's paginator follows LastEvaluatedKey, and a failed page fails
 * the whole read. Its input is made inside each call, since the paginator writes its position
 * (ExclusiveStartKey) into it and a repeated call must start again from the first page.
 */
const itemsOf = async (pages: AsyncIterable<{ readonly Items?: ReadonlyArray<Record<string, unknown>> }>): Promise<Item[]> => {
  const items: Item[] = [];
  for await (const page of pages) items.push(...((page.Items ?? []) as Item[]));
  return items;
};

export const makeDynamoHotStore = (client: () => DynamoDBDocumentClient): HotStore["Type"] => ({
  putIfNewer: (table, item, versionAttribute) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const [partitionKey] = keyNamesOf(table);
      const names: Record<string, string> = { "#pk": partitionKey!, "#deleted": "deleted" };
      const values: Record<string, unknown> = { ":true": true };
      const notTombstone = "(attribute_not_exists(#deleted) OR #deleted <> :true)";
      let condition: string;
      if (item.deleted === true) {
        condition = `attribute_not_exists(#pk) OR ${notTombstone}`;
      } else if (item[versionAttribute] === undefined) {
        names["#v"] = versionAttribute;
        condition = `attribute_not_exists(#pk) OR (${notTombstone} AND attribute_not_exists(#v))`;
      } else {
        names["#v"] = versionAttribute;
        values[":v"] = item[versionAttribute];
        condition = `attribute_not_exists(#pk) OR (${notTombstone} AND (attribute_not_exists(#v) OR #v < :v))`;
      }
      return conditionalPut<UpsertOutcome>(
        client,
        "PutItem(if newer)",
        { TableName, Item: defined(item), ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values },
        () => "written",
        () => "stale",
      );
    }),
  put: (table, item) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      Effect.asVoid(awsCall("dynamodb", "PutItem", (abortSignal) => client().send(new (sdk.documents().PutCommand)({ TableName, Item: defined(item) }), { abortSignal }))),
    ),
  updateIfExists: (table, key, attributes) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const entries = Object.entries(attributes).filter(([name, value]) => value !== undefined && !keyNamesOf(table).includes(name));
      const names: Record<string, string> = { "#pk": keyNamesOf(table)[0]! };
      const values: Record<string, unknown> = {};
      const sets = entries.map(([name, value], index) => {
        names[`#a${index}`] = name;
        values[`:a${index}`] = value;
        return `#a${index} = :a${index}`;
      });
      if (sets.length === 0) {
        return Effect.map(
          awsCall("dynamodb", "GetItem", (abortSignal) => client().send(new (sdk.documents().GetCommand)({ TableName, Key: keyOf(table, key) }), { abortSignal })),
          (response) => response.Item !== undefined,
        );
      }
      return awsCallWithOutcomes(
        "dynamodb",
        "UpdateItem(if exists)",
        (abortSignal) =>
          client()
            .send(
              new (sdk.documents().UpdateCommand)({
                TableName,
                Key: keyOf(table, key),
                UpdateExpression: `SET ${sets.join(", ")}`,
                ConditionExpression: "attribute_exists(#pk)",
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              }),
              { abortSignal },
            )
            .then(() => true),
        (error) => (conditionFailed(error) ? false : undefined),
      );
    }),
  upsertAttributes: (table, key, attributes, unlessSet) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const keyNames = keyNamesOf(table);
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const assignments = (entries: Item, prefix: string, value: (name: string, placeholder: string) => string) =>
        Object.entries(entries)
          .filter(([name, given]) => given !== undefined && !keyNames.includes(name))
          .map(([name, given], index) => {
            names[`#${prefix}${index}`] = name;
            values[`:${prefix}${index}`] = given;
            return `#${prefix}${index} = ${value(`#${prefix}${index}`, `:${prefix}${index}`)}`;
          });
      const sets = [
        ...assignments(attributes, "a", (_name, placeholder) => placeholder),
        ...assignments(unlessSet, "c", (name, placeholder) => `if_not_exists(${name}, ${placeholder})`),
      ];
      // With nothing to set, an UpdateItem without an expression still creates a missing item and leaves an existing one alone.
      const expression = sets.length === 0 ? {} : { UpdateExpression: `SET ${sets.join(", ")}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
      return Effect.asVoid(
        awsCall("dynamodb", "UpdateItem", (abortSignal) =>
          client().send(new (sdk.documents().UpdateCommand)({ TableName, Key: keyOf(table, key), ...expression }), { abortSignal }),
        ),
      );
    }),
  get: (table, key) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      Effect.map(
        awsCall("dynamodb", "GetItem", (abortSignal) =>
          client().send(new (sdk.documents().GetCommand)({ TableName, Key: keyOf(table, key), ConsistentRead: true }), { abortSignal }),
        ),
        (response) => Option.fromNullable(response.Item as Item | undefined),
      ),
    ),
  delete: (table, key) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      Effect.asVoid(awsCall("dynamodb", "DeleteItem", (abortSignal) => client().send(new (sdk.documents().DeleteCommand)({ TableName, Key: keyOf(table, key) }), { abortSignal }))),
    ),
  query: (table, index, keyName, keyValue) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      awsCall("dynamodb", "Query", (abortSignal) => {
        const input = {
          TableName,
          IndexName: index,
          KeyConditionExpression: "#k = :k",
          ExpressionAttributeNames: { "#k": keyName },
          ExpressionAttributeValues: { ":k": keyValue },
        };
        return itemsOf(sdk.documents().paginateQuery({ client: client() }, input, { abortSignal }));
      }),
    ),
  scan: (table) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      awsCall("dynamodb", "Scan", (abortSignal) => itemsOf(sdk.documents().paginateScan({ client: client() }, { TableName }, { abortSignal }))),
    ),
  putIfNotExists: (table, item) =>
    Effect.flatMap(tableNameOf(table), (TableName) =>
      conditionalPut(
        client,
        "PutItem(if not exists)",
        { TableName, Item: defined(item), ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": keyNamesOf(table)[0]! } },
        () => true,
        () => false,
      ),
    ),
  claim: (table, item, expiresAttribute, nowSeconds) =>
    Effect.flatMap(tableNameOf(table), (TableName) => {
      const key = keyOf(table, item);
      const taken = { claimed: false } as const;
      return Effect.flatMap(
        conditionalPut<ClaimResult>(
          client,
          "PutItem(claim)",
          {
            TableName,
            Item: defined(item),
            ConditionExpression: "attribute_not_exists(#pk) OR #exp <= :now",
            ExpressionAttributeNames: { "#pk": keyNamesOf(table)[0]!, "#exp": expiresAttribute },
            ExpressionAttributeValues: { ":now": nowSeconds },
            // The holder comes back with the failed write, saving a read (where the store supports it).
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
          () => ({ claimed: true }),
          (error) => ({ ...taken, holder: holderOf(error) }),
        ),
        (result) =>
          result.claimed || Option.isSome(result.holder)
            ? Effect.succeed(result)
            : Effect.map(
                awsCall("dynamodb", "GetItem", (abortSignal) => client().send(new (sdk.documents().GetCommand)({ TableName, Key: key, ConsistentRead: true }), { abortSignal })),
                (response): ClaimResult => ({ claimed: false, holder: Option.fromNullable(response.Item as Item | undefined) }),
              ),
      );
    }),
});

type PutInput = ConstructorParameters<ReturnType<typeof sdk.documents>["PutCommand"]>[0];

/** A PutItem with a condition: `onWritten` when it was written, `onConditionFailed` when the condition held it back; other errors stay errors. */
const conditionalPut = <A>(client: () => DynamoDBDocumentClient, operation: string, input: PutInput, onWritten: () => A, onConditionFailed: (error: unknown) => A) =>
  awsCallWithOutcomes(
    "dynamodb",
    operation,
    (abortSignal) => client().send(new (sdk.documents().PutCommand)(input), { abortSignal }).then(onWritten),
    (error) => (conditionFailed(error) ? onConditionFailed(error) : undefined),
  );

/** The stored item a ConditionalCheckFailedException carries with ReturnValuesOnConditionCheckFailure. */
const holderOf = (error: unknown): Option.Option<Item> => {
  const raw = (error as { Item?: Record<string, unknown> } | undefined)?.Item;
  if (raw === undefined || raw === null || typeof raw !== "object") return Option.none();
  return Option.some(sdk.util().unmarshall(raw as Parameters<typeof import("@aws-sdk/util-dynamodb").unmarshall>[0]) as Item);
};

/** A layer's own DynamoDB document client, made on first use and destroyed with the layer's scope. */
export const scopedDocumentClient = Effect.map(
  scopedClient(
    () => {
      const base = new (sdk.dynamodb().DynamoDBClient)({});
      return { base, documents: documentClientFor(base) };
    },
    // The document client's own destroy() does nothing: the base client holds the sockets.
    ({ base }) => base.destroy(),
  ),
  (client) => () => client().documents,
);

/** The DynamoDB HotStore with its own client, destroyed with the layer. */
export const HotStoreLive: Layer.Layer<HotStore> = Layer.scoped(
  HotStore,
  Effect.map(scopedDocumentClient, (documents) => makeDynamoHotStore(documents)),
);
