/** Lambda `backfill-record` (contracts/functions.ts): per-object record and the run summary; see record-program.ts. */
import { taskHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { recordProgram } from "./record-program";

export const program = recordProgram;
export const handler = taskHandler(program, liveLayer());
