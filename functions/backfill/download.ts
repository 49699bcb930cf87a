/**
 * Lambda `backfill-download` (contracts/functions.ts): see download-program.ts. The same function
 * serves the refunds export's follow-up (FetchRefundDetails, `mode: "refund-details"`,
 * refund-details-program.ts): it has DuckDB and the snapshot prefixes already.
 */
import { Effect } from "effect";
import { envVars } from "../../contracts/env-vars";
import { DEFAULT_PART_BYTES } from "./convert/stream";
import { optionalConfig } from "../kernel/config";
import { taskHandler } from "../kernel/adapters";
import { backfillLayer } from "./layer";
import { downloadProgram, type DownloadInput } from "./download-program";
import { refundDetailsProgram, type RefundDetailsInput } from "./refund-details-program";

/**
 * JSONL bytes per part: `BULK_PART_MB` (MiB) when set, else 256 MiB. Peak /tmp use is about
 * 2 x this plus one part's Parquet (at most 4 x + Parquet when no root line comes for a whole
 * part), so 256 MiB stays far below the function's ephemeral storage; see docs/backfill.md.
 */
export const partBytesOf = (value: string | undefined): number => {
  const mb = value === undefined || value === "" ? NaN : Number(value);
  return Number.isInteger(mb) && mb > 0 ? mb * 1024 * 1024 : DEFAULT_PART_BYTES;
};

export const program = (input: DownloadInput | RefundDetailsInput) =>
  Effect.gen(function* () {
    if ((input as RefundDetailsInput)?.mode === "refund-details") return yield* refundDetailsProgram(input as RefundDetailsInput);
    const partMb = yield* optionalConfig(envVars.bulkPartMb);
    return yield* downloadProgram(input as DownloadInput, { partBytes: partBytesOf(partMb) });
  });
// Lambda gives /tmp (the configured ephemeral storage) and the configured memory; DuckDB stays
// below its memory_limit (1 GB) and spills the rest to /tmp.
export const handler = taskHandler(program, backfillLayer());
