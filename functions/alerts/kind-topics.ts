/**
 * Routes each alert to the SNS topic of its kind when the function was given one
 * (`SDP_ALERTS_TOPIC_ARN_<KIND>`, set by the ingestion stack), else to the general alerts topic.
 * It wraps the kernel's SNS Alerts, so de-duplication by dedupKey and redaction stay as they are:
 * the kind's topic is handed to it as the value of the general topic variable for that one call.
 */
import { Config, ConfigProvider, Effect, Option } from "effect";
import { alertKindTopicEnvVar, envVars } from "../../contracts/env-vars";
import type { Alerts } from "../kernel/services";

export const routeAlertsByKind = (inner: Alerts["Type"]): Alerts["Type"] => ({
  publish: (alert) =>
    Effect.gen(function* () {
      const kindTopic = yield* Config.option(Config.string(alertKindTopicEnvVar(alert.kind))).pipe(Effect.orElseSucceed(() => Option.none<string>()));
      if (Option.isNone(kindTopic) || kindTopic.value.trim() === "") return yield* inner.publish(alert);
      const current = yield* Effect.configProviderWith(Effect.succeed);
      const routed = ConfigProvider.fromMap(new Map([[envVars.alertsTopicArn, kindTopic.value]])).pipe(ConfigProvider.orElse(() => current));
      return yield* Effect.withConfigProvider(inner.publish(alert), routed);
    }),
});
