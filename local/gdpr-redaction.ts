/**
 * `sdp gdpr redact` and `sdp gdpr shop-redact` on the embedded platform: the emulators of an
 * `sdp local` already running on the data dir (or its own for the run), the live layers against
 * them, and the redaction workflow run by the local runner (local/gdpr-state-machine.ts).
 *
 *   dead letters   the local queues' JSON-lines files (<data dir>/dlq/*.jsonl), rewritten without
 *                  the subject's letters (write to a temporary file, then rename)
 *   versions       s3rver does not version objects: ListObjectVersions finds none, so a plain
 *                  DeleteObject is the whole of it (the version logic is tested on a versioned
 *                  in-memory bucket, __tests__/gdpr/redaction.test.ts)
 *   vendors        Stripe and Recharge (or their stand-ins, SDP_STRIPE_API_URL / SDP_RECHARGE_API_URL)
 *                  with STRIPE_API_KEY / RECHARGE_API_TOKEN
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Layer, Option } from "effect";
import { lakePrefixes } from "../contracts/lake-layout";
import { tableSpecs, type TableKey } from "../contracts/tables";
import { DeadLetterStore } from "../functions/gdpr/redaction-services";
import type { SubjectIdentifier } from "../functions/gdpr/subject";
import { HotStore, ObjectStore, type Alert, type Item } from "../functions/kernel/services";
import type { GdprRunResult } from "./gdpr-state-machine";

export const localDeadLetters = (dataDir: string) =>
  Layer.succeed(DeadLetterStore, {
    purge: (isSubjects) =>
      Effect.sync(() => {
        const dir = path.join(dataDir, "dlq");
        let examined = 0;
        let removed = 0;
        if (!fs.existsSync(dir)) return { examined, removed };
        for (const file of fs.readdirSync(dir).filter((name) => name.endsWith(".jsonl"))) {
          const full = path.join(dir, file);
          const lines = fs
            .readFileSync(full, "utf8")
            .split("\n")
            .filter((line) => line.trim() !== "");
          const kept = lines.filter((line) => !isSubjects(line));
          examined += lines.length;
          removed += lines.length - kept.length;
          if (kept.length === lines.length) continue;
          const temporary = `${full}.${process.pid}.tmp`;
          fs.writeFileSync(temporary, kept.map((line) => `${line}\n`).join(""));
          fs.renameSync(temporary, full);
        }
        return { examined, removed };
      }),
  });

/** The GDPR services (local/gdpr-services.ts) with what redaction adds: lake versions, the local dead letters, the vendors' APIs. */
const openPlatform = async (dataDir: string, env: NodeJS.ProcessEnv) => {
  const { openLocalGdpr } = await import("./gdpr-services");
  const { LakeVersionsLive, VendorApisLive } = await import("../functions/gdpr/redaction-live");
  const alerts: Alert[] = [];
  const context = await openLocalGdpr(dataDir, env, { onAlert: (alert) => alerts.push(alert) });
  const layer = Layer.mergeAll(LakeVersionsLive, localDeadLetters(dataDir), VendorApisLive).pipe(Layer.provideMerge(context.layer));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { layerAny: layer as Layer.Layer<any>, alerts, stop: context.close };
};

export interface LocalRedactOptions {
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly identifiers: ReadonlyArray<SubjectIdentifier>;
  readonly dryRun: boolean;
  readonly vendors: ReadonlyArray<"stripe" | "recharge">;
  /** Resume (or repeat) this request instead of opening a new one. */
  readonly requestId?: string;
}

export type LocalRedactResult =
  | { readonly mode: "dry-run"; readonly plan: unknown }
  | { readonly mode: "redact"; readonly requestId: string; readonly run: GdprRunResult; readonly alerts: ReadonlyArray<Alert>; readonly auditPrefix: string };

export const runLocalRedact = async (options: LocalRedactOptions): Promise<LocalRedactResult> => {
  const platform = await openPlatform(options.dataDir, options.env);
  try {
    const { planRedaction, gdprAuditPrefix } = await import("../functions/gdpr/redaction-program");
    const run = <A>(effect: Effect.Effect<A, unknown, never>) => Effect.runPromise(Effect.provide(effect, platform.layerAny) as Effect.Effect<A>);
    if (options.dryRun) return { mode: "dry-run", plan: await run(planRedaction(options.identifiers) as never) };
    const { createRequest, getRequest } = await import("../functions/gdpr/requests");
    const { runGdprRedactionLocally } = await import("./gdpr-state-machine");
    const requestId = options.requestId ?? `cli-${randomUUID()}`;
    const existing = options.requestId === undefined ? Option.none() : ((await run(getRequest(options.requestId) as never)) as Option.Option<unknown>);
    if (Option.isNone(existing)) {
      // A new request (with the id given, or a fresh one); a given id that exists is resumed or repeated.
      if (options.identifiers.length === 0) throw new Error(`no GDPR request ${options.requestId} in this data dir: name the person with --customer`);
      await run(
        createRequest({
          requestId,
          kind: "customer-redact",
          origin: "cli",
          receivedAt: new Date().toISOString(),
          identifiers: options.identifiers,
          ...(options.vendors.length > 0 ? { vendors: options.vendors } : {}),
        }) as never,
      );
    }
    const result = await runGdprRedactionLocally(requestId, { layer: platform.layerAny });
    const record = (await run(getRequest(requestId) as never)) as Option.Option<{ receivedAt: string }>;
    const auditPrefix = Option.isSome(record) ? gdprAuditPrefix(record.value.receivedAt, requestId) : "";
    return { mode: "redact", requestId, run: result, alerts: platform.alerts, auditPrefix };
  } finally {
    await platform.stop();
  }
};

