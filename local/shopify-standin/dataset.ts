/**
 * A seeded Shopify dataset rendered as bulk-operation JSONL: the same seed and range give the
 * same lines, so tests can compare the lake with the source. It exercises what real exports
 * contain: nested children on their own lines with `__parentId`, missing optional fields,
 * unicode, legacy ids above 2^53 and three-decimal money.
 *
 * Used by the Shopify stand-in, the tests and bench/convert.bench.ts (which writes ~1.1 GB, so
 * lines are built with templates, not objects).
 */
import type { BulkObject } from "../../functions/backfill/convert/entities";

export interface DatasetOptions {
  readonly seed?: number;
  /** Inclusive start and exclusive end of `updatedAt`, ISO-8601. */
  readonly since: string;
  readonly until: string;
  /** Root objects per day of the range (default 20). */
  readonly perDay?: number;
  /** Or an exact number of root objects, spread over the range. */
  readonly count?: number;
  /**
   * Leave out what a lean export omits (zero discount/shipping sets, processedAt, tags), as a
   * narrower field selection would: the bench uses it to reach the ~1.1 GB per million orders
   * of a typical orders export.
   */
  readonly compact?: boolean;
}

export interface DatasetCounts {
  readonly objectCount: number;
  readonly rootObjectCount: number;
}

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const DAY_MS = 86_400_000;
const names = ["Ada", "Zoë", "José", "Øyvind", "Ünal", "Mei 美", "Ærin", "Kofi", "Şule", "Nguyễn"];
const surnames = ["Lovelace", "García", "Müller", "O'Brien", "Дмитриев", "山田", "Smith", "Ní Bhriain"];
const products = ["Café crème ☕", 'Tee "Classic"', "Socks, wool", "Bäckerei-Brot", "Señal 🚀", "Plain mug"];
const currencies = ["EUR", "USD", "GBP", "KWD"];

/** Legacy ids start above 2^53 so any double conversion on the way would show. */
const LEGACY_BASE = 9007199254740993n;

const money = (amount: string, currency: string) => `{"shopMoney":{"amount":"${amount}","currencyCode":"${currency}"}}`;
const amountOf = (cents: number, currency: string) => (currency === "KWD" ? (cents / 1000).toFixed(3) : (cents / 100).toFixed(2));

export const rootCountFor = (options: DatasetOptions): number => {
  if (options.count !== undefined) return options.count;
  const days = Math.max(0, Math.ceil((Date.parse(options.until) - Date.parse(options.since)) / DAY_MS));
  return days * (options.perDay ?? 20);
};

