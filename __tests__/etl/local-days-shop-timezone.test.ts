/**
 * The other days and months the analytics count, in the shop's time zone as daily_sales counts
 * them (see revenue-shop-timezone.test.ts): abandoned_cart_recovery's checkout day,
 * subscription_churn_monthly's calendar month and the order dates of the order-number gap check
 * (with the backfill window it asks for). The same lake is run with America/Los_Angeles and with
 * UTC; each timestamp sits near midnight UTC, so the two disagree. Every count is worked out by
 * hand. 2026-03-08 10:00 UTC is Los Angeles' spring-forward (PST, UTC-8, then PDT, UTC-7).
 */
import { ConfigProvider, Effect, Exit } from "effect";
import { envVars } from "../../contracts/env-vars";
import { athenaWorkflowSql } from "../../etl/athena";
import type { LakeDir } from "../../etl/lake";
import { lakeObjectStoreLayer } from "../../etl/lake-object-store";
import { queryFactsOnDuckDb } from "../../etl/quality";
import { readParquetRows, runEtl } from "../../etl/runner";
import { program as handlerProgram } from "../../functions/data-quality/handler";
import { backfillRequestFor, dataQualityProgram } from "../../functions/data-quality/handler-program";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { checkout, lakesRemovedAfterAll, putOrderEvent, putRaw, rechargeSubscription, shopifyOrder } from "../fixtures/lake/builder";

const ZONE = "America/Los_Angeles";

/** Checkouts and subscriptions near midnight UTC, and the order that recovers one checkout. */
const writeCheckoutsAndSubscriptions = (lake: LakeDir) => {
  // Evening: 06:30 UTC on 03-02 = 22:30 PST on 03-01. Abandoned, then recovered by order 61 on 03-03.
  putRaw(lake, "shopify", "checkouts", "2026-03-02T07:00:00Z", checkout("tok-evening", "2026-03-02T06:30:00Z"));
  // Small hours: 09:00 UTC on 03-02 = 01:00 PST on 03-02, the same UTC day. Abandoned, never ordered.
  putRaw(lake, "shopify", "checkouts", "2026-03-02T10:00:00Z", checkout("tok-small-hours", "2026-03-02T09:00:00Z"));
  // After the DST change: 07:30 UTC on 03-09 = 00:30 PDT on 03-09 (PST, UTC-8, would say 23:30 on 03-08).
  // Ordered 20 minutes later (converted, not abandoned); the newest checkout seen, so "now".
  putRaw(lake, "shopify", "checkouts", "2026-03-09T08:00:00Z", checkout("tok-dst", "2026-03-09T07:30:00Z"));
  putOrderEvent(
    lake,
    "2026-03-03T18:05:00Z",
    shopifyOrder({ id: 61, number: 61, createdAt: "2026-03-03T18:00:00Z", checkoutToken: "tok-evening", lineItems: [{ quantity: 1, price: "25.00" }] }),
  );
  putOrderEvent(lake, "2026-03-09T07:55:00Z", shopifyOrder({ id: 62, number: 62, createdAt: "2026-03-09T07:50:00Z", checkoutToken: "tok-dst" }));

  // 1: created 05:00 UTC on 02-01 = 21:00 PST on 01-31 (January locally, February in UTC); active.
  putRaw(lake, "recharge", "subscription", "2026-02-01T05:00:00Z", rechargeSubscription(1, "active", "2026-02-01T05:00:00+00:00", "2026-02-01T05:00:00+00:00"));
  // 2: created 01-10; cancelled 07:30 UTC on 03-01 = 23:30 PST on 02-28 (February locally, March in UTC).
  putRaw(
    lake,
    "recharge",
    "subscription",
    "2026-03-01T07:30:00Z",
    rechargeSubscription(2, "cancelled", "2026-01-10T12:00:00+00:00", "2026-03-01T07:30:00+00:00", "2026-03-01T07:30:00+00:00"),
  );
  // 3: created 09:00 UTC on 03-01 = 01:00 PST on 03-01: March either way; active.
  putRaw(lake, "recharge", "subscription", "2026-03-01T09:00:00Z", rechargeSubscription(3, "active", "2026-03-01T09:00:00+00:00", "2026-03-01T09:00:00+00:00"));
};

const RUN_DATE = "2026-03-10";

