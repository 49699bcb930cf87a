/** Lambda `backfill-download` (contracts/functions.ts): see download-program.ts. */
import { taskHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { downloadProgram, type DownloadInput } from "./download-program";

export const program = (input: DownloadInput) => downloadProgram(input);
// Lambda gives /tmp (up to 10 GB ephemeral storage) and the configured memory; DuckDB stays
// below it and spills the rest to /tmp.
export const handler = taskHandler(program, liveLayer());
