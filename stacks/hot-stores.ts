/** Hot stores: one DynamoDB table per spec of contracts/tables.ts (see modules/hot-table.ts). */
import type { DynamodbTable } from "@cdktn/provider-aws/lib/dynamodb-table";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { tableName } from "../contracts/naming";
import { tableKeys, tableSpecs, type TableKey } from "../contracts/tables";
import { AlarmFactory } from "../modules/alarms";
import { HotTable } from "../modules/hot-table";
import type { FoundationStack } from "./foundation";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";

export interface HotStoresStackProps {
  readonly foundation: FoundationStack;
}

export class HotStoresStack extends PlatformStack {
  readonly tables: Record<TableKey, DynamodbTable>;
  readonly alarms: AlarmFactory;

  constructor(scope: Construct, env: EnvironmentConfig, props: HotStoresStackProps, options: PlatformStackOptions = {}) {
    super(scope, env, "hot-stores", options);
    this.alarms = new AlarmFactory(this.prefix, props.foundation.alertsTopic.arn);
    this.tables = Object.fromEntries(
      tableKeys.map((key) => {
        const hot = new HotTable(this, `table-${key}`, {
          spec: tableSpecs[key],
          tableName: tableName(env.brand, env.name, tableSpecs[key].logicalName),
          kmsKeyArn: props.foundation.keys.tables.arn,
          deletionProtection: env.name !== "dev",
          alarms: this.alarms,
        });
        return [key, hot.table];
      }),
    ) as Record<TableKey, DynamodbTable>;
  }
}
