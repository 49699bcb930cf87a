/**
 * Checkouts and carts in the abandoned-carts store, keyed by token. Each item expires through
 * DynamoDB TTL (`expires_at`, epoch seconds) unless an order recovers it first.
 *
 * Recovery must converge whatever the arrival order: an order that carries the token marks the
 * item recovered (or, when the checkout has not arrived yet, leaves a recovered stub); a later
 * checkout update keeps the recovery fields it finds. Either way the item ends up with the
 * newest checkout fields plus `status: "recovered"` and the order that recovered it.
 */
import { Effect, Option } from "effect";
import { envVars } from "../../contracts/env-vars";
import { optionalConfig } from "../kernel/config";
import { addDecimals, multiplyDecimal } from "../kernel/decimal";
import { HotStore, type Item, type StoreError } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, epochSeconds, optionalGidOf, utc, utcOrUndefined } from "./keys";
import { upsertNewer, type TopicHandler } from "./processor";
import { Cart, Checkout, moneyText } from "./schemas";

/** How long an unrecovered checkout or cart is kept, in seconds: SDP_ABANDONED_CART_TTL_DAYS days (default 30). */
export const abandonedCartTtlSeconds: Effect.Effect<number> = Effect.map(optionalConfig(envVars.abandonedCartTtlDays), (value) => {
  const days = Number(value ?? "30");
  return Math.round((Number.isFinite(days) && days > 0 ? days : 30) * 86400);
});

const RECOVERY_FIELDS = ["recovered_order_id", "recovered_at"] as const;

const decodeCheckout = decodePayload(Checkout, "checkout");
const decodeCart = decodePayload(Cart, "cart");

type Line = { readonly quantity?: number | null | undefined; readonly price?: string | number | null | undefined; readonly line_price?: string | number | null | undefined };

const linesTotal = (lines: ReadonlyArray<Line>): string | undefined => {
  const amounts = lines.map((line) =>
    line.line_price != null ? moneyText(line.line_price) : line.price != null && line.quantity != null ? multiplyDecimal(moneyText(line.price), line.quantity) : undefined,
  );
  return amounts.length > 0 && amounts.every((amount) => amount !== undefined) ? addDecimals(...(amounts as string[])) : undefined;
};

const quantityOf = (lines: ReadonlyArray<Line>) => lines.reduce((sum, line) => sum + (line.quantity ?? 0), 0);

/** Keyed by token; `checkout_id` only when the payload has an id (2026-04+ `checkouts/create` has none). */
export const checkoutItem = (checkout: Checkout, ttlSeconds: number): Item => {
  const lines = checkout.line_items ?? [];
  return compact({
    token: checkout.token,
    kind: "checkout",
    checkout_id: optionalGidOf("Checkout", checkout),
    cart_token: checkout.cart_token || undefined,
    email: checkout.email,
    customer_id: optionalGidOf("Customer", checkout.customer),
    created_at: utcOrUndefined(checkout.created_at),
    updated_at: utc(checkout.updated_at),
    completed_at: utcOrUndefined(checkout.completed_at),
    currency: checkout.currency,
    total_price: checkout.total_price != null ? moneyText(checkout.total_price) : linesTotal(lines),
    subtotal_price: checkout.subtotal_price != null ? moneyText(checkout.subtotal_price) : undefined,
    line_count: lines.length,
    item_quantity: quantityOf(lines),
    abandoned_checkout_url: checkout.abandoned_checkout_url,
    status: checkout.completed_at ? "completed" : "open",
    expires_at: epochSeconds(checkout.updated_at) + ttlSeconds,
  });
};

export const cartItem = (cart: Cart, ttlSeconds: number): Item => {
  const lines = cart.line_items ?? [];
  return compact({
    token: cart.token,
    kind: "cart",
    created_at: utcOrUndefined(cart.created_at),
    updated_at: utc(cart.updated_at),
    total_price: linesTotal(lines),
    line_count: lines.length,
    item_quantity: quantityOf(lines),
    status: "open",
    expires_at: epochSeconds(cart.updated_at) + ttlSeconds,
  });
};

/** Upserts a checkout/cart, keeping the recovery an order already recorded. */
const upsertKeepingRecovery = (item: Item) =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const existing = yield* store.get("abandonedCarts", { token: item.token });
    const recovered = Option.isSome(existing) && typeof existing.value.recovered_order_id === "string" ? existing.value : undefined;
    const next = recovered ? { ...item, status: "recovered", ...Object.fromEntries(RECOVERY_FIELDS.map((field) => [field, recovered[field]])) } : item;
    yield* upsertNewer("abandonedCarts", next);
  });

/**
 * Called by the orders processor for each checkout/cart token an order carries: one write marks an
 * existing checkout or cart recovered, or, when the order came first, leaves a stub (with its own
 * expiry) that the checkout's own update keeps.
 */
export const markRecovered = (token: string, orderId: string, orderCreatedAt: string): Effect.Effect<void, StoreError, HotStore> =>
  // flatMaps rather than a generator: this runs for every token of every order event.
  Effect.flatMap(HotStore, (store) =>
    Effect.flatMap(abandonedCartTtlSeconds, (ttlSeconds) =>
      store.upsertAttributes(
        "abandonedCarts",
        { token },
        { status: "recovered", recovered_order_id: orderId, recovered_at: orderCreatedAt },
        { expires_at: epochSeconds(orderCreatedAt) + ttlSeconds },
      ),
    ),
  );

const handleCheckout: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeCheckout, event), (checkout) =>
    Effect.flatMap(abandonedCartTtlSeconds, (ttl) => upsertKeepingRecovery(withApiVersion(checkoutItem(checkout, ttl), event))),
  );
const handleCart: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeCart, event), (cart) => Effect.flatMap(abandonedCartTtlSeconds, (ttl) => upsertKeepingRecovery(withApiVersion(cartItem(cart, ttl), event))));

export const checkoutHandlers: Readonly<Record<string, TopicHandler>> = {
  "checkouts/create": handleCheckout,
  "checkouts/update": handleCheckout,
  "carts/create": handleCart,
  "carts/update": handleCart,
};
