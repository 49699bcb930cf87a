/**
 * Retention (GDPR issue, item 7): a partition is deleted only when every day of it lies outside
 * its table's window; one even partly inside is kept. Window edges, per-table overrides, snapshot
 * runs (the newest always kept), the audit trails never touched, dry-run writes nothing, a purge
 * cut off midway finishes on the next run. Plus the config's checks and the function's IAM.
 */
import { Effect } from "effect";
import { decodeRetention, loadRetention, InvalidRetentionConfig } from "../../config/retention";
import type { RetentionPolicy } from "../../contracts/retention";
import { parseRetentionPolicy, retentionDaysOf } from "../../contracts/retention";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { entirelyOutside, planRetention, retentionPurge, runDate } from "../../functions/retention/purge";
import { program as handlerProgram } from "../../functions/retention/handler";
import { simulate } from "../../policies/ci-simulation";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "../infra/helpers";

const policy: RetentionPolicy = {
  layers: { raw: 30, snapshots: 30, processed: 60, curated: 60, metadata: 30 },
  tables: { "raw/shopify/checkouts": 7 },
  keepLatestRuns: 1,
};

describe("the window's edges (dt=YYYY-MM-DD covers one UTC day)", () => {
  // 30 days before 2026-03-31T00:00Z is 2026-03-01T00:00Z.
  const midnight = new Date("2026-03-31T00:00:00.000Z");
  test.each([
    ["2026-02-27", midnight, true],
    ["2026-02-28", midnight, true], // ends 03-01T00:00, exactly at the cutoff: all of it outside
    ["2026-03-01", midnight, false], // its whole day is inside
    ["2026-02-28", new Date("2026-03-30T23:59:59.999Z"), false], // a millisecond earlier, its last instant is inside
    ["2026-03-30", midnight, false],
    ["2026-03-31", midnight, false],
  ])("dt=%s at %s: entirely outside a 30-day window = %s", (date, now, outside) => {
    expect(entirelyOutside(date, 30, now)).toBe(outside);
  });

  test("run ids are dated by the latest date they carry; none, no date", () => {
    expect(runDate("backfill-2026-01-01-2026-01-31-20260201T030000")).toBe("2026-02-01");
    expect(runDate("2026-03-05")).toBe("2026-03-05");
    expect(runDate("6f1c2a9e-0b7d-4c55-9a1e-3b2f6d7e8a90")).toBeUndefined();
    expect(runDate("bulk-20261399")).toBeUndefined();
  });
});

const NOW = new Date("2026-03-31T06:00:00.000Z");
const lake: Record<string, string> = {
  "raw/shopify/orders/dt=2026-02-28/a.json": "x",
  "raw/shopify/orders/dt=2026-02-28/b.json": "xx",
  "raw/shopify/orders/dt=2026-03-01/c.json": "x", // ends 03-02, cutoff 03-01T06:00: inside
  "raw/shopify/orders/dt=2026-03-30/d.json": "x",
  "raw/shopify/checkouts/dt=2026-03-23/e.json": "x", // 7-day override: ends 03-24T00:00 <= 03-24T06:00
  "raw/shopify/checkouts/dt=2026-03-24/f.json": "x",
  "processed/shopify/orders_enriched/dt=2026-01-29/part-0.parquet": "p", // 60 days: ends 01-30T00:00 <= 01-30T06:00
  "processed/shopify/orders_enriched/dt=2026-01-30/part-0.parquet": "p",
  "snapshots/shopify/orders/run=backfill-2025-01-01-2025-12-31-20260101T000000/part-0.parquet": "s",
  "snapshots/shopify/orders/run=backfill-2025-01-01-2025-12-31-20260102T000000/part-0.parquet": "s",
  "snapshots/shopify/customers/run=backfill-2025-01-01-2025-12-31-20260101T000000/part-0.parquet": "s", // the only run: kept
  "snapshots/shopify/products/run=6f1c2a9e-0b7d-4c55-9a1e-3b2f6d7e8a90/part-0.parquet": "s", // undated: kept
  "metadata/data-quality/dt=2026-01-01/run.json": "{}",
  "metadata/gdpr-audit/dt=2020-01-01/req.json": "{}", // audit trail: never considered
  "metadata/retention/dt=2020-01-01/old.json": "{}",
  "curated/daily_sales/part-0.parquet": "c", // not partitioned: never deleted
};
const platformWithLake = () => {
  const platform = makeTestPlatform();
  for (const [key, body] of Object.entries(lake)) platform.state.objects.set(key, { body: Buffer.from(body) });
  return platform;
};
const purge = (platform: ReturnType<typeof makeTestPlatform>, dryRun = false, runId = "run-1") =>
  Effect.runPromise(Effect.provide(retentionPurge({ policy, now: NOW, runId, dryRun }), platform.layer));

