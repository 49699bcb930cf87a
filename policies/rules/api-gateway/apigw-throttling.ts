/** APIGW_THROTTLING: API stages throttle requests. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const apigwThrottling: GuardrailRule = {
  id: "APIGW_THROTTLING",
  title: "API stages throttle requests",
  fix: "Set default_route_settings { throttling_burst_limit, throttling_rate_limit }.",
  check: perResource(["aws_apigatewayv2_stage"], (stage) => {
    const settings = block(stage.body.default_route_settings);
    return typeof settings?.throttling_burst_limit === "number" && typeof settings.throttling_rate_limit === "number" ? undefined : "stage has no default throttling";
  }),
};
