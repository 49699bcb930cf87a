/** The EventBus on EventBridge PutEvents. */
import type { EventBridgeClient, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { Data, Duration, Effect, Layer, Schedule } from "effect";
import { envVars } from "../../../contracts/env-vars";
import { awsCall } from "../aws-errors";
import { InvalidPayload, Transient } from "../errors";
import { EventBus } from "../services";
import { configValue } from "../config";
import { scopedClient, sdk } from "./sdk";

const MAX_ENTRY_BYTES = 256 * 1024;
/** PutEvents takes at most 10 entries. */
const MAX_ENTRIES_PER_CALL = 10;

/** Some entries of a PutEvents call failed (FailedEntryCount > 0): only those are sent again. */
class PartialFailure extends Data.TaggedError("PartialFailure")<{ readonly failed: number; readonly codes: string }> {}

/** Entries that failed are sent again twice, after 50 ms and 100 ms; then the publish fails as Transient. */
export const partialFailureSchedule = Schedule.exponential(Duration.millis(50), 2).pipe(Schedule.intersect(Schedule.recurs(2)));

export const makeEventBridgeBus = (client: () => EventBridgeClient): EventBus["Type"] => {
  /** One call's worth of entries, until none fails (or the schedule gives up). */
  const putEntries = (entries: PutEventsRequestEntry[]) =>
    Effect.suspend(() => {
      let pending = entries;
      const attempt = Effect.flatMap(
        awsCall("eventbridge", "PutEvents", (abortSignal) => client().send(new (sdk.eventBridge().PutEventsCommand)({ Entries: pending }), { abortSignal })),
        (response) => {
          if (!response.FailedEntryCount) return Effect.void;
          const failed = pending.filter((_, index) => response.Entries?.[index]?.ErrorCode !== undefined);
          if (failed.length === 0) return Effect.void;
          const codes = [...new Set((response.Entries ?? []).map((entry) => entry.ErrorCode).filter(Boolean))].join(", ");
          pending = failed;
          return Effect.fail(new PartialFailure({ failed: failed.length, codes }));
        },
      );
      return attempt.pipe(
        Effect.retry({ schedule: partialFailureSchedule, while: (error) => error._tag === "PartialFailure" }),
        Effect.catchTag("PartialFailure", (partial) => Effect.fail(new Transient({ service: "eventbridge", reason: `${partial.failed} entries failed: ${partial.codes}` }))),
      );
    });

  return {
    publish: (events) =>
      Effect.gen(function* () {
        if (events.length === 0) return;
        const busName = yield* configValue(envVars.eventBusName);
        const entries: PutEventsRequestEntry[] = [];
        for (const event of events) {
          const detail = JSON.stringify(event.detail ?? {});
          const size = Buffer.byteLength(detail) + Buffer.byteLength(event.source) + Buffer.byteLength(event.detailType);
          if (size > MAX_ENTRY_BYTES) return yield* Effect.fail(new InvalidPayload({ reason: `event entry of ${size} bytes exceeds EventBridge's 256 KiB` }));
          entries.push({ EventBusName: busName, Source: event.source, DetailType: event.detailType, Detail: detail });
        }
        for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_CALL) yield* putEntries(entries.slice(start, start + MAX_ENTRIES_PER_CALL));
      }),
  };
};

/** The EventBridge EventBus with its own client, destroyed with the layer. */
export const EventBusLive: Layer.Layer<EventBus> = Layer.scoped(
  EventBus,
  Effect.map(
    scopedClient(() => new (sdk.eventBridge().EventBridgeClient)({})),
    makeEventBridgeBus,
  ),
);