const expectedDeleted = [
  "metadata/data-quality/dt=2026-01-01/run.json",
  "processed/shopify/orders_enriched/dt=2026-01-29/part-0.parquet",
  "raw/shopify/checkouts/dt=2026-03-23/e.json",
  "raw/shopify/orders/dt=2026-02-28/a.json",
  "raw/shopify/orders/dt=2026-02-28/b.json",
  "snapshots/shopify/orders/run=backfill-2025-01-01-2025-12-31-20260101T000000/part-0.parquet",
];

describe("the purge", () => {
  test("deletes exactly the partitions entirely outside their window, and audits them", async () => {
    const platform = platformWithLake();
    const report = await purge(platform);
    const remaining = new Set(platform.state.objects.keys());
    const deleted = Object.keys(lake)
      .filter((key) => !remaining.has(key))
      .sort();
    expect(deleted).toEqual(expectedDeleted);
    expect(report.deleted).toEqual({ partitions: 5, objects: 6, bytes: 8 });
    expect(report.unpartitionedObjects).toBe(1);
    const decisions = Object.fromEntries(report.partitions.map((plan) => [plan.prefix, plan.decision]));
    expect(decisions["snapshots/shopify/customers/run=backfill-2025-01-01-2025-12-31-20260101T000000/"]).toBe("newest-run");
    expect(decisions["snapshots/shopify/orders/run=backfill-2025-01-01-2025-12-31-20260102T000000/"]).toBe("newest-run");
    expect(decisions["snapshots/shopify/products/run=6f1c2a9e-0b7d-4c55-9a1e-3b2f6d7e8a90/"]).toBe("undated");
    expect(decisions["raw/shopify/orders/dt=2026-03-01/"]).toBe("inside-window");
    expect(Object.keys(decisions).some((prefix) => prefix.startsWith("metadata/gdpr-audit/") || prefix.startsWith("metadata/retention/dt=2020"))).toBe(false);

    expect(report.auditKey).toBe("metadata/retention/dt=2026-03-31/run-1.json");
    const audit = JSON.parse(platform.objectText(report.auditKey!)!);
    expect(audit.status).toBe("complete");
    expect(audit.deleted).toContainEqual({
      table: "raw/shopify/checkouts",
      partition: "dt=2026-03-23",
      date: "2026-03-23",
      retentionDays: 7,
      cutoff: "2026-03-24T06:00:00.000Z",
      objects: 1,
      bytes: 1,
    });
    expect(platform.metricTotal("RetentionObjectsDeleted")).toBe(6);
  });

  test("dry-run plans the same and changes nothing, writes no audit", async () => {
    const platform = platformWithLake();
    const report = await purge(platform, true);
    expect(report.deleted.objects).toBe(6);
    expect(report.auditKey).toBeUndefined();
    expect([...platform.state.objects.keys()].sort()).toEqual(Object.keys(lake).sort());
  });

  test("a purge cut off midway leaves a started audit entry; the next run finishes the same partitions", async () => {
    const platform = platformWithLake();
    let deletes = 0;
    const store = platform.state.objects;
    const originalDelete = store.delete.bind(store);
    // The third delete fails for good (the run dies there).
    store.delete = (key: string) => {
      deletes += 1;
      if (deletes === 3) throw new Transient({ service: "s3", reason: "cut off" });
      return originalDelete(key);
    };
    await expect(purge(platform, false, "run-cut")).rejects.toBeDefined();
    expect(JSON.parse(platform.objectText("metadata/retention/dt=2026-03-31/run-cut.json")!).status).toBe("started");
    store.delete = originalDelete;
    await purge(platform, false, "run-again");
    const remaining = new Set(store.keys());
    expect(
      Object.keys(lake)
        .filter((key) => !remaining.has(key))
        .sort(),
    ).toEqual(expectedDeleted);
    // Repeating changes nothing more.
    const third = await purge(platform, false, "run-third");
    expect(third.deleted.objects).toBe(0);
  });

  test("the plan is pure: the same listing gives the same plan", () => {
    const objects = Object.entries(lake).map(([key, body]) => ({ key, size: body.length }));
    expect(planRetention(objects, policy, NOW).plans).toEqual(planRetention([...objects].reverse(), policy, NOW).plans);
  });

  test("the function refuses a missing or bad policy (InvalidPayload, nothing deleted)", async () => {
    const platform = platformWithLake();
    const exit = await Effect.runPromiseExit(Effect.provide(handlerProgram({ source: "schedule" }), platform.layer));
    expect(JSON.stringify(exit)).toContain("SDP_RETENTION_POLICY");
    const bad = await Effect.runPromiseExit(Effect.provide(handlerProgram({ policy: { layers: { raw: 0 } } }), platform.layer));
    expect(JSON.stringify(bad)).toContain("layers.raw must be a positive whole number");
    expect(platform.state.objects.size).toBe(Object.keys(lake).length);
  });
});