/** Yields JSONL lines (without newline): each root object followed by its children. */
export function* bulkLines(object: BulkObject, options: DatasetOptions): Generator<string> {
  if (object !== "orders" && object !== "customers" && object !== "products") {
    yield* entityLines(object, options);
    return;
  }
  const random = mulberry32(options.seed ?? 42);
  const since = Date.parse(options.since);
  const until = Date.parse(options.until);
  const roots = rootCountFor(options);
  const span = Math.max(1, until - since);
  let childId = 1;
  for (let index = 0; index < roots; index++) {
    const id = index + 1;
    const at = since + Math.floor((index / Math.max(1, roots)) * span);
    const lag = Math.floor(random() * 30);
    // Orders are numbered in the order they were placed (as in Shopify), so the data-quality gap
    // check finds no missing numbers in the stand-in's history; an order is last updated up to
    // 30 hours after it was placed. Customers and products were created up to 30 days earlier.
    const createdAt = new Date(object === "orders" ? at : at - lag * DAY_MS).toISOString();
    const updatedAt = new Date(object === "orders" ? Math.min(at + lag * 3_600_000, until - 1) : at).toISOString();
    const legacy = (LEGACY_BASE + BigInt(id)).toString();
    const first = names[Math.floor(random() * names.length)]!;
    const last = surnames[Math.floor(random() * surnames.length)]!;
    if (object === "orders") {
      const currency = currencies[Math.floor(random() * currencies.length)]!;
      const itemCount = 1 + Math.floor(random() * 4);
      const items: string[] = [];
      let subtotal = 0;
      for (let item = 0; item < itemCount; item++) {
        const price = 100 + Math.floor(random() * 9900);
        const quantity = 1 + Math.floor(random() * 3);
        subtotal += price * quantity;
        const title = products[Math.floor(random() * products.length)]!;
        const sku = random() < 0.1 ? "" : `,"sku":"SKU-${(id * 7 + item) % 1000}"`;
        const discount = options.compact ? "" : `,"totalDiscountSet":${money(amountOf(0, currency), currency)}`;
        items.push(
          `{"id":"gid://shopify/LineItem/${childId}","name":${JSON.stringify(title)}${sku},"quantity":${quantity},"variant":{"id":"gid://shopify/ProductVariant/${1 + ((id + item) % 500)}"},"product":{"id":"gid://shopify/Product/${1 + ((id + item) % 200)}"},"originalUnitPriceSet":${money(amountOf(price, currency), currency)}${discount},"__parentId":"gid://shopify/Order/${id}"}`,
        );
        childId += 1;
      }
      const tax = Math.floor(subtotal * 0.2);
      const email = random() < 0.1 ? "" : `,"email":"customer${id}@example.com"`;
      const customer = random() < 0.05 ? `,"customer":null` : `,"customer":{"id":"gid://shopify/Customer/${1 + (id % 5000)}"}`;
      const cancelled = random() < 0.03 ? `"${updatedAt}"` : "null";
      // What the refunds export holds for this order (the same seeded decisions), summed.
      const refunded = options.compact
        ? 0
        : orderMoney(
            { id: `gid://shopify/Order/${id}`, number: id, createdAt, updatedAt, currency, total: Number(amountOf(subtotal + tax, currency)), items: [] },
            options.seed ?? 42,
          ).refunds.reduce((sum, refund) => sum + refund.amount, 0);
      const extra = options.compact
        ? ""
        : `,"processedAt":"${createdAt}","tags":["${first}","vip"],"sourceName":"web","totalDiscountsSet":${money(amountOf(0, currency), currency)},"totalShippingPriceSet":${money(amountOf(0, currency), currency)},"totalRefundedSet":${money(refunded.toFixed(currency === "KWD" ? 3 : 2), currency)}`;
      yield `{"id":"gid://shopify/Order/${id}","legacyResourceId":"${legacy}","name":"#${1000 + id}"${email},"createdAt":"${createdAt}","updatedAt":"${updatedAt}","cancelledAt":${cancelled},"displayFinancialStatus":"PAID","displayFulfillmentStatus":"FULFILLED","currencyCode":"${currency}","test":false${customer},"totalPriceSet":${money(amountOf(subtotal + tax, currency), currency)},"subtotalPriceSet":${money(amountOf(subtotal, currency), currency)},"totalTaxSet":${money(amountOf(tax, currency), currency)}${extra}}`;
      yield* items;
    } else if (object === "customers") {
      const phone = random() < 0.5 ? `,"defaultPhoneNumber":{"phoneNumber":"+3161234${String(id).padStart(4, "0").slice(-4)}"}` : "";
      const spent = Math.floor(random() * 100000);
      yield `{"id":"gid://shopify/Customer/${id}","legacyResourceId":"${legacy}","firstName":${JSON.stringify(first)},"lastName":${JSON.stringify(last)},"defaultEmailAddress":{"emailAddress":"customer${id}@example.com"}${phone},"state":"ENABLED","numberOfOrders":"${Math.floor(random() * 20)}","amountSpent":{"amount":"${(spent / 100).toFixed(2)}","currencyCode":"EUR"},"createdAt":"${createdAt}","updatedAt":"${updatedAt}","tags":[]}`;
    } else {
      const variants = 1 + Math.floor(random() * 3);
      const title = products[Math.floor(random() * products.length)]!;
      yield `{"id":"gid://shopify/Product/${id}","legacyResourceId":"${legacy}","title":${JSON.stringify(`${title} ${id}`)},"handle":"product-${id}","vendor":"Acme","productType":"Goods","status":"ACTIVE","createdAt":"${createdAt}","updatedAt":"${updatedAt}","publishedAt":${random() < 0.2 ? "null" : `"${createdAt}"`},"tags":["${first}"]}`;
      for (let variant = 0; variant < variants; variant++) {
        const price = (100 + Math.floor(random() * 9900)) / 100;
        const compareAt = random() < 0.5 ? `,"compareAtPrice":"${(price * 1.2).toFixed(2)}"` : `,"compareAtPrice":null`;
        yield `{"id":"gid://shopify/ProductVariant/${childId}","legacyResourceId":"${(LEGACY_BASE + BigInt(childId)).toString()}","title":"Size ${["S", "M", "L"][variant]}","sku":"P${id}-${variant}","price":"${price.toFixed(2)}"${compareAt},"inventoryQuantity":${Math.floor(random() * 100) - 5},"createdAt":"${createdAt}","updatedAt":"${updatedAt}","__parentId":"gid://shopify/Product/${id}"}`;
        childId += 1;
      }
    }
  }
}