/** Order numbers 5001, 5002, (5003 missing), 5004 around the edges of the 7 days to RUN_DATE. */
const writeNumberedOrders = (lake: LakeDir) => {
  // 06:00 UTC on 03-04 = 22:00 PST on 03-03: inside the UTC window (03-04..03-10), outside the local one.
  putOrderEvent(lake, "2026-03-04T06:05:00Z", shopifyOrder({ id: 5001, number: 5001, createdAt: "2026-03-04T06:00:00Z" }));
  // 20:00 UTC on 03-09 = 13:00 PDT on 03-09: inside both.
  putOrderEvent(lake, "2026-03-09T20:05:00Z", shopifyOrder({ id: 5002, number: 5002, createdAt: "2026-03-09T20:00:00Z" }));
  // 05:00 UTC on 03-11 = 22:00 PDT on 03-10: the run date locally, the day after in UTC.
  putOrderEvent(lake, "2026-03-11T05:05:00Z", shopifyOrder({ id: 5004, number: 5004, createdAt: "2026-03-11T05:00:00Z" }));
};

const viewRows = (lake: LakeDir, view: string) => readParquetRows(lake, `curated/${view}/*.parquet`, "SELECT * FROM t ORDER BY 1");

const cartRow = (row: Record<string, unknown>) => [row.dt, Number(row.checkouts), Number(row.abandoned), Number(row.recovered), row.recovery_rate, row.recovered_net_amount];
const churnRow = (row: Record<string, unknown>) => [
  row.month,
  Number(row.active_at_start),
  Number(row.new_subscriptions),
  Number(row.cancelled_subscriptions),
  Number(row.active_at_end),
  row.churn_rate,
];

describe.each([
  {
    zone: ZONE,
    carts: [
      // tok-evening alone on its local day 03-01: abandoned and recovered by order 61 (25.00).
      ["2026-03-01", 1, 1, 1, "1.0000", "25.0000"],
      // tok-small-hours: abandoned, not recovered.
      ["2026-03-02", 1, 1, 0, "0.0000", "0.0000"],
      // tok-dst, on 03-09 at PDT: converted.
      ["2026-03-09", 1, 0, 0, null, "0.0000"],
    ],
    churn: [
      // January: 2 (01-10) and 1 (01-31 21:00) start; none active before.
      ["2026-01-01", 0, 2, 0, 2, null],
      // February: 1 and 2 active at the start; 2 cancelled at 23:30 on the 28th: 1 of 2.
      ["2026-02-01", 2, 0, 1, 1, "0.5000"],
      // March: 1 active at the start; 3 new.
      ["2026-03-01", 1, 1, 0, 2, "0.0000"],
    ],
  },
  {
    zone: "UTC",
    carts: [
      // Both March-2 checkouts on 03-02: two abandoned, one recovered.
      ["2026-03-02", 2, 2, 1, "0.5000", "25.0000"],
      ["2026-03-09", 1, 0, 0, null, "0.0000"],
    ],
    churn: [
      ["2026-01-01", 0, 1, 0, 1, null],
      // 1 starts on 02-01 at 05:00.
      ["2026-02-01", 1, 1, 0, 2, "0.0000"],
      // 2 cancelled on 03-01 at 07:30: 1 of the 2 active at the start; 3 new.
      ["2026-03-01", 2, 1, 1, 2, "0.5000"],
    ],
  },
])("checkout days and subscription months in $zone", ({ zone, carts, churn }) => {
  const newLake = lakesRemovedAfterAll();
  let lake: LakeDir;
  beforeAll(async () => {
    lake = newLake();
    writeCheckoutsAndSubscriptions(lake);
    await runEtl({ lake, date: "2026-03-09", full: true, shopTimezone: zone });
  }, 120_000);

  test("abandoned_cart_recovery: dt is the day the checkout started in the shop's time zone", async () => {
    expect((await viewRows(lake, "abandoned_cart_recovery")).map(cartRow)).toEqual(carts);
  });

  test("subscription_churn_monthly: months are the shop's calendar months", async () => {
    expect((await viewRows(lake, "subscription_churn_monthly")).map(churnRow)).toEqual(churn);
  });
});

