/** APIGW_ACCESS_LOGS: API stages write access logs. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const apigwAccessLogs: GuardrailRule = {
  id: "APIGW_ACCESS_LOGS",
  title: "API stages write access logs",
  fix: "Set access_log_settings { destination_arn, format } on the stage (HttpApi does this).",
  check: perResource(["aws_apigatewayv2_stage"], (stage) => (typeof block(stage.body.access_log_settings)?.destination_arn === "string" ? undefined : "stage has no access logs")),
};
