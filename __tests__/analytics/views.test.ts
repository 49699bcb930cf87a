import type { LakeDir } from "../../etl/lake";
import { readParquetRows, runEtl } from "../../etl/runner";
import { checkout, makeLake, putOrderEvent, putRaw, rechargeCharge, rechargeSubscription, removeLake, shopifyOrder, stripeChargeEvent } from "../fixtures/lake/builder";

const viewRows = (lake: LakeDir, view: string) => readParquetRows(lake, `curated/${view}/*.parquet`);

let lake: LakeDir;

beforeAll(async () => {
  lake = makeLake();
  // Orders: 1 subscription first order, 2 its repeat, 3 a plain Stripe order, 4 a JPY Stripe order,
  // 5 a Stripe order with no charge, 6 recovered from an abandoned checkout, 7 converted directly.
  putOrderEvent(lake, "2026-02-01T10:00:00Z", shopifyOrder({ id: 1, number: 1, createdAt: "2026-02-01T08:00:00Z", customerId: 9, tags: "Subscription First Order" }));
  putOrderEvent(lake, "2026-03-01T10:00:00Z", shopifyOrder({ id: 2, number: 2, createdAt: "2026-03-01T08:00:00Z", customerId: 9 }));
  putRaw(lake, "recharge", "charge", "2026-03-01T10:00:00Z", rechargeCharge(77, 2, "2026-03-01T08:00:00Z"));
  putOrderEvent(
    lake,
    "2026-02-02T10:00:00Z",
    shopifyOrder({ id: 3, number: 3, createdAt: "2026-02-02T08:00:00Z", gateways: ["stripe"], lineItems: [{ quantity: 1, price: "19.99" }] }),
  );
  putOrderEvent(lake, "2026-02-02T10:00:00Z", {
    ...shopifyOrder({ id: 4, number: 4, createdAt: "2026-02-02T08:00:00Z", gateways: ["stripe"], currency: "JPY" }),
    total_price: "1500",
  });
  putOrderEvent(lake, "2026-02-02T10:00:00Z", shopifyOrder({ id: 5, number: 5, createdAt: "2026-02-02T08:00:00Z", gateways: ["stripe"] }));
  putRaw(lake, "stripe", "charge", "2026-02-02T10:00:00Z", stripeChargeEvent("ch_3", 3, 1999, "usd", 1770000000));
  putRaw(lake, "stripe", "charge", "2026-02-02T10:00:00Z", stripeChargeEvent("ch_4", "gid://shopify/Order/4", 1400, "jpy", 1770000000));
  putRaw(lake, "stripe", "charge", "2026-02-02T10:00:00Z", stripeChargeEvent("ch_x", 999, 500, "usd", 1770000000));
  // A failed charge for order 5 does not count as paid.
  putRaw(lake, "stripe", "charge", "2026-02-02T10:00:00Z", {
    ...stripeChargeEvent("ch_5", 5, 1000, "usd", 1770000000),
    data: { object: { ...stripeChargeEvent("ch_5", 5, 1000, "usd", 1770000000).data.object, status: "failed" } },
  });

  putRaw(lake, "shopify", "checkouts", "2026-02-03T10:00:00Z", checkout("tok-recovered", "2026-02-03T08:00:00Z", "2026-02-03T08:10:00Z"));
  putRaw(lake, "shopify", "checkouts", "2026-02-03T10:00:00Z", checkout("tok-converted", "2026-02-03T09:00:00Z"));
  putRaw(lake, "shopify", "checkouts", "2026-02-03T10:00:00Z", checkout("tok-lost", "2026-02-03T09:30:00Z"));
  putRaw(lake, "shopify", "checkouts", "2026-02-04T10:00:00Z", checkout("tok-open", "2026-02-04T12:00:00Z"));
  putOrderEvent(
    lake,
    "2026-02-05T10:00:00Z",
    shopifyOrder({ id: 6, number: 6, createdAt: "2026-02-05T08:00:00Z", checkoutToken: "tok-recovered", lineItems: [{ quantity: 1, price: "30.00" }] }),
  );
  putOrderEvent(lake, "2026-02-03T10:00:00Z", shopifyOrder({ id: 7, number: 7, createdAt: "2026-02-03T09:20:00Z", checkoutToken: "tok-converted" }));

  // Subscriptions: a in Jan (active), b in Jan cancelled in Mar, c new in Feb cancelled in Feb,
  // d created in Mar; b arrives out of order (older event stored later).
  putRaw(lake, "recharge", "subscription", "2026-01-05T10:00:00Z", rechargeSubscription(1, "active", "2026-01-05T00:00:00+00:00", "2026-01-05T00:00:00+00:00"));
  putRaw(
    lake,
    "recharge",
    "subscription",
    "2026-03-10T10:00:00Z",
    rechargeSubscription(2, "cancelled", "2026-01-06T00:00:00+00:00", "2026-03-10T00:00:00+00:00", "2026-03-10T00:00:00+00:00"),
  );
  putRaw(lake, "recharge", "subscription", "2026-03-11T10:00:00Z", rechargeSubscription(2, "active", "2026-01-06T00:00:00+00:00", "2026-01-06T00:00:00+00:00"));
  putRaw(
    lake,
    "recharge",
    "subscription",
    "2026-02-10T10:00:00Z",
    rechargeSubscription(3, "cancelled", "2026-02-01T00:00:00+00:00", "2026-02-20T00:00:00+00:00", "2026-02-20T00:00:00+00:00"),
  );
  putRaw(lake, "recharge", "subscription", "2026-03-15T10:00:00Z", rechargeSubscription(4, "active", "2026-03-15T00:00:00", "2026-03-15T00:00:00"));
  await runEtl({ lake, date: "2026-03-15", full: true });
});
afterAll(() => removeLake(lake));

