/** LAMBDA_TRACING: Lambda functions have active X-Ray tracing. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const lambdaTracing: GuardrailRule = {
  id: "LAMBDA_TRACING",
  title: "Lambda functions have active X-Ray tracing",
  fix: "Set tracing_config { mode = Active }.",
  check: perResource(["aws_lambda_function"], (fn) => (block(fn.body.tracing_config)?.mode === "Active" ? undefined : "tracing is not Active")),
};
