/**
 * The live EventBus's partial-failure retry (PutEvents answers 200 with FailedEntryCount > 0):
 * only the failed entries are sent again, on `partialFailureSchedule` (twice, after 50 and
 * 100 ms), and a publish whose entries still fail fails as Transient, so the event is retried.
 */
import type { PutEventsCommand, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { ConfigProvider, Effect, Exit } from "effect";
import { envVars } from "../../contracts/env-vars";
import { makeEventBridgeBus } from "../../functions/kernel/live";
import type { BusEvent } from "../../functions/kernel/services";

/** A PutEvents stand-in: `failing(entry, call)` says which entries fail on which call. */
const fakeClient = (failing: (entry: PutEventsRequestEntry, call: number) => boolean) => {
  const calls: string[][] = [];
  const client = {
    send: async (command: PutEventsCommand) => {
      const entries = command.input.Entries ?? [];
      const call = calls.length;
      calls.push(entries.map((entry) => entry.DetailType!));
      const results = entries.map((entry) => (failing(entry, call) ? { ErrorCode: "InternalFailure", ErrorMessage: "try again" } : { EventId: `id-${entry.DetailType}` }));
      return { FailedEntryCount: results.filter((result) => "ErrorCode" in result).length, Entries: results };
    },
  };
  return { client: () => client as never, calls };
};

const events = (count: number): BusEvent[] => Array.from({ length: count }, (_, index) => ({ source: "sdp.test", detailType: `e${index}`, detail: { index } }));

const publish = (bus: ReturnType<typeof makeEventBridgeBus>, batch: BusEvent[]) =>
  Effect.runPromiseExit(bus.publish(batch).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[envVars.eventBusName, "test-bus"]])))));

test("only the failed entries are sent again, each call at most 10 entries", async () => {
  const { client, calls } = fakeClient((entry, call) => call === 1 && (entry.DetailType === "e11" || entry.DetailType === "e12"));
  const exit = await publish(makeEventBridgeBus(client), events(13));
  expect(Exit.isSuccess(exit)).toBe(true);
  expect(calls).toEqual([
    ["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"],
    ["e10", "e11", "e12"],
    ["e11", "e12"],
  ]);
});

test("entries that keep failing: three calls, then Transient naming the error codes", async () => {
  const { client, calls } = fakeClient((entry) => entry.DetailType === "e1");
  const started = Date.now();
  const exit = await publish(makeEventBridgeBus(client), events(2));
  expect(calls).toEqual([["e0", "e1"], ["e1"], ["e1"]]);
  // 50 ms, then 100 ms between the calls.
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  expect(Exit.isFailure(exit)).toBe(true);
  if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain("1 entries failed: InternalFailure");
  expect(JSON.stringify(exit)).toContain("Transient");
});