/** Counts as Shopify reports them: objectCount counts every line, rootObjectCount the roots. */
export const countLines = (lines: Iterable<string>): DatasetCounts => {
  let objectCount = 0;
  let rootObjectCount = 0;
  for (const line of lines) {
    objectCount += 1;
    if (!line.includes('"__parentId"')) rootObjectCount += 1;
  }
  return { objectCount, rootObjectCount };
};

// ---------------------------------------------------------------------------------------------
// The other exports, shaped as the Admin GraphQL API writes them (functions/backfill/queries.ts
// selects these fields): derived from the same seeded orders, customers and products, so a
// refund, transaction or fulfillment names an order (and its line items) the orders export holds.

interface ParsedOrder {
  readonly id: string;
  readonly number: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly currency: string;
  readonly total: number;
  readonly items: ReadonlyArray<{ readonly id: string; readonly quantity: number; readonly sku?: string; readonly price: number }>;
}

interface OrderLine {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly currencyCode: string;
  readonly totalPriceSet: { readonly shopMoney: { readonly amount: string } };
  readonly __parentId?: string;
  readonly quantity: number;
  readonly sku?: string;
  readonly originalUnitPriceSet: { readonly shopMoney: { readonly amount: string } };
}

function* ordersOf(options: DatasetOptions): Generator<ParsedOrder> {
  let current: { root: OrderLine; items: ParsedOrder["items"][number][] } | undefined;
  const finish = (): ParsedOrder => {
    const root = current!.root;
    return {
      id: root.id,
      number: Number(String(root.id).split("/").pop()),
      createdAt: root.createdAt,
      updatedAt: root.updatedAt,
      currency: root.currencyCode,
      total: Number(root.totalPriceSet.shopMoney.amount),
      items: current!.items,
    };
  };
  for (const line of bulkLines("orders", options)) {
    const parsed = JSON.parse(line) as OrderLine;
    if (parsed.__parentId === undefined) {
      if (current) yield finish();
      current = { root: parsed, items: [] };
    } else {
      current!.items.push({ id: parsed.id, quantity: parsed.quantity, ...(parsed.sku ? { sku: parsed.sku } : {}), price: Number(parsed.originalUnitPriceSet.shopMoney.amount) });
    }
  }
  if (current) yield finish();
}

function* rootIdsOf(object: "customers" | "products", options: DatasetOptions): Generator<{ id: string; number: number; updatedAt: string }> {
  for (const line of bulkLines(object, options)) {
    if (line.includes('"__parentId"')) continue;
    const parsed = JSON.parse(line) as { id: string; updatedAt: string };
    yield { id: parsed.id, number: Number(parsed.id.split("/").pop()), updatedAt: parsed.updatedAt };
  }
}

const decimals = (currency: string) => (currency === "KWD" ? 3 : 2);
const fixed = (amount: number, currency: string) => amount.toFixed(decimals(currency));
const later = (at: string, hours: number) => new Date(Date.parse(at) + hours * 3_600_000).toISOString();
const GATEWAYS = ["shopify_payments", "shopify_payments", "shopify_payments", "paypal", "manual"];

