/**
 * DynamoDB TTL for the embedded platform. dynalite neither supports UpdateTimeToLive nor expires
 * items, so the platform sweeps the tables that declare a `ttlAttribute` in contracts/tables.ts
 * and deletes items whose TTL (epoch seconds, a number, as DynamoDB requires) has passed. Like
 * DynamoDB, an item without the attribute or with a non-number value never expires.
 */
import { DeleteItemCommand, DynamoDBClient, paginateScan, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { tableKeys, tableSpecs, type TableKey } from "../contracts/tables";

export interface TtlSweepTarget {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tables: Record<TableKey, string>;
}

interface DeleteFilter {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** Scans one table and deletes the items that match `filter` (checked again on delete, so an item changed since the scan stays). */
const deleteMatching = async (client: DynamoDBClient, tableName: string, keyNames: ReadonlyArray<string>, filter: DeleteFilter): Promise<number> => {
  let count = 0;
  const pages = paginateScan(
    { client },
    { TableName: tableName, FilterExpression: filter.expression, ExpressionAttributeNames: filter.names, ExpressionAttributeValues: filter.values },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const itemKey = Object.fromEntries(keyNames.map((name) => [name, item[name]!]));
      await client
        .send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: itemKey,
            ConditionExpression: filter.expression,
            ExpressionAttributeNames: filter.names,
            ExpressionAttributeValues: filter.values,
          }),
        )
        .then(
          () => count++,
          (error: { name?: string }) => {
            if (error?.name !== "ConditionalCheckFailedException") throw error;
          },
        );
    }
  }
  return count;
};

const keyNamesOf = (key: TableKey): string[] => {
  const spec = tableSpecs[key];
  return [spec.partitionKey.name, ...("sortKey" in spec && spec.sortKey ? [spec.sortKey.name] : [])];
};

const clientOf = (target: TtlSweepTarget) => new DynamoDBClient({ region: target.region, endpoint: target.endpoint, credentials: { ...target.credentials } });

/** Deletes expired items once; returns how many per table. */
export const sweepExpiredItems = async (target: TtlSweepTarget, nowSeconds = Math.floor(Date.now() / 1000)): Promise<Partial<Record<TableKey, number>>> => {
  const client = clientOf(target);
  const deleted: Partial<Record<TableKey, number>> = {};
  try {
    for (const key of tableKeys) {
      const spec = tableSpecs[key];
      const ttlAttribute = "ttlAttribute" in spec ? spec.ttlAttribute : undefined;
      if (ttlAttribute === undefined) continue;
      const count = await deleteMatching(client, target.tables[key], keyNamesOf(key), {
        expression: "#ttl < :now",
        names: { "#ttl": ttlAttribute },
        values: { ":now": { N: String(nowSeconds) } },
      });
      if (count > 0) deleted[key] = count;
    }
  } finally {
    client.destroy();
  }
  return deleted;
};

/**
 * Releases the idempotency claims still "in progress" when the platform starts. The data dir's
 * lock says no other sdp local uses it, so whoever took them was killed with the previous run and
 * can no longer be running: the events they were processing are redelivered from the journal
 * (or retried by their providers) and must not wait for the claims to lapse. Completed records stay.
 */
export const releaseClaimsOfEarlierRuns = async (target: TtlSweepTarget): Promise<number> => {
  const client = clientOf(target);
  try {
    return await deleteMatching(client, target.tables.idempotency, keyNamesOf("idempotency"), {
      expression: "#status = :inProgress",
      names: { "#status": "status" },
      values: { ":inProgress": { S: "in-progress" } },
    });
  } finally {
    client.destroy();
  }
};
