/** Lambda `gdpr-redact` (contracts/functions.ts): one step of the redaction workflow; see redaction-program.ts. */
import { Layer } from "effect";
import { taskHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { redactionLiveLayer } from "./redaction-live";
import { redactionStepProgram } from "./redaction-program";

export const program = redactionStepProgram;
export const handler = taskHandler(program, Layer.provideMerge(redactionLiveLayer, liveLayer()));
