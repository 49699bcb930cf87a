/**
 * The demo: the whole platform doing its whole job on this machine, checked at every stage.
 *
 *   prepare      recreate the demo's data dir
 *   platform     start the embedded platform (emulators, routing, doors) on a free port
 *   traffic      send a seeded day of signed webhooks through the HTTPS doors and the event door
 *   processing   wait until every accepted event is processed; zero lost, nothing dead-lettered
 *   hot stores   every object holds its newest state; duplicates stored once; forgeries absent
 *   backfill     90 days of history through the bulk workflow against the Shopify stand-in
 *   analytics    orders_enriched and the curated views (when etl/ is installed)
 *   data quality the checks (when functions/data-quality is installed)
 *
 * Each stage records checks (expected vs found); the demo fails when any check fails and names
 * the stage. Stages after a failure still run when they can, so one run shows everything wrong.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tableKeys, type TableKey } from "../contracts/tables";
import { locateLake, scanHotStores } from "../local/lake-views";
import type { Progress } from "./progress";
import { readRunningPlatform, startLocalPlatform, type LocalPlatform, type PlatformCounters } from "../local/platform";
import { alertsRaised, countRawObjects, deadLetters, objectsPerPrefix, snapshotRows, type AlertSummary, type PrefixCount } from "./inspect";
import { firstOrderNumberAfterBackfill, runAnalytics, runBackfill, runDataQuality, type OptionalStage } from "./optional";
import { answerLabel, forEachLimited, postDelivery, type Answer } from "./send";
import { webhookSecretsFrom } from "./signing";
import { check, equalCheck, StageRecorder, type StageResult } from "./stage";
import { defaultDayStart, generateTraffic, type Delivery, type Traffic } from "./traffic";
import { verifyHotStores } from "./verify";

export interface DemoOptions {
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly progress: Progress;
  readonly seed?: number;
  readonly now?: Date;
  /** Days of history to backfill (default 90). */
  readonly backfillDays?: number;
  /** Record `.sdp/last-run.json` so `sdp query` finds this run (the CLI does; tests need not). */
  readonly recordLastRun?: boolean;
  /** Requests in flight per wave. */
  readonly concurrency?: number;
}

export interface TrafficReport {
  readonly sent: number;
  readonly uniqueEvents: number;
  readonly duplicatesSent: number;
  readonly forgedSent: number;
  readonly byDoor: Record<string, Record<string, number>>;
  readonly unexpected: ReadonlyArray<{ seq: number; door: string; topic: string; kind: string; expected: string; got: string; error?: string }>;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly failedStages: ReadonlyArray<string>;
  readonly dataDir: string;
  readonly seed: number;
  readonly dayStart: string;
  readonly durationMs: number;
  readonly stages: ReadonlyArray<StageResult>;
  readonly traffic?: TrafficReport;
  readonly events: {
    readonly accepted: number;
    readonly duplicates: number;
    readonly rejected: ReadonlyArray<{ readonly door: string; readonly status: number; readonly count: number; readonly why: string }>;
    readonly rawObjects: number;
    readonly lost: number;
    readonly deadLettered: Record<string, number>;
  };
  readonly hotStores: Record<string, number>;
  readonly lake: ReadonlyArray<PrefixCount>;
  readonly parquetRows: Record<string, number>;
  readonly backfill?: unknown;
  readonly reconciliation?: unknown;
  readonly analytics?: unknown;
  readonly dataQuality?: unknown;
  readonly alerts: AlertSummary;
  /** Which Shopify API version the traffic used (X-Shopify-API-Version of each Shopify delivery), and how the backfill reached the Admin API. */
  readonly shopify: {
    readonly webhookApiVersions: Record<string, number>;
    readonly adminApi?: { readonly apiVersion?: unknown; readonly auth?: unknown; readonly tokensIssued?: unknown };
  };
  readonly next: ReadonlyArray<string>;
}

const pickAdmin = (data: unknown) => {
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  return { apiVersion: record.adminApiVersion, auth: record.adminAuth, tokensIssued: record.tokensIssued };
};

