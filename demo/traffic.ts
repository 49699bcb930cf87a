/**
 * A realistic, deterministic day of webhook traffic for a small Shopify brand with Recharge
 * subscriptions and Stripe payments, signed as each provider signs it.
 *
 * The same seed and day always give the same events (ids, amounts, order), except Stripe's
 * signature timestamp, which must be close to the moment of sending. Besides the deliveries it
 * returns what a correct platform must end up holding (`expectations`), so the demo and its test
 * can check the outcome instead of trusting it.
 *
 * The deliveries come in waves that are sent one after another (events inside a wave go out in
 * parallel): creations, then updates, then late and out-of-order updates, then redeliveries and
 * forgeries. Out-of-order means an older state arrives after a newer one; the platform must keep
 * the newer.
 *
 * Each source has its own module under `traffic/` (shopify/, recharge.ts, stripe/, then
 * redeliveries.ts). They all draw from one seeded random source, so the order in which they are
 * called below is part of what makes a seed give the same day.
 */
import type { TableKey } from "../contracts/tables";
import { startDay } from "./traffic/day";
import { expectRecovered, abandonedCheckoutsOfTheDay } from "./traffic/shopify/carts";
import { customersOfTheDay } from "./traffic/shopify/customers";
import { entityTablesOfTheDay, shopifyEntitiesOfTheDay } from "./traffic/shopify/entities";
import { ordersOfTheDay } from "./traffic/shopify/orders";
import { productsOfTheDay } from "./traffic/shopify/products";
import { shopifySender } from "./traffic/shopify/send";
import { linePicker } from "./traffic/shop";
import { rechargeOfTheDay } from "./traffic/recharge";
import { invoiceAndDisputeOfTheDay } from "./traffic/stripe/billing";
import { directSalesOfTheDay } from "./traffic/stripe/sales";
import { stripeSender } from "./traffic/stripe/send";
import { storefrontPaymentsOfTheDay } from "./traffic/stripe/storefront";
import { LAST_WAVE, redeliveriesAndForgeries } from "./traffic/redeliveries";
import type { Delivery, Traffic, TrafficOptions } from "./traffic/types";

export { DEFAULT_SEED } from "./traffic/day";
export type { Delivery, DeliveryKind, Door, ExpectedRow, Source, Traffic, TrafficExpectations, TrafficOptions } from "./traffic/types";

export const generateTraffic = (options: TrafficOptions): Traffic => {
  const day = startDay(options);

  // Shopify: products, customers, abandoned checkouts, then orders (which recover some checkouts).
  const sendShopify = shopifySender(day);
  const products = productsOfTheDay(day, sendShopify);
  const people = customersOfTheDay(day, sendShopify);
  const pickLines = linePicker(day, products);
  const recoveredTokens = abandonedCheckoutsOfTheDay(day, sendShopify, people.customers, pickLines);
  const orders = ordersOfTheDay(day, sendShopify, people, recoveredTokens, pickLines);
  expectRecovered(day, recoveredTokens);
  people.expectNewest();

  // Recharge: subscriptions and renewal charges.
  rechargeOfTheDay(day, orders.orders, people.customers, products);

  // Stripe: storefront orders paid through Stripe, direct sales, an invoice and a dispute.
  const sendStripe = stripeSender(day);
  const stripePaidOrders = storefrontPaymentsOfTheDay(day, sendStripe, orders);
  const sales = directSalesOfTheDay(day, sendStripe, people.customers);
  invoiceAndDisputeOfTheDay(day, sendStripe, sales);

  const { duplicates, forged, absent } = redeliveriesAndForgeries(day, orders.orders);

  // Shopify's other entities (refunds, transactions, fulfillments, inventory, locations, discounts, draft orders): last, drawing nothing random.
  shopifyEntitiesOfTheDay(day, sendShopify, orders.orders, orders.cancelledIndex, products);

  let seq = 0;
  const deliveries: Delivery[] = [
    ...day.originals.map((delivery): Delivery => ({ ...delivery, seq: 0, kind: "original", expected: { status: 200, outcome: "accepted" } })),
    ...duplicates.map((delivery): Delivery => ({ ...delivery, wave: LAST_WAVE, seq: 0, kind: "duplicate", expected: { status: 200, outcome: "duplicate" } })),
    ...forged.map((delivery): Delivery => ({ ...delivery, seq: 0, kind: "forged", expected: { status: 401 } })),
  ]
    .map((delivery, index) => ({ delivery, index }))
    .sort((left, right) => left.delivery.wave - right.delivery.wave || left.index - right.index)
    .map(({ delivery }) => ({ ...delivery, seq: seq++ }));

  const { rows } = day;
  const distinct = (table: TableKey) => new Set(rows.filter((row) => row.table === table).map((row) => JSON.stringify(row.key))).size;
  const distinctObjects: Partial<Record<TableKey, number>> = {};
  for (const table of [
    "orders",
    "customers",
    "products",
    "abandonedCarts",
    "subscriptions",
    "charges",
    "payments",
    "invoices",
    "disputes",
    ...entityTablesOfTheDay,
  ] as TableKey[]) {
    distinctObjects[table] = distinct(table);
  }
  // Stripe payments hold charges and payment intents: the failing sale has an intent too.
  distinctObjects.payments = sales.length * 2 + 2 + stripePaidOrders.length * 2;

  return {
    seed: day.seed,
    dayStart: day.start.toISOString(),
    shopDomain: day.shopDomain,
    deliveries,
    expectations: { uniqueEvents: day.originals.length, duplicates: duplicates.length, forged: forged.length, rows, distinctObjects, stripePaidOrders, absent },
  };
};

/** The start of the simulated day: the 24 hours that end at the last full hour before `now`. */
export const defaultDayStart = (now: Date = new Date()) => {
  const hour = new Date(now.getTime());
  hour.setUTCMinutes(0, 0, 0);
  return new Date(hour.getTime() - 24 * 3600_000);
};

/** A captured-webhook line for `sdp replay` (JSON lines). */
export const replayLineOf = (delivery: Delivery): string =>
  delivery.door === "events" ? delivery.body : JSON.stringify({ door: delivery.door, headers: delivery.headers, body: delivery.body });
