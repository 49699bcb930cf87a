/** DDB_CMK: DynamoDB tables are encrypted with a customer-managed KMS key. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const ddbCmk: GuardrailRule = {
  id: "DDB_CMK",
  title: "DynamoDB tables are encrypted with a customer-managed KMS key",
  fix: "Set server_side_encryption { enabled = true, kms_key_arn = <tables key> }.",
  check: perResource(["aws_dynamodb_table"], (table) => {
    const sse = block(table.body.server_side_encryption);
    return sse?.enabled === true && typeof sse.kms_key_arn === "string" ? undefined : "table is not encrypted with a CMK";
  }),
};
