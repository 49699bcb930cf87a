/**
 * DynamoDB TTL for the embedded platform. dynalite neither supports UpdateTimeToLive nor expires
 * items, so the platform sweeps the tables that declare a `ttlAttribute` in contracts/tables.ts
 * and deletes items whose TTL (epoch seconds, a number, as DynamoDB requires) has passed. Like
 * DynamoDB, an item without the attribute or with a non-number value never expires.
 */
import { DeleteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { tableKeys, tableSpecs, type TableKey } from "../contracts/tables";

export interface TtlSweepTarget {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tables: Record<TableKey, string>;
}

/** Deletes expired items once; returns how many per table. */
export const sweepExpiredItems = async (target: TtlSweepTarget, nowSeconds = Math.floor(Date.now() / 1000)): Promise<Partial<Record<TableKey, number>>> => {
  const client = new DynamoDBClient({ region: target.region, endpoint: target.endpoint, credentials: { ...target.credentials } });
  const deleted: Partial<Record<TableKey, number>> = {};
  try {
    for (const key of tableKeys) {
      const spec = tableSpecs[key];
      const ttlAttribute = "ttlAttribute" in spec ? spec.ttlAttribute : undefined;
      if (ttlAttribute === undefined) continue;
      const keyNames = [spec.partitionKey.name, ...("sortKey" in spec && spec.sortKey ? [spec.sortKey.name] : [])];
      let startKey: Record<string, AttributeValue> | undefined;
      let count = 0;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: target.tables[key],
            FilterExpression: "#ttl < :now",
            ExpressionAttributeNames: { "#ttl": ttlAttribute },
            ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const itemKey = Object.fromEntries(keyNames.map((name) => [name, item[name]!]));
          // Conditional, so an item refreshed since the scan is not deleted.
          await client
            .send(
              new DeleteItemCommand({
                TableName: target.tables[key],
                Key: itemKey,
                ConditionExpression: "#ttl < :now",
                ExpressionAttributeNames: { "#ttl": ttlAttribute },
                ExpressionAttributeValues: { ":now": { N: String(nowSeconds) } },
              }),
            )
            .then(
              () => count++,
              (error: { name?: string }) => {
                if (error?.name !== "ConditionalCheckFailedException") throw error;
              },
            );
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      if (count > 0) deleted[key] = count;
    }
  } finally {
    client.destroy();
  }
  return deleted;
};
