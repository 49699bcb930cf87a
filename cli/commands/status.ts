/**
 * `sdp status`: what a local data dir holds (lake objects, hot-store rows, dead letters, alerts).
 */
import { parseOptions, type Command } from "../command";
import { createProgress } from "../progress";
import { locateLake } from "../../local/lake-views";
import { chooseDataDir } from "../data-dir";
import { alertsRaised, deadLetters, hotStoreRows, objectsPerPrefix, pendingMessages, snapshotRows } from "../../demo/inspect";

const help = `
Usage: sdp status [--data-dir <dir>] [--json]

Shows what the local lake and hot stores of the most recent \`sdp demo\` / \`sdp local\` run
(or of --data-dir) hold: objects and bytes per lake prefix, Parquet rows per snapshot, rows per
hot-store table, messages waiting and dead-lettered per queue, and alerts raised. Works whether
or not the platform is running.

Options:
  --data-dir <dir>   an sdp data dir (default: the most recent run, named on stderr)
  --json             machine-readable output

Example:
  npx sdp status
  npx sdp status --data-dir .sdp/local --json
`;

const bytes = (count: number) => (count < 1024 ? `${count} B` : count < 1024 * 1024 ? `${(count / 1024).toFixed(1)} KiB` : `${(count / 1024 / 1024).toFixed(1)} MiB`);

const command: Command = {
  summary: "Show what the local lake and hot stores hold",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, { "data-dir": { type: "string" }, json: { type: "boolean" } });
    const { dataDir } = chooseDataDir(values["data-dir"], io, "status");
    const lake = locateLake(dataDir);
    const report = {
      dataDir,
      platform: lake.running ? { running: true, ingress: lake.running.ingress, pid: lake.running.pid } : { running: false },
      bucket: lake.bucket,
      lake: objectsPerPrefix(lake),
      parquetRows: await snapshotRows(lake),
      hotStores: await hotStoreRows(lake),
      pending: pendingMessages(dataDir),
      deadLetters: deadLetters(dataDir),
      alerts: alertsRaised(dataDir),
    };
    if (values.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const paint = createProgress(io.stdout, io.env, { quiet: true }).paint;
    const out: string[] = [];
    out.push(`${paint("Data dir", "bold")}  ${dataDir}`);
    out.push(`${paint("Platform", "bold")}  ${lake.running ? `running at ${lake.running.ingress} (pid ${lake.running.pid})` : "not running"}`);
    out.push("", `${paint("Lake", "bold")} (bucket ${lake.bucket})`);
    if (report.lake.length === 0) out.push("  (empty)");
    for (const entry of report.lake) out.push(`  ${entry.prefix.padEnd(48)} ${String(entry.objects).padStart(7)} objects  ${bytes(entry.bytes).padStart(10)}`);
    if (Object.keys(report.parquetRows).length > 0) {
      out.push("", paint("Parquet rows", "bold"));
      for (const [name, rows] of Object.entries(report.parquetRows)) out.push(`  ${name.padEnd(48)} ${String(rows).padStart(7)} rows`);
    }
    out.push("", paint("Hot stores", "bold"));
    for (const [table, rows] of Object.entries(report.hotStores)) out.push(`  ${table.padEnd(48)} ${String(rows).padStart(7)} rows`);
    out.push("", paint("Queues", "bold"));
    const pending = Object.entries(report.pending);
    const dead = Object.entries(report.deadLetters);
    if (pending.length === 0 && dead.length === 0) out.push("  nothing waiting, nothing dead-lettered");
    for (const [queue, count] of pending) out.push(`  ${queue.padEnd(48)} ${String(count).padStart(7)} waiting`);
    for (const [queue, count] of dead) out.push(`  ${queue.padEnd(48)} ${String(count).padStart(7)} ${paint("dead-lettered", "red")} (see ${dataDir}/dlq/${queue}.jsonl)`);
    out.push(
      "",
      `${paint("Alerts", "bold")}  ${report.alerts.total}${
        report.alerts.total > 0
          ? ` (${Object.entries(report.alerts.byKind)
              .map(([kind, count]) => `${kind}: ${count}`)
              .join(", ")})`
          : ""
      }`,
    );
    io.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
};

export default command;
