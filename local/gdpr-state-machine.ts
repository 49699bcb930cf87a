/**
 * Runs the GDPR redaction workflow locally: the exact definition from contracts/gdpr-workflow.ts,
 * executed by aws-local-stepfunctions, each Task state answered by the in-process program of the
 * `gdpr-redact` function (functions/gdpr/redaction-program.ts, the `program` Lambda runs) over the
 * layer given (the emulators' live layers for `sdp gdpr redact`, in-memory ones in tests).
 * Retry intervals are shortened so a local run does not sleep.
 */
import { Exit, Layer, ManagedRuntime, type Effect } from "effect";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { GDPR_MARK_FAILED_STATE, gdprRedactionDefinition, gdprStates, type GdprStepOutput } from "../contracts/gdpr-workflow";
import { redactionStepProgram, type RedactionStepInput } from "../functions/gdpr/redaction-program";
import { taskError } from "./state-machine";

export interface GdprRunProgress {
  readonly state: string;
  readonly kind: "entered" | "retried" | "caught" | "failed";
  readonly detail?: string;
}

export type GdprRunResult =
  | { readonly status: "SUCCEEDED"; readonly steps: ReadonlyArray<GdprStepOutput> }
  | { readonly status: "FAILED"; readonly error: string; readonly cause: string; readonly steps: ReadonlyArray<GdprStepOutput> };

export const runGdprRedactionLocally = async <R>(
  requestId: string,
  options: { readonly layer: Layer.Layer<R, unknown, never>; readonly retryIntervalMs?: number; readonly onProgress?: (progress: GdprRunProgress) => void },
): Promise<GdprRunResult> => {
  const definition = gdprRedactionDefinition({ redactFunction: "arn:aws:lambda:eu-west-1:000000000000:function:local-gdpr-redact" });
  const runtime = ManagedRuntime.make(options.layer);
  const steps: GdprStepOutput[] = [];
  try {
    const taskStates = [...Object.values(gdprStates), GDPR_MARK_FAILED_STATE];
    const handler = async (input: RedactionStepInput) => {
      const exit = await runtime.runPromiseExit(redactionStepProgram(input) as Effect.Effect<GdprStepOutput, unknown, R>);
      if (Exit.isFailure(exit)) throw taskError(exit.cause);
      steps.push(exit.value);
      return exit.value as never;
    };
    const machine = new StateMachine(definition as unknown as StateMachineDefinition);
    const execution = machine.run({ requestId } as never, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(taskStates.map((state) => [state, handler as never])),
        retryIntervalOverrides: Object.fromEntries(taskStates.map((state) => [state, options.retryIntervalMs ?? 5])),
      },
    });
    const watching = (async () => {
      if (!options.onProgress) return;
      for await (const event of execution.eventLogs) {
        const state = "state" in event ? event.state.name : event.type;
        if (event.type === "StateEntered") options.onProgress({ state, kind: "entered" });
        else if (event.type === "StateRetried") options.onProgress({ state, kind: "retried" });
        else if (event.type === "StateCaught") options.onProgress({ state, kind: "caught" });
        else if (event.type === "StateFailed") options.onProgress({ state, kind: "failed", detail: `${event.Error}: ${String(event.Cause)}` });
      }
    })();
    try {
      await execution.result;
      await watching.catch(() => undefined);
      return { status: "SUCCEEDED", steps };
    } catch (error) {
      await watching.catch(() => undefined);
      const failure = error as Error & { cause?: { name?: string; message?: string } };
      return { status: "FAILED", error: failure.cause?.name ?? failure.name, cause: failure.cause?.message ?? failure.message, steps };
    }
  } finally {
    await runtime.dispose();
  }
};
