/** LAMBDA_SUPPORTED_RUNTIME: Lambda functions use a supported Node.js runtime. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

/** Lambda runtimes we still accept (older ones are end-of-life or about to be). */
export const supportedLambdaRuntimes = ["nodejs22.x", "nodejs20.x"];

export const lambdaSupportedRuntime: GuardrailRule = {
  id: "LAMBDA_SUPPORTED_RUNTIME",
  title: "Lambda functions use a supported Node.js runtime",
  fix: `Use one of ${supportedLambdaRuntimes.join(", ")}.`,
  check: perResource(["aws_lambda_function"], (fn) =>
    supportedLambdaRuntimes.includes(String(fn.body.runtime)) ? undefined : `runtime ${String(fn.body.runtime)} is not supported`,
  ),
};
