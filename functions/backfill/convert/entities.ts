/**
 * What a Shopify bulk export of each object turns into: one Parquet dataset per entity.
 *
 * A bulk query's JSONL holds the root objects and, on their own lines, the nested connection's
 * objects carrying `__parentId` (orders -> line items, products -> variants). The JSON columns
 * below are the union of both line shapes, read with explicit types so DuckDB never guesses:
 *   - ids are VARCHAR (GIDs; legacy numeric ids can exceed 2^53 and must stay exact),
 *   - money is DECIMAL(18,4): three-decimal currencies (KWD) keep every digit, amounts up to
 *     10^14, and it fits in 64 bits, which Parquet writes several times faster than wider decimals,
 *   - timestamps are TIMESTAMPTZ, counters BIGINT.
 * The query builders in functions/backfill/queries.ts select exactly these fields.
 */

import { bulkEntitiesByObject, bulkObjects, type BulkEntity, type BulkObject } from "../../../contracts/bulk-entities";

// The objects and the entities each is written as are a contract (the Glue catalog projects them).
export { bulkObjects, type BulkObject };

export const MONEY_TYPE = "DECIMAL(18,4)";

const MONEY_BAG = "STRUCT(shopMoney STRUCT(amount VARCHAR, currencyCode VARCHAR))";
const MONEY_V2 = "STRUCT(amount VARCHAR, currencyCode VARCHAR)";
const ID_REF = "STRUCT(id VARCHAR)";

export interface EntitySpec {
  /** Lake entity: snapshots/shopify/<entity>/run=<id>/ (one of contracts/bulk-entities.ts). */
  readonly entity: BulkEntity;
  /** Root lines have no `__parentId`; child lines have one. */
  readonly role: "root" | "child";
  /** `output column -> SQL expression` over the raw JSON columns. */
  readonly select: ReadonlyArray<readonly [string, string]>;
}

export interface ObjectSpec {
  readonly object: BulkObject;
  /** JSON key -> DuckDB type, for read_json(columns=...). */
  readonly jsonColumns: Readonly<Record<string, string>>;
  readonly entities: ReadonlyArray<EntitySpec>;
}

const money = (column: string) => `CAST(${column}.shopMoney.amount AS ${MONEY_TYPE})`;
const moneyV2 = (column: string) => `CAST(${column}.amount AS ${MONEY_TYPE})`;
const decimal = (column: string) => `CAST(${column} AS ${MONEY_TYPE})`;
const tags = (column: string) => `array_to_string(${column}, ', ')`;