describe("config/retention.ts", () => {
  test("every environment decodes; layers follow dataRetentionDays, overrides win", () => {
    const prod = loadRetention("prod");
    expect(prod.layers.raw).toBe(2555);
    expect(retentionDaysOf(prod, "raw/shopify/orders")).toBe(2555);
    expect(retentionDaysOf(prod, "raw/shopify/checkouts")).toBe(180);
    expect(retentionDaysOf(prod, "athena-results/x")).toBeUndefined();
    for (const name of ["dev", "staging", "local"] as const) expect(() => loadRetention(name)).not.toThrow();
    expect(parseRetentionPolicy(JSON.stringify(prod))).toEqual({ policy: prod });
  });
  test("a bad value names the field", () => {
    const good = loadRetention("dev");
    expect(() => decodeRetention({ ...good, layers: { ...good.layers, curated: -1 } })).toThrow(InvalidRetentionConfig);
    expect(() => decodeRetention({ ...good, layers: { ...good.layers, curated: -1 } })).toThrow(/layers\.curated: must be a positive whole number of days/);
    expect(() => decodeRetention({ ...good, tables: { "nowhere/x": 3 } })).toThrow(/tables\.nowhere\/x: is unexpected/);
    expect(() => decodeRetention({ ...good, keepLatestRuns: 0 })).toThrow(/keepLatestRuns/);
  });
});

describe("retention-purge in AWS", () => {
  const ACCOUNT = "222222222222";
  const BUCKET = `arn:aws:s3:::acme-staging-lake-${ACCOUNT}`;
  let synth: Synthesized;
  let policyDoc: unknown;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    const analytics = synth.stack("acme-staging-analytics");
    const found = resourcesOf(analytics, "aws_iam_role_policy").find((candidate) => String(candidate.role).includes("retention-purge"));
    policyDoc = JSON.parse(
      String(found.policy).replace(/\$\{([^}]+)\}/g, (_, reference: string) =>
        /aws_s3_bucketlake_bucket_\w+arn$/.test(reference)
          ? BUCKET
          : /aws_kms_keykey-(\w+)arn$/.test(reference)
            ? `arn:aws:kms:eu-west-1:${ACCOUNT}:key/x`
            : `arn:aws:unresolved:::${reference}`,
      ),
    );
  });
  afterAll(() => synth?.cleanup());

  test("scheduled daily with the environment's policy as its input", () => {
    const schedule = resourcesOf(synth.stack("acme-staging-analytics"), "aws_scheduler_schedule").find((candidate) => candidate.name === "acme-staging-retention-purge");
    expect(schedule).toBeDefined();
    expect(JSON.parse(schedule.target.input)).toEqual({ source: "schedule", policy: loadRetention("staging") });
  });

  const decide = async (action: string, resource: string, context: Record<string, string> = {}) =>
    (
      await simulate({
        principal: `arn:aws:iam::${ACCOUNT}:role/acme-staging-retention-purge`,
        account: ACCOUNT,
        action,
        resource,
        context,
        identity: [{ name: "retention", policy: policyDoc }],
      })
    ).decision;

  test.each([
    ["s3:DeleteObject", `${BUCKET}/raw/shopify/orders/dt=2020-01-01/a.json`],
    ["s3:DeleteObject", `${BUCKET}/snapshots/shopify/orders/run=1/part-0.parquet`],
    ["s3:DeleteObject", `${BUCKET}/processed/shopify/orders_enriched/dt=2020-01-01/part-0.parquet`],
    ["s3:DeleteObject", `${BUCKET}/metadata/data-quality/dt=2020-01-01/x.json`],
    ["s3:PutObject", `${BUCKET}/metadata/retention/dt=2026-03-31/run.json`],
  ])("allows %s on %s", async (action, resource) => {
    expect(await decide(action, resource)).toBe("Allowed");
  });
  test.each([["s3:ListBucket", BUCKET, { "s3:prefix": "raw/shopify/" }]] as const)("allows %s on %s with %j", async (action, resource, context) => {
    expect(await decide(action, resource, context)).toBe("Allowed");
  });
  test.each([
    ["s3:DeleteObject", `${BUCKET}/metadata/gdpr-audit/dt=2020-01-01/req.json`],
    ["s3:DeleteObject", `${BUCKET}/metadata/retention/dt=2020-01-01/old.json`],
    ["s3:DeleteObjectVersion", `${BUCKET}/raw/shopify/orders/dt=2020-01-01/a.json`],
    ["s3:PutObject", `${BUCKET}/raw/shopify/orders/dt=2020-01-01/a.json`],
    ["s3:GetObject", `${BUCKET}/restricted/gdpr-exports/r/subject.json`],
  ])("denies %s on %s", async (action, resource) => {
    expect(await decide(action, resource)).not.toBe("Allowed");
  });
});
