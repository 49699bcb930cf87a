/**
 * One DynamoDB table from its contract spec (contracts/tables.ts): on-demand, PITR, SSE with the
 * tables CMK, TTL where the spec names an attribute, deletion protection outside dev, and alarms
 * for throttles and system errors. Tagged `data-classification` from contracts/classification.ts.
 */
import { DynamodbTable } from "@cdktn/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { hotTableClassificationOf } from "../contracts/classification";
import type { KeyAttribute, TableSpec } from "../contracts/tables";
import type { AlarmFactory } from "./alarms";

export interface HotTableProps {
  readonly spec: TableSpec;
  readonly tableName: string;
  readonly kmsKeyArn: string;
  readonly deletionProtection: boolean;
  readonly alarms: AlarmFactory;
}

/** Every attribute used as a key of the table or of a GSI, once. */
export const keyAttributes = (spec: TableSpec): KeyAttribute[] => {
  const all = [spec.partitionKey, spec.sortKey, ...spec.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey])].filter(
    (attribute): attribute is KeyAttribute => attribute !== undefined,
  );
  return [...new Map(all.map((attribute) => [attribute.name, attribute])).values()];
};

/** DynamoDB system errors are reported per operation; the alarm sums the ones we call. */
const operations = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchWriteItem", "BatchGetItem"];

export class HotTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: HotTableProps) {
    super(scope, id);
    const { spec } = props;
    this.table = new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: spec.partitionKey.name,
      rangeKey: spec.sortKey?.name,
      attribute: keyAttributes(spec).map((attribute) => ({ name: attribute.name, type: attribute.type })),
      globalSecondaryIndex: spec.globalSecondaryIndexes.map((gsi) => ({
        name: gsi.name,
        hashKey: gsi.partitionKey.name,
        rangeKey: gsi.sortKey?.name,
        projectionType: "ALL",
      })),
      ttl: spec.ttlAttribute ? { attributeName: spec.ttlAttribute, enabled: true } : undefined,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection,
      // contracts/classification.ts: the highest sensitivity of what the table holds (overrides the layer's default tag).
      tags: { table: spec.logicalName, "data-classification": hotTableClassificationOf(spec.logicalName) },
    });

    const dimensions = { TableName: props.tableName };
    for (const kind of ["Read", "Write"] as const) {
      props.alarms.metric(this, `${kind.toLowerCase()}-throttles`, {
        name: `${spec.logicalName}-${kind.toLowerCase()}-throttles`,
        description: `${kind} requests to ${props.tableName} are throttled.`,
        namespace: "AWS/DynamoDB",
        metricName: `${kind}ThrottleEvents`,
        dimensions,
        threshold: 1,
      });
    }
    props.alarms.math(this, "system-errors", {
      name: `${spec.logicalName}-system-errors`,
      description: `DynamoDB returns system errors (HTTP 500) for ${props.tableName}.`,
      expression: "SUM(METRICS())",
      metrics: operations.map((operation) => ({ namespace: "AWS/DynamoDB", metricName: "SystemErrors", dimensions: { TableName: props.tableName, Operation: operation } })),
      threshold: 1,
    });
  }
}