export const objectSpecs: Record<BulkObject, ObjectSpec> = {
  orders: {
    object: "orders",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      legacyResourceId: "VARCHAR",
      name: "VARCHAR",
      email: "VARCHAR",
      createdAt: "TIMESTAMPTZ",
      updatedAt: "TIMESTAMPTZ",
      processedAt: "TIMESTAMPTZ",
      cancelledAt: "TIMESTAMPTZ",
      closedAt: "TIMESTAMPTZ",
      displayFinancialStatus: "VARCHAR",
      displayFulfillmentStatus: "VARCHAR",
      currencyCode: "VARCHAR",
      test: "BOOLEAN",
      tags: "VARCHAR[]",
      customer: ID_REF,
      totalPriceSet: MONEY_BAG,
      subtotalPriceSet: MONEY_BAG,
      totalTaxSet: MONEY_BAG,
      totalDiscountsSet: MONEY_BAG,
      totalShippingPriceSet: MONEY_BAG,
      // line items
      sku: "VARCHAR",
      quantity: "BIGINT",
      variant: ID_REF,
      product: ID_REF,
      originalUnitPriceSet: MONEY_BAG,
      totalDiscountSet: MONEY_BAG,
    },
    entities: [
      {
        entity: "orders",
        role: "root",
        select: [
          ["id", "id"],
          ["legacy_resource_id", "legacyResourceId"],
          ["name", "name"],
          ["email", "email"],
          ["customer_id", "customer.id"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
          ["processed_at", "processedAt"],
          ["cancelled_at", "cancelledAt"],
          ["closed_at", "closedAt"],
          ["financial_status", "displayFinancialStatus"],
          ["fulfillment_status", "displayFulfillmentStatus"],
          ["currency", "currencyCode"],
          ["test", "test"],
          ["tags", tags("tags")],
          ["total_price", money("totalPriceSet")],
          ["subtotal_price", money("subtotalPriceSet")],
          ["total_tax", money("totalTaxSet")],
          ["total_discounts", money("totalDiscountsSet")],
          ["total_shipping", money("totalShippingPriceSet")],
        ],
      },
      {
        entity: "order_line_items",
        role: "child",
        select: [
          ["id", "id"],
          ["order_id", "__parentId"],
          ["sku", "sku"],
          ["name", "name"],
          ["quantity", "quantity"],
          ["variant_id", "variant.id"],
          ["product_id", "product.id"],
          ["unit_price", money("originalUnitPriceSet")],
          ["currency", "originalUnitPriceSet.shopMoney.currencyCode"],
          ["total_discount", money("totalDiscountSet")],
        ],
      },
    ],
  },
  customers: {
    object: "customers",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      legacyResourceId: "VARCHAR",
      firstName: "VARCHAR",
      lastName: "VARCHAR",
      defaultEmailAddress: "STRUCT(emailAddress VARCHAR)",
      defaultPhoneNumber: "STRUCT(phoneNumber VARCHAR)",
      state: "VARCHAR",
      numberOfOrders: "BIGINT",
      amountSpent: MONEY_V2,
      createdAt: "TIMESTAMPTZ",
      updatedAt: "TIMESTAMPTZ",
      tags: "VARCHAR[]",
    },
    entities: [
      {
        entity: "customers",
        role: "root",
        select: [
          ["id", "id"],
          ["legacy_resource_id", "legacyResourceId"],
          ["first_name", "firstName"],
          ["last_name", "lastName"],
          ["email", "defaultEmailAddress.emailAddress"],
          ["phone", "defaultPhoneNumber.phoneNumber"],
          ["state", "state"],
          ["number_of_orders", "numberOfOrders"],
          ["amount_spent", moneyV2("amountSpent")],
          ["currency", "amountSpent.currencyCode"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
          ["tags", tags("tags")],
        ],
      },
    ],
  },
  products: {
    object: "products",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      legacyResourceId: "VARCHAR",
      title: "VARCHAR",
      handle: "VARCHAR",
      vendor: "VARCHAR",
      productType: "VARCHAR",
      status: "VARCHAR",
      createdAt: "TIMESTAMPTZ",
      updatedAt: "TIMESTAMPTZ",
      publishedAt: "TIMESTAMPTZ",
      tags: "VARCHAR[]",
      // variants
      sku: "VARCHAR",
      price: "VARCHAR",
      compareAtPrice: "VARCHAR",
      inventoryQuantity: "BIGINT",
      barcode: "VARCHAR",
    },
    entities: [
      {
        entity: "products",
        role: "root",
        select: [
          ["id", "id"],
          ["legacy_resource_id", "legacyResourceId"],
          ["title", "title"],
          ["handle", "handle"],
          ["vendor", "vendor"],
          ["product_type", "productType"],
          ["status", "status"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
          ["published_at", "publishedAt"],
          ["tags", tags("tags")],
        ],
      },
      {
        entity: "product_variants",
        role: "child",
        select: [
          ["id", "id"],
          ["product_id", "__parentId"],
          ["legacy_resource_id", "legacyResourceId"],
          ["sku", "sku"],
          ["title", "title"],
          ["price", decimal("price")],
          ["compare_at_price", decimal("compareAtPrice")],
          ["inventory_quantity", "inventoryQuantity"],
          ["barcode", "barcode"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
        ],
      },
    ],
  },
};

export const entitiesOf = (object: BulkObject): ReadonlyArray<BulkEntity> => objectSpecs[object].entities.map((spec) => spec.entity);

/** The entity list each object's spec must write, as contracts/bulk-entities.ts declares it. */
export const declaredEntitiesOf = (object: BulkObject): ReadonlyArray<BulkEntity> => bulkEntitiesByObject[object];

export const isBulkObject = (value: string): value is BulkObject => (bulkObjects as ReadonlyArray<string>).includes(value);
