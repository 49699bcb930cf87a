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
      const extra = options.compact
        ? ""
        : `,"processedAt":"${createdAt}","tags":["${first}","vip"],"totalDiscountsSet":${money(amountOf(0, currency), currency)},"totalShippingPriceSet":${money(amountOf(0, currency), currency)}`;
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
