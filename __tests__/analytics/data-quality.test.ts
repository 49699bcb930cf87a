import * as fs from "node:fs";
import { Effect } from "effect";
import { addDays } from "../../functions/data-quality/dates";
import { dataQualityProgram, type DataQualityReport } from "../../functions/data-quality/handler-program";
import { program as handlerProgram } from "../../functions/data-quality/handler";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import type { LakeDir } from "../../etl/lake";
import { lakeObjectStoreLayer } from "../../etl/lake-object-store";
import { queryFactsOnDuckDb } from "../../etl/quality";
import { runEtl } from "../../etl/runner";
import { BACKFILL_REQUESTED_DETAIL_TYPE, DATA_QUALITY_SOURCE } from "../../contracts/analytics-workflow";
import {
  checkout,
  makeLake,
  putManifest,
  putOrderEvent,
  putRaw,
  putSnapshotLineItems,
  putSnapshotOrders,
  rechargeSubscription,
  removeLake,
  shopifyOrder,
  stripeChargeEvent,
} from "../fixtures/lake/builder";

const DATE = "2026-03-10";
const DAYS = Array.from({ length: 8 }, (_, index) => addDays(DATE, index - 7));

interface Defects {
  readonly skipOrderNumbers?: ReadonlyArray<number>;
  readonly ordersOn?: Partial<Record<string, number>>;
  readonly driftOn?: string;
  readonly shortExport?: boolean;
}

