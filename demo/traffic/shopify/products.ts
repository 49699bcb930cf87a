/** The shop's products: the newest one is created today; three get edits, one of them out of order. */
import type { Day } from "../day";
import { gid, money, shopifyTime } from "../formats";
import { catalogue, type Product } from "../shop";
import type { ShopifySend } from "./send";

export const productsOfTheDay = (day: Day, send: ShopifySend): Product[] => {
  const { random, at, rows } = day;
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
      createdAt: new Date(day.start.getTime() - (400 - index * 30) * 86_400_000),
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
  send(0, "products/create", productPayload(newProduct, at(30)), at(30));
  rows.push({ table: "products", key: { id: gid("Product", newProduct.id) }, field: "updated_at", compare: "time", value: at(30).toISOString(), note: "product created today" });
  for (const [index, product] of products.slice(0, 3).entries()) {
    const first = at(60 + index * 90);
    const second = at(600 + index * 90);
    send(1, "products/update", productPayload(product, second), second);
    // The older edit arrives after the newer one: the hot store must keep the newer.
    send(2, "products/update", productPayload(product, first), first);
    rows.push({
      table: "products",
      key: { id: gid("Product", product.id) },
      field: "updated_at",
      compare: "time",
      value: second.toISOString(),
      note: "older product edit arrived last",
    });
  }
  return products;
};
