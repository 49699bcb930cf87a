/** SFN_TRACING: State machines have X-Ray tracing. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const sfnTracing: GuardrailRule = {
  id: "SFN_TRACING",
  title: "State machines have X-Ray tracing",
  fix: "Set tracing_configuration { enabled = true }.",
  check: perResource(["aws_sfn_state_machine"], (sm) => (block(sm.body.tracing_configuration)?.enabled === true ? undefined : "tracing is off")),
};
