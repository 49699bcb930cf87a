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
 */
import { SHOPIFY_DETAIL_TYPE, SHOPIFY_PARTNER_SOURCE_PREFIX } from "../contracts/events";
import type { TableKey } from "../contracts/tables";
import { seededRandom, type Random } from "./random";
import { rechargeHash, shopifyHmac, stripeSignature, type WebhookSecrets } from "./signing";

export type Door = "shopify" | "recharge" | "stripe" | "events";
export type Source = "shopify" | "recharge" | "stripe";
export type DeliveryKind = "original" | "duplicate" | "forged";

export interface Delivery {
  readonly seq: number;
  /** Waves are sent in order; deliveries inside a wave in parallel. */
  readonly wave: number;
  readonly door: Door;
  /** Path on the ingress: /webhooks/<provider> or /events. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly source: Source;
  readonly topic: string;
  /** The provider's identity of the event (webhook id, Stripe event id, hash for Recharge). */
  readonly eventKey: string;
  readonly kind: DeliveryKind;
  /** What the door must answer. */
  readonly expected: { readonly status: 200; readonly outcome: "accepted" | "duplicate" } | { readonly status: 401 };
  /** Why a forged delivery must be rejected. */
  readonly why?: string;
}

/** One hot-store row the platform must hold after processing, and the field that proves it is the newest state. */
export interface ExpectedRow {
  readonly table: TableKey;
  readonly key: Readonly<Record<string, string>>;
  readonly field: string;
  /** `time`: same instant whatever the format; `exact`: same text; `recovered`: a cart marked recovered. */
  readonly compare: "time" | "exact" | "recovered";
  readonly value: string;
  readonly note: string;
}

export interface TrafficExpectations {
  /** Distinct events that must be accepted and stored raw exactly once. */
  readonly uniqueEvents: number;
  readonly duplicates: number;
  readonly forged: number;
  readonly rows: ReadonlyArray<ExpectedRow>;
  /** Rows per table the traffic creates (distinct objects). */
  readonly distinctObjects: Partial<Record<TableKey, number>>;
  /** Storefront orders paid through Stripe whose charge names them (the reconciliation view must match them). */
  readonly stripePaidOrders: ReadonlyArray<string>;
  /** Keys that must NOT be in a table (objects only a forged delivery carried). */
  readonly absent: ReadonlyArray<{ readonly table: TableKey; readonly key: Readonly<Record<string, string>>; readonly note: string }>;
}

export interface Traffic {
  readonly seed: number;
  readonly dayStart: string;
  readonly shopDomain: string;
  readonly deliveries: ReadonlyArray<Delivery>;
  readonly expectations: TrafficExpectations;
}

export interface TrafficOptions {
  readonly seed?: number;
  /** Start of the simulated day (its events fall in the 24 hours after it). */
  readonly dayStart: Date;
  readonly secrets: WebhookSecrets;
  readonly shopDomain?: string;
  /** Unix seconds for Stripe's signature timestamp (defaults to now). */
  readonly signedAtSeconds?: number;
  /** Orders of the day (default 36; about 7 deliveries each, all told). */
  readonly orders?: number;
  /** Order number of the day's first order (default 1001): the demo continues the backfilled history. */
  readonly firstOrderNumber?: number;
}

export const DEFAULT_SEED = 20_260_101;
const SHOPIFY_API_VERSION = "2026-01";
const PARTNER_SOURCE = `${SHOPIFY_PARTNER_SOURCE_PREFIX}/123456/acme-local`;
const FORGED_SECRET = "not-the-shop-secret";

const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
/** Shopify sends shop-local times with an offset; this shop runs on UTC-5. */
const shopifyTime = (at: Date) => {
  const local = new Date(at.getTime() - 5 * 3600_000);
  return `${local.toISOString().slice(0, 19)}-05:00`;
};
const rechargeTime = (at: Date) => `${at.toISOString().slice(0, 19)}+00:00`;
const unixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
const gid = (type: string, id: number) => `gid://shopify/${type}/${id}`;

const firstNames = ["Ava", "Liam", "Noah", "Mia", "Zoë", "Mateo", "Amara", "Kenji", "Sofía", "Olivia", "Ethan", "Priya", "Lucas", "Chloé", "Omar", "Hana", "Jonas", "Leila", "Finn", "Nora"];
const lastNames = ["Smith", "García", "Okafor", "Müller", "Tanaka", "Rossi", "Kowalski", "Nguyen", "Dubois", "Silva", "Jensen", "O'Brien"];
const cities = [
  { city: "Portland", province: "Oregon", province_code: "OR", country: "United States", country_code: "US", zip: "97205" },
  { city: "Austin", province: "Texas", province_code: "TX", country: "United States", country_code: "US", zip: "73301" },
  { city: "Toronto", province: "Ontario", province_code: "ON", country: "Canada", country_code: "CA", zip: "M5V 2T6" },
  { city: "Denver", province: "Colorado", province_code: "CO", country: "United States", country_code: "US", zip: "80202" },
];
const catalogue = [
  { title: "Single-Origin Coffee Beans", type: "Coffee", variants: [["250 g", 1650], ["1 kg", 5400]] },
  { title: "Espresso Blend", type: "Coffee", variants: [["250 g", 1500], ["1 kg", 4900]] },
  { title: "Decaf Swiss Water", type: "Coffee", variants: [["250 g", 1700]] },
  { title: "Ceramic Pour-Over Dripper", type: "Equipment", variants: [["White", 3200], ["Black", 3200]] },
  { title: "Cold Brew Kit", type: "Equipment", variants: [["Standard", 4500]] },
  { title: "Matcha Ceremonial Grade", type: "Tea", variants: [["30 g", 2800]] },
] as const;

