/** Alerts on SNS: one publish per dedupKey, remembered in the idempotency table. */
import type { SNSClient } from "@aws-sdk/client-sns";
import { Config, Effect, Layer, Option } from "effect";
import { alertKindTopicEnvVar, envVars } from "../../../contracts/env-vars";
import { awsCall } from "../aws-errors";
import { Transient } from "../errors";
import { makeIdempotency } from "../idempotency";
import { redact, redactText } from "../redact";
import { Alerts, HotStore } from "../services";
import { configValue } from "../config";
import { scopedClient, sdk } from "./sdk";

/**
 * The topic an alert goes to: its kind's own topic when the stack gave the function one
 * (`SDP_ALERTS_TOPIC_ARN_<KIND>`, payment alerts), otherwise the general alerts topic.
 */
export const alertTopicOf = (kind: string): Effect.Effect<string> =>
  Config.option(Config.string(alertKindTopicEnvVar(kind))).pipe(
    Effect.orElseSucceed(() => Option.none<string>()),
    Effect.flatMap((own) => (Option.isSome(own) && own.value.trim() !== "" ? Effect.succeed(own.value.trim()) : configValue(envVars.alertsTopicArn))),
  );

export const makeSnsAlerts = (store: HotStore["Type"], client: () => SNSClient): Alerts["Type"] => {
  const once = makeIdempotency(store, { retentionSeconds: 30 * 24 * 3600, inProgressSeconds: 30 });
  return {
    publish: (alert) =>
      Effect.gen(function* () {
        const TopicArn = yield* alertTopicOf(alert.kind);
        const outcome = yield* once
          .once(
            `alert:${alert.dedupKey}`,
            awsCall("sns", "Publish", (abortSignal) =>
              client().send(
                new (sdk.sns().PublishCommand)({
                  TopicArn,
                  Subject: redactText(alert.subject)
                    .replace(/[\r\n]+/g, " ")
                    .slice(0, 100),
                  Message: JSON.stringify(
                    redact({ kind: alert.kind, severity: alert.severity, subject: alert.subject, message: alert.message, dedupKey: alert.dedupKey }),
                    null,
                    2,
                  ),
                  MessageAttributes: {
                    kind: { DataType: "String", StringValue: alert.kind },
                    severity: { DataType: "String", StringValue: alert.severity },
                  },
                }),
                { abortSignal },
              ),
            ),
          )
          .pipe(
            // Another run is publishing this alert (or died doing so): retry the event later.
            Effect.catchTag("InProgress", (busy) => Effect.fail(new Transient({ service: "sns", reason: `alert ${busy.key} is being published by another run` }))),
          );
        return { published: outcome.status === "processed" };
      }),
  };
};

/** SNS Alerts over the provided HotStore (its de-duplication), with their own client, destroyed with the layer. */
export const AlertsLive: Layer.Layer<Alerts, never, HotStore> = Layer.scoped(
  Alerts,
  Effect.gen(function* () {
    const store = yield* HotStore;
    const client = yield* scopedClient(() => new (sdk.sns().SNSClient)({}));
    return makeSnsAlerts(store, client);
  }),
);
