/**
 * npm-test size: LONG (SDP_LONG_TESTS=1, also run by `npm run fuzz`-style long checks) drives the full
 * seeded day, 1,430 orders = about 10,000 events; npm test drives 360 orders = about 2,600 events
 * of the same generator. That is enough: every provider, both Shopify doors, duplicates, out-of-order
 * updates, forgeries and alerts are in it (the checks below assert each), every service still sees
 * thousands of calls (so the 30% rate and every fault kind, throttled / failed / answer lost, are
 * measured), and any lost or duplicated event, row or alert fails the same assertions. Each of the
 * three runs took 30-95 s at full size; the smaller day takes a third of that.
 *
 * Faults survived: about 10,000 events (a seeded day of signed Shopify, Recharge and Stripe
 * traffic through both Shopify doors, with duplicates, out-of-order updates and forgeries) go
 * through the real doors and processors while 30% of every S3, DynamoDB, EventBridge, SNS and SQS
 * call fails (half throttled, half Transient; half of those AFTER the call succeeded, "the write
 * happened but the answer was lost"). Providers and queues retry, bounded (fault-driver.ts).
 *
 * A second run models 30% on the wire instead: each injected fault is retried twice inside the
 * call, as the AWS SDK's standard retry mode does (so a lost answer's retry meets the call's own
 * write), and must fit the deployed bounds: Shopify's 9 attempts and the stacks' 5 receives.
 *
 * The outcome must be the outcome of the same traffic with no faults: the same raw objects (each
 * event once), the same hot rows (each in its newest state), the same alerts (each once), and
 * every retry within its bound.
 */
import { webhookSecretsFrom } from "../../demo/signing";
import { generateTraffic } from "../../demo/traffic";
import { verifyHotStores } from "../../demo/verify";
import { uniformFaultPlan, type FaultPlan } from "../../functions/kernel/faults";
import type { Item } from "../../functions/kernel/services";
import { driveTraffic, sortedRows, type DriverOptions, type RunOutcome } from "./fault-driver";

const secrets = webhookSecretsFrom({});
// The day of traffic, then its receipt the next morning (virtual time: all receipts fall on one day).
const dayStart = new Date("2026-03-01T00:00:00Z");
const startMs = Date.parse("2026-03-02T06:00:00Z");
const LONG = process.env.SDP_LONG_TESTS === "1";
const ORDERS = LONG ? 1_430 : 360;
/** Distinct events the day must hold: about 7 per order. */
const MIN_EVENTS = LONG ? 10_000 : 2_400;
const traffic = generateTraffic({ dayStart, secrets, orders: ORDERS, signedAtSeconds: Math.floor(startMs / 1000) });

const FAULT_RATE = 0.3;
/*
 * Bounds. Shopify retries a webhook 8 times over 4 hours (9 attempts); Stripe retries for 3 days.
 * The stacks redrive a message to the DLQ after 5 receives (modules/queue-with-dlq.ts). At 30% of
 * calls failing at the service interface (that is, after the AWS SDK's own retries: an outage,
 * not a bad minute) an order event needs more than that; the summary prints how many attempts
 * and receives each delivery took, so the tail can be compared with the deployed bounds.
 */
const bounds: Omit<DriverOptions, "faults"> = {
  providerAttempts: 20,
  maxReceives: 30,
  // Visibility timeout: 6 x the 30 s function timeout = 3 minutes (stacks/ingestion.ts).
  visibilityTicks: 3,
  startMs,
  secrets,
};

/** Rows without `received_at`: when a delivery was received depends on the retries, not on the data. */
/** Rows without their receipt time, attributes in name order (a DynamoDB item is an unordered map). */
const comparable = (tables: RunOutcome["tables"]) =>
  Object.fromEntries(
    Object.entries(tables).map(([table, rows]) => [
      table,
      sortedRows((rows as Item[]).map(({ received_at: _received, ...rest }) => Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))))),
    ]),
  );

