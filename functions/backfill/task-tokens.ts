/**
 * Step Functions task tokens: the workflow's AwaitFinish state hands its token to the poll
 * function, which stores it on the lease; the bulk_operations/finish webhook (or the poll itself,
 * when the operation had already finished) sends SendTaskSuccess so the run continues at once
 * instead of waiting for its next poll. A token that is no longer waited for (the state timed out
 * and fell back to polling, or was already woken) is "stale", which is fine.
 */
import { SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { Context, Effect, Layer } from "effect";
import { awsCallWithOutcomes, errorName } from "../kernel/aws-errors";
import type { InvalidPayload, Throttled, Transient } from "../kernel/errors";

export class TaskTokens extends Context.Tag("sdp/backfill/TaskTokens")<
  TaskTokens,
  { readonly succeed: (token: string, output: unknown) => Effect.Effect<"sent" | "stale", Throttled | Transient | InvalidPayload> }
>() {}

const STALE = new Set(["TaskDoesNotExist", "TaskTimedOut", "InvalidToken"]);

export const TaskTokensLive = Layer.sync(TaskTokens, () => {
  let client: SFNClient | undefined;
  return {
    succeed: (token, output) =>
      awsCallWithOutcomes(
        "sfn",
        "SendTaskSuccess",
        (abortSignal) =>
          (client ??= new SFNClient({})).send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? {}) }), { abortSignal }).then(() => "sent" as const),
        (error) => (STALE.has(errorName(error)) ? ("stale" as const) : undefined),
      ),
  };
});

/**
 * In-process task tokens for the local runner: `wait(token, ms)` resolves when `succeed(token)`
 * is called (by the await program or a bulk_operations/finish webhook in the same process) or
 * after `ms`, whichever comes first.
 */
export const makeLocalTaskTokens = () => {
  const waiters = new Map<string, () => void>();
  const woken = new Set<string>();
  const service: Context.Tag.Service<TaskTokens> = {
    succeed: (token) =>
      Effect.sync(() => {
        const waiter = waiters.get(token);
        if (waiter) {
          waiters.delete(token);
          waiter();
          return "sent" as const;
        }
        woken.add(token);
        return "stale" as const;
      }),
  };
  const wait = (token: string, ms: number) =>
    new Promise<"woken" | "timeout">((resolve) => {
      if (woken.delete(token)) return resolve("woken");
      const timer = setTimeout(() => {
        waiters.delete(token);
        resolve("timeout");
      }, ms);
      waiters.set(token, () => {
        clearTimeout(timer);
        resolve("woken");
      });
    });
  return { service, layer: Layer.succeed(TaskTokens, service), wait };
};
