/** Products (with a compact view of their variants) into the products hot store; deletes as tombstones. */
import { Effect } from "effect";
import { compareDecimals } from "../kernel/decimal";
import type { Item } from "../kernel/services";
import { decodeEvent, withApiVersion } from "./event-identity";
import { compact, decodePayload, gid, gidOf, idText, legacyIdOf, optionalGidOf, tagList, utc, utcOrUndefined } from "./keys";
import { upsertNewer, writeTombstone, type TopicHandler } from "./processor";
import { Deletion, Product, moneyText } from "./schemas";

const decodeProduct = decodePayload(Product, "product");
const decodeDeletion = decodePayload(Deletion, "deletion");

export const productItem = (product: Product): Item => {
  const id = gidOf("Product", product);
  const variants = (product.variants ?? []).map((variant) =>
    compact({
      id: optionalGidOf("ProductVariant", variant),
      title: variant.title,
      sku: variant.sku,
      price: variant.price != null ? moneyText(variant.price) : undefined,
      inventory_quantity: variant.inventory_quantity ?? undefined,
    }),
  );
  const prices = variants.flatMap((variant) => (typeof variant.price === "string" ? [variant.price] : [])).sort(compareDecimals);
  return compact({
    id,
    legacy_id: legacyIdOf(id),
    title: product.title,
    handle: product.handle,
    vendor: product.vendor,
    product_type: product.product_type,
    status: product.status,
    tags: tagList(product.tags),
    created_at: utcOrUndefined(product.created_at),
    updated_at: utc(product.updated_at),
    published_at: utcOrUndefined(product.published_at),
    variant_count: variants.length,
    price_min: prices[0],
    price_max: prices[prices.length - 1],
    variants,
  });
};

const handleProduct: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeProduct, event), (product) => Effect.asVoid(upsertNewer("products", withApiVersion(productItem(product), event))));

const handleProductDelete: TopicHandler = (event) =>
  Effect.flatMap(decodeEvent(decodeDeletion, event), (deletion) =>
    Effect.asVoid(writeTombstone("products", { id: gid("Product", deletion.id) }, event, withApiVersion({ legacy_id: idText(deletion.id) }, event))),
  );

export const productHandlers: Readonly<Record<string, TopicHandler>> = {
  "products/create": handleProduct,
  "products/update": handleProduct,
  "products/delete": handleProductDelete,
};
