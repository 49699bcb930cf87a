/** LAMBDA_DLQ: Lambda functions have a dead-letter queue or an on-failure destination. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const lambdaDlq: GuardrailRule = {
  id: "LAMBDA_DLQ",
  title: "Lambda functions have a dead-letter queue or an on-failure destination",
  fix: "Set dead_letter_config.target_arn or add aws_lambda_function_event_invoke_config with destination_config.on_failure (EffectFunction does this).",
  check: perResource(["aws_lambda_function"], (fn, context) => {
    if (typeof block(fn.body.dead_letter_config)?.target_arn === "string") return undefined;
    const destinations = context
      .referencing("aws_lambda_function_event_invoke_config", fn, "function_name")
      .some((config) => block(block(config.body.destination_config)?.on_failure)?.destination);
    return destinations ? undefined : "function has neither a DLQ nor an on-failure destination";
  }),
};
