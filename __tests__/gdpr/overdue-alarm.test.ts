/**
 * The 25-day alarm (GDPR issue, item 3's alarm): the daily check counts the requests older than
 * 25 days and not complete, emits that count as the metric the monitoring stack's CloudWatch
 * alarm watches, and alerts once per overdue request. The clock is moved across the edge.
 */
import { Effect } from "effect";
import { GDPR_OVERDUE_METRIC } from "../../contracts/gdpr";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { overdueCheck } from "../../functions/gdpr/overdue";
import { completeRequest, createRequest } from "../../functions/gdpr/requests";
import { resourcesOf, synthesize, fixtureHandler, type Synthesized } from "../infra/helpers";

const DAY = 24 * 60 * 60 * 1000;
const RECEIVED = "2026-01-01T09:00:00.000Z";
const at = (days: number, extraMs = 0) => new Date(Date.parse(RECEIVED) + days * DAY + extraMs);

const seeded = async () => {
  const platform = makeTestPlatform();
  await Effect.runPromise(
    Effect.provide(
      Effect.gen(function* () {
        const base = { origin: "cli" as const, identifiers: [{ kind: "email" as const, value: "ada@example.com" }] };
        yield* createRequest({ ...base, requestId: "open-old", kind: "customer-redact", receivedAt: RECEIVED });
        yield* createRequest({ ...base, requestId: "shop-old", kind: "shop-redact", receivedAt: RECEIVED, identifiers: [] });
        yield* createRequest({ ...base, requestId: "done-old", kind: "customer-export", receivedAt: RECEIVED });
        yield* completeRequest("done-old", "2026-01-03T00:00:00.000Z");
        yield* createRequest({ ...base, requestId: "open-new", kind: "customer-redact", receivedAt: at(20).toISOString() });
      }),
      platform.layer,
    ),
  );
  return platform;
};

const check = (platform: ReturnType<typeof makeTestPlatform>, now: Date) => Effect.runPromise(Effect.provide(overdueCheck(now), platform.layer));
const metricValues = (platform: ReturnType<typeof makeTestPlatform>) =>
  platform.state.metrics.filter((metric) => metric.name === GDPR_OVERDUE_METRIC).map((metric) => metric.value);

describe("the 25-day GDPR alarm's check", () => {
  test("exactly 25 days old is not overdue yet; a second later it is: metric 2, one critical alert per open request, none for the complete one", async () => {
    const platform = await seeded();
    const before = await check(platform, at(25));
    expect(before.overdue).toEqual([]);
    expect(before.open).toBe(3);
    expect(platform.state.alerts).toEqual([]);

    const after = await check(platform, at(25, 1000));
    expect(after.overdue.map((entry) => entry.requestId).sort()).toEqual(["open-old", "shop-old"]);
    expect(after.overdue.find((entry) => entry.requestId === "open-old")).toMatchObject({ ageDays: 25, dueAt: "2026-01-31T09:00:00.000Z", status: "received" });
    expect(metricValues(platform)).toEqual([0, 2]);
    expect(platform.state.alerts.map((alert) => [alert.kind, alert.severity, alert.dedupKey])).toEqual([
      ["gdpr-overdue", "critical", "gdpr-overdue:open-old"],
      ["gdpr-overdue", "critical", "gdpr-overdue:shop-old"],
    ]);
    expect(JSON.stringify(platform.state.alerts)).not.toContain("ada@example.com");
  });

  test("the next day's run repeats the metric but not the alerts; completing a request clears it", async () => {
    const platform = await seeded();
    await check(platform, at(26));
    await check(platform, at(27));
    expect(platform.state.alerts).toHaveLength(2);
    await Effect.runPromise(Effect.provide(completeRequest("open-old", at(27).toISOString()), platform.layer));
    await Effect.runPromise(Effect.provide(completeRequest("shop-old", at(27).toISOString()), platform.layer));
    const cleared = await check(platform, at(28));
    expect(cleared.overdue).toEqual([]);
    expect(metricValues(platform)).toEqual([2, 2, 0]);
    // The request received on day 20 turns overdue on its own day 25.
    expect((await check(platform, at(45, 1000))).overdue.map((entry) => entry.requestId)).toEqual(["open-new"]);
  });
});

describe("the alarm in AWS", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
  });
  afterAll(() => synth?.cleanup());

  test("a CloudWatch alarm on the check's metric (>= 1, daily), and the check scheduled daily", () => {
    const alarms = resourcesOf(synth.stack("acme-staging-monitoring"), "aws_cloudwatch_metric_alarm");
    const alarm = alarms.find((candidate) => candidate.alarm_name === "acme-staging-gdpr-requests-overdue");
    expect(alarm).toMatchObject({
      namespace: "ShopifyDataPlatform",
      metric_name: GDPR_OVERDUE_METRIC,
      dimensions: { FunctionName: "acme-staging-gdpr-overdue" },
      statistic: "Maximum",
      threshold: 1,
      period: 86400,
    });
    const schedules = resourcesOf(synth.stack("acme-staging-analytics"), "aws_scheduler_schedule");
    expect(schedules.find((schedule) => schedule.name === "acme-staging-gdpr-overdue")).toMatchObject({ schedule_expression: "cron(0 6 * * ? *)" });
  });
});
