/** Lambda entry of `gdpr-overdue`: the daily check behind the 25-day alarm (functions/gdpr/overdue.ts). */
import { taskHandler } from "../kernel/adapters";
import { liveLayer } from "../kernel/live";
import { overdueCheck } from "./overdue";

export const program = (_event: unknown) => overdueCheck(new Date());

export const handler = taskHandler(program, liveLayer());