interface Product {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  readonly handle: string;
  readonly variants: ReadonlyArray<{ readonly id: number; readonly title: string; readonly priceCents: number; readonly sku: string }>;
  readonly createdAt: Date;
}

interface Customer {
  readonly id: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
  readonly address: (typeof cities)[number] & { readonly address1: string };
  readonly createdAt: Date;
  readonly rechargeId: number;
  readonly stripeId: string;
  ordersCount: number;
  totalSpentCents: number;
}

interface Line {
  readonly id: number;
  readonly product: Product;
  readonly variant: Product["variants"][number];
  readonly quantity: number;
  readonly discountCents: number;
}

interface OrderState {
  readonly id: number;
  readonly number: number;
  readonly customer: Customer;
  readonly lines: ReadonlyArray<Line>;
  readonly createdAt: Date;
  readonly checkoutToken: string;
  readonly cartToken: string;
  readonly subscription: boolean;
  readonly discountCode?: string;
}

interface Builder {
  readonly add: (delivery: Omit<Delivery, "seq" | "kind" | "expected">) => Delivery;
}

export const generateTraffic = (options: TrafficOptions): Traffic => {
  const seed = options.seed ?? DEFAULT_SEED;
  const random: Random = seededRandom(seed);
  const day = new Date(options.dayStart.getTime());
  // Whole seconds: Shopify's timestamps carry no milliseconds.
  const at = (minute: number) => new Date(day.getTime() + Math.round(minute * 60) * 1000);
  const shopDomain = options.shopDomain ?? "acme-store.myshopify.com";
  const signedAt = options.signedAtSeconds ?? Math.floor(Date.now() / 1000);
  const orderCount = options.orders ?? 36;

  const uuid = () => `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${random.pick(["8", "9", "a", "b"])}${random.hex(3)}-${random.hex(12)}`;

  const originals: Array<Omit<Delivery, "seq" | "kind" | "expected">> = [];
  const rows: ExpectedRow[] = [];
  const builder: Builder = {
    add: (delivery) => {
      originals.push(delivery);
      return { ...delivery, seq: -1, kind: "original", expected: { status: 200, outcome: "accepted" } };
    },
  };

  // --- Shopify: one envelope shape per door ------------------------------------------------
  const shopifyDelivery = (wave: number, topic: string, payload: unknown, triggeredAt: Date, door: "shopify" | "events" = random.chance(0.5) ? "shopify" : "events") => {
    const body = JSON.stringify(payload);
    const webhookId = uuid();
    const eventId = uuid();
    const hmac = shopifyHmac(options.secrets.shopify, body);
    const shopifyHeaders = {
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": hmac,
      "X-Shopify-Shop-Domain": shopDomain,
      "X-Shopify-Webhook-Id": webhookId,
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": triggeredAt.toISOString(),
      "X-Shopify-API-Version": SHOPIFY_API_VERSION,
    };
    if (door === "shopify") {
      return builder.add({ wave, door, path: "/webhooks/shopify", headers: { "Content-Type": "application/json", ...shopifyHeaders }, body, source: "shopify", topic, eventKey: webhookId });
    }
    const envelope = {
      version: "0",
      id: uuid(),
      "detail-type": SHOPIFY_DETAIL_TYPE,
      source: PARTNER_SOURCE,
      account: "000000000000",
      time: triggeredAt.toISOString(),
      region: "us-east-1",
      resources: [],
      detail: { payload, metadata: { "Content-Type": "application/json", ...shopifyHeaders } },
    };
    return builder.add({ wave, door, path: "/events", headers: { "Content-Type": "application/json" }, body: JSON.stringify(envelope), source: "shopify", topic, eventKey: webhookId });
  };

  // --- Products ------------------------------------------------------------------------------
  const products: Product[] = catalogue.map((entry, index) => {
    const id = 8_204_117_000_000 + index * 7919 + random.int(0, 999);
    return {
      id,
      title: entry.title,
      type: entry.type,
      handle: entry.title.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
      variants: entry.variants.map(([title, priceCents], variantIndex) => ({
        id: 44_120_330_000_000 + index * 101 + variantIndex,
        title,
        priceCents,
        sku: `${entry.type.slice(0, 3).toUpperCase()}-${index + 1}${variantIndex + 1}`,
      })),
      createdAt: new Date(day.getTime() - (400 - index * 30) * 86_400_000),
    };
  });
  const productPayload = (product: Product, updatedAt: Date, status = "active") => ({
    id: product.id,
    admin_graphql_api_id: gid("Product", product.id),
    title: product.title,
    body_html: `<p>${product.title}, roasted and packed to order.</p>`,
    vendor: "Acme Coffee Co.",
    product_type: product.type,
    handle: product.handle,
    created_at: shopifyTime(product.createdAt),
    updated_at: shopifyTime(updatedAt),
    published_at: shopifyTime(product.createdAt),
    status,
    tags: product.type === "Coffee" ? "coffee, subscribable" : product.type.toLowerCase(),
    variants: product.variants.map((variant, position) => ({
      id: variant.id,
      admin_graphql_api_id: gid("ProductVariant", variant.id),
      product_id: product.id,
      title: variant.title,
      price: money(variant.priceCents),
      sku: variant.sku,
      position: position + 1,
      inventory_quantity: random.int(0, 400),
      created_at: shopifyTime(product.createdAt),
      updated_at: shopifyTime(updatedAt),
    })),
    options: [{ name: "Size", position: 1, values: product.variants.map((variant) => variant.title) }],
    images: [],
  });
  // The newest product arrives today; two price/stock edits, one of them twice out of order.
  const newProduct = products[products.length - 1]!;
  shopifyDelivery(0, "products/create", productPayload(newProduct, at(30)), at(30));
  rows.push({ table: "products", key: { id: gid("Product", newProduct.id) }, field: "updated_at", compare: "time", value: at(30).toISOString(), note: "product created today" });
  for (const [index, product] of products.slice(0, 3).entries()) {
    const first = at(60 + index * 90);
    const second = at(600 + index * 90);
    shopifyDelivery(1, "products/update", productPayload(product, second), second);
    // The older edit arrives after the newer one: the hot store must keep the newer.
    shopifyDelivery(2, "products/update", productPayload(product, first), first);
    rows.push({ table: "products", key: { id: gid("Product", product.id) }, field: "updated_at", compare: "time", value: second.toISOString(), note: "older product edit arrived last" });
  }

  // --- Customers -----------------------------------------------------------------------------
  const customers: Customer[] = Array.from({ length: Math.max(6, Math.round(orderCount * 0.6)) }, (_, index) => {
    const firstName = random.pick(firstNames);
    const lastName = random.pick(lastNames);
    const returning = index % 3 === 0;
    const place = random.pick(cities);
    return {
      id: 7_310_220_000_000 + index * 131 + random.int(0, 99),
      firstName,
      lastName,
      email: `${firstName}.${lastName}.${index}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ""),
      phone: `+1555${String(random.int(1_000_000, 9_999_999))}`,
      address: { ...place, address1: `${random.int(1, 999)} ${random.pick(["Oak", "Pine", "Maple", "Cedar"])} St` },
      createdAt: returning ? new Date(day.getTime() - random.int(20, 300) * 86_400_000) : at(random.int(5, 55)),
      rechargeId: 98_000_000 + index * 17,
      stripeId: `cus_${random.hex(14)}`,
      ordersCount: returning ? random.int(1, 6) : 0,
      totalSpentCents: returning ? random.int(3000, 40000) : 0,
    };
  });
  const customerPayload = (customer: Customer, updatedAt: Date) => ({
    id: customer.id,
    admin_graphql_api_id: gid("Customer", customer.id),
    email: customer.email,
    first_name: customer.firstName,
    last_name: customer.lastName,
    phone: customer.phone,
    state: "enabled",
    verified_email: true,
    tax_exempt: false,
    tags: customer.ordersCount > 2 ? "VIP" : "",
    currency: "USD",
    created_at: shopifyTime(customer.createdAt),
    updated_at: shopifyTime(updatedAt),
    orders_count: customer.ordersCount,
    total_spent: money(customer.totalSpentCents),
    email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: shopifyTime(customer.createdAt) },
    default_address: { id: customer.id + 1, customer_id: customer.id, first_name: customer.firstName, last_name: customer.lastName, ...customer.address, default: true },
    addresses: [{ id: customer.id + 1, customer_id: customer.id, first_name: customer.firstName, last_name: customer.lastName, ...customer.address, default: true }],
  });
  const customerLastUpdate = new Map<number, Date>();
  const touchCustomer = (wave: number, customer: Customer, when: Date) => {
    const isNew = customer.createdAt.getTime() >= day.getTime() && !customerLastUpdate.has(customer.id);
    shopifyDelivery(wave, isNew ? "customers/create" : "customers/update", customerPayload(customer, when), when);
    const previous = customerLastUpdate.get(customer.id);
    if (!previous || previous < when) customerLastUpdate.set(customer.id, when);
  };
  for (const customer of customers) {
    if (customer.createdAt.getTime() >= day.getTime()) touchCustomer(0, customer, customer.createdAt);
  }

  // --- Checkouts and carts ------------------------------------------------------------------
  const checkoutPayload = (token: string, cartToken: string, customer: Customer, lines: ReadonlyArray<Line>, createdAt: Date, updatedAt: Date) => {
    const subtotal = lines.reduce((sum, line) => sum + line.variant.priceCents * line.quantity, 0);
    return {
      id: 34_500_000_000_000 + random.int(0, 9_999_999),
      token,
      cart_token: cartToken,
      email: customer.email,
      created_at: shopifyTime(createdAt),
      updated_at: shopifyTime(updatedAt),
      completed_at: null,
      currency: "USD",
      presentment_currency: "USD",
      subtotal_price: money(subtotal),
      total_price: money(subtotal),
      total_tax: "0.00",
      abandoned_checkout_url: `https://${shopDomain}/checkouts/${token}/recover`,
      line_items: lines.map((line) => ({
        product_id: line.product.id,
        variant_id: line.variant.id,
        title: line.product.title,
        variant_title: line.variant.title,
        sku: line.variant.sku,
        quantity: line.quantity,
        price: money(line.variant.priceCents),
      })),
      customer: { id: customer.id, admin_graphql_api_id: gid("Customer", customer.id), email: customer.email, first_name: customer.firstName, last_name: customer.lastName },
    };
  };
  const cartPayload = (token: string, lines: ReadonlyArray<Line>, createdAt: Date, updatedAt: Date) => ({
    id: token,
    token,
    note: null,
    created_at: shopifyTime(createdAt),
    updated_at: shopifyTime(updatedAt),
    line_items: lines.map((line) => ({
      id: line.variant.id,
      product_id: line.product.id,
      variant_id: line.variant.id,
      title: line.product.title,
      quantity: line.quantity,
      price: money(line.variant.priceCents),
      line_price: money(line.variant.priceCents * line.quantity),
    })),
  });

  let lineId = 15_880_410_000_000;
  const pickLines = (): Line[] => {
    const count = random.int(1, 3);
    const chosen = new Set<Product>();
    while (chosen.size < count) chosen.add(random.pick(products));
    return [...chosen].map((product) => ({ id: lineId++, product, variant: random.pick(product.variants), quantity: random.int(1, 3), discountCents: 0 }));
  };

  // Abandoned checkouts: some stay abandoned, some are recovered by an order carrying their token.
  const abandonedCount = Math.max(4, Math.round(orderCount / 6));
  const recoveredTokens: string[] = [];
  for (let index = 0; index < abandonedCount; index++) {
    const customer = random.pick(customers);
    const token = random.hex(32);
    const cartToken = `c1-${random.hex(32)}`;
    const lines = pickLines();
    const created = at(random.int(20, 900));
    shopifyDelivery(0, "carts/create", cartPayload(cartToken, lines, created, created), created);
    shopifyDelivery(0, "checkouts/create", checkoutPayload(token, cartToken, customer, lines, created, created), created);
    const edited = new Date(created.getTime() + 4 * 60_000);
    shopifyDelivery(1, "checkouts/update", checkoutPayload(token, cartToken, customer, lines, created, edited), edited);
    if (index % 2 === 0) recoveredTokens.push(token);
    else rows.push({ table: "abandonedCarts", key: { token }, field: "updated_at", compare: "time", value: edited.toISOString(), note: "checkout abandoned (newest edit kept)" });
  }

  // --- Orders ---------------------------------------------------------------------------------
  const orders: OrderState[] = [];
  for (let index = 0; index < orderCount; index++) {
    const customer = customers[index % customers.length]!;
    const lines = pickLines().map((line, lineIndex) => ({ ...line, discountCents: index % 4 === 0 && lineIndex === 0 ? Math.round(line.variant.priceCents * 0.1) : 0 }));
    const recovered = index < recoveredTokens.length ? recoveredTokens[index] : undefined;
    // Orders come in over the first 17 hours, so their fulfilments (up to 6 h later) stay in the day.
    const createdAt = at(60 + (index * 940) / orderCount + random.int(0, 15));
    orders.push({
      id: 5_930_100_000_000 + index * 1009 + random.int(0, 999),
      number: (options.firstOrderNumber ?? 1001) + index,
      customer,
      lines,
      createdAt,
      checkoutToken: recovered ?? random.hex(32),
      cartToken: `c1-${random.hex(32)}`,
      subscription: index % 5 === 2,
      discountCode: index % 4 === 0 ? "WELCOME10" : undefined,
    });
  }
  // Every third storefront order is paid through Stripe: its charge names the order in metadata.
  const paidWithStripe = (order: OrderState) => order.number % 3 === 0;
  const orderTotalCents = (order: OrderState) => {
    const lineTotal = order.lines.reduce((sum, line) => sum + line.variant.priceCents * line.quantity, 0);
    const subtotal = lineTotal - order.lines.reduce((sum, line) => sum + line.discountCents, 0);
    return subtotal + Math.round(subtotal * 0.08) + (lineTotal >= 5000 ? 0 : 695);
  };
  const orderPayload = (
    order: OrderState,
    state: { updatedAt: Date; financial: string; fulfillment: string | null; cancelledAt?: Date; tags?: string; refunds?: unknown[] },
  ) => {
    const lineTotal = order.lines.reduce((sum, line) => sum + line.variant.priceCents * line.quantity, 0);
    const discount = order.lines.reduce((sum, line) => sum + line.discountCents, 0);
    const shipping = lineTotal >= 5000 ? 0 : 695;
    const subtotal = lineTotal - discount;
    const tax = Math.round(subtotal * 0.08);
    const tags = [order.subscription ? "Subscription, Subscription First Order" : "", state.tags ?? ""].filter(Boolean).join(", ");
    return {
      id: order.id,
      admin_graphql_api_id: gid("Order", order.id),
      name: `#${order.number}`,
      number: order.number - 1000,
      order_number: order.number,
      email: order.customer.email,
      phone: null,
      token: random.hex(32),
      checkout_token: order.checkoutToken,
      cart_token: order.cartToken,
      created_at: shopifyTime(order.createdAt),
      processed_at: shopifyTime(order.createdAt),
      updated_at: shopifyTime(state.updatedAt),
      cancelled_at: state.cancelledAt ? shopifyTime(state.cancelledAt) : null,
      cancel_reason: state.cancelledAt ? "customer" : null,
      closed_at: null,
      currency: "USD",
      presentment_currency: "USD",
      financial_status: state.financial,
      fulfillment_status: state.fulfillment,
      confirmed: true,
      test: false,
      source_name: order.subscription ? "subscription_contract" : "web",
      tags,
      total_line_items_price: money(lineTotal),
      total_discounts: money(discount),
      subtotal_price: money(subtotal),
      total_tax: money(tax),
      total_shipping_price_set: { shop_money: { amount: money(shipping), currency_code: "USD" }, presentment_money: { amount: money(shipping), currency_code: "USD" } },
      total_price: money(subtotal + tax + shipping),
      total_weight: order.lines.length * 300,
      discount_codes: order.discountCode ? [{ code: order.discountCode, amount: money(discount), type: "percentage" }] : [],
      customer: {
        id: order.customer.id,
        admin_graphql_api_id: gid("Customer", order.customer.id),
        email: order.customer.email,
        first_name: order.customer.firstName,
        last_name: order.customer.lastName,
        created_at: shopifyTime(order.customer.createdAt),
        updated_at: shopifyTime(order.createdAt),
        currency: "USD",
      },
      line_items: order.lines.map((line) => ({
        id: line.id,
        admin_graphql_api_id: gid("LineItem", line.id),
        product_id: line.product.id,
        variant_id: line.variant.id,
        title: line.product.title,
        variant_title: line.variant.title,
        name: `${line.product.title} - ${line.variant.title}`,
        sku: line.variant.sku,
        vendor: "Acme Coffee Co.",
        quantity: line.quantity,
        current_quantity: state.cancelledAt ? 0 : line.quantity,
        price: money(line.variant.priceCents),
        total_discount: money(line.discountCents),
        discount_allocations: line.discountCents > 0 ? [{ amount: money(line.discountCents), discount_application_index: 0 }] : [],
        requires_shipping: true,
        taxable: true,
        gift_card: false,
        fulfillable_quantity: state.fulfillment === "fulfilled" ? 0 : line.quantity,
        fulfillment_status: state.fulfillment === "fulfilled" ? "fulfilled" : null,
      })),
      shipping_lines: [{ id: order.id + 7, title: shipping === 0 ? "Free Shipping" : "Standard", code: "STANDARD", price: money(shipping) }],
      shipping_address: { first_name: order.customer.firstName, last_name: order.customer.lastName, ...order.customer.address },
      billing_address: { first_name: order.customer.firstName, last_name: order.customer.lastName, ...order.customer.address },
      payment_gateway_names: [paidWithStripe(order) ? "stripe" : "shopify_payments"],
      fulfillments:
        state.fulfillment === "fulfilled"
          ? [
              {
                id: order.id + 11,
                admin_graphql_api_id: gid("Fulfillment", order.id + 11),
                order_id: order.id,
                status: "success",
                shipment_status: null,
                created_at: shopifyTime(state.updatedAt),
                updated_at: shopifyTime(state.updatedAt),
                tracking_company: "UPS",
                tracking_number: `1Z${String(order.id).slice(-10)}`,
                line_items: order.lines.map((line) => ({ id: line.id, quantity: line.quantity })),
              },
            ]
          : [],
      refunds: state.refunds ?? [],
    };
  };

  const cancelledIndex = Math.min(orderCount - 1, 7);
  for (const [index, order] of orders.entries()) {
    touchCustomer(0, order.customer, order.createdAt);
    const created = order.createdAt;
    const paid = new Date(created.getTime() + 40_000);
    shopifyDelivery(0, "orders/create", orderPayload(order, { updatedAt: created, financial: "pending", fulfillment: null }), created);
    shopifyDelivery(1, "orders/paid", orderPayload(order, { updatedAt: paid, financial: "paid", fulfillment: null }), paid);
    let newest = paid;
    if (index === cancelledIndex) {
      const cancelled = new Date(created.getTime() + 3 * 3600_000);
      shopifyDelivery(2, "orders/cancelled", orderPayload(order, { updatedAt: cancelled, financial: "refunded", fulfillment: null, cancelledAt: cancelled }), cancelled);
      // A late tag edit made before the cancellation arrives after it.
      const tagged = new Date(created.getTime() + 3600_000);
      shopifyDelivery(3, "orders/updated", orderPayload(order, { updatedAt: tagged, financial: "paid", fulfillment: null, tags: "gift" }), tagged);
      rows.push({ table: "orders", key: { id: gid("Order", order.id) }, field: "cancelled_at", compare: "time", value: cancelled.toISOString(), note: "order cancelled; an older edit arrived after the cancellation" });
      newest = cancelled;
    } else if (index % 3 === 0) {
      const fulfilled = new Date(created.getTime() + random.int(2, 6) * 3600_000);
      shopifyDelivery(2, "orders/fulfilled", orderPayload(order, { updatedAt: fulfilled, financial: "paid", fulfillment: "fulfilled" }), fulfilled);
      newest = fulfilled;
      if (index % 2 === 0) {
        // Out of order: the fulfilment (newer) goes out in wave 2, this older tag edit in wave 3.
        const edited = new Date(created.getTime() + 1800_000);
        shopifyDelivery(3, "orders/updated", orderPayload(order, { updatedAt: edited, financial: "paid", fulfillment: null, tags: "priority" }), edited);
      }
    } else if (index % 3 === 1) {
      const edited = new Date(created.getTime() + random.int(10, 90) * 60_000);
      shopifyDelivery(2, "orders/updated", orderPayload(order, { updatedAt: edited, financial: "paid", fulfillment: null, tags: "gift-note" }), edited);
      newest = edited;
    }
    rows.push({ table: "orders", key: { id: gid("Order", order.id) }, field: "updated_at", compare: "time", value: newest.toISOString(), note: `order #${order.number} holds its newest update` });
  }
  for (const token of recoveredTokens) {
    rows.push({ table: "abandonedCarts", key: { token }, field: "status", compare: "recovered", value: "recovered", note: "abandoned checkout recovered by an order carrying its token" });
  }
  for (const customer of customers) {
    const newest = customerLastUpdate.get(customer.id);
    if (newest) rows.push({ table: "customers", key: { id: gid("Customer", customer.id) }, field: "updated_at", compare: "time", value: newest.toISOString(), note: "customer holds its newest update" });
  }

  // --- Recharge -------------------------------------------------------------------------------
  const rechargeDelivery = (wave: number, topic: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    const hash = rechargeHash(options.secrets.recharge, body);
    return builder.add({
      wave,
      door: "recharge",
      path: "/webhooks/recharge",
      headers: { "Content-Type": "application/json", "X-Recharge-Topic": topic, "X-Recharge-Hmac-Sha256": hash, "X-Recharge-Version": "2021-11" },
      body,
      source: "recharge",
      topic,
      eventKey: `${topic}:${hash.slice(0, 16)}`,
    });
  };
  const subscribers = orders.filter((order) => order.subscription);
  const subscriptionPayload = (order: OrderState, index: number, state: { status: string; updatedAt: Date; nextCharge: string; cancelledAt?: Date; reason?: string }) => {
    const line = order.lines[0]!;
    return {
      subscription: {
        id: 410_000_000 + index * 37,
        address_id: 120_000_000 + index,
        customer_id: order.customer.rechargeId,
        status: state.status,
        created_at: rechargeTime(order.createdAt),
        updated_at: rechargeTime(state.updatedAt),
        next_charge_scheduled_at: state.nextCharge,
        cancelled_at: state.cancelledAt ? rechargeTime(state.cancelledAt) : null,
        cancellation_reason: state.reason ?? null,
        cancellation_reason_comments: null,
        external_product_id: { ecommerce: String(line.product.id) },
        external_variant_id: { ecommerce: String(line.variant.id) },
        product_title: line.product.title,
        variant_title: line.variant.title,
        sku: line.variant.sku,
        quantity: line.quantity,
        price: money(line.variant.priceCents),
        presentment_currency: "USD",
        order_interval_unit: "day",
        order_interval_frequency: "30",
        charge_interval_frequency: "30",
        is_prepaid: false,
        is_skippable: true,
        is_swappable: true,
        max_retries_reached: false,
        has_queued_charges: true,
        properties: [],
      },
    };
  };
  const nextMonth = (from: Date) => new Date(from.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  for (const [index, order] of subscribers.entries()) {
    const id = String(410_000_000 + index * 37);
    const created = new Date(order.createdAt.getTime() + 60_000);
    rechargeDelivery(0, "subscription/created", subscriptionPayload(order, index, { status: "active", updatedAt: created, nextCharge: nextMonth(created) }));
    if (index === 0) {
      // One cancellation; an older "updated" arrives after it and must not revive the subscription.
      const skipped = new Date(created.getTime() + 2 * 3600_000);
      const cancelled = new Date(created.getTime() + 5 * 3600_000);
      rechargeDelivery(1, "subscription/cancelled", subscriptionPayload(order, index, { status: "cancelled", updatedAt: cancelled, nextCharge: nextMonth(created), cancelledAt: cancelled, reason: "I have too much coffee" }));
      rechargeDelivery(2, "subscription/updated", subscriptionPayload(order, index, { status: "active", updatedAt: skipped, nextCharge: nextMonth(skipped) }));
      rows.push({ table: "subscriptions", key: { id }, field: "status", compare: "exact", value: "cancelled", note: "subscription cancelled; an older update arrived later" });
    } else {
      rows.push({ table: "subscriptions", key: { id }, field: "status", compare: "exact", value: "active", note: "new subscription active" });
    }
  }
  // Renewal charges for existing subscribers (customers who ordered before today); one declines.
  const renewals = customers.filter((customer) => customer.ordersCount > 0).slice(0, Math.max(3, Math.round(orderCount / 6)));
  for (const [index, customer] of renewals.entries()) {
    const id = String(730_000_000 + index * 53);
    const scheduled = at(360 + index * 10);
    const priceCents = random.pick(products[0]!.variants).priceCents;
    const failing = index === 1;
    const charge = (status: string, updatedAt: Date, extra: Record<string, unknown> = {}) => ({
      charge: {
        id: Number(id),
        customer: { id: customer.rechargeId, external_customer_id: { ecommerce: String(customer.id) }, email: customer.email },
        customer_id: customer.rechargeId,
        address_id: 120_500_000 + index,
        status,
        type: "recurring",
        created_at: rechargeTime(new Date(scheduled.getTime() - 86_400_000)),
        updated_at: rechargeTime(updatedAt),
        scheduled_at: scheduled.toISOString().slice(0, 10),
        processed_at: status === "success" ? rechargeTime(updatedAt) : null,
        currency: "USD",
        total_price: money(priceCents),
        subtotal_price: money(priceCents),
        total_discounts: "0.00",
        charge_attempts: 1,
        error: null,
        error_type: null,
        retry_date: null,
        external_order_id: { ecommerce: null },
        line_items: [{ purchase_item_id: 410_900_000 + index, title: products[0]!.title, quantity: 1, price: money(priceCents) }],
        billing_address: { first_name: customer.firstName, last_name: customer.lastName, ...customer.address },
        ...extra,
      },
    });
    rechargeDelivery(0, "charge/created", charge("queued", new Date(scheduled.getTime() - 86_400_000)));
    if (failing) {
      // Its third attempt today: the platform alerts once a charge has failed three times.
      rechargeDelivery(1, "charge/failed", charge("error", scheduled, { error: "Your card was declined.", error_type: "CUSTOMER_NEEDS_TO_UPDATE_CARD", charge_attempts: 3, retry_date: nextMonth(scheduled) }));
      rows.push({ table: "charges", key: { id }, field: "status", compare: "exact", value: "error", note: "renewal charge declined" });
    } else {
      rechargeDelivery(1, "charge/paid", charge("success", scheduled));
      rows.push({ table: "charges", key: { id }, field: "status", compare: "exact", value: "success", note: "renewal charge paid" });
    }
  }

  // --- Stripe ---------------------------------------------------------------------------------
  const stripeDelivery = (wave: number, type: string, object: Record<string, unknown>, created: Date) => {
    const eventId = `evt_${random.hex(24)}`;
    const event = {
      id: eventId,
      object: "event",
      api_version: "2024-06-20",
      created: unixSeconds(created),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: `req_${random.hex(14)}`, idempotency_key: uuid() },
      type,
    };
    const body = JSON.stringify(event);
    return builder.add({
      wave,
      door: "stripe",
      path: "/webhooks/stripe",
      headers: { "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": stripeSignature(options.secrets.stripe, body, signedAt) },
      body,
      source: "stripe",
      topic: type,
      eventKey: eventId,
    });
  };
  // Storefront orders paid through Stripe: intent and charge, the charge naming the order.
  let storefrontStripe = 0;
  const stripePaidOrders: string[] = [];
  for (const [index, order] of orders.entries()) {
    if (!paidWithStripe(order) || index === cancelledIndex) continue;
    storefrontStripe++;
    stripePaidOrders.push(gid("Order", order.id));
    const amount = orderTotalCents(order);
    const created = new Date(order.createdAt.getTime() + 20_000);
    const intent = `pi_${random.hex(24)}`;
    const chargeId = `ch_${random.hex(24)}`;
    const metadata = { shopify_order_id: String(order.id), shopify_order_name: `#${order.number}` };
    stripeDelivery(1, "payment_intent.succeeded", { id: intent, object: "payment_intent", amount, amount_received: amount, currency: "usd", customer: order.customer.stripeId, status: "succeeded", latest_charge: chargeId, invoice: null, last_payment_error: null, metadata, created: unixSeconds(created) }, created);
    stripeDelivery(
      1,
      "charge.succeeded",
      {
        id: chargeId,
        object: "charge",
        amount,
        amount_captured: amount,
        amount_refunded: 0,
        currency: "usd",
        customer: order.customer.stripeId,
        status: "succeeded",
        paid: true,
        captured: true,
        refunded: false,
        disputed: false,
        failure_code: null,
        failure_message: null,
        outcome: { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
        payment_intent: intent,
        invoice: null,
        metadata,
        billing_details: { email: order.customer.email, name: `${order.customer.firstName} ${order.customer.lastName}` },
        payment_method_details: { type: "card", card: { brand: "mastercard", last4: "4444", exp_month: 3, exp_year: 2029, country: "US" } },
        created: unixSeconds(created),
      },
      created,
    );
    rows.push({ table: "payments", key: { id: chargeId }, field: "status", compare: "exact", value: "succeeded", note: `Stripe charge for order #${order.number}` });
  }

  // Wholesale and pop-up sales paid through Stripe directly.
  const stripeSales = Math.max(4, Math.round(orderCount / 3));
  const charges: Array<{ id: string; amount: number; customer: Customer; created: Date; intent: string }> = [];
  for (let index = 0; index < stripeSales; index++) {
    const customer = customers[(index * 5) % customers.length]!;
    const drawn = random.int(18, 240) * 100 + random.pick([0, 50, 95]);
    const failing = index === 2;
    // The declined sale is large enough to alert (payment failures above 100.00 do).
    const amount = failing ? 18_950 : drawn;
    const created = at(120 + index * 40);
    const intent = `pi_${random.hex(24)}`;
    const chargeId = `ch_${random.hex(24)}`;
    const chargeObject = (status: string, extra: Record<string, unknown> = {}) => ({
      id: chargeId,
      object: "charge",
      amount,
      amount_captured: status === "succeeded" ? amount : 0,
      amount_refunded: 0,
      currency: "usd",
      customer: customer.stripeId,
      status,
      paid: status === "succeeded",
      captured: status === "succeeded",
      refunded: false,
      disputed: false,
      failure_code: null,
      failure_message: null,
      outcome: { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
      payment_intent: intent,
      invoice: null,
      billing_details: { email: customer.email, name: `${customer.firstName} ${customer.lastName}`, phone: customer.phone, address: { city: customer.address.city, country: customer.address.country_code } },
      payment_method_details: { type: "card", card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030, country: "US" } },
      receipt_email: customer.email,
      created: unixSeconds(created),
      ...extra,
    });
    const intentObject = (status: string, extra: Record<string, unknown> = {}) => ({
      id: intent,
      object: "payment_intent",
      amount,
      amount_received: status === "succeeded" ? amount : 0,
      currency: "usd",
      customer: customer.stripeId,
      status,
      latest_charge: chargeId,
      invoice: null,
      last_payment_error: null,
      created: unixSeconds(created),
      ...extra,
    });
    const settled = new Date(created.getTime() + 3000);
    if (failing) {
      const decline = { failure_code: "card_declined", failure_message: "Your card was declined.", outcome: { network_status: "declined_by_network", reason: "generic_decline", type: "issuer_declined", risk_level: "normal" } };
      stripeDelivery(0, "payment_intent.created", intentObject("requires_payment_method"), created);
      stripeDelivery(1, "charge.failed", chargeObject("failed", decline), settled);
      stripeDelivery(1, "payment_intent.payment_failed", intentObject("requires_payment_method", { last_payment_error: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", type: "card_error" } }), settled);
      rows.push({ table: "payments", key: { id: chargeId }, field: "status", compare: "exact", value: "failed", note: "declined Stripe charge" });
      continue;
    }
    stripeDelivery(0, "payment_intent.created", intentObject("requires_payment_method"), created);
    stripeDelivery(1, "charge.succeeded", chargeObject("succeeded"), settled);
    stripeDelivery(1, "payment_intent.succeeded", intentObject("succeeded"), settled);
    if (index % 4 === 1) {
      // A "processing" update from before success arrives last: the intent must stay succeeded.
      stripeDelivery(3, "payment_intent.processing", intentObject("processing"), new Date(created.getTime() + 1000));
    }
    rows.push({ table: "payments", key: { id: chargeId }, field: "status", compare: "exact", value: "succeeded", note: "Stripe charge succeeded" });
    rows.push({ table: "payments", key: { id: intent }, field: "status", compare: "exact", value: "succeeded", note: "payment intent succeeded (a stale 'processing' may arrive later)" });
    charges.push({ id: chargeId, amount, customer, created, intent });
  }
  // A wholesale invoice paid today.
  const wholesale = charges[0]!;
  const invoiceId = `in_${random.hex(24)}`;
  const invoiceCreated = at(200);
  const invoiceObject = (status: string, paid: boolean) => ({
    id: invoiceId,
    object: "invoice",
    customer: wholesale.customer.stripeId,
    customer_email: wholesale.customer.email,
    status,
    number: `ACME-${random.int(1000, 9999)}`,
    currency: "usd",
    amount_due: 48_000,
    amount_paid: paid ? 48_000 : 0,
    amount_remaining: paid ? 0 : 48_000,
    total: 48_000,
    attempt_count: paid ? 1 : 0,
    billing_reason: "manual",
    subscription: null,
    payment_intent: null,
    created: unixSeconds(invoiceCreated),
  });
  stripeDelivery(0, "invoice.finalized", invoiceObject("open", false), invoiceCreated);
  stripeDelivery(1, "invoice.paid", invoiceObject("paid", true), new Date(invoiceCreated.getTime() + 3 * 3600_000));
  rows.push({ table: "invoices", key: { id: invoiceId }, field: "status", compare: "exact", value: "paid", note: "wholesale invoice paid" });
  // A dispute on an earlier charge.
  const disputed = charges[charges.length - 1]!;
  const disputeId = `dp_${random.hex(24)}`;
  const disputeCreated = at(1380);
  stripeDelivery(
    2,
    "charge.dispute.created",
    {
      id: disputeId,
      object: "dispute",
      amount: disputed.amount,
      currency: "usd",
      charge: disputed.id,
      payment_intent: disputed.intent,
      reason: "product_not_received",
      status: "needs_response",
      is_charge_refundable: false,
      evidence_details: { due_by: unixSeconds(disputeCreated) + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
      created: unixSeconds(disputeCreated),
    },
    disputeCreated,
  );
  rows.push({ table: "disputes", key: { id: disputeId }, field: "status", compare: "exact", value: "needs_response", note: "dispute opened" });

  // --- Redeliveries and forgeries ------------------------------------------------------------
  const lastWave = 4;
  const duplicates = originals.filter((_, index) => index % 13 === 5);
  const forged: Array<Omit<Delivery, "seq" | "kind" | "expected"> & { why: string }> = [];
  const absent: Array<TrafficExpectations["absent"][number]> = [];
  {
    // An order "from Shopify" signed with the wrong secret: must be refused, nothing stored.
    const order = { ...orders[0]!, id: 5_939_999_000_000 + random.int(0, 999), number: 9999 };
    const body = JSON.stringify(orderPayload(order, { updatedAt: at(1400), financial: "paid", fulfillment: null }));
    forged.push({
      wave: lastWave,
      door: "shopify",
      path: "/webhooks/shopify",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": shopifyHmac(FORGED_SECRET, body),
        "X-Shopify-Shop-Domain": shopDomain,
        "X-Shopify-Webhook-Id": uuid(),
        "X-Shopify-Triggered-At": at(1400).toISOString(),
        "X-Shopify-API-Version": SHOPIFY_API_VERSION,
      },
      body,
      source: "shopify",
      topic: "orders/create",
      eventKey: "forged-shopify",
      why: "Shopify HMAC signed with the wrong secret",
    });
    absent.push({ table: "orders", key: { id: gid("Order", order.id) }, note: "the forged order was not stored" });
  }
  {
    const chargeId = `ch_${random.hex(24)}`;
    const body = JSON.stringify({
      id: `evt_${random.hex(24)}`,
      object: "event",
      created: unixSeconds(at(1410)),
      type: "charge.succeeded",
      livemode: false,
      data: { object: { id: chargeId, object: "charge", amount: 99_999, currency: "usd", status: "succeeded", created: unixSeconds(at(1410)) } },
    });
    forged.push({
      wave: lastWave,
      door: "stripe",
      path: "/webhooks/stripe",
      headers: { "Content-Type": "application/json", "Stripe-Signature": stripeSignature(FORGED_SECRET, body, signedAt) },
      body,
      source: "stripe",
      topic: "charge.succeeded",
      eventKey: "forged-stripe",
      why: "Stripe-Signature computed with the wrong endpoint secret",
    });
    absent.push({ table: "payments", key: { id: chargeId }, note: "the forged Stripe charge was not stored" });
  }

  let seq = 0;
  const deliveries: Delivery[] = [
    ...originals.map((delivery): Delivery => ({ ...delivery, seq: 0, kind: "original", expected: { status: 200, outcome: "accepted" } })),
    ...duplicates.map((delivery): Delivery => ({ ...delivery, wave: lastWave, seq: 0, kind: "duplicate", expected: { status: 200, outcome: "duplicate" } })),
    ...forged.map((delivery): Delivery => ({ ...delivery, seq: 0, kind: "forged", expected: { status: 401 } })),
  ]
    .map((delivery, index) => ({ delivery, index }))
    .sort((left, right) => left.delivery.wave - right.delivery.wave || left.index - right.index)
    .map(({ delivery }) => ({ ...delivery, seq: seq++ }));

  const distinct = (table: TableKey) => new Set(rows.filter((row) => row.table === table).map((row) => JSON.stringify(row.key))).size;
  const distinctObjects: Partial<Record<TableKey, number>> = {};
  for (const table of ["orders", "customers", "products", "abandonedCarts", "subscriptions", "charges", "payments", "invoices", "disputes"] as TableKey[]) {
    distinctObjects[table] = distinct(table);
  }
  // Stripe payments hold charges and payment intents: the failing sale has an intent too.
  distinctObjects.payments = charges.length * 2 + 2 + storefrontStripe * 2;

  return {
    seed,
    dayStart: day.toISOString(),
    shopDomain,
    deliveries,
    expectations: { uniqueEvents: originals.length, duplicates: duplicates.length, forged: forged.length, rows, distinctObjects, stripePaidOrders, absent },
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
  delivery.door === "events"
    ? delivery.body
    : JSON.stringify({ door: delivery.door, headers: delivery.headers, body: delivery.body });