/** X-Shopify-API-Version of every Shopify delivery (HTTPS headers, or the partner envelope's metadata), counted. */
export const shopifyApiVersionsOf = (deliveries: ReadonlyArray<Pick<Delivery, "source" | "headers" | "body">>): Record<string, number> => {
  const counts: Record<string, number> = {};
  const versionIn = (headers: unknown): string | undefined => {
    if (typeof headers !== "object" || headers === null) return undefined;
    for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === "x-shopify-api-version" && typeof value === "string") return value;
    return undefined;
  };
  for (const delivery of deliveries) {
    if (delivery.source !== "shopify") continue;
    let version = versionIn(delivery.headers);
    if (version === undefined) {
      try {
        version = versionIn((JSON.parse(delivery.body) as { detail?: { metadata?: unknown } }).detail?.metadata);
      } catch {
        version = undefined;
      }
    }
    counts[version ?? "unknown"] = (counts[version ?? "unknown"] ?? 0) + 1;
  }
  return counts;
};

const doorName = (delivery: Delivery) => (delivery.door === "events" ? "events (partner bus)" : `https ${delivery.door}`);

const expectedLabel = (delivery: Delivery) => (delivery.expected.status === 200 ? delivery.expected.outcome : String(delivery.expected.status));

const sendTraffic = async (platform: LocalPlatform, traffic: Traffic, progress: Progress, concurrency: number): Promise<TrafficReport> => {
  const answers = new Map<number, Answer>();
  const bar = progress.bar("traffic", traffic.deliveries.length);
  const waves = [...new Set(traffic.deliveries.map((delivery) => delivery.wave))].sort((left, right) => left - right);
  for (const wave of waves) {
    const inWave = traffic.deliveries.filter((delivery) => delivery.wave === wave);
    await forEachLimited(inWave, concurrency, async (delivery) => {
      const answer = await postDelivery(platform.ready.ingress, delivery);
      answers.set(delivery.seq, answer);
      bar.tick(1, `${delivery.topic} -> ${answerLabel(answer)}`);
    });
  }
  const byDoor: Record<string, Record<string, number>> = {};
  const unexpected: Array<TrafficReport["unexpected"][number]> = [];
  for (const delivery of traffic.deliveries) {
    const answer = answers.get(delivery.seq)!;
    const label = answerLabel(answer);
    const door = doorName(delivery);
    byDoor[door] ??= {};
    byDoor[door]![label] = (byDoor[door]![label] ?? 0) + 1;
    if (label !== expectedLabel(delivery)) {
      unexpected.push({
        seq: delivery.seq,
        door,
        topic: delivery.topic,
        kind: delivery.kind,
        expected: expectedLabel(delivery),
        got: label,
        ...(answer.error ? { error: answer.error } : {}),
      });
    }
  }
  const summary = Object.entries(byDoor)
    .map(
      ([door, counts]) =>
        `${door}: ${Object.entries(counts)
          .map(([label, count]) => `${count} ${label}`)
          .join(", ")}`,
    )
    .join("; ");
  bar.done(summary);
  return {
    sent: traffic.deliveries.length,
    uniqueEvents: traffic.expectations.uniqueEvents,
    duplicatesSent: traffic.expectations.duplicates,
    forgedSent: traffic.expectations.forged,
    byDoor,
    unexpected,
  };
};

/** Waits for every queue to empty, showing processed events against those accepted. */
const drainWithProgress = async (platform: LocalPlatform, progress: Progress) => {
  const totals = () => {
    const routes = Object.values(platform.counters().events.routes);
    return {
      received: routes.reduce((sum, route) => sum + route.received, 0),
      settled: routes.reduce((sum, route) => sum + route.delivered + route.deadLettered, 0),
    };
  };
  const bar = progress.bar("processing", totals().received);
  let shown = 0;
  const timer = setInterval(() => {
    const { settled } = totals();
    if (settled > shown) {
      bar.tick(settled - shown, "events processed");
      shown = settled;
    }
  }, 100);
  try {
    await platform.drain();
  } finally {
    clearInterval(timer);
  }
  const { settled, received } = totals();
  if (settled > shown) bar.tick(settled - shown);
  bar.done(`${settled} of ${received} queued events settled`);
};

