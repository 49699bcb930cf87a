/** LAMBDA_CONCURRENCY: Lambda functions reserve their concurrency. */
import type { GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const lambdaConcurrency: GuardrailRule = {
  id: "LAMBDA_CONCURRENCY",
  title: "Lambda functions reserve their concurrency",
  fix: "Set reserved_concurrent_executions (a function must not starve the account or flood a table).",
  check: perResource(["aws_lambda_function"], (fn) => {
    const reserved = fn.body.reserved_concurrent_executions;
    return typeof reserved === "number" && reserved >= 0 ? undefined : "reserved concurrency is not set";
  }),
};
