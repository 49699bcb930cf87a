/**
 * The `orders/updated` payload the ingestion benches send: the orders fixture with 10 line items,
 * one of `distinctOrders` order ids (so updates of the same order meet in the hot store) and an
 * `updated_at` that moves one second per event.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const lineItems = Array.from({ length: 10 }, (_, index) => ({
  id: 13579246801000 + index,
  admin_graphql_api_id: `gid://shopify/LineItem/${13579246801000 + index}`,
  product_id: 8123456789000 + index,
  variant_id: 45123456789000 + index,
  title: `Item ${index}`,
  sku: `SKU-${index}`,
  quantity: 1 + (index % 3),
  price: `${10 + index}.95`,
  total_discount: "0.00",
  discount_allocations: [{ amount: "0.50", discount_application_index: 0 }],
}));

/** A builder of the index-th order payload, from the fixture under `root`. */
export const benchOrders = (root: string, distinctOrders: number) => {
  const baseOrder = JSON.parse(fs.readFileSync(path.join(root, "__tests__/fixtures/shopify/order.json"), "utf8")) as Record<string, unknown>;
  return (index: number): Record<string, unknown> => {
    const orderId = 5000000000000 + (index % distinctOrders);
    return {
      ...baseOrder,
      id: orderId,
      admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
      checkout_token: `chk-${orderId}`,
      cart_token: `cart-${orderId}`,
      updated_at: new Date(Date.parse("2026-03-01T00:00:00Z") + index * 1000).toISOString(),
      line_items: lineItems,
    };
  };
};