describe.each([
  {
    zone: ZONE,
    // Locally 5001 (03-03) is outside the window; 5002 (03-09) and 5004 (03-10) are in it, with 5003 missing between.
    gaps: [{ gapStart: 5003, gapEnd: 5003, fromDate: "2026-03-09", toDate: "2026-03-10" }],
    // Local midnights in UTC: 03-09 00:00 PDT and 03-11 00:00 PDT.
    backfill: { since: "2026-03-09T07:00:00Z", until: "2026-03-11T07:00:00Z" },
  },
  // In UTC, 5004 falls on 03-11, after the window: 5001 and 5002 are consecutive, no gap.
  { zone: "UTC", gaps: [], backfill: undefined },
])("order-number gaps by the order dates in $zone", ({ zone, gaps, backfill }) => {
  const newLake = lakesRemovedAfterAll();
  let lake: LakeDir;
  beforeAll(() => {
    lake = newLake();
    writeNumberedOrders(lake);
  });

  test("the gap query dates orders by the shop's local day, and the backfill covers those local days", async () => {
    const queryFacts = await queryFactsOnDuckDb(lake, RUN_DATE, zone);
    expect(queryFacts.orderNumberGaps).toEqual(gaps);
    const report = await Effect.runPromise(
      dataQualityProgram({ date: RUN_DATE, runId: "tz-run", checkedAt: `${RUN_DATE}T06:00:00Z`, queryFacts, hotStore: "none", shopTimezone: zone }).pipe(
        Effect.provide(lakeObjectStoreLayer(lake)),
        Effect.provide(makeTestPlatform().layer),
      ),
    );
    expect(report.results.find((result) => result.check === "order-number-gaps")?.status).toBe(gaps.length > 0 ? "fail" : "pass");
    expect(report.backfillDays).toEqual(gaps.length > 0 ? ["2026-03-09", "2026-03-10"] : []);
    expect(report.backfillRequest).toEqual(backfill === undefined ? undefined : { runId: `dq-${RUN_DATE}`, objects: ["orders"], ...backfill });
  });
});

describe("the zone reaches every statement that counts a day or a month", () => {
  const newLake = lakesRemovedAfterAll();
  test("the backfill window is the local days' span in UTC instants; UTC days are unchanged", () => {
    expect(backfillRequestFor("2026-03-10", ["2026-03-01", "2026-03-02"])).toMatchObject({ since: "2026-03-01T00:00:00Z", until: "2026-03-11T00:00:00Z" });
    // East of Greenwich a local day starts the UTC day before; 03-01 is PST (UTC-8), 03-11 PDT (UTC-7).
    expect(backfillRequestFor("2026-03-10", ["2026-03-01"], "Europe/Berlin")).toMatchObject({ since: "2026-02-28T23:00:00Z", until: "2026-03-10T23:00:00Z" });
    expect(backfillRequestFor("2026-03-10", ["2026-03-01"], ZONE)).toMatchObject({ since: "2026-03-01T08:00:00Z", until: "2026-03-11T07:00:00Z" });
  });

  test("the function takes the zone from the variable the analytics stack sets, and refuses a zone that is none", async () => {
    const lake = newLake();
    const run = (zone: string) =>
      Effect.runPromiseExit(
        handlerProgram({
          date: RUN_DATE,
          runId: "env",
          hotStore: "none",
          queryFacts: { orderNumberGaps: [{ gapStart: 5003, gapEnd: 5003, fromDate: "2026-03-09", toDate: "2026-03-10" }] },
        }).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[envVars.shopTimezone, zone]]))),
          Effect.provide(lakeObjectStoreLayer(lake)),
          Effect.provide(makeTestPlatform().layer),
        ),
      );
    const local = await run(ZONE);
    expect(Exit.isSuccess(local) && local.value.backfillRequest).toMatchObject({ since: "2026-03-09T07:00:00Z", until: "2026-03-11T07:00:00Z" });
    const bad = await run("Mars/Olympus_Mons");
    expect(Exit.isFailure(bad) && String(bad.cause)).toMatch(/SDP_SHOP_TIMEZONE "Mars\/Olympus_Mons" is not a known IANA time zone/);
  });

  test("Athena binds the shop's zone into abandoned_cart_recovery, subscription_churn_monthly and the gap query", () => {
    const sql = athenaWorkflowSql(ZONE);
    const view = (name: string) => sql.views.find((entry) => entry.name === name)?.sql ?? "";
    expect(view("abandoned_cart_recovery")).toContain(`CAST(at_timezone(with_timezone(c.created_at, 'UTC'), '${ZONE}') AS DATE)`);
    expect(view("subscription_churn_monthly")).toContain(`at_timezone(with_timezone(COALESCE(created_at, updated_at), 'UTC'), '${ZONE}')`);
    expect(sql.quality.orderNumberGaps).toContain(`CAST(at_timezone(with_timezone(created_at, 'UTC'), '${ZONE}') AS DATE)`);
    expect(sql.quality.orderNumberGaps).toContain("{{run_date}}");
    expect(JSON.stringify(sql)).not.toContain("{{shop_timezone}}");
  });
});
