/**
 * The data-quality checks as pure functions of the facts gathered for one day (facts.ts). Each
 * returns results that pass, fail with a severity, or are skipped with the reason; the program
 * (handler-program.ts) turns failures into alerts, metrics and the list of days to backfill.
 */
import type { Source } from "../../contracts/lake-layout";
import { defaultWebhookRecoveryAlert, type WebhookRecoveryAlert } from "../../contracts/webhook-recovery";
import { addDays, dateRange, daysBetween } from "./dates";
import { robustZScore } from "./robust";

export type CheckName = "freshness" | "volume" | "order-number-gaps" | "duplicates" | "bulk-count" | "schema-drift" | "hot-store" | "decode-failures" | "webhook-recovery";
export type Severity = "warning" | "error";

export interface CheckResult {
  readonly check: CheckName;
  /** What was checked: `shopify/orders`, a manifest, a table. Never personal data. */
  readonly subject: string;
  readonly status: "pass" | "fail" | "skipped";
  /** Set when status is "fail". */
  readonly severity?: Severity;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** A raw stream: raw/<source>/<entity>/. */
export interface StreamSpec {
  readonly source: string;
  readonly entity: string;
  /** Days without any event before freshness fails. */
  readonly maxAgeDays: number;
  readonly severity: Severity;
}

export interface StreamCounts {
  readonly stream: StreamSpec;
  /** Objects per received date, for the run date and the trailing days (absent = 0). */
  readonly counts: Readonly<Record<string, number>>;
}

export interface OrderNumberGap {
  /** First and last missing order number (inclusive). */
  readonly gapStart: number;
  readonly gapEnd: number;
  /** Order dates (the shop's local days) of the orders either side of the gap: the days to backfill. */
  readonly fromDate: string;
  readonly toDate: string;
}

export interface ManifestFacts {
  readonly key: string;
  readonly runId: string;
  readonly object: string;
  readonly objectCount: number;
  readonly totalRows: number;
  readonly partial: boolean;
  readonly countCheck?: string;
  readonly entities: ReadonlyArray<{ readonly entity: string; readonly rows: number; readonly landed: boolean }>;
}

export interface FieldSample {
  readonly subject: string;
  /** Fields the transforms and processors rely on. */
  readonly expected: ReadonlyArray<string>;
  /** Fields known and ignored. */
  readonly tolerated: ReadonlyArray<string>;
  readonly sampled: number;
  /** Field -> objects (of the sample) that carry it. */
  readonly seen: Readonly<Record<string, number>>;
}

export type HotStoreFacts =
  | { readonly mode: "counts"; readonly counts: Readonly<Record<string, number>>; readonly errors: Readonly<Record<string, string>> }
  | { readonly mode: "cloudwatch"; readonly note: string }
  | { readonly mode: "none"; readonly note: string };

export interface DqFacts {
  readonly date: string;
  readonly streams: ReadonlyArray<StreamCounts>;
  /** Undefined when the query behind it did not run (say why in `missing`). */
  readonly orderNumberGaps?: ReadonlyArray<OrderNumberGap>;
  readonly processedDuplicates?: ReadonlyArray<{ readonly orderId: string; readonly copies: number }>;
  readonly manifests: ReadonlyArray<ManifestFacts>;
  readonly fieldSamples: ReadonlyArray<FieldSample>;
  readonly hotStore: HotStoreFacts;
  readonly missing: Readonly<Record<string, string>>;
  /** Events received on the date whose payload did not decode (to the DLQ), per topic and API version. */
  readonly decodeFailures?: ReadonlyArray<DecodeFailureCount>;
  /** Per source, webhook deliveries and reconciliation recoveries of the date, and when to alert. */
  readonly webhookDelivery?: ReadonlyArray<WebhookDeliveryFacts>;
  readonly webhookRecoveryAlert?: WebhookRecoveryAlert;
}

/** One source's events of the day: by webhook, and recovered by the nightly reconciliation (contracts/webhook-recovery.ts). */
export interface WebhookDeliveryFacts {
  readonly source: Source;
  /** Raw objects received on the day under the source's webhook entities. */
  readonly rawObjects: number;
  /** Of those, the raw copies the reconciliation wrote that day (recoveries, not webhook deliveries). */
  readonly recoveredCopies: number;
  /** Events of the day recovered by reconciliation (that night or later); undefined for a source not recovered event by event. */
  readonly recovered?: number;
}

/** What the webhook-recovery check says per source: the numbers of the report's `webhooks`. */
export interface WebhookDeliveryCount {
  readonly source: Source;
  readonly received: number;
  /** null: this source's missed webhooks are not recovered event by event (Shopify). */
  readonly recovered: number | null;
  /** recovered / (received + recovered), null when nothing arrived or nothing is recovered. */
  readonly recoveredShare: number | null;
}

export const webhookDeliveryCounts = (facts: ReadonlyArray<WebhookDeliveryFacts>): WebhookDeliveryCount[] =>
  facts.map((fact) => {
    const received = Math.max(0, fact.rawObjects - fact.recoveredCopies);
    if (fact.recovered === undefined) return { source: fact.source, received, recovered: null, recoveredShare: null };
    const total = received + fact.recovered;
    return { source: fact.source, received, recovered: fact.recovered, recoveredShare: total === 0 ? null : fact.recovered / total };
  });

export interface DecodeFailureCount {
  readonly topic: string;
  readonly apiVersion: string;
  readonly count: number;
}

export const TRAILING_DAYS = 7;
const Z_LIMIT = 3.5;
const MIN_HISTORY_DAYS_WITH_DATA = 3;
const MAX_LISTED_NUMBERS = 200;

const subjectOf = (stream: StreamSpec) => `${stream.source}/${stream.entity}`;

export const checkFreshness = (date: string, streams: ReadonlyArray<StreamCounts>): CheckResult[] =>
  streams.map(({ stream, counts }) => {
    const window = dateRange(addDays(date, -TRAILING_DAYS), date);
    const lastSeen = [...window].reverse().find((day) => (counts[day] ?? 0) > 0);
    const subject = subjectOf(stream);
    if (!lastSeen) return { check: "freshness", subject, status: "skipped", message: `no ${subject} events in the ${TRAILING_DAYS + 1} days to ${date}: not yet in use` };
    const age = daysBetween(lastSeen, date);
    return age >= stream.maxAgeDays
      ? {
          check: "freshness",
          subject,
          status: "fail",
          severity: stream.severity,
          message: `no ${subject} events for ${age} day(s): the last arrived on ${lastSeen}`,
          details: { lastSeen, ageDays: age },
        }
      : { check: "freshness", subject, status: "pass", message: `${subject} events arrived on ${lastSeen}`, details: { lastSeen, ageDays: age } };
  });

export const checkVolume = (date: string, streams: ReadonlyArray<StreamCounts>): CheckResult[] =>
  streams.map(({ stream, counts }) => {
    const subject = subjectOf(stream);
    const history = dateRange(addDays(date, -TRAILING_DAYS), addDays(date, -1)).map((day) => counts[day] ?? 0);
    const today = counts[date] ?? 0;
    if (history.filter((count) => count > 0).length < MIN_HISTORY_DAYS_WITH_DATA) {
      return { check: "volume", subject, status: "skipped", message: `fewer than ${MIN_HISTORY_DAYS_WITH_DATA} of the trailing ${TRAILING_DAYS} days have ${subject} events` };
    }
    const z = robustZScore(today, history);
    const details = { count: today, trailing: history, robustZ: Number.isFinite(z) ? Math.round(z * 100) / 100 : String(z) };
    if (Math.abs(z) <= Z_LIMIT) return { check: "volume", subject, status: "pass", message: `${today} ${subject} events, within the trailing range`, details };
    const drop = z < 0;
    return {
      check: "volume",
      subject,
      status: "fail",
      // Missing data is worse than extra data: a drop is an error, a spike a warning.
      severity: drop ? "error" : "warning",
      message: `${today} ${subject} events on ${date} is a ${drop ? "drop" : "spike"} against the trailing ${TRAILING_DAYS} days (robust z ${details.robustZ})`,
      details,
    };
  });

/** Missing order numbers, listed up to a cap. */
const listMissing = (gaps: ReadonlyArray<OrderNumberGap>) => {
  const numbers: string[] = [];
  let total = 0;
  for (const gap of gaps) {
    total += gap.gapEnd - gap.gapStart + 1;
    for (let n = gap.gapStart; n <= gap.gapEnd && numbers.length < MAX_LISTED_NUMBERS; n += 1) numbers.push(String(n));
  }
  return { numbers, total };
};

export const backfillDaysOf = (gaps: ReadonlyArray<OrderNumberGap>): string[] =>
  [...new Set(gaps.flatMap((gap) => (gap.fromDate <= gap.toDate ? dateRange(gap.fromDate, gap.toDate) : [gap.toDate, gap.fromDate])))].sort();

export const checkOrderNumberGaps = (date: string, facts: DqFacts): CheckResult[] => {
  if (!facts.orderNumberGaps) {
    return [{ check: "order-number-gaps", subject: "shopify/orders", status: "skipped", message: facts.missing.orderNumberGaps ?? "order numbers were not queried" }];
  }
  const gaps = facts.orderNumberGaps;
  if (gaps.length === 0)
    return [{ check: "order-number-gaps", subject: "shopify/orders", status: "pass", message: `no gaps in the order numbers of the ${TRAILING_DAYS} days to ${date}` }];
  const { numbers, total } = listMissing(gaps);
  const shown = numbers.join(", ") + (total > numbers.length ? ` and ${total - numbers.length} more` : "");
  return [
    {
      check: "order-number-gaps",
      subject: "shopify/orders",
      status: "fail",
      severity: "error",
      message: `${total} order number(s) missing (missed webhooks?): ${shown}`,
      details: { missing: numbers, missingCount: total, gaps, backfillDays: backfillDaysOf(gaps) },
    },
  ];
};

export const checkDuplicates = (facts: DqFacts): CheckResult[] => {
  if (!facts.processedDuplicates) {
    return [{ check: "duplicates", subject: "processed/orders_enriched", status: "skipped", message: facts.missing.processedDuplicates ?? "duplicates were not queried" }];
  }
  const duplicates = facts.processedDuplicates;
  return duplicates.length === 0
    ? [{ check: "duplicates", subject: "processed/orders_enriched", status: "pass", message: "every order appears once" }]
    : [
        {
          check: "duplicates",
          subject: "processed/orders_enriched",
          status: "fail",
          severity: "error",
          message: `${duplicates.length} order(s) appear more than once in orders_enriched`,
          details: { orders: duplicates.slice(0, 50) },
        },
      ];
};

export const checkBulkCounts = (facts: DqFacts): CheckResult[] =>
  facts.manifests.map((manifest) => {
    const subject = `backfill ${manifest.runId}/${manifest.object}`;
    const notLanded = manifest.entities.filter((entity) => entity.rows > 0 && !entity.landed).map((entity) => entity.entity);
    const details = { manifest: manifest.key, objectCount: manifest.objectCount, totalRows: manifest.totalRows, partial: manifest.partial, notLanded };
    if (notLanded.length > 0) {
      return {
        check: "bulk-count",
        subject,
        status: "fail",
        severity: "error",
        message: `the manifest lists rows for ${notLanded.join(", ")} but no snapshot files landed`,
        details,
      };
    }
    if (manifest.partial) {
      return {
        check: "bulk-count",
        subject,
        status: "fail",
        severity: "warning",
        message: `partial export: ${manifest.totalRows} rows landed, Shopify counted ${manifest.objectCount}`,
        details,
      };
    }
    if (manifest.totalRows !== manifest.objectCount || manifest.countCheck === "mismatch") {
      return {
        check: "bulk-count",
        subject,
        status: "fail",
        severity: "error",
        message: `short bulk export: ${manifest.totalRows} rows landed, Shopify's objectCount is ${manifest.objectCount}`,
        details,
      };
    }
    return { check: "bulk-count", subject, status: "pass", message: `${manifest.totalRows} rows landed = objectCount`, details };
  });

export const checkSchemaDrift = (facts: DqFacts): CheckResult[] =>
  facts.fieldSamples.map((sample) => {
    if (sample.sampled === 0) return { check: "schema-drift", subject: sample.subject, status: "skipped", message: `no ${sample.subject} objects on ${facts.date}` };
    const known = new Set([...sample.expected, ...sample.tolerated]);
    const appeared = Object.keys(sample.seen)
      .filter((field) => !known.has(field))
      .sort();
    const disappeared = sample.expected.filter((field) => (sample.seen[field] ?? 0) === 0);
    const details = { sampled: sample.sampled, appeared, disappeared };
    if (disappeared.length > 0) {
      return {
        check: "schema-drift",
        subject: sample.subject,
        status: "fail",
        severity: "error",
        message: `fields the transforms read are missing from every sampled object: ${disappeared.join(", ")}${appeared.length ? `; new fields: ${appeared.join(", ")}` : ""}`,
        details,
      };
    }
    if (appeared.length > 0) {
      return {
        check: "schema-drift",
        subject: sample.subject,
        status: "fail",
        severity: "warning",
        message: `fields not in the contract appeared: ${appeared.join(", ")}`,
        details,
      };
    }
    return { check: "schema-drift", subject: sample.subject, status: "pass", message: `${sample.sampled} objects match the contract's fields`, details };
  });

export const checkHotStore = (facts: DqFacts): CheckResult[] => {
  const hot = facts.hotStore;
  if (hot.mode !== "counts") return [{ check: "hot-store", subject: "hot stores", status: "skipped", message: hot.note }];
  const results: CheckResult[] = Object.entries(hot.errors).map(([table, error]) => ({
    check: "hot-store",
    subject: table,
    status: "fail",
    severity: "error",
    message: `cannot read the ${table} hot store: ${error}`,
  }));
  const rawOrdersToday = facts.streams.find((s) => s.stream.source === "shopify" && s.stream.entity === "orders")?.counts[facts.date] ?? 0;
  for (const [table, count] of Object.entries(hot.counts)) {
    if (table === "orders" && count === 0 && rawOrdersToday > 0) {
      results.push({
        check: "hot-store",
        subject: table,
        status: "fail",
        severity: "error",
        message: `${rawOrdersToday} order events landed raw but the orders hot store is empty: processing is not running`,
        details: { count },
      });
    } else {
      results.push({ check: "hot-store", subject: table, status: "pass", message: `${count} item(s)`, details: { count } });
    }
  }
  return results;
};

/** Payloads that did not decode: one warning per topic and API version (the events wait in the DLQ). */
export const checkDecodeFailures = (facts: DqFacts): CheckResult[] => {
  if (facts.decodeFailures === undefined) return [];
  if (facts.decodeFailures.length === 0)
    return [{ check: "decode-failures", subject: "shopify", status: "pass", message: `no event received on ${facts.date} failed to decode`, details: { count: 0 } }];
  return [...facts.decodeFailures]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.apiVersion.localeCompare(b.apiVersion))
    .map((failure) => ({
      check: "decode-failures",
      subject: `${failure.topic}@${failure.apiVersion}`,
      status: "fail",
      severity: "warning",
      message: `${failure.count} ${failure.topic} event(s) at API ${failure.apiVersion} did not decode and were sent to the DLQ: fix the schema, then re-drive them (sdp redrive locally; in AWS docs/runbooks/replaying-events.md)`,
      details: { ...failure },
    }));
};

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;