const doorTotals = (counters: PlatformCounters) => {
  let accepted = counters.eventDoor.accepted;
  let duplicates = counters.eventDoor.duplicate;
  const rejected: Array<{ door: string; status: number; count: number }> = [];
  for (const [route, door] of Object.entries(counters.doors)) {
    if (!route.startsWith("POST /webhooks/")) continue;
    accepted += door.accepted;
    duplicates += door.duplicate;
    for (const [status, count] of Object.entries(door.rejected)) rejected.push({ door: route.slice("POST ".length), status: Number(status), count });
  }
  if (counters.eventDoor.rejected > 0) rejected.push({ door: "/events", status: 400, count: counters.eventDoor.rejected });
  return { accepted, duplicates, rejected };
};

const whyRejected = (traffic: Traffic | undefined, door: string, status: number) => {
  const reasons = (traffic?.deliveries ?? [])
    .filter((delivery) => delivery.kind === "forged" && delivery.path === door && delivery.expected.status === status)
    .map((delivery) => delivery.why);
  if (reasons.length > 0) return [...new Set(reasons)].join("; ");
  return status === 401 ? "signature did not verify" : status === 400 ? "malformed delivery" : status === 503 ? "door unavailable" : "rejected";
};

/**
 * The alerts the day must raise: a cancelled subscription, a renewal charge failing its third
 * attempt, a declined Stripe payment of 189.50, a dispute; each once. The thresholds follow the
 * same variables the processors read, so a changed threshold changes the expectation.
 */
export const expectedAlerts = (env: NodeJS.ProcessEnv): Record<string, number> => {
  const attempts = Number(env.RECHARGE_CHARGE_FAILED_ALERT_ATTEMPTS ?? 3);
  const minAmount = Number(env.STRIPE_PAYMENT_FAILED_ALERT_MIN_AMOUNT ?? 10_000);
  return {
    "subscription-cancelled": 1,
    ...(attempts <= 3 ? { "charge-failed": 1 } : {}),
    ...(minAmount <= 18_950 ? { "payment-failed": 1 } : {}),
    "dispute-opened": 1,
  };
};

/**
 * The demo deletes its data dir first: refuse when a platform runs there, or when the directory
 * holds anything that is not an sdp data dir (a mistyped --data-dir must never wipe someone's files).
 */
export const assertDisposable = (dataDir: string) => {
  if (!fs.existsSync(dataDir)) return;
  const running = readRunningPlatform(dataDir);
  if (running) throw new Error(`a platform (pid ${running.pid}) is running on ${dataDir}: stop it first, or give the demo another --data-dir`);
  const entries = fs.readdirSync(dataDir);
  const looksLikeDataDir = entries.includes("platform.json") || (entries.includes("dynamodb") && entries.includes("s3"));
  if (entries.length > 0 && !looksLikeDataDir) {
    throw new Error(`${dataDir} is not empty and is not an sdp data dir; the demo deletes its data dir, so give it a new or empty --data-dir`);
  }
};