/** The refunds and transactions of one order: the same for the refunds and the transactions export (seeded by order). */
const orderMoney = (order: ParsedOrder, seed: number) => {
  const random = mulberry32(seed * 7919 + order.number);
  const gateway = GATEWAYS[Math.floor(random() * GATEWAYS.length)]!;
  const authorizeFirst = random() < 0.2;
  const refunds: Array<{ id: number; createdAt: string; amount: number; note: string | null }> = [];
  const refundCount = random() < 0.15 ? (random() < 0.2 ? 2 : 1) : 0;
  for (let index = 0; index < refundCount; index++) {
    const share = 0.1 + Math.floor(random() * 5) / 10;
    refunds.push({
      id: order.number * 10 + index,
      createdAt: later(order.createdAt, 24 * (1 + Math.floor(random() * 20))),
      amount: Number(fixed(order.total * share, order.currency)),
      note: random() < 0.5 ? "Damaged in transit" : null,
    });
  }
  return { gateway, authorizeFirst, refunds };
};

const refundJson = (refund: { id: number; createdAt: string; amount: number; note: string | null }, currency: string) =>
  `{"id":"gid://shopify/Refund/${refund.id}","legacyResourceId":"${(LEGACY_BASE + BigInt(refund.id)).toString()}","createdAt":"${refund.createdAt}","updatedAt":"${refund.createdAt}","note":${JSON.stringify(refund.note)},"totalRefundedSet":${money(fixed(refund.amount, currency), currency)}}`;

const transactionJson = (input: { id: number; kind: string; gateway: string; at: string; amount: number; currency: string; parent?: number }) => {
  const fees =
    input.gateway === "shopify_payments" && input.kind !== "AUTHORIZATION"
      ? `[{"id":"gid://shopify/TransactionFee/${input.id}","type":"payment","rate":"0.029","rateName":"Online","flatFeeName":"Transaction fee","amount":{"amount":"${fixed(input.kind === "REFUND" ? 0 : input.amount * 0.029 + 0.3, input.currency)}","currencyCode":"${input.currency}"},"flatFee":{"amount":"0.30","currencyCode":"${input.currency}"},"taxAmount":{"amount":"${fixed(0, input.currency)}","currencyCode":"${input.currency}"}}]`
      : "[]";
  return `{"id":"gid://shopify/OrderTransaction/${input.id}","kind":"${input.kind}","status":"SUCCESS","gateway":"${input.gateway}","formattedGateway":${JSON.stringify(input.gateway === "shopify_payments" ? "Shopify Payments" : input.gateway === "paypal" ? "PayPal Express Checkout" : "Manual")},"test":false,"errorCode":null,"createdAt":"${input.at}","processedAt":"${input.at}","authorizationCode":${input.kind === "REFUND" ? "null" : `"A${input.id}"`},"parentTransaction":${input.parent ? `{"id":"gid://shopify/OrderTransaction/${input.parent}"}` : "null"},"amountSet":${money(fixed(input.amount, input.currency), input.currency)},"fees":${fees}}`;
};

const metafieldJson = (id: number, owner: string, namespace: string, key: string, type: string, value: string, at: string) =>
  `{"id":"gid://shopify/Metafield/${id}","namespace":"${namespace}","key":"${key}","type":"${type}","value":${JSON.stringify(value)},"createdAt":"${at}","updatedAt":"${at}","__parentId":"${owner}"}`;

const LOCATIONS = [
  { id: 1, name: "Warehouse Amsterdam", city: "Amsterdam", province: "NH", country: "NL", zip: "1012 AB" },
  { id: 2, name: "Store Berlin", city: "Berlin", province: "BE", country: "DE", zip: "10115" },
  { id: 3, name: "3PL Leeds", city: "Leeds", province: "ENG", country: "GB", zip: "LS1 4AP" },
];

const DISCOUNT_TYPES = [
  "DiscountCodeBasic",
  "DiscountCodeBasic",
  "DiscountCodeFreeShipping",
  "DiscountCodeBxgy",
  "DiscountAutomaticBasic",
  "DiscountAutomaticBxgy",
  "DiscountAutomaticFreeShipping",
];