/**
 * Per source: events received by webhook and recovered by the nightly reconciliation on the date.
 * A share of recovered events above the threshold (config/ webhookRecoveryAlert) means the
 * source's webhooks are failing: a warning, alerted once per source and day.
 */
export const checkWebhookRecovery = (facts: DqFacts): CheckResult[] => {
  if (facts.webhookDelivery === undefined) return [];
  const threshold = facts.webhookRecoveryAlert ?? defaultWebhookRecoveryAlert;
  return webhookDeliveryCounts(facts.webhookDelivery).map(({ source, received, recovered, recoveredShare }): CheckResult => {
    const details = { received, recovered, recoveredShare, threshold };
    if (recovered === null) {
      return {
        check: "webhook-recovery",
        subject: source,
        status: "pass",
        message:
          `${received} ${source} events received by webhook on ${facts.date}; missed ${source} webhooks are not recovered event by event ` +
          "(the nightly re-export restores state as snapshots; missing orders show as order-number gaps)",
        details,
      };
    }
    const total = received + recovered;
    if (total === 0) return { check: "webhook-recovery", subject: source, status: "skipped", message: `no ${source} events on ${facts.date}`, details };
    const share = recoveredShare ?? 0;
    const summary = `${received} ${source} events received by webhook on ${facts.date}, ${recovered} recovered by reconciliation (${percent(share)})`;
    if (recovered >= threshold.minRecovered && share > threshold.maxRecoveredShare) {
      return {
        check: "webhook-recovery",
        subject: source,
        status: "fail",
        severity: "warning",
        message:
          `${summary}: more than ${percent(threshold.maxRecoveredShare)} (and at least ${threshold.minRecovered}) of the day's events missed their webhook, so the ${source} webhooks are failing. ` +
          `Check the ${source} endpoint's delivery log and the door's 4xx/5xx metrics; the recovered events are in the lake.`,
        details,
      };
    }
    return { check: "webhook-recovery", subject: source, status: "pass", message: summary, details };
  });
};

export const runChecks = (facts: DqFacts): CheckResult[] => [
  ...checkFreshness(facts.date, facts.streams),
  ...checkVolume(facts.date, facts.streams),
  ...checkOrderNumberGaps(facts.date, facts),
  ...checkDuplicates(facts),
  ...checkBulkCounts(facts),
  ...checkSchemaDrift(facts),
  ...checkHotStore(facts),
  ...checkDecodeFailures(facts),
  ...checkWebhookRecovery(facts),
];
