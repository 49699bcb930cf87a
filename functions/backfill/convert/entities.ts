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
  /**
   * Only lines whose `id` is a GID of this type (gid://shopify/<gidType>/...): a query with
   * several nested connections writes each one's objects as child lines, told apart by their id.
   */
  readonly gidType?: string;
  /**
   * One row per element of this list column of the line (Order.refunds, Order.transactions are
   * lists, inline in the order's line): select expressions read the element as `item` and the
   * line's id as `line_id`. Such rows are not lines of the export, so they are not part of the
   * count against objectCount.
   */
  readonly unnest?: string;
  /** `output column -> SQL expression` over the raw JSON columns. */
  readonly select: ReadonlyArray<readonly [string, string]>;
}

export interface ObjectSpec {
  readonly object: BulkObject;
  /** JSON key -> DuckDB type, for read_json(columns=...). */
  readonly jsonColumns: Readonly<Record<string, string>>;
  readonly entities: ReadonlyArray<EntitySpec>;
  /**
   * Root lines that are read but not written (the order a refund list or a metafield hangs
   * from): counted, since Shopify's objectCount counts them, under this name in a part's
   * outputs; never a dataset.
   */
  readonly carrier?: { readonly name: string; readonly role: "root" | "child" };
}

/** True for an entity whose rows are lines of the export (counted against objectCount). */
export const countsAsLines = (spec: EntitySpec) => spec.unnest === undefined;