function* entityLines(object: Exclude<BulkObject, "orders" | "customers" | "products">, options: DatasetOptions): Generator<string> {
  const seed = options.seed ?? 42;
  const random = mulberry32(seed + object.length * 131);
  const since = Date.parse(options.since);
  const span = Math.max(1, Date.parse(options.until) - since);
  const roots = rootCountFor(options);
  const spread = (index: number) => new Date(since + Math.floor((index / Math.max(1, roots)) * span)).toISOString();
  switch (object) {
    case "refunds": {
      for (const order of ordersOf(options)) {
        const { refunds } = orderMoney(order, seed);
        yield `{"id":"${order.id}","refunds":[${refunds.map((refund) => refundJson(refund, order.currency)).join(",")}]}`;
      }
      return;
    }
    case "order_transactions": {
      for (const order of ordersOf(options)) {
        const { gateway, authorizeFirst, refunds } = orderMoney(order, seed);
        const base = order.number * 10;
        const transactions = authorizeFirst
          ? [
              transactionJson({ id: base, kind: "AUTHORIZATION", gateway, at: order.createdAt, amount: order.total, currency: order.currency }),
              transactionJson({ id: base + 1, kind: "CAPTURE", gateway, at: later(order.createdAt, 2), amount: order.total, currency: order.currency, parent: base }),
            ]
          : [transactionJson({ id: base, kind: "SALE", gateway, at: order.createdAt, amount: order.total, currency: order.currency })];
        refunds.forEach((refund, index) =>
          transactions.push(
            transactionJson({
              id: base + 2 + index,
              kind: "REFUND",
              gateway,
              at: refund.createdAt,
              amount: refund.amount,
              currency: order.currency,
              parent: authorizeFirst ? base + 1 : base,
            }),
          ),
        );
        yield `{"id":"${order.id}","transactions":[${transactions.join(",")}]}`;
      }
      return;
    }
    case "fulfillment_orders": {
      for (const order of ordersOf(options)) {
        const r = mulberry32(seed * 104729 + order.number);
        // Most orders ship from one location; some are split over two.
        const split = order.items.length > 1 && r() < 0.1;
        const groups = split ? [order.items.slice(0, 1), order.items.slice(1)] : [order.items];
        for (const [group, items] of groups.entries()) {
          const foId = order.number * 10 + group;
          const location = LOCATIONS[(order.number + group) % LOCATIONS.length]!;
          const fulfilled = r() < 0.85;
          yield `{"id":"gid://shopify/FulfillmentOrder/${foId}","orderId":"${order.id}","status":"${fulfilled ? "CLOSED" : "OPEN"}","requestStatus":"UNSUBMITTED","createdAt":"${order.createdAt}","updatedAt":"${order.updatedAt}","fulfillAt":"${order.createdAt}","assignedLocation":{"name":${JSON.stringify(location.name)},"location":{"id":"gid://shopify/Location/${location.id}"}}}`;
          for (const [at, item] of items.entries()) {
            const itemNumber = Number(item.id.split("/").pop());
            yield `{"id":"gid://shopify/FulfillmentOrderLineItem/${foId * 10 + at}","sku":${item.sku ? JSON.stringify(item.sku) : "null"},"totalQuantity":${item.quantity},"remainingQuantity":${fulfilled ? 0 : item.quantity},"inventoryItemId":"gid://shopify/InventoryItem/${1 + (itemNumber % 500)}","lineItem":{"id":"${item.id}"},"__parentId":"gid://shopify/FulfillmentOrder/${foId}"}`;
          }
          if (!fulfilled) continue;
          const shippedAt = later(order.createdAt, 4 + Math.floor(r() * 40));
          const delivered = r() < 0.7;
          const quantity = items.reduce((sum, item) => sum + item.quantity, 0);
          yield `{"id":"gid://shopify/Fulfillment/${foId}","legacyResourceId":"${(LEGACY_BASE + BigInt(foId)).toString()}","name":"#${1000 + order.number}-F${group + 1}","status":"SUCCESS","displayStatus":"${delivered ? "DELIVERED" : "IN_TRANSIT"}","createdAt":"${shippedAt}","updatedAt":"${shippedAt}","deliveredAt":${delivered ? `"${later(shippedAt, 48)}"` : "null"},"inTransitAt":"${shippedAt}","estimatedDeliveryAt":null,"totalQuantity":${quantity},"location":{"id":"gid://shopify/Location/${location.id}"},"order":{"id":"${order.id}"},"trackingInfo":[{"company":"DHL Express","number":"JD0146000${foId}","url":"https://www.dhl.com/track?id=JD0146000${foId}"}],"__parentId":"gid://shopify/FulfillmentOrder/${foId}"}`;
          for (const [at, item] of items.entries()) {
            const total = fixed(item.price * item.quantity, order.currency);
            yield `{"id":"gid://shopify/FulfillmentLineItem/${foId * 10 + at}","quantity":${item.quantity},"lineItem":{"id":"${item.id}"},"originalTotalSet":${money(total, order.currency)},"discountedTotalSet":${money(total, order.currency)},"__parentId":"gid://shopify/Fulfillment/${foId}"}`;
          }
        }
      }
      return;
    }
    case "order_metafields": {
      let metafield = 1;
      for (const order of ordersOf(options)) {
        yield `{"id":"${order.id}"}`;
        const r = mulberry32(seed * 31 + order.number);
        if (r() < 0.3) yield metafieldJson(metafield++, order.id, "custom", "gift_message", "single_line_text_field", "Happy birthday, Zoë 🎉", order.updatedAt);
        if (r() < 0.5) yield metafieldJson(metafield++, order.id, "loyalty", "points_earned", "number_integer", String(Math.floor(order.total)), order.updatedAt);
      }
      return;
    }
    case "customer_metafields":
    case "product_metafields": {
      let metafield = object === "customer_metafields" ? 5_000_000 : 9_000_000;
      for (const owner of rootIdsOf(object === "customer_metafields" ? "customers" : "products", options)) {
        yield `{"id":"${owner.id}"}`;
        if (object === "customer_metafields" && random() < 0.4) yield metafieldJson(metafield++, owner.id, "custom", "birthday", "date", "1990-04-12", owner.updatedAt);
        if (object === "product_metafields")
          yield metafieldJson(metafield++, owner.id, "specs", "material", "single_line_text_field", ["Cotton", "Wool", "Ceramic"][owner.number % 3]!, owner.updatedAt);
      }
      return;
    }
    case "inventory_items": {
      for (let index = 0; index < roots; index++) {
        const id = index + 1;
        const at = spread(index);
        const cost = random() < 0.2 ? "null" : `{"amount":"${(1 + random() * 40).toFixed(2)}","currencyCode":"EUR"}`;
        yield `{"id":"gid://shopify/InventoryItem/${id}","legacyResourceId":"${(LEGACY_BASE + BigInt(id)).toString()}","sku":"SKU-${id % 1000}","tracked":${random() < 0.9},"requiresShipping":true,"countryCodeOfOrigin":${random() < 0.5 ? '"PT"' : "null"},"harmonizedSystemCode":${random() < 0.5 ? '"610910"' : "null"},"createdAt":"${later(at, -24 * 30)}","updatedAt":"${at}","unitCost":${cost},"variant":{"id":"gid://shopify/ProductVariant/${id}"}}`;
      }
      return;
    }
    case "locations": {
      // Every location; the inventory levels updated in the range under each.
      for (const location of LOCATIONS) {
        yield `{"id":"gid://shopify/Location/${location.id}","legacyResourceId":"${(LEGACY_BASE + BigInt(location.id)).toString()}","name":${JSON.stringify(location.name)},"isActive":true,"fulfillsOnlineOrders":${location.id !== 2},"createdAt":"2020-01-01T00:00:00Z","updatedAt":"2024-06-01T00:00:00Z","address":{"address1":"Main street ${location.id}","city":${JSON.stringify(location.city)},"provinceCode":"${location.province}","countryCode":"${location.country}","zip":"${location.zip}"}}`;
        for (let index = location.id - 1; index < roots; index += LOCATIONS.length) {
          const item = index + 1;
          const onHand = Math.floor(random() * 200);
          const committed = Math.floor(random() * Math.min(onHand, 10));
          yield `{"id":"gid://shopify/InventoryLevel/${item * 10 + location.id}?inventory_item_id=${item}","createdAt":"2020-01-01T00:00:00Z","updatedAt":"${spread(index)}","item":{"id":"gid://shopify/InventoryItem/${item}"},"quantities":[{"name":"available","quantity":${onHand - committed}},{"name":"committed","quantity":${committed}},{"name":"incoming","quantity":${random() < 0.2 ? 50 : 0}},{"name":"on_hand","quantity":${onHand}},{"name":"reserved","quantity":0}],"__parentId":"gid://shopify/Location/${location.id}"}`;
        }
      }
      return;
    }
    case "discounts": {
      let code = 1;
      for (let index = 0; index < roots; index++) {
        const id = index + 1;
        const at = spread(index);
        const type = DISCOUNT_TYPES[Math.floor(random() * DISCOUNT_TYPES.length)]!;
        const isCode = type.startsWith("DiscountCode");
        const classes = type.endsWith("FreeShipping") ? '["SHIPPING"]' : type.endsWith("Bxgy") ? '["PRODUCT"]' : '["ORDER"]';
        const nodeId = `gid://shopify/${isCode ? "DiscountCodeNode" : "DiscountAutomaticNode"}/${id}`;
        yield `{"id":"${nodeId}","discount":{"__typename":"${type}","title":"Promo ${id}","status":"${random() < 0.7 ? "ACTIVE" : "EXPIRED"}","summary":"10% off entire order","startsAt":"${at}","endsAt":${random() < 0.5 ? `"${later(at, 24 * 14)}"` : "null"},"createdAt":"${at}","updatedAt":"${at}","asyncUsageCount":${Math.floor(random() * 500)},"discountClasses":${classes}}}`;
        if (!isCode) continue;
        const codes = 1 + Math.floor(random() * 3);
        for (let each = 0; each < codes; each++) {
          yield `{"id":"gid://shopify/DiscountRedeemCode/${code}","code":"SAVE${id}${each === 0 ? "" : `-${each}`}","asyncUsageCount":${Math.floor(random() * 100)},"__parentId":"${nodeId}"}`;
          code += 1;
        }
      }
      return;
    }
    case "draft_orders": {
      let lineId = 1;
      for (let index = 0; index < roots; index++) {
        const id = index + 1;
        const at = spread(index);
        const currency = currencies[Math.floor(random() * currencies.length)]!;
        const completed = random() < 0.6;
        const items: string[] = [];
        let subtotal = 0;
        const count = 1 + Math.floor(random() * 3);
        for (let item = 0; item < count; item++) {
          const price = 100 + Math.floor(random() * 9900);
          const quantity = 1 + Math.floor(random() * 2);
          subtotal += price * quantity;
          const custom = random() < 0.1;
          const variant = custom
            ? `"variant":null,"product":null`
            : `"variant":{"id":"gid://shopify/ProductVariant/${1 + ((id + item) % 500)}"},"product":{"id":"gid://shopify/Product/${1 + ((id + item) % 200)}"}`;
          items.push(
            `{"id":"gid://shopify/DraftOrderLineItem/${lineId++}","name":${JSON.stringify(custom ? "Engraving" : products[item % products.length])},"sku":${custom ? "null" : `"SKU-${(id * 7 + item) % 1000}"`},"quantity":${quantity},"custom":${custom},${variant},"originalUnitPriceSet":${money(amountOf(price, currency), currency)},"discountedTotalSet":${money(amountOf(price * quantity, currency), currency)},"__parentId":"gid://shopify/DraftOrder/${id}"}`,
          );
        }
        const tax = Math.floor(subtotal * 0.2);
        yield `{"id":"gid://shopify/DraftOrder/${id}","legacyResourceId":"${(LEGACY_BASE + BigInt(id)).toString()}","name":"#D${id}","status":"${completed ? "COMPLETED" : random() < 0.5 ? "INVOICE_SENT" : "OPEN"}","email":"customer${id}@example.com","createdAt":"${later(at, -24)}","updatedAt":"${at}","completedAt":${completed ? `"${at}"` : "null"},"invoiceSentAt":null,"currencyCode":"${currency}","taxExempt":false,"tags":["wholesale"],"customer":{"id":"gid://shopify/Customer/${1 + (id % 5000)}"},"order":${completed ? `{"id":"gid://shopify/Order/${900000 + id}"}` : "null"},"totalPriceSet":${money(amountOf(subtotal + tax, currency), currency)},"subtotalPriceSet":${money(amountOf(subtotal, currency), currency)},"totalTaxSet":${money(amountOf(tax, currency), currency)},"totalDiscountsSet":${money(amountOf(0, currency), currency)}}`;
        yield* items;
      }
      return;
    }
  }
}

