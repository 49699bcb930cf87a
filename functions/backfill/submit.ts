/** Lambda `backfill-submit` (contracts/functions.ts): see submit-program.ts. */
import { taskHandler } from "../kernel/adapters";
import { backfillLayer } from "./layer";
import { submitProgram } from "./submit-program";

export const program = submitProgram;
export const handler = taskHandler(program, backfillLayer());
