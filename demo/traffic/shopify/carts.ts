/** Carts and checkouts: some checkouts stay abandoned, the others are recovered by an order carrying their token. */
import type { Day } from "../day";
import { gid, money, shopifyTime } from "../formats";
import type { Customer, Line, PickLines } from "../shop";
import type { ShopifySend } from "./send";

/** Sends the day's abandoned checkouts (with their carts); returns the tokens that orders will recover. */
export const abandonedCheckoutsOfTheDay = (day: Day, send: ShopifySend, customers: ReadonlyArray<Customer>, pickLines: PickLines): string[] => {
  const { random, at, rows, shopDomain } = day;
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

  const abandonedCount = Math.max(4, Math.round(day.orderCount / 6));
  const recoveredTokens: string[] = [];
  for (let index = 0; index < abandonedCount; index++) {
    const customer = random.pick(customers);
    const token = random.hex(32);
    const cartToken = `c1-${random.hex(32)}`;
    const lines = pickLines();
    const created = at(random.int(20, 900));
    send(0, "carts/create", cartPayload(cartToken, lines, created, created), created);
    send(0, "checkouts/create", checkoutPayload(token, cartToken, customer, lines, created, created), created);
    const edited = new Date(created.getTime() + 4 * 60_000);
    send(1, "checkouts/update", checkoutPayload(token, cartToken, customer, lines, created, edited), edited);
    if (index % 2 === 0) recoveredTokens.push(token);
    else rows.push({ table: "abandonedCarts", key: { token }, field: "updated_at", compare: "time", value: edited.toISOString(), note: "checkout abandoned (newest edit kept)" });
  }
  return recoveredTokens;
};

/** Appends the rows of the checkouts that orders recovered (the expectations list them after the orders). */
export const expectRecovered = (day: Day, recoveredTokens: ReadonlyArray<string>) => {
  for (const token of recoveredTokens) {
    day.rows.push({
      table: "abandonedCarts",
      key: { token },
      field: "status",
      compare: "recovered",
      value: "recovered",
      note: "abandoned checkout recovered by an order carrying its token",
    });
  }
};
