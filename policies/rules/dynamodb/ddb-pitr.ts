/** DDB_PITR: DynamoDB tables have point-in-time recovery. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const ddbPitr: GuardrailRule = {
  id: "DDB_PITR",
  title: "DynamoDB tables have point-in-time recovery",
  fix: "Set point_in_time_recovery { enabled = true } (HotTable does this).",
  check: perResource(["aws_dynamodb_table"], (table) => (block(table.body.point_in_time_recovery)?.enabled === true ? undefined : "point-in-time recovery is off")),
};
