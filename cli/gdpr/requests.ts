/**
 * `sdp gdpr requests [--json] [--now <time>] [--data-dir <dir>]`: the GDPR request records of the
 * local platform (table gdprRequests), with the 25-day check the scheduled `gdpr-overdue`
 * function runs in AWS: a request older than 25 days and not complete is marked and alerted
 * (once, to the data dir's alerts.jsonl). Never prints a request's identifiers (personal data).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Layer } from "effect";
import type { GdprRequestRecord } from "../../contracts/gdpr";
import { overdueCheck, type OverdueReport } from "../../functions/gdpr/overdue";
import { ageDays } from "../../functions/gdpr/requests";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { Alerts } from "../../functions/kernel/services";
import { LocalAlertLog } from "../../local/alerts";
import { locateLake, scanHotStores } from "../../local/lake-views";
import { parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

/** A record as shown: everything but the identifiers (their count only). */
const shown = (record: GdprRequestRecord, now: Date, overdue: ReadonlySet<string>) => {
  const { identifiers, ...rest } = record;
  return { ...rest, identifierCount: identifiers?.length ?? 0, ageDays: Math.floor(ageDays(record, now)), overdue: overdue.has(record.requestId) };
};

const command: Command = {
  summary: "List the GDPR requests (status, due date, steps done) and flag those older than 25 days",
  help: `Usage: sdp gdpr requests [--json] [--now <ISO time>] [--data-dir <dir>]

Lists every GDPR request of the local platform, oldest first: id, kind, origin, status, received,
due (received + 30 days), age and the workflow steps done. A request older than 25 days and not
complete is marked OVERDUE and alerted once (alerts.jsonl), as the gdpr-overdue function and its
CloudWatch alarm do in AWS. Identifiers (customer id, e-mail, phone) are never printed.

Options:
  --now <time>       the clock (ISO-8601, default now)
  --data-dir <dir>   the platform's data dir (default: the most recent run's)
  --json             print {"requests": [...], "overdue": [...]} as JSON

Exit codes: 0 listed, 2 bad usage.

Examples:
  npx sdp gdpr requests
  npx sdp gdpr requests --json --now 2026-05-01T00:00:00Z`,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, { json: { type: "boolean", default: false }, now: { type: "string" }, "data-dir": { type: "string" } });
    const now = values.now === undefined ? new Date() : new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO-8601 time like 2026-03-31T00:00:00Z, got "${values.now}"`);
    const { dataDir } = chooseDataDir(values["data-dir"], io, "gdpr requests");
    if (!fs.existsSync(dataDir)) throw new UsageError(`data dir ${dataDir} does not exist; run \`sdp local\` first or pass --data-dir`);
    const lake = locateLake(dataDir);
    const items = (await scanHotStores(lake, ["gdprRequests"])).gdprRequests ?? [];

    // The same check as in AWS, over the records read: metrics in memory, alerts to alerts.jsonl.
    const platform = makeTestPlatform();
    for (const item of items) platform.state.tables.gdprRequests.set(String(item.requestId), item);
    const alertLog = new LocalAlertLog(path.join(dataDir, "alerts.jsonl"));
    const report: OverdueReport = await Effect.runPromise(Effect.provide(overdueCheck(now), Layer.merge(platform.layer, Layer.succeed(Alerts, alertLog.service))));
    const overdue = new Set(report.overdue.map((entry) => entry.requestId));
    const records = (items as unknown as GdprRequestRecord[])
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.requestId.localeCompare(b.requestId))
      .map((record) => shown(record, now, overdue));

    if (values.json) {
      io.stdout.write(`${JSON.stringify({ checkedAt: now.toISOString(), requests: records, overdue: report.overdue })}\n`);
      return 0;
    }
    if (records.length === 0) {
      io.stdout.write("no GDPR requests\n");
      return 0;
    }
    const lines = [`${"request".padEnd(40)} ${"kind".padEnd(16)} ${"status".padEnd(22)} ${"received".padEnd(11)} ${"due".padEnd(11)} age  steps`];
    for (const record of records) {
      lines.push(
        `${record.requestId.padEnd(40)} ${record.kind.padEnd(16)} ${(record.overdue ? `${record.status} OVERDUE` : record.status).padEnd(22)} ${record.receivedAt.slice(0, 10)}  ${record.dueAt.slice(0, 10)}  ${String(record.ageDays).padStart(3)}  ${record.stepsDone.join(", ") || "-"}`,
      );
    }
    if (overdue.size > 0) lines.push(`${overdue.size} request(s) older than 25 days and not complete: alerted (alerts.jsonl)`);
    io.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  },
};

export default command;
