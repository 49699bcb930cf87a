/**
 * npm-test size: 15 random histories (SDP_LONG_TESTS=1: 40; SDP_CONVERGENCE_RUNS=N: N). Each run
 * delivers a history twice through fresh in-memory platforms (~0.6 s); in 15, orders, customers
 * and products are in every run and refunds, checkouts and deletions (each a coin flip or more)
 * in nearly every npm test, with both doors, reordering and duplicates; and fast-check picks a new seed every run, so npm test after npm test covers more
 * histories; any divergence fails with its counterexample.
 *
 * Property: whatever the order, and however often each delivery repeats (through either door),
 * the hot stores end in the same state as when every delivery arrives once, in order.
 */
import fc from "fast-check";
import type { TableKey } from "../../contracts/tables";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { checkoutHandlers } from "../../functions/shopify/checkouts";
import { customerHandlers } from "../../functions/shopify/customers";
import { orderHandlers } from "../../functions/shopify/orders";
import { productHandlers } from "../../functions/shopify/products";
import { refundHandlers } from "../../functions/shopify/refunds";
import { fixture, run } from "./support";
import { partnerEnvelope, platformEnvelope } from "../support";

const checkoutsProgram = familyProcessor("shopify-checkouts", checkoutHandlers).program;
const customersProgram = familyProcessor("shopify-customers", customerHandlers).program;
const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;
const productsProgram = familyProcessor("shopify-products", productHandlers).program;
const refundsProgram = familyProcessor("shopify-refunds", refundHandlers).program;

interface Delivery {
  readonly webhookId: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly triggeredAt: string;
}

const programFor = (topic: string): ((envelope: BusEnvelope) => any) => {
  const family = topic.split("/")[0];
  if (family === "orders") return ordersProgram;
  if (family === "refunds") return refundsProgram;
  if (family === "customers") return customersProgram;
  if (family === "products") return productsProgram;
  return checkoutsProgram;
};

const at = (minutes: number) => new Date(Date.parse("2026-03-01T15:00:00Z") + minutes * 60_000).toISOString();
const STATUSES = ["pending", "paid", "partially_refunded", "refunded"];

/** A history: several versions of an order, a customer, a product and a checkout, maybe ending in deletes. */
const historyArb = fc
  .record({
    orderMinutes: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 5 }),
    customerMinutes: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 3 }),
    productMinutes: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 3 }),
    checkoutMinutes: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 0, maxLength: 3 }),
    deleteProduct: fc.boolean(),
    deleteCustomer: fc.boolean(),
    withRefund: fc.boolean(),
  })
  .map((history): Delivery[] => {
    let serial = 0;
    const delivery = (topic: string, payload: unknown, minutes: number): Delivery => ({ webhookId: `wh-${(serial += 1)}`, topic, payload, triggeredAt: at(minutes) });
    const deliveries: Delivery[] = [];
    for (const [index, minutes] of history.orderMinutes.entries()) {
      deliveries.push(
        delivery(
          index === 0 ? "orders/create" : "orders/updated",
          { ...fixture("order"), updated_at: at(minutes), financial_status: STATUSES[minutes % STATUSES.length], tags: minutes % 2 ? "Subscription" : "" },
          minutes,
        ),
      );
    }
    for (const minutes of history.customerMinutes)
      deliveries.push(delivery("customers/update", { ...fixture("customer"), updated_at: at(minutes), orders_count: minutes }, minutes));
    for (const minutes of history.productMinutes)
      deliveries.push(delivery("products/update", { ...fixture("product"), updated_at: at(minutes), title: `Kit v${minutes}` }, minutes));
    for (const minutes of history.checkoutMinutes)
      deliveries.push(delivery("checkouts/update", { ...fixture("checkout"), updated_at: at(minutes), total_price: `${minutes}.00` }, minutes));
    if (history.withRefund) deliveries.push(delivery("refunds/create", fixture("refund"), 600));
    if (history.deleteProduct) deliveries.push(delivery("products/delete", fixture("product-delete"), 700));
    if (history.deleteCustomer) deliveries.push(delivery("customers/delete", fixture("customer-delete"), 700));
    return deliveries.sort((a, b) => a.triggeredAt.localeCompare(b.triggeredAt));
  });

const HOT_TABLES: TableKey[] = ["orders", "customers", "products", "abandonedCarts", "refunds"];

const deliverAll = async (deliveries: ReadonlyArray<{ delivery: Delivery; viaHttps: boolean }>) => {
  const platform = makeTestPlatform();
  for (const { delivery, viaHttps } of deliveries) {
    const envelope = viaHttps
      ? platformEnvelope(delivery.topic, delivery.payload, { eventId: delivery.webhookId, receivedAt: delivery.triggeredAt })
      : partnerEnvelope(delivery.topic, delivery.payload, { webhookId: delivery.webhookId, triggeredAt: delivery.triggeredAt });
    if (viaHttps) (envelope.detail as Record<string, unknown>).triggeredAt = delivery.triggeredAt;
    await run(platform.layer, programFor(delivery.topic)(envelope));
  }
  const sortById = (items: Record<string, unknown>[]) => items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return Object.fromEntries(HOT_TABLES.map((table) => [table, sortById(platform.items(table))]));
};

test("any order and duplication of deliveries converges on the in-order state", async () => {
  await fc.assert(
    fc.asyncProperty(
      historyArb.chain((deliveries) =>
        fc.array(fc.nat({ max: deliveries.length - 1 }), { maxLength: 6 }).chain((duplicates) => {
          const copies = [...deliveries.map((_, index) => index), ...duplicates];
          return fc.tuple(
            fc.constant(deliveries),
            fc.shuffledSubarray(copies, { minLength: copies.length, maxLength: copies.length }),
            fc.array(fc.boolean(), { minLength: copies.length, maxLength: copies.length }),
          );
        }),
      ),
      async ([deliveries, order, doors]) => {
        const expected = await deliverAll(deliveries.map((delivery) => ({ delivery, viaHttps: false })));
        const actual = await deliverAll(order.map((index, position) => ({ delivery: deliveries[index]!, viaHttps: doors[position]! })));
        expect(actual).toEqual(expected);
      },
    ),
    { numRuns: Number(process.env.SDP_CONVERGENCE_RUNS ?? (process.env.SDP_LONG_TESTS === "1" ? 40 : 15)) },
  );
});
