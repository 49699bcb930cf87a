/**
 * Lambda `backfill-poll` (contracts/functions.ts): the Poll state (see poll-program.ts) and the
 * AwaitFinish state's task-token registration (`mode: "await"`).
 */
import { Layer } from "effect";
import { taskHandler } from "../kernel/adapters";
import { backfillLayer } from "./layer";
import { awaitProgram, pollProgram, type AwaitInput } from "./poll-program";
import type { SubmitOutput } from "../../contracts/backfill-workflow";
import { TaskTokensLive } from "./task-tokens";

export const program = (input: SubmitOutput | AwaitInput) => ((input as AwaitInput)?.mode === "await" ? awaitProgram(input as AwaitInput) : pollProgram(input as SubmitOutput));
export const handler = taskHandler(program, Layer.merge(backfillLayer(), TaskTokensLive));