export const runDemo = async (options: DemoOptions): Promise<DemoSummary> => {
  const started = Date.now();
  const { progress } = options;
  const dataDir = path.resolve(options.dataDir);
  const recorder = new StageRecorder();
  const now = options.now ?? new Date();
  let platform: LocalPlatform | undefined;
  let traffic: Traffic | undefined;
  let trafficReport: TrafficReport | undefined;
  let rawObjects = 0;
  let hotStores: Record<string, number> = {};
  let backfill: OptionalStage | undefined;
  let analytics: OptionalStage | undefined;
  let dataQuality: OptionalStage | undefined;
  // Until the prepare stage succeeds the directory may hold someone else's data: report none of it.
  let ownsDataDir = false;
  const stage = async (name: string, body: Parameters<StageRecorder["run"]>[1]) => {
    const result = await recorder.run(name, body);
    const mark = result.status === "ok" ? progress.paint("ok", "green") : result.status === "skipped" ? progress.paint("skipped", "yellow") : progress.paint("FAILED", "red");
    progress.line(`[${mark}] ${name}: ${result.detail}`);
    if (result.status === "failed") {
      for (const failed of result.checks.filter((item) => !item.ok)) {
        progress.line(`       ${failed.name}: expected ${JSON.stringify(failed.expected)}, found ${JSON.stringify(failed.actual)}`);
      }
    }
    return result;
  };

  try {
    const prepared = await stage("prepare", async () => {
      assertDisposable(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.mkdirSync(dataDir, { recursive: true });
      return { detail: `fresh data dir ${dataDir}`, checks: [check("data dir is empty", fs.readdirSync(dataDir).length === 0)] };
    });
    if (prepared.status !== "ok") return finish();
    ownsDataDir = true;

    await stage("platform", async () => {
      platform = await startLocalPlatform({ dataDir, port: 0, env: options.env, ...(options.recordLastRun ? { recordLastRun: "demo" as const } : {}) });
      const unavailable = platform.counters().unavailable;
      return {
        detail: `ingress ${platform.ready.ingress}, S3 ${platform.ready.endpoints.s3}, DynamoDB ${platform.ready.endpoints.dynamodb}`,
        checks: [equalCheck("every door and processor is available", {}, unavailable)],
      };
    });
    if (!platform) return finish();
    const running = platform;

    await stage("traffic", async () => {
      traffic = generateTraffic({
        seed: options.seed,
        dayStart: defaultDayStart(now),
        secrets: webhookSecretsFrom(options.env),
        signedAtSeconds: Math.floor(Date.now() / 1000),
        // Today's orders continue the numbering of the history the backfill brings in, so the
        // order-number gap check sees one unbroken sequence.
        firstOrderNumber: firstOrderNumberAfterBackfill(now, options.backfillDays ?? 90),
      });
      trafficReport = await sendTraffic(running, traffic, progress, options.concurrency ?? 8);
      const totals = doorTotals(running.counters());
      const expectations = traffic.expectations;
      return {
        detail: `${trafficReport.sent} deliveries: ${totals.accepted} accepted, ${totals.duplicates} duplicates, ${totals.rejected.reduce((sum, item) => sum + item.count, 0)} rejected`,
        checks: [
          check("every delivery got the answer it should", trafficReport.unexpected.length === 0, "none unexpected", trafficReport.unexpected.slice(0, 5)),
          equalCheck("accepted events", expectations.uniqueEvents, totals.accepted),
          equalCheck("duplicates recognised as duplicates", expectations.duplicates, totals.duplicates),
          equalCheck(
            "forged signatures rejected with 401",
            expectations.forged,
            totals.rejected.filter((item) => item.status === 401).reduce((sum, item) => sum + item.count, 0),
          ),
        ],
      };
    });

    await stage("processing", async () => {
      await drainWithProgress(running, progress);
      const lake = locateLake(dataDir);
      rawObjects = countRawObjects(lake);
      const dead = deadLetters(dataDir);
      const accepted = doorTotals(running.counters()).accepted;
      const routes = running.counters().events.routes;
      const retried = Object.values(routes).reduce((sum, route) => sum + route.retried, 0);
      return {
        detail: `${rawObjects} raw objects for ${accepted} accepted events; ${Object.values(dead).reduce((sum, count) => sum + count, 0)} dead letters; ${retried} retries`,
        checks: [equalCheck("zero lost: raw objects = accepted events", accepted, rawObjects), equalCheck("nothing dead-lettered", {}, dead)],
      };
    });

    await stage("hot stores", async () => {
      const lake = locateLake(dataDir);
      const items = await scanHotStores(
        lake,
        tableKeys.filter((key) => key !== "idempotency" && key !== "leases"),
      );
      hotStores = Object.fromEntries(Object.entries(items).map(([key, rows]) => [key, rows?.length ?? 0]));
      if (!traffic) return { detail: "no traffic was generated", checks: [check("traffic generated", false)] };
      const verification = verifyHotStores(traffic.expectations, items as Partial<Record<TableKey, Record<string, unknown>[]>>);
      return {
        detail: `${verification.rowsHolding}/${verification.rowsChecked} objects hold their newest state; ${Object.entries(hotStores)
          .filter(([, count]) => count > 0)
          .map(([table, count]) => `${table} ${count}`)
          .join(", ")}`,
        checks: verification.checks,
      };
    });

    await stage("alerts", async () => {
      const raised = alertsRaised(dataDir);
      const expected = expectedAlerts(options.env);
      return {
        detail:
          raised.total === 0
            ? "none raised"
            : Object.entries(raised.byKind)
                .map(([kind, count]) => `${kind} ${count}`)
                .join(", "),
        checks: [equalCheck("one alert per business event (cancellation, failed charge, failed payment, dispute), none per retry or redelivery", expected, raised.byKind)],
      };
    });

    // What the optional stages share: the running platform and the day the traffic covered.
    const context = () => ({ platform: running, dataDir, now, progress, env: options.env, dayStart: traffic?.dayStart });

    await stage("backfill", async () => {
      backfill = await runBackfill({ ...context(), days: options.backfillDays ?? 90 });
      return backfill;
    });

    await stage("analytics", async () => {
      analytics = await runAnalytics({ ...context(), stripePaidOrders: traffic?.expectations.stripePaidOrders });
      return analytics;
    });

    await stage("data quality", async () => {
      dataQuality = await runDataQuality(context());
      return dataQuality;
    });
  } finally {
    if (platform) {
      const stopping = platform;
      await recorder.run("stop", async () => {
        await stopping.stop();
        return { detail: "platform stopped" };
      });
    }
  }
  return finish();

  async function finish(): Promise<DemoSummary> {
    const mine = ownsDataDir && fs.existsSync(dataDir);
    const lake = mine ? locateLake(dataDir) : undefined;
    const counters = platform?.counters();
    const totals = counters ? doorTotals(counters) : { accepted: 0, duplicates: 0, rejected: [] };
    let parquetRows: Record<string, number> = {};
    try {
      if (lake) parquetRows = await snapshotRows(lake);
    } catch {
      parquetRows = {};
    }
    const failedStages = recorder.failed.map((failed) => failed.name);
    return {
      ok: failedStages.length === 0,
      failedStages,
      dataDir,
      seed: traffic?.seed ?? options.seed ?? 0,
      dayStart: traffic?.dayStart ?? defaultDayStart(now).toISOString(),
      durationMs: Date.now() - started,
      stages: recorder.stages,
      ...(trafficReport ? { traffic: trafficReport } : {}),
      events: {
        accepted: totals.accepted,
        duplicates: totals.duplicates,
        rejected: totals.rejected.map((item) => ({ ...item, why: whyRejected(traffic, item.door, item.status) })),
        rawObjects,
        lost: Math.max(0, totals.accepted - rawObjects),
        deadLettered: mine ? deadLetters(dataDir) : {},
      },
      hotStores,
      lake: lake ? objectsPerPrefix(lake) : [],
      parquetRows,
      ...(backfill ? { backfill: backfill.data, reconciliation: backfill.reconciliation } : {}),
      ...(analytics ? { analytics: analytics.data } : {}),
      ...(dataQuality ? { dataQuality: dataQuality.data } : {}),
      alerts: mine ? alertsRaised(dataDir) : { total: 0, byKind: {}, subjects: [] },
      shopify: {
        webhookApiVersions: traffic ? shopifyApiVersionsOf(traffic.deliveries) : {},
        ...(backfill ? { adminApi: pickAdmin(backfill.data) } : {}),
      },
      next: [
        `npx sdp query "select count(*) from orders"`,
        `npx sdp query "select source, entity, count(*) as events from raw_events group by all order by all"`,
        `npx sdp query "select id, status, cancellation_reason from subscriptions"`,
        ...(Object.keys(parquetRows).includes("snapshot_orders") ? [`npx sdp query "select count(*) from snapshot_orders"`] : []),
        ...(Object.keys(parquetRows).includes("orders_enriched")
          ? [`npx sdp query "select dt, count(*), sum(net_amount) from orders_enriched group by dt order by dt desc limit 7"`]
          : []),
        `npx sdp status`,
      ].map((line) => (options.recordLastRun ? line : `${line} --data-dir ${dataDir}`)),
    };
  }
};
