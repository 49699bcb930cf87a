/**
 * What a data dir holds: lake objects per prefix, Parquet rows per snapshot entity, hot-store rows
 * per table, dead letters per queue, alerts. Shared by `sdp status` and the demo's summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tableKeys, type TableKey } from "../contracts/tables";
import { listObjectKeys, openLakeDatabase, scanHotStores, type LakeLocation } from "../local/lake-views";

export interface PrefixCount {
  readonly prefix: string;
  readonly objects: number;
  readonly bytes: number;
}

/** Objects per prefix, grouped to depth 3 (raw/shopify/orders/) or 4 for snapshots (snapshots/shopify/orders/run=..). */
export const objectsPerPrefix = (lake: LakeLocation): PrefixCount[] => {
  const groups = new Map<string, { objects: number; bytes: number }>();
  for (const key of listObjectKeys(lake, "")) {
    const parts = key.split("/");
    const depth = parts[0] === "raw" || parts[0] === "snapshots" || parts[0] === "processed" ? 3 : 2;
    const prefix = `${parts.slice(0, Math.min(depth, parts.length - 1)).join("/")}/`;
    const size = fs.statSync(lake.objects.pathOf(key)).size;
    const group = groups.get(prefix) ?? { objects: 0, bytes: 0 };
    group.objects++;
    group.bytes += size;
    groups.set(prefix, group);
  }
  return [...groups.entries()].map(([prefix, group]) => ({ prefix, ...group })).sort((left, right) => left.prefix.localeCompare(right.prefix));
};

export const countRawObjects = (lake: LakeLocation) => listObjectKeys(lake, "raw/").length;

/** Parquet rows per snapshot entity (all runs), counted by DuckDB from the files' metadata. */
export const snapshotRows = async (lake: LakeLocation): Promise<Record<string, number>> => {
  const database = await openLakeDatabase(lake, { hotStoreViews: [] });
  try {
    const out: Record<string, number> = {};
    for (const relation of database.relations.filter((candidate) => candidate.name.startsWith("snapshot_") || candidate.name === "orders_enriched")) {
      const reader = await database.connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM "${relation.name}"`);
      out[relation.name] = Number(reader.getRowObjectsJson()[0]!.n);
    }
    return out;
  } finally {
    database.close();
  }
};

/** Rows per hot-store table (every table of contracts/tables.ts). */
export const hotStoreRows = async (lake: LakeLocation, keys: ReadonlyArray<TableKey> = tableKeys): Promise<Record<string, number>> => {
  const scanned = await scanHotStores(lake, keys);
  return Object.fromEntries(keys.map((key) => [key, scanned[key]?.length ?? 0]));
};

const countLines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "").length;

/** Dead letters per queue (local DLQ files `<data-dir>/dlq/<route>.jsonl`). */
export const deadLetters = (dataDir: string): Record<string, number> => {
  const dir = path.join(dataDir, "dlq");
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((file) => file.endsWith(".jsonl"))
      .map((file) => [file.slice(0, -".jsonl".length), countLines(path.join(dir, file))] as const)
      .filter(([, count]) => count > 0),
  );
};

/** Messages still journaled (accepted, not yet processed) per queue. */
export const pendingMessages = (dataDir: string): Record<string, number> => {
  const dir = path.join(dataDir, "queues");
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => [entry.name, fs.readdirSync(path.join(dir, entry.name)).filter((file) => file.endsWith(".json")).length] as const)
      .filter(([, count]) => count > 0),
  );
};

export interface AlertSummary {
  readonly total: number;
  readonly byKind: Record<string, number>;
  readonly subjects: ReadonlyArray<string>;
}

/** Alerts the platform raised locally (`<data-dir>/alerts.jsonl`): kinds and subjects, never bodies. */
export const alertsRaised = (dataDir: string): AlertSummary => {
  const file = path.join(dataDir, "alerts.jsonl");
  const byKind: Record<string, number> = {};
  const subjects: string[] = [];
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const alert = JSON.parse(line) as { kind?: string; subject?: string };
        const kind = alert.kind ?? "unknown";
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        if (alert.subject) subjects.push(alert.subject);
      } catch {
        byKind.unreadable = (byKind.unreadable ?? 0) + 1;
      }
    }
  }
  return { total: Object.values(byKind).reduce((sum, count) => sum + count, 0), byKind, subjects };
};