const money = (column: string) => `CAST(${column}.shopMoney.amount AS ${MONEY_TYPE})`;
const moneyV2 = (column: string) => `CAST(${column}.amount AS ${MONEY_TYPE})`;
const decimal = (column: string) => `CAST(${column} AS ${MONEY_TYPE})`;
const tags = (column: string) => `array_to_string(${column}, ', ')`;
const TIMESTAMP = "TIMESTAMPTZ";
const GID_TYPE = (column: string) => `regexp_extract(${column}, 'gid://shopify/([A-Za-z]+)/', 1)`;
const quantityNamed = (name: string) => `list_extract(list_filter(quantities, q -> q.name = '${name}'), 1).quantity`;
const metafieldColumns = {
  id: "VARCHAR",
  __parentId: "VARCHAR",
  namespace: "VARCHAR",
  key: "VARCHAR",
  type: "VARCHAR",
  value: "VARCHAR",
  createdAt: TIMESTAMP,
  updatedAt: TIMESTAMP,
};
const metafieldSelect: ReadonlyArray<readonly [string, string]> = [
  ["id", "id"],
  ["owner_id", "__parentId"],
  ["owner_type", GID_TYPE("__parentId")],
  ["namespace", "namespace"],
  ["key", "key"],
  ["type", "type"],
  ["value", "value"],
  ["created_at", "createdAt"],
  ["updated_at", "updatedAt"],
];
const metafieldsOf = (object: BulkObject, owner: string): ObjectSpec => ({
  object,
  jsonColumns: metafieldColumns,
  carrier: { name: `${owner} lines`, role: "root" },
  entities: [{ entity: "metafields", role: "child", gidType: "Metafield", select: metafieldSelect }],
});

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
      totalRefundedSet: MONEY_BAG,
      sourceName: "VARCHAR",
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
          ["total_refunded", money("totalRefundedSet")],
          ["source_name", "sourceName"],
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
  refunds: {
    object: "refunds",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      refunds: `STRUCT(id VARCHAR, legacyResourceId VARCHAR, createdAt TIMESTAMPTZ, updatedAt TIMESTAMPTZ, note VARCHAR, totalRefundedSet ${MONEY_BAG})[]`,
    },
    carrier: { name: "order lines", role: "root" },
    entities: [
      {
        entity: "refunds",
        role: "root",
        unnest: "refunds",
        select: [
          ["id", "item.id"],
          ["order_id", "line_id"],
          ["legacy_resource_id", "item.legacyResourceId"],
          ["created_at", "item.createdAt"],
          ["updated_at", "item.updatedAt"],
          ["note", "item.note"],
          ["total_refunded", money("item.totalRefundedSet")],
          ["currency", "item.totalRefundedSet.shopMoney.currencyCode"],
        ],
      },
    ],
  },
  order_transactions: {
    object: "order_transactions",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      transactions: `STRUCT(id VARCHAR, kind VARCHAR, status VARCHAR, gateway VARCHAR, formattedGateway VARCHAR, test BOOLEAN, errorCode VARCHAR, createdAt TIMESTAMPTZ,
        processedAt TIMESTAMPTZ, authorizationCode VARCHAR, parentTransaction ${ID_REF}, amountSet ${MONEY_BAG},
        fees STRUCT(id VARCHAR, type VARCHAR, rate VARCHAR, rateName VARCHAR, flatFeeName VARCHAR, amount ${MONEY_V2}, flatFee ${MONEY_V2}, taxAmount ${MONEY_V2})[])[]`,
    },
    carrier: { name: "order lines", role: "root" },
    entities: [
      {
        entity: "order_transactions",
        role: "root",
        unnest: "transactions",
        select: [
          ["id", "item.id"],
          ["order_id", "line_id"],
          ["kind", "item.kind"],
          ["status", "item.status"],
          ["gateway", "item.gateway"],
          ["formatted_gateway", "item.formattedGateway"],
          ["test", "item.test"],
          ["error_code", "item.errorCode"],
          ["created_at", "item.createdAt"],
          ["processed_at", "item.processedAt"],
          ["authorization_code", "item.authorizationCode"],
          ["parent_transaction_id", "item.parentTransaction.id"],
          ["amount", money("item.amountSet")],
          ["currency", "item.amountSet.shopMoney.currencyCode"],
          // Fees are exposed for Shopify Payments transactions only; elsewhere the list is empty (NULL here).
          ["fee_amount", `CAST(list_sum(list_transform(item.fees, f -> CAST(f.amount.amount AS ${MONEY_TYPE}))) AS ${MONEY_TYPE})`],
          ["fee_tax_amount", `CAST(list_sum(list_transform(item.fees, f -> CAST(f.taxAmount.amount AS ${MONEY_TYPE}))) AS ${MONEY_TYPE})`],
          ["fee_currency", "item.fees[1].amount.currencyCode"],
          ["fee_count", "len(item.fees)"],
        ],
      },
    ],
  },
  fulfillment_orders: {
    object: "fulfillment_orders",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      orderId: "VARCHAR",
      status: "VARCHAR",
      requestStatus: "VARCHAR",
      createdAt: TIMESTAMP,
      updatedAt: TIMESTAMP,
      fulfillAt: TIMESTAMP,
      assignedLocation: `STRUCT(name VARCHAR, location ${ID_REF})`,
      // fulfillment order line items
      sku: "VARCHAR",
      totalQuantity: "BIGINT",
      remainingQuantity: "BIGINT",
      inventoryItemId: "VARCHAR",
      lineItem: ID_REF,
      // fulfillments
      legacyResourceId: "VARCHAR",
      name: "VARCHAR",
      displayStatus: "VARCHAR",
      deliveredAt: TIMESTAMP,
      inTransitAt: TIMESTAMP,
      estimatedDeliveryAt: TIMESTAMP,
      location: ID_REF,
      order: ID_REF,
      trackingInfo: "STRUCT(company VARCHAR, number VARCHAR, url VARCHAR)[]",
      // fulfillment line items
      quantity: "BIGINT",
      originalTotalSet: MONEY_BAG,
      discountedTotalSet: MONEY_BAG,
    },
    entities: [
      {
        entity: "fulfillment_orders",
        role: "root",
        select: [
          ["id", "id"],
          ["order_id", "orderId"],
          ["status", "status"],
          ["request_status", "requestStatus"],
          ["assigned_location_id", "assignedLocation.location.id"],
          ["assigned_location_name", "assignedLocation.name"],
          ["fulfill_at", "fulfillAt"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
        ],
      },
      {
        entity: "fulfillment_order_line_items",
        role: "child",
        gidType: "FulfillmentOrderLineItem",
        select: [
          ["id", "id"],
          ["fulfillment_order_id", "__parentId"],
          ["line_item_id", "lineItem.id"],
          ["sku", "sku"],
          ["total_quantity", "totalQuantity"],
          ["remaining_quantity", "remainingQuantity"],
          ["inventory_item_id", "inventoryItemId"],
        ],
      },
      {
        // A fulfillment of items from several fulfillment orders is a line under each: one row per (fulfillment order, fulfillment).
        entity: "fulfillments",
        role: "child",
        gidType: "Fulfillment",
        select: [
          ["id", "id"],
          ["fulfillment_order_id", "__parentId"],
          ["order_id", `"order".id`],
          ["legacy_resource_id", "legacyResourceId"],
          ["name", "name"],
          ["status", "status"],
          ["display_status", "displayStatus"],
          ["location_id", "location.id"],
          ["total_quantity", "totalQuantity"],
          ["tracking_company", "trackingInfo[1].company"],
          ["tracking_number", "trackingInfo[1].number"],
          ["tracking_url", "trackingInfo[1].url"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
          ["in_transit_at", "inTransitAt"],
          ["delivered_at", "deliveredAt"],
          ["estimated_delivery_at", "estimatedDeliveryAt"],
        ],
      },
      {
        entity: "fulfillment_line_items",
        role: "child",
        gidType: "FulfillmentLineItem",
        select: [
          ["id", "id"],
          ["fulfillment_id", "__parentId"],
          ["line_item_id", "lineItem.id"],
          ["quantity", "quantity"],
          ["original_total", money("originalTotalSet")],
          ["discounted_total", money("discountedTotalSet")],
          ["currency", "originalTotalSet.shopMoney.currencyCode"],
        ],
      },
    ],
  },
  inventory_items: {
    object: "inventory_items",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      legacyResourceId: "VARCHAR",
      sku: "VARCHAR",
      tracked: "BOOLEAN",
      requiresShipping: "BOOLEAN",
      countryCodeOfOrigin: "VARCHAR",
      harmonizedSystemCode: "VARCHAR",
      createdAt: TIMESTAMP,
      updatedAt: TIMESTAMP,
      unitCost: MONEY_V2,
      variant: ID_REF,
    },
    entities: [
      {
        entity: "inventory_items",
        role: "root",
        select: [
          ["id", "id"],
          ["legacy_resource_id", "legacyResourceId"],
          ["sku", "sku"],
          ["tracked", "tracked"],
          ["requires_shipping", "requiresShipping"],
          ["country_code_of_origin", "countryCodeOfOrigin"],
          ["harmonized_system_code", "harmonizedSystemCode"],
          ["unit_cost", moneyV2("unitCost")],
          ["currency", "unitCost.currencyCode"],
          ["variant_id", "variant.id"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
        ],
      },
    ],
  },
  locations: {
    object: "locations",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      legacyResourceId: "VARCHAR",
      name: "VARCHAR",
      isActive: "BOOLEAN",
      fulfillsOnlineOrders: "BOOLEAN",
      createdAt: TIMESTAMP,
      updatedAt: TIMESTAMP,
      address: "STRUCT(address1 VARCHAR, city VARCHAR, provinceCode VARCHAR, countryCode VARCHAR, zip VARCHAR)",
      // inventory levels
      item: ID_REF,
      quantities: "STRUCT(name VARCHAR, quantity BIGINT)[]",
    },
    entities: [
      {
        entity: "locations",
        role: "root",
        select: [
          ["id", "id"],
          ["legacy_resource_id", "legacyResourceId"],
          ["name", "name"],
          ["is_active", "isActive"],
          ["fulfills_online_orders", "fulfillsOnlineOrders"],
          ["address1", "address.address1"],
          ["city", "address.city"],
          ["province_code", "address.provinceCode"],
          ["country_code", "address.countryCode"],
          ["zip", "address.zip"],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
        ],
      },
      {
        entity: "inventory_levels",
        role: "child",
        gidType: "InventoryLevel",
        select: [
          ["id", "id"],
          ["location_id", "__parentId"],
          ["inventory_item_id", "item.id"],
          ["available", quantityNamed("available")],
          ["committed", quantityNamed("committed")],
          ["incoming", quantityNamed("incoming")],
          ["on_hand", quantityNamed("on_hand")],
          ["reserved", quantityNamed("reserved")],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
        ],
      },
    ],
  },
  discounts: {
    object: "discounts",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      discount: `STRUCT("__typename" VARCHAR, title VARCHAR, status VARCHAR, summary VARCHAR, startsAt TIMESTAMPTZ, endsAt TIMESTAMPTZ, createdAt TIMESTAMPTZ,
        updatedAt TIMESTAMPTZ, asyncUsageCount BIGINT, discountClasses VARCHAR[])`,
      // redeem codes
      code: "VARCHAR",
      asyncUsageCount: "BIGINT",
    },
    entities: [
      {
        entity: "discounts",
        role: "root",
        select: [
          ["id", "id"],
          ["discount_type", `discount."__typename"`],
          ["method", `CASE WHEN starts_with(discount."__typename", 'DiscountCode') THEN 'code' WHEN starts_with(discount."__typename", 'DiscountAutomatic') THEN 'automatic' END`],
          ["title", "discount.title"],
          ["status", "discount.status"],
          ["summary", "discount.summary"],
          ["discount_classes", tags("discount.discountClasses")],
          ["usage_count", "discount.asyncUsageCount"],
          ["starts_at", "discount.startsAt"],
          ["ends_at", "discount.endsAt"],
          ["created_at", "discount.createdAt"],
          ["updated_at", "discount.updatedAt"],
        ],
      },
      {
        entity: "discount_redeem_codes",
        role: "child",
        gidType: "DiscountRedeemCode",
        select: [
          ["id", "id"],
          ["discount_id", "__parentId"],
          ["code", "code"],
          ["usage_count", "asyncUsageCount"],
        ],
      },
    ],
  },
  order_metafields: metafieldsOf("order_metafields", "order"),
  customer_metafields: metafieldsOf("customer_metafields", "customer"),
  product_metafields: metafieldsOf("product_metafields", "product"),
  draft_orders: {
    object: "draft_orders",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      legacyResourceId: "VARCHAR",
      name: "VARCHAR",
      status: "VARCHAR",
      email: "VARCHAR",
      createdAt: TIMESTAMP,
      updatedAt: TIMESTAMP,
      completedAt: TIMESTAMP,
      invoiceSentAt: TIMESTAMP,
      currencyCode: "VARCHAR",
      taxExempt: "BOOLEAN",
      tags: "VARCHAR[]",
      customer: ID_REF,
      order: ID_REF,
      totalPriceSet: MONEY_BAG,
      subtotalPriceSet: MONEY_BAG,
      totalTaxSet: MONEY_BAG,
      totalDiscountsSet: MONEY_BAG,
      // line items
      sku: "VARCHAR",
      quantity: "BIGINT",
      custom: "BOOLEAN",
      variant: ID_REF,
      product: ID_REF,
      originalUnitPriceSet: MONEY_BAG,
      discountedTotalSet: MONEY_BAG,
    },
    entities: [
      {
        entity: "draft_orders",
        role: "root",
        select: [
          ["id", "id"],
          ["legacy_resource_id", "legacyResourceId"],
          ["name", "name"],
          ["status", "status"],
          ["email", "email"],
          ["customer_id", "customer.id"],
          ["order_id", `"order".id`],
          ["created_at", "createdAt"],
          ["updated_at", "updatedAt"],
          ["completed_at", "completedAt"],
          ["invoice_sent_at", "invoiceSentAt"],
          ["currency", "currencyCode"],
          ["tax_exempt", "taxExempt"],
          ["tags", tags("tags")],
          ["total_price", money("totalPriceSet")],
          ["subtotal_price", money("subtotalPriceSet")],
          ["total_tax", money("totalTaxSet")],
          ["total_discounts", money("totalDiscountsSet")],
        ],
      },
      {
        entity: "draft_order_line_items",
        role: "child",
        select: [
          ["id", "id"],
          ["draft_order_id", "__parentId"],
          ["name", "name"],
          ["sku", "sku"],
          ["quantity", "quantity"],
          ["custom", "custom"],
          ["variant_id", "variant.id"],
          ["product_id", "product.id"],
          ["unit_price", money("originalUnitPriceSet")],
          ["currency", "originalUnitPriceSet.shopMoney.currencyCode"],
          ["discounted_total", money("discountedTotalSet")],
        ],
      },
    ],
  },
};

export const entitiesOf = (object: BulkObject): ReadonlyArray<BulkEntity> => objectSpecs[object].entities.map((spec) => spec.entity);

/** The entity list each object's spec must write, as contracts/bulk-entities.ts declares it. */
export const declaredEntitiesOf = (object: BulkObject): ReadonlyArray<BulkEntity> => bulkEntitiesByObject[object];

export const isBulkObject = (value: string): value is BulkObject => (bulkObjects as ReadonlyArray<string>).includes(value);

/**
 * JSONL lines a conversion accounted for, from its outputs: rows of entities that are lines, and
 * the carrier lines; what Shopify's objectCount counts.
 */
export const linesOf = (object: BulkObject, outputs: ReadonlyArray<{ readonly entity: string; readonly rows: number }>): number => {
  const spec = objectSpecs[object];
  const lineNames = new Set<string>([...spec.entities.filter(countsAsLines).map((entity) => entity.entity), ...(spec.carrier ? [spec.carrier.name] : [])]);
  return outputs.reduce((sum, output) => sum + (lineNames.has(output.entity) ? output.rows : 0), 0);
};