const rawEventIds = (objects: Record<string, string>) =>
  Object.keys(objects)
    .filter((key) => key.startsWith("raw/"))
    .map((key) => key.replace(/^raw\/([^/]+)\/[^/]+\/dt=[^/]+\//, "$1:"));

const over = (histogram: Record<number, number>, bound: number) =>
  Object.entries(histogram)
    .filter(([count]) => Number(count) > bound)
    .reduce((sum, [, deliveries]) => sum + deliveries, 0);

const summary = (name: string, run: RunOutcome) => {
  const faults = run.platform.faults?.snapshot();
  return {
    run: name,
    deliveries: run.stats.deliveries,
    accepted: run.stats.accepted,
    duplicateAnswers: run.stats.duplicateAnswers,
    rawObjects: rawEventIds(run.objects).length,
    rows: Object.values(run.tables).reduce((sum, rows) => sum + (rows?.length ?? 0), 0),
    alerts: run.alerts.length,
    faultsInjected: faults?.injected ?? 0,
    faultsByService: faults
      ? Object.fromEntries(
          Object.entries(faults.services).map(([service, counts]) => [
            service,
            `${counts.calls} calls: ${counts.throttled} throttled, ${counts.errorsBefore} failed, ${counts.errorsAfter} answer lost`,
          ]),
        )
      : {},
    providerRetries: run.stats.providerRetries,
    maxProviderAttempts: run.stats.maxProviderAttempts,
    providerExhausted: run.stats.providerExhausted.length,
    queueRedeliveries: run.stats.queueRedeliveries,
    maxReceives: run.stats.maxReceives,
    queueExhausted: run.stats.queueExhausted.length,
    inProcessRetries: run.stats.inProcessRetries,
    ticks: run.stats.ticks,
    answers: run.stats.answers,
    // What the deployed bounds would have left to the DLQs (kept, not lost, but needing a redrive).
    beyondDeployedBounds: {
      deliveriesOverShopifys9Attempts: over(run.stats.attemptsHistogram, 9),
      messagesOverTheStacks5Receives: over(run.stats.receivesHistogram, 5),
    },
    attemptsHistogram: run.stats.attemptsHistogram,
    receivesHistogram: run.stats.receivesHistogram,
    recordFailures: run.stats.recordFailures,
    elapsedMs: run.stats.elapsedMs,
    cpuMs: run.stats.cpuMs,
  };
};

let clean: RunOutcome;

beforeAll(async () => {
  clean = await driveTraffic(traffic, bounds);
  process.stdout.write(`${JSON.stringify(summary("no faults", clean), null, 2)}\n`);
}, 120_000);

test(`the traffic is at least ${MIN_EVENTS} distinct events, and the fault-free run holds exactly what it must`, () => {
  expect(traffic.expectations.uniqueEvents).toBeGreaterThanOrEqual(MIN_EVENTS);
  expect(clean.stats.providerExhausted).toEqual([]);
  expect(clean.stats.queueExhausted).toEqual([]);
  expect(rawEventIds(clean.objects)).toHaveLength(traffic.expectations.uniqueEvents);
  const verification = verifyHotStores(traffic.expectations, clean.tables);
  expect(verification.mismatches).toEqual([]);
  expect(verification.checks.filter((check) => !check.ok)).toEqual([]);
});

/** The same checks for every faulted run: it must end where the fault-free run ended. */
const convergesDespiteFaults = (label: string, faults: FaultPlan, runBounds: typeof bounds) => {
  let faulty: RunOutcome;
  beforeAll(async () => {
    faulty = await driveTraffic(traffic, { ...runBounds, faults });
    process.stdout.write(`${JSON.stringify(summary(label, faulty), null, 2)}\n`);
  }, 180_000);

  test("30% faults were injected on every service, before and after the real call", () => {
    const faults = faulty.platform.faults!.snapshot();
    for (const [service, counts] of Object.entries(faults.services)) {
      // Rates need calls to be measured: sns has a few (one per alert), sqs only invalid records.
      if (counts.calls < 1_000) continue;
      const rate = (counts.throttled + counts.errorsBefore + counts.errorsAfter) / counts.calls;
      expect({ service, rate: Math.round(rate * 100) / 100 }).toEqual({ service, rate: expect.any(Number) });
      expect(rate).toBeGreaterThan(FAULT_RATE - 0.05);
      expect(rate).toBeLessThan(FAULT_RATE + 0.05);
    }
    expect(faults.services.sns.calls).toBeGreaterThan(0);
    for (const service of ["s3", "dynamodb", "eventbridge"] as const) {
      expect(faults.services[service].errorsAfter).toBeGreaterThan(0);
      expect(faults.services[service].throttled).toBeGreaterThan(0);
    }
    expect(faults.injected).toBeGreaterThan(MIN_EVENTS / 2);
  });

  test("retries are bounded and counted: nothing exhausted its provider's or queue's attempts", () => {
    expect(faulty.stats.providerRetries).toBeGreaterThan(0);
    expect(faulty.stats.queueRedeliveries).toBeGreaterThan(0);
    expect(faulty.stats.inProcessRetries).toBeGreaterThan(0);
    expect(faulty.stats.maxProviderAttempts).toBeLessThanOrEqual(runBounds.providerAttempts);
    expect(faulty.stats.maxReceives).toBeLessThanOrEqual(runBounds.maxReceives);
    expect(faulty.stats.providerExhausted).toEqual([]);
    expect(faulty.stats.queueExhausted).toEqual([]);
  });

  test("nothing lost, nothing duplicated: every accepted event stored raw once, as without faults", () => {
    const ids = rawEventIds(faulty.objects);
    expect(new Set(ids).size).toBe(ids.length);
    const missing = Object.keys(clean.objects).filter((key) => !(key in faulty.objects));
    const extra = Object.keys(faulty.objects).filter((key) => !(key in clean.objects));
    expect({ missing: missing.length, extra: extra.length, firstMissing: missing.slice(0, 5), firstExtra: extra.slice(0, 5) }).toEqual({
      missing: 0,
      extra: 0,
      firstMissing: [],
      firstExtra: [],
    });
    expect(faulty.objects).toEqual(clean.objects);
  });

  test("every hot row as without faults, in its newest state", () => {
    const verification = verifyHotStores(traffic.expectations, faulty.tables);
    expect(verification.mismatches.slice(0, 10)).toEqual([]);
    const expected = comparable(clean.tables);
    const actual = comparable(faulty.tables);
    for (const table of Object.keys(expected)) {
      const want = expected[table]!;
      const got = actual[table]!;
      const key = (row: Record<string, unknown>) => JSON.stringify(row);
      const wantKeys = new Set(want.map(key));
      const gotKeys = new Set(got.map(key));
      expect({
        table,
        rows: got.length,
        differing: got.filter((row) => !wantKeys.has(key(row))).slice(0, 3),
        absent: want.filter((row) => !gotKeys.has(key(row))).slice(0, 3),
      }).toEqual({
        table,
        rows: want.length,
        differing: [],
        absent: [],
      });
    }
  });

  test("every alert once, as without faults", () => {
    const keys = faulty.alerts.map((alert) => alert.dedupKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(clean.alerts.map((alert) => alert.dedupKey).sort());
    expect(clean.alerts.length).toBeGreaterThan(0);
  });

  test("dead letters: the same records as without faults (SQS is at least once, so a copy may repeat)", () => {
    const distinct = (letters: RunOutcome["deadLetters"]) => [...new Set(letters.map((letter) => `${letter.reason}|${letter.body}`))].sort();
    expect(distinct(faulty.deadLetters)).toEqual(distinct(clean.deadLetters));
  });
};

describe("30% of calls failing at the service interface (after the SDK's retries: an outage), bounds 20 attempts / 30 receives", () => {
  convergesDespiteFaults("30% faults at the service interface", uniformFaultPlan(FAULT_RATE, 20_261_201), bounds);
});

describe("30% of calls failing on the wire, retried twice inside the call as the AWS SDK does, within the deployed bounds (9 attempts, 5 receives)", () => {
  convergesDespiteFaults("30% faults on the wire, SDK retries", uniformFaultPlan(FAULT_RATE, 20_261_202, { sdkRetries: 2 }), { ...bounds, providerAttempts: 9, maxReceives: 5 });
});
