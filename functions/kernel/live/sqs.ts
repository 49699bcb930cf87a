/** DeadLetters on SQS: the records an SQS-triggered function sends to its dead-letter queue itself. */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { Effect, Layer } from "effect";
import { envVars } from "../../../contracts/env-vars";
import { awsCall } from "../aws-errors";
import { redactText } from "../redact";
import { DeadLetters } from "../services";
import { configValue } from "../config";
import { scopedClient, sdk } from "./sdk";

/** The dead-letter queue an SQS-triggered function sends InvalidPayload records to. */
export const DEAD_LETTER_QUEUE_URL_VAR = envVars.deadLetterQueueUrl;

export const makeSqsDeadLetters = (client: () => SQSClient): DeadLetters["Type"] => ({
  send: (letter) =>
    Effect.gen(function* () {
      const QueueUrl = yield* configValue(DEAD_LETTER_QUEUE_URL_VAR);
      yield* awsCall("sqs", "SendMessage", (abortSignal) =>
        client().send(
          new (sdk.sqs().SendMessageCommand)({
            QueueUrl,
            MessageBody: letter.body,
            MessageAttributes: {
              reason: { DataType: "String", StringValue: redactText(letter.reason).slice(0, 1000) || "invalid" },
              ...(letter.origin ? { origin: { DataType: "String", StringValue: letter.origin } } : {}),
            },
          }),
          { abortSignal },
        ),
      );
    }),
});

/** SQS DeadLetters with their own client, destroyed with the layer. */
export const DeadLettersLive: Layer.Layer<DeadLetters> = Layer.scoped(
  DeadLetters,
  Effect.map(
    scopedClient(() => new (sdk.sqs().SQSClient)({})),
    makeSqsDeadLetters,
  ),
);