/** Eight days of steady traffic on every stream, with optional crafted defects. */
const buildLake = async (defects: Defects = {}): Promise<LakeDir> => {
  const lake = makeLake();
  let orderNumber = 1000;
  DAYS.forEach((day, dayIndex) => {
    const orders = defects.ordersOn?.[day] ?? 9 + (dayIndex % 3);
    for (let i = 0; i < orders; i += 1) {
      orderNumber += 1;
      if (defects.skipOrderNumbers?.includes(orderNumber)) continue;
      const createdAt = `${day}T${String(8 + (i % 12)).padStart(2, "0")}:00:00Z`;
      let body = shopifyOrder({ id: orderNumber * 10, number: orderNumber, createdAt, customerId: 500 + (orderNumber % 40) });
      if (defects.driftOn === day) {
        const { line_items: _dropped, ...rest } = body;
        body = { ...rest, loyalty_points: 12 };
      }
      putOrderEvent(lake, `${day}T20:00:00Z`, body);
    }
    for (let i = 0; i < 4; i += 1) putRaw(lake, "shopify", "checkouts", `${day}T20:00:00Z`, checkout(`tok-${day}-${i}`, `${day}T09:00:00Z`));
    for (let i = 0; i < 3; i += 1)
      putRaw(lake, "recharge", "subscription", `${day}T20:00:00Z`, rechargeSubscription(dayIndex * 10 + i, "active", `${day}T09:00:00+00:00`, `${day}T09:00:00+00:00`));
    putRaw(lake, "recharge", "charge", `${day}T20:00:00Z`, { charge: { id: dayIndex + 1, status: "success", external_order_id: { ecommerce: "1" } } });
    for (let i = 0; i < 2; i += 1) putRaw(lake, "stripe", "charge", `${day}T20:00:00Z`, stripeChargeEvent(`ch_${dayIndex}_${i}`, 1, 100, "usd", 1773100000));
  });
  const runId = "nightly-2026-03-09";
  await putSnapshotOrders(lake, runId, [
    { id: "gid://shopify/Order/1", name: "#1", created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-01T00:00:00Z", subtotal_price: "5.00", total_price: "5.00" },
    { id: "gid://shopify/Order/2", name: "#2", created_at: "2025-01-02T00:00:00Z", updated_at: "2025-01-02T00:00:00Z", subtotal_price: "6.00", total_price: "6.00" },
  ]);
  await putSnapshotLineItems(lake, runId, [{ id: "gid://shopify/LineItem/1", order_id: "gid://shopify/Order/1", quantity: 1 }]);
  putManifest(lake, runId, {
    runId,
    object: "orders",
    partial: false,
    objectCount: defects.shortExport ? 5 : 3,
    totalRows: 3,
    countCheck: defects.shortExport ? "mismatch" : "match",
    entities: [
      { entity: "orders", rows: 2, bytes: 100 },
      { entity: "order_line_items", rows: 1, bytes: 100 },
    ],
    writtenAt: `${addDays(DATE, -1)}T04:00:00Z`,
  });
  await runEtl({ lake, date: DATE, full: true });
  return lake;
};

const withHotOrders = (platform: TestPlatform) => {
  platform.state.tables.orders.set("gid://shopify/Order/1", { id: "gid://shopify/Order/1", order_number: "1" });
  return platform;
};

const runDq = async (lake: LakeDir, platform: TestPlatform = withHotOrders(makeTestPlatform())) => {
  const queryFacts = await queryFactsOnDuckDb(lake, DATE);
  const report = await Effect.runPromise(
    dataQualityProgram({ date: DATE, runId: "test-run", checkedAt: `${DATE}T06:00:00Z`, queryFacts, hotStore: "counts" }).pipe(
      Effect.provide(lakeObjectStoreLayer(lake)),
      Effect.provide(platform.layer),
    ),
  );
  return { report, platform };
};

const failures = (report: DataQualityReport) => report.results.filter((result) => result.status === "fail").map((result) => `${result.check} ${result.subject} ${result.severity}`);

const lakes: LakeDir[] = [];
const tracked = async (defects?: Defects) => {
  const lake = await buildLake(defects);
  lakes.push(lake);
  return lake;
};
afterAll(() => lakes.forEach(removeLake));

test("clean data: every check passes or is skipped, no alert, no backfill; the report lands in the lake", async () => {
  const lake = await tracked();
  const { report, platform } = await runDq(lake);
  expect(failures(report)).toEqual([]);
  expect(platform.state.alerts).toEqual([]);
  expect(platform.state.events).toEqual([]);
  expect(report.backfillDays).toEqual([]);
  const checks = new Set(report.results.filter((result) => result.status === "pass").map((result) => result.check));
  expect([...checks].sort()).toEqual(["bulk-count", "decode-failures", "duplicates", "freshness", "hot-store", "order-number-gaps", "schema-drift", "volume", "webhook-recovery"]);
  const stored = JSON.parse(lake.read(`metadata/data-quality/dt=${DATE}/test-run.json`)!);
  expect(stored.summary).toEqual(report.summary);
  expect(platform.metricTotal("DataQualityErrors")).toBe(0);
});

test("a gap in order numbers fails with the missing numbers, asks for a backfill of those days", async () => {
  const lake = await tracked({ skipOrderNumbers: [1030, 1031, 1050] });
  const { report, platform } = await runDq(lake);
  expect(failures(report)).toEqual(["order-number-gaps shopify/orders error"]);
  const gap = report.results.find((result) => result.check === "order-number-gaps")!;
  expect(gap.details?.missing).toEqual(["1030", "1031", "1050"]);
  expect(gap.message).toContain("1030, 1031, 1050");
  expect(report.backfillDays.length).toBeGreaterThan(0);
  expect(report.backfillRequest).toEqual({ runId: `dq-${DATE}`, objects: ["orders"], since: `${report.backfillDays[0]}T00:00:00Z`, until: `${addDays(DATE, 1)}T00:00:00Z` });
  expect(platform.state.events).toEqual([{ source: DATA_QUALITY_SOURCE, detailType: BACKFILL_REQUESTED_DETAIL_TYPE, detail: report.backfillRequest }]);
  expect(platform.state.alerts.map((alert) => [alert.kind, alert.severity])).toEqual([["data-quality", "critical"]]);
  expect(platform.metricTotal("MissingOrderNumbers")).toBe(3);
});

test("a spike in volume is a warning; a day without orders is an error for freshness and volume", async () => {
  const spike = await runDq(await tracked({ ordersOn: { [DATE]: 80 } }));
  expect(failures(spike.report)).toEqual(["volume shopify/orders warning"]);
  const drop = await runDq(await tracked({ ordersOn: { [DATE]: 0 } }));
  expect(failures(drop.report)).toEqual(["freshness shopify/orders error", "volume shopify/orders error"]);
  expect(drop.platform.state.alerts).toHaveLength(2);
});

test("a drifted field: a field the transforms read disappears and an unknown one appears", async () => {
  const { report } = await runDq(await tracked({ driftOn: DATE }));
  expect(failures(report)).toEqual(["schema-drift shopify/orders error"]);
  const drift = report.results.find((result) => result.check === "schema-drift" && result.subject === "shopify/orders")!;
  expect(drift.details).toMatchObject({ disappeared: ["line_items"], appeared: ["loyalty_points"] });
});

test("a short bulk export (rows landed below objectCount) fails", async () => {
  const { report } = await runDq(await tracked({ shortExport: true }));
  expect(failures(report)).toEqual(["bulk-count backfill nightly-2026-03-09/orders error"]);
  expect(report.results.find((result) => result.check === "bulk-count")!.message).toContain("3 rows landed, Shopify's objectCount is 5");
});

test("duplicates in processed data and an empty orders hot store fail", async () => {
  const lake = await tracked();
  const [source] = lake.list(`processed/shopify/orders_enriched/dt=${DATE}/`);
  lake.write(source!.replace("part-00000", "part-00001"), fs.readFileSync(lake.pathOf(source!)));
  const { report } = await runDq(lake, makeTestPlatform());
  expect(failures(report)).toEqual(["duplicates processed/orders_enriched error", "hot-store orders error"]);
});

test("alerts are published once per check and date, however often the checks run", async () => {
  const lake = await tracked({ shortExport: true });
  const platform = withHotOrders(makeTestPlatform());
  await runDq(lake, platform);
  await runDq(lake, platform);
  expect(platform.state.alerts).toHaveLength(1);
});

test("the handler's program rejects a bad date and reads Athena CSV results from the lake", async () => {
  const lake = await tracked();
  const platform = withHotOrders(makeTestPlatform());
  const provide = <A, E>(effect: Effect.Effect<A, E, never>) => effect;
  const bad = await Effect.runPromise(Effect.either(handlerProgram({ date: "2026-13-01" }).pipe(Effect.provide(lakeObjectStoreLayer(lake)), Effect.provide(platform.layer))));
  expect(bad._tag === "Left" && bad.left._tag).toBe("InvalidPayload");
  lake.write("athena-results/gaps.csv", '"gap_start","gap_end","from_date","to_date"\n"1005","1006","2026-03-09","2026-03-09"\n');
  lake.write("athena-results/dups.csv", '"order_id","copies"\n');
  const report = await Effect.runPromise(
    provide(
      handlerProgram({
        date: DATE,
        runId: "aws",
        hotStore: "cloudwatch",
        queryResults: { orderNumberGaps: "s3://bucket/athena-results/gaps.csv", processedDuplicates: "athena-results/dups.csv" },
      }).pipe(Effect.provide(lakeObjectStoreLayer(lake)), Effect.provide(platform.layer)),
    ),
  );
  expect(failures(report)).toEqual(["order-number-gaps shopify/orders error"]);
  expect(report.results.find((result) => result.check === "order-number-gaps")!.details?.missing).toEqual(["1005", "1006"]);
  expect(report.results.find((result) => result.check === "hot-store")!.status).toBe("skipped");
  expect(report.backfillDays).toEqual(["2026-03-09"]);
});