/** The hot-store tables of Shopify data (a shop/redact purges them). */
export const shopifyTables: ReadonlyArray<TableKey> = (Object.keys(tableSpecs) as TableKey[]).filter(
  (key) => !["subscriptions", "charges", "payments", "invoices", "disputes", "idempotency", "gdprRequests", "subjectIndex", "leases"].includes(key),
);
/** The lake prefixes of the shop's Shopify data. */
export const shopPrefixes = [`${lakePrefixes.raw}shopify/`, `${lakePrefixes.snapshots}shopify/`, `${lakePrefixes.processed}shopify/`, lakePrefixes.curated];

export interface ShopRedactReport {
  readonly shop: string;
  readonly confirmed: boolean;
  readonly objects: Readonly<Record<string, { readonly count: number; readonly bytes: number }>>;
  readonly hotItems: Readonly<Record<string, number>>;
  readonly idempotencyRecords: number;
  readonly subjectIndexEntries: number;
  readonly auditKey?: string;
}

/**
 * `sdp gdpr shop-redact`: the shop's Shopify data (raw, snapshots, processed, curated; the Shopify
 * hot tables; the Shopify idempotency records and the index entries pointing at what goes).
 * Without `confirm` only counts; with it, deletes and writes one audit entry.
 */
export const runLocalShopRedact = async (options: {
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly shop: string;
  readonly confirm: boolean;
}): Promise<ShopRedactReport> => {
  const platform = await openPlatform(options.dataDir, options.env);
  try {
    const { SubjectIndex, SUBJECT_INDEX_TABLE } = await import("../functions/kernel/subject-index");
    const { LakeVersions } = await import("../functions/gdpr/redaction-services");
    const program = Effect.gen(function* () {
      const objects = yield* ObjectStore;
      const hot = yield* HotStore;
      const versions = yield* LakeVersions;
      const index = yield* SubjectIndex;
      const report: { objects: Record<string, { count: number; bytes: number }>; hotItems: Record<string, number>; idempotencyRecords: number; subjectIndexEntries: number } = {
        objects: {},
        hotItems: {},
        idempotencyRecords: 0,
        subjectIndexEntries: 0,
      };
      const purgedKeys = new Set<string>();
      for (const prefix of shopPrefixes) {
        const listed = yield* objects.list(prefix);
        report.objects[prefix] = { count: listed.length, bytes: listed.reduce((sum, object) => sum + object.size, 0) };
        for (const { key } of listed) {
          purgedKeys.add(key);
          if (!options.confirm) continue;
          for (const version of yield* versions.versions(key)) yield* versions.deleteVersion(key, version.versionId);
          yield* objects.delete(key);
        }
      }
      for (const table of shopifyTables) {
        const items = yield* hot.scan(table);
        report.hotItems[table] = items.length;
        if (options.confirm) for (const item of items) yield* hot.delete(table, keyOf(table, item));
      }
      const claims = (yield* hot.scan("idempotency")).filter((item) => String(item.key ?? "").startsWith("shopify"));
      report.idempotencyRecords = claims.length;
      if (options.confirm) for (const item of claims) yield* hot.delete("idempotency", { key: item.key });
      const entries = (yield* hot.scan(SUBJECT_INDEX_TABLE as TableKey)).filter((item) => {
        const location = typeof item.location === "string" ? (JSON.parse(item.location) as { store: string; key: unknown; table?: string }) : undefined;
        if (!location) return false;
        if (location.store === "raw" || location.store === "parquet")
          return purgedKeys.has(String(location.key)) || shopPrefixes.some((prefix) => String(location.key).startsWith(prefix));
        if (location.store === "hot") return shopifyTables.includes(location.table as TableKey);
        return location.store === "idempotency" && String(location.key).startsWith("shopify");
      });
      report.subjectIndexEntries = entries.length;
      if (options.confirm) yield* index.remove(entries.map((item) => ({ subject_key: String(item.subject_key), location_id: String(item.location_id) })));
      let auditKey: string | undefined;
      if (options.confirm) {
        const at = new Date().toISOString();
        auditKey = `${lakePrefixes.gdprAudit}dt=${at.slice(0, 10)}/shop-redact-${at.replace(/[:.]/g, "")}/${at.replace(/[:.]/g, "")}-shop-redact.json`;
        const counts = {
          objects: Object.values(report.objects).reduce((sum, each) => sum + each.count, 0),
          bytes: Object.values(report.objects).reduce((sum, each) => sum + each.bytes, 0),
          hotItems: Object.values(report.hotItems).reduce((sum, each) => sum + each, 0),
          idempotencyRecords: report.idempotencyRecords,
          subjectIndexEntries: report.subjectIndexEntries,
        };
        yield* objects.putIfAbsent(
          auditKey,
          `${JSON.stringify({ requestId: `shop-redact-${at}`, kind: "shop-redact", step: "shop-redact", skipped: false, startedAt: at, finishedAt: new Date().toISOString(), counts })}\n`,
        );
      }
      return { ...report, ...(auditKey ? { auditKey } : {}) };
    });
    const report = await Effect.runPromise(Effect.provide(program, platform.layerAny) as Effect.Effect<Omit<ShopRedactReport, "shop" | "confirmed">>);
    return { shop: options.shop, confirmed: options.confirm, ...report };
  } finally {
    await platform.stop();
  }
};

const keyOf = (table: TableKey, item: Item): Item => {
  const spec = tableSpecs[table] as { partitionKey: { name: string }; sortKey?: { name: string } };
  return { [spec.partitionKey.name]: item[spec.partitionKey.name], ...(spec.sortKey ? { [spec.sortKey.name]: item[spec.sortKey.name] } : {}) } as Item;
};