/** A refund's line items and order adjustments as `refund(id:)` answers them (Admin GraphQL 2026-01 fields). */
export interface RefundDetails {
  readonly id: string;
  readonly refundLineItems: ReadonlyArray<Record<string, unknown>>;
  readonly orderAdjustments: ReadonlyArray<Record<string, unknown>>;
}

const moneyBag = (amount: string, currency: string) => ({ shopMoney: { amount, currencyCode: currency } });

/**
 * The details of every refund the refunds export of `options` holds (the same seeded orders and
 * refunds): one line item per refunded order line (quantity up to the line's), and, when the
 * line items' subtotal differs from the refund's total, one REFUND_DISCREPANCY adjustment of
 * subtotal - total, so `sum(subtotal) - sum(adjustments)` is the refund's total. With
 * `manyLineItems`, every fifth refund repeats its lines that many times (pagination).
 */
export function* refundDetailsOf(options: DatasetOptions & { readonly manyLineItems?: number }): Generator<RefundDetails> {
  const seed = options.seed ?? 42;
  for (const order of ordersOf(options)) {
    for (const refund of orderMoney(order, seed).refunds) {
      const random = mulberry32(seed * 613 + refund.id);
      const picked = order.items.filter(() => random() < 0.6);
      const lines = picked.length > 0 || order.items.length === 0 ? picked : [order.items[0]!];
      const repeat = options.manyLineItems && refund.id % 5 === 0 ? options.manyLineItems : 1;
      const refundLineItems: Array<Record<string, unknown>> = [];
      let subtotal = 0;
      for (let copy = 0; copy < repeat; copy++) {
        for (const [index, item] of lines.entries()) {
          const quantity = 1 + Math.floor(random() * Math.max(1, item.quantity));
          const lineSubtotal = Number(fixed(item.price * quantity, order.currency));
          subtotal += lineSubtotal;
          const restock = random() < 0.5;
          refundLineItems.push({
            id: `gid://shopify/RefundLineItem/${refund.id * 1000 + copy * 100 + index}`,
            quantity,
            restockType: restock ? "RETURN" : "NO_RESTOCK",
            restocked: restock,
            lineItem: { id: item.id },
            location: restock ? { id: "gid://shopify/Location/1" } : null,
            priceSet: moneyBag(fixed(item.price, order.currency), order.currency),
            subtotalSet: moneyBag(fixed(lineSubtotal, order.currency), order.currency),
            totalTaxSet: moneyBag(fixed(0, order.currency), order.currency),
          });
        }
      }
      const discrepancy = Number(fixed(subtotal - refund.amount, order.currency));
      const orderAdjustments =
        discrepancy === 0
          ? []
          : [
              {
                id: `gid://shopify/OrderAdjustment/${refund.id}`,
                reason: "REFUND_DISCREPANCY",
                amountSet: moneyBag(fixed(discrepancy, order.currency), order.currency),
                taxAmountSet: moneyBag(fixed(0, order.currency), order.currency),
              },
            ];
      yield { id: `gid://shopify/Refund/${refund.id}`, refundLineItems, orderAdjustments };
    }
  }
}