test("subscription_orders: the flagged orders with first/repeat", async () => {
  const rows = [...(await viewRows(lake, "subscription_orders"))].sort((a, b) => String(a.order_id).localeCompare(String(b.order_id)));
  expect(rows.map((row) => [row.order_id, row.customer_order_type, row.days_since_previous_order])).toEqual([
    ["gid://shopify/Order/1", "first", null],
    ["gid://shopify/Order/2", "repeat", 28],
  ]);
});

test("subscription_churn_monthly: active, new, cancelled and churn rate per month", async () => {
  const rows = await viewRows(lake, "subscription_churn_monthly");
  expect(rows).toEqual([
    { month: "2026-01-01", active_at_start: "0", new_subscriptions: "2", cancelled_subscriptions: "0", active_at_end: "2", churn_rate: null },
    { month: "2026-02-01", active_at_start: "2", new_subscriptions: "1", cancelled_subscriptions: "1", active_at_end: "2", churn_rate: "0.5000" },
    { month: "2026-03-01", active_at_start: "2", new_subscriptions: "1", cancelled_subscriptions: "1", active_at_end: "2", churn_rate: "0.5000" },
  ]);
});

test("orders_payments_reconciliation: matched, mismatched, missing and orphan charges in exact decimals", async () => {
  const rows = [...(await viewRows(lake, "orders_payments_reconciliation"))].sort((a, b) => String(a.order_id).localeCompare(String(b.order_id)));
  expect(rows.map((row) => [row.order_id, row.status, row.order_total, row.charged_amount, row.difference])).toEqual([
    ["gid://shopify/Order/3", "matched", "19.9900", "19.9900", "0.0000"],
    ["gid://shopify/Order/4", "amount_mismatch", "1500.0000", "1400.0000", "-100.0000"],
    ["gid://shopify/Order/5", "missing_charge", "10.0000", null, "-10.0000"],
    ["gid://shopify/Order/999", "orphan_charge", null, "5.0000", "5.0000"],
  ]);
});

test("abandoned_cart_recovery: abandoned, recovered and the rate per checkout day", async () => {
  const rows = await viewRows(lake, "abandoned_cart_recovery");
  expect(rows).toEqual([
    { dt: "2026-02-03", checkouts: "3", abandoned: "2", recovered: "1", recovery_rate: "0.5000", recovered_net_amount: "30.0000" },
    { dt: "2026-02-04", checkouts: "1", abandoned: "0", recovered: "0", recovery_rate: null, recovered_net_amount: "0.0000" },
  ]);
});
