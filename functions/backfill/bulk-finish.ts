/** Lambda `backfill-bulk-finish` (contracts/functions.ts): the bulk_operations/finish webhook; see bulk-finish-program.ts. */
import { Layer } from "effect";
import { sqsHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { bulkFinishProgram } from "./bulk-finish-program";
import { TaskTokensLive } from "./task-tokens";

export const program = bulkFinishProgram;
export const handler = sqsHandler(program, Layer.merge(liveLayer(), TaskTokensLive));
