/** The demo's closing summary, as text for people (the JSON form is the DemoSummary itself). */
import { formatSeconds, type Progress } from "./progress";
import type { DemoSummary } from "./run";

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

const describe = (value: unknown): string => {
  if (value === undefined || value === null) return "-";
  if (typeof value !== "object") return String(value);
  const record = value as Record<string, unknown>;
  if (typeof record.skipped === "string") return `skipped (${record.skipped})`;
  return Object.entries(record)
    .filter(([, inner]) => inner !== undefined && (typeof inner !== "object" || inner === null))
    .map(([key, inner]) => `${key}: ${String(inner)}`)
    .join(", ");
};

export const renderSummary = (summary: DemoSummary, paint: Progress["paint"]): string => {
  const out: string[] = [];
  const heading = (text: string) => out.push("", paint(text, "bold"));
  out.push(
    "",
    summary.ok
      ? paint(`Demo finished in ${formatSeconds(summary.durationMs)}: every stage did what it should.`, "green")
      : paint(`Demo FAILED in ${formatSeconds(summary.durationMs)}: ${summary.failedStages.join(", ")}`, "red"),
  );
  out.push(`Data dir: ${summary.dataDir}  (seed ${summary.seed}, simulated day from ${summary.dayStart})`);

  heading("Stages");
  for (const stage of summary.stages) {
    const mark = stage.status === "ok" ? paint("ok     ", "green") : stage.status === "skipped" ? paint("skipped", "yellow") : paint("FAILED ", "red");
    out.push(`  ${mark} ${stage.name.padEnd(13)} ${formatSeconds(stage.durationMs).padStart(7)}  ${stage.detail}`);
  }

  heading("Events");
  const { events } = summary;
  out.push(`  accepted    ${events.accepted}`);
  out.push(`  duplicates  ${events.duplicates} (answered "duplicate", stored once)`);
  const rejected = events.rejected.reduce((sum, item) => sum + item.count, 0);
  out.push(`  rejected    ${rejected}`);
  for (const item of events.rejected) out.push(`    ${item.count} x ${item.status} at ${item.door}: ${item.why}`);
  out.push(`  raw objects ${events.rawObjects} (lost: ${events.lost})`);
  const dead = Object.entries(events.deadLettered);
  out.push(`  dead letters ${dead.length === 0 ? "none" : dead.map(([queue, count]) => `${queue}: ${count}`).join(", ")}`);

  heading("Shopify");
  const versions = Object.entries(summary.shopify?.webhookApiVersions ?? {});
  out.push(`  webhook traffic  API ${versions.length === 0 ? "- (no Shopify traffic)" : versions.map(([version, count]) => `${version} (${count} deliveries)`).join(", ")}`);
  const admin = summary.shopify?.adminApi;
  if (admin?.apiVersion !== undefined) out.push(`  Admin API        ${String(admin.apiVersion)} with ${String(admin.auth)} (${String(admin.tokensIssued ?? 0)} token(s) issued)`);

  heading("Hot stores (rows)");
  const tables = Object.entries(summary.hotStores);
  out.push(tables.length === 0 ? "  (not read)" : `  ${tables.map(([table, count]) => `${table} ${count}`).join(", ")}`);

  heading("Parquet rows");
  const parquet = Object.entries(summary.parquetRows);
  out.push(parquet.length === 0 ? "  none (no backfill or analytics output)" : `  ${parquet.map(([name, rows]) => `${name} ${rows}`).join(", ")}`);

  heading("Backfill and reconciliation");
  out.push(`  ${describe(summary.backfill)}`);
  const reconciliation = summary.reconciliation as Record<string, { objectCount?: number; rowsWritten?: number; countCheck?: string }> | undefined;
  for (const [object, counts] of Object.entries(reconciliation ?? {})) {
    out.push(`  reconciliation ${object}: ${counts.rowsWritten} rows written, Shopify's objectCount ${counts.objectCount} (${counts.countCheck})`);
  }

  heading("Analytics");
  out.push(`  ${describe(summary.analytics)}`);
  const views = (summary.analytics as { views?: Record<string, number> } | undefined)?.views;
  if (views)
    out.push(
      `  views: ${Object.entries(views)
        .map(([view, rows]) => `${view} ${rows}`)
        .join(", ")}`,
    );

  heading("Data quality");
  out.push(`  ${describe(summary.dataQuality).replace(/, report: .*$/, "")}`);
  const results = (summary.dataQuality as { results?: ReadonlyArray<{ check: string; status: string; detail?: string }> } | undefined)?.results;
  const clip = (text: string) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);
  for (const result of (results ?? []).filter((item) => item.status !== "pass" && item.status !== "skipped")) {
    out.push(`    ${result.status}: ${result.check}${result.detail ? `: ${clip(result.detail)}` : ""}`);
  }
  const skipped = (results ?? []).filter((item) => item.status === "skipped").length;
  const report = (summary.dataQuality as { report?: string } | undefined)?.report;
  if (skipped > 0) out.push(`    (${skipped} check${skipped === 1 ? "" : "s"} skipped for lack of history${report ? `; every check in ${report}` : ""})`);

  heading("Alerts raised");
  out.push(
    `  ${plural(summary.alerts.total, "alert")}${
      summary.alerts.total > 0
        ? `: ${Object.entries(summary.alerts.byKind)
            .map(([kind, count]) => `${kind} ${count}`)
            .join(", ")}`
        : ""
    }`,
  );
  for (const subject of summary.alerts.subjects.slice(0, 8)) out.push(`    - ${subject}`);

  heading("Look next");
  for (const line of summary.next) out.push(`  ${line}`);
  out.push(`  (alerts: ${summary.dataDir}/alerts.jsonl, dead letters: ${summary.dataDir}/dlq/)`);
  return `${out.join("\n")}\n`;
};
