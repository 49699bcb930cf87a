/** SFN_LOGGING: State machines log ALL events with execution data. */
import { block, type GuardrailRule } from "../../guardrails";
import { perResource } from "../helpers";

export const sfnLogging: GuardrailRule = {
  id: "SFN_LOGGING",
  title: "State machines log ALL events with execution data",
  fix: "Set logging_configuration { level = ALL, include_execution_data = true, log_destination = <log group arn>:* } (StateMachine does this).",
  check: perResource(["aws_sfn_state_machine"], (sm) => {
    const logging = block(sm.body.logging_configuration);
    return logging?.level === "ALL" && logging.include_execution_data === true && typeof logging.log_destination === "string"
      ? undefined
      : "state machine does not log ALL events with execution data";
  }),
};
