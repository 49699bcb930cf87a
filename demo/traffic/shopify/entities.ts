/**
 * The day's other Shopify entities (issue 16): a refund with line items and a shipping
 * adjustment, order transactions, fulfillments (one update arrives out of order), fulfillment
 * orders, inventory items and levels, locations, discounts with a redeem code, and draft orders;
 * each removal topic once (location, inventory level, automatic discount, draft order, redeem
 * code). Sent after every other source so it draws nothing from the day's random source (doors
 * alternate by position) and the rest of a seed's day is unchanged.
 */
import type { Day } from "../day";
import { gid, money, shopifyTime } from "../formats";
import type { OrderState, Product } from "../shop";
import type { ShopifySend } from "./send";

export const entityTablesOfTheDay = ["refunds", "orderTransactions", "fulfillments", "fulfillmentOrders", "inventory", "locations", "discounts", "draftOrders"] as const;

export const shopifyEntitiesOfTheDay = (day: Day, send: ShopifySend, orders: ReadonlyArray<OrderState>, cancelledIndex: number, products: ReadonlyArray<Product>): void => {
  const { at, rows } = day;
  let sent = 0;
  const post = (wave: number, topic: string, payload: unknown, when: Date) => send(wave, topic, payload, when, sent++ % 2 === 0 ? "shopify" : "events");
  const lineTotal = (order: OrderState) => order.lines.reduce((sum, line) => sum + line.variant.priceCents * line.quantity, 0);

  // Locations: the warehouse, and a pop-up store opened and closed the same day.
  const warehouse = 74_120_000_001;
  const popUp = 74_120_000_002;
  const location = (id: number, name: string, when: Date, active = true) => ({
    id,
    name,
    address1: null,
    city: "Portland",
    zip: "97201",
    province: "Oregon",
    country: "US",
    created_at: shopifyTime(day.start),
    updated_at: shopifyTime(when),
    country_code: "US",
    province_code: "OR",
    legacy: false,
    active,
    admin_graphql_api_id: gid("Location", id),
  });
  post(0, "locations/create", location(warehouse, "Acme Roastery", at(5)), at(5));
  post(0, "locations/create", location(popUp, "Acme Pop-up", at(6)), at(6));
  post(1, "locations/update", location(warehouse, "Acme Roastery & Warehouse", at(400)), at(400));
  post(2, "locations/delete", { id: popUp }, at(1300));
  rows.push({ table: "locations", key: { id: gid("Location", warehouse) }, field: "name", compare: "exact", value: "Acme Roastery & Warehouse", note: "location renamed" });
  rows.push({ table: "locations", key: { id: gid("Location", popUp) }, field: "deleted", compare: "exact", value: "true", note: "locations/delete leaves a tombstone" });

  // Inventory: the first product's variants, stocked at both locations; the pop-up's level is disconnected.
  const variants = products[0]!.variants;
  for (const [index, variant] of variants.entries()) {
    const item = 48_300_000_000 + (variant.id % 1_000_000);
    const itemPayload = (when: Date) => ({
      id: item,
      sku: variant.sku,
      created_at: shopifyTime(day.start),
      updated_at: shopifyTime(when),
      requires_shipping: true,
      cost: money(Math.round(variant.priceCents * 0.4)),
      country_code_of_origin: "US",
      province_code_of_origin: null,
      harmonized_system_code: null,
      tracked: true,
      country_harmonized_system_codes: [],
      admin_graphql_api_id: gid("InventoryItem", item),
    });
    const level = (locationId: number, available: number, when: Date) => ({
      inventory_item_id: item,
      location_id: locationId,
      available,
      updated_at: shopifyTime(when),
      admin_graphql_api_id: `gid://shopify/InventoryLevel/${locationId}?inventory_item_id=${item}`,
    });
    post(0, "inventory_items/create", itemPayload(at(10 + index)), at(10 + index));
    post(1, "inventory_items/update", itemPayload(at(300 + index)), at(300 + index));
    post(0, "inventory_levels/connect", level(warehouse, 0, at(12 + index)), at(12 + index));
    post(1, "inventory_levels/update", level(warehouse, 240 - index * 20, at(900 + index)), at(900 + index));
    // Out of order: an older count arrives after the newer one.
    post(3, "inventory_levels/update", level(warehouse, 999, at(600 + index)), at(600 + index));
    post(0, "inventory_levels/connect", level(popUp, 12, at(14 + index)), at(14 + index));
    post(2, "inventory_levels/disconnect", { inventory_item_id: item, location_id: popUp }, at(1290 + index));
    const levelId = (locationId: number) => `gid://shopify/InventoryLevel/${locationId}?inventory_item_id=${item}`;
    rows.push({
      table: "inventory",
      key: { id: levelId(warehouse) },
      field: "available",
      compare: "exact",
      value: String(240 - index * 20),
      note: "inventory level keeps its newest count",
    });
    rows.push({ table: "inventory", key: { id: levelId(popUp) }, field: "deleted", compare: "exact", value: "true", note: "inventory_levels/disconnect leaves a tombstone" });
    rows.push({
      table: "inventory",
      key: { id: gid("InventoryItem", item) },
      field: "updated_at",
      compare: "time",
      value: at(300 + index).toISOString(),
      note: "inventory item updated",
    });
  }

  // Discounts: the WELCOME10 code discount with its redeem code and a retired one; an automatic discount created and deleted.
  const codeDiscount = "gid://shopify/DiscountCodeNode/1187000001";
  const automatic = "gid://shopify/DiscountAutomaticNode/1187000002";
  const discount = (id: string, title: string, when: Date, status = "ACTIVE") => ({
    admin_graphql_api_id: id,
    title,
    status,
    created_at: shopifyTime(day.start),
    updated_at: shopifyTime(when),
  });
  post(0, "discounts/create", discount(codeDiscount, "Welcome 10%", at(2)), at(2));
  post(1, "discounts/update", discount(codeDiscount, "Welcome 10% (new customers)", at(200)), at(200));
  post(
    0,
    "discounts/redeemcode_added",
    { admin_graphql_api_id: codeDiscount, redeem_code: { id: "gid://shopify/DiscountRedeemCode/5501", code: "WELCOME10" }, updated_at: shopifyTime(at(3)) },
    at(3),
  );
  post(
    0,
    "discounts/redeemcode_added",
    { admin_graphql_api_id: codeDiscount, redeem_code: { id: "gid://shopify/DiscountRedeemCode/5502", code: "HELLO10" }, updated_at: shopifyTime(at(4)) },
    at(4),
  );
  post(
    2,
    "discounts/redeemcode_removed",
    { admin_graphql_api_id: codeDiscount, redeem_code: { id: "gid://shopify/DiscountRedeemCode/5502", code: "HELLO10" }, updated_at: shopifyTime(at(700)) },
    at(700),
  );
  post(0, "discounts/create", discount(automatic, "Free shipping over $50", at(8)), at(8));
  post(2, "discounts/delete", { admin_graphql_api_id: automatic, deleted_at: shopifyTime(at(1200)) }, at(1200));
  rows.push({ table: "discounts", key: { id: codeDiscount }, field: "title", compare: "exact", value: "Welcome 10% (new customers)", note: "discount updated" });
  rows.push({ table: "discounts", key: { id: `${codeDiscount}#code=WELCOME10` }, field: "code", compare: "exact", value: "WELCOME10", note: "redeem code added" });
  rows.push({
    table: "discounts",
    key: { id: `${codeDiscount}#code=HELLO10` },
    field: "deleted",
    compare: "exact",
    value: "true",
    note: "discounts/redeemcode_removed leaves a tombstone",
  });
  rows.push({
    table: "discounts",
    key: { id: automatic },
    field: "deleted_at",
    compare: "time",
    value: at(1200).toISOString(),
    note: "discounts/delete leaves a tombstone at its deleted_at",
  });

  // Per order: a sale transaction; the first three are fulfilled (fulfillment orders, fulfillments); the cancelled one is refunded.
  for (const [index, order] of orders.slice(0, 3).entries()) {
    const created = order.createdAt;
    const total = money(lineTotal(order));
    const transaction = 6_610_000_000_000 + (order.id % 1_000_000);
    post(
      0,
      "order_transactions/create",
      {
        id: transaction,
        order_id: order.id,
        kind: "sale",
        gateway: "shopify_payments",
        status: "success",
        message: "Transaction approved",
        created_at: shopifyTime(new Date(created.getTime() + 30_000)),
        test: false,
        authorization: null,
        parent_id: null,
        processed_at: shopifyTime(new Date(created.getTime() + 30_000)),
        error_code: null,
        source_name: "web",
        amount: total,
        currency: "USD",
        payment_id: `c${order.id}.1`,
        manual_payment_gateway: false,
        admin_graphql_api_id: gid("OrderTransaction", transaction),
      },
      new Date(created.getTime() + 30_000),
    );
    rows.push({
      table: "orderTransactions",
      key: { id: gid("OrderTransaction", transaction) },
      field: "amount",
      compare: "exact",
      value: total,
      note: `order #${order.number}'s sale`,
    });

    const fulfillmentOrder = `gid://shopify/FulfillmentOrder/${7_700_000_000 + index}`;
    const submitted = new Date(created.getTime() + 600_000);
    const accepted = new Date(created.getTime() + 1_200_000);
    post(
      0,
      "fulfillment_orders/fulfillment_request_submitted",
      {
        original_fulfillment_order: { id: fulfillmentOrder, status: "open", request_status: "unsubmitted" },
        submitted_fulfillment_order: { id: fulfillmentOrder, status: "open", request_status: "submitted" },
        fulfillment_order_merchant_request: { id: `gid://shopify/FulfillmentOrderMerchantRequest/${8_800_000 + index}`, message: "Roast to order" },
      },
      submitted,
    );
    post(
      1,
      "fulfillment_orders/fulfillment_request_accepted",
      { fulfillment_order: { id: fulfillmentOrder, status: "in_progress", request_status: "accepted" }, message: "Roasting tomorrow" },
      accepted,
    );
    rows.push({ table: "fulfillmentOrders", key: { id: fulfillmentOrder }, field: "request_status", compare: "exact", value: "accepted", note: "fulfillment order accepted" });

    const fulfillment = 5_120_000_000_000 + (order.id % 1_000_000);
    const fulfillmentPayload = (status: string | null, when: Date) => ({
      id: fulfillment,
      order_id: order.id,
      status: "success",
      created_at: shopifyTime(new Date(created.getTime() + 3_600_000)),
      service: "manual",
      updated_at: shopifyTime(when),
      tracking_company: "UPS",
      shipment_status: status,
      location_id: warehouse,
      line_items: order.lines.map((line) => ({ id: line.id, quantity: line.quantity, variant_id: line.variant.id, title: line.product.title })),
      tracking_number: `1Z${order.number}`,
      tracking_numbers: [`1Z${order.number}`],
      name: `#${order.number}.1`,
      admin_graphql_api_id: gid("Fulfillment", fulfillment),
    });
    const shipped = new Date(created.getTime() + 3_600_000);
    const delivered = new Date(created.getTime() + 5 * 3_600_000);
    const inTransit = new Date(created.getTime() + 2 * 3_600_000);
    post(0, "fulfillments/create", fulfillmentPayload(null, shipped), shipped);
    post(1, "fulfillments/update", fulfillmentPayload("delivered", delivered), delivered);
    // Out of order: the in-transit update arrives after the delivery.
    post(3, "fulfillments/update", fulfillmentPayload("in_transit", inTransit), inTransit);
    rows.push({
      table: "fulfillments",
      key: { id: gid("Fulfillment", fulfillment) },
      field: "shipment_status",
      compare: "exact",
      value: "delivered",
      note: "fulfillment keeps its newest status",
    });
  }
  const moved = 7_700_000_100;
  post(
    0,
    "fulfillment_orders/moved",
    {
      original_fulfillment_order: { id: `gid://shopify/FulfillmentOrder/${moved}`, status: "closed", assigned_location_id: gid("Location", popUp) },
      moved_fulfillment_order: { id: `gid://shopify/FulfillmentOrder/${moved + 1}`, status: "open", assigned_location_id: gid("Location", warehouse) },
      destination_location_id: gid("Location", warehouse),
      fulfillment_order_line_items_requested: [],
      source_location: { id: gid("Location", popUp) },
    },
    at(800),
  );
  rows.push({
    table: "fulfillmentOrders",
    key: { id: `gid://shopify/FulfillmentOrder/${moved + 1}` },
    field: "assigned_location_id",
    compare: "exact",
    value: gid("Location", warehouse),
    note: "fulfillment order moved",
  });

  const cancelled = orders[cancelledIndex];
  if (cancelled !== undefined) {
    const refund = 9_290_000_000_000 + (cancelled.id % 1_000_000);
    const refundedAt = new Date(cancelled.createdAt.getTime() + 3 * 3_600_000 + 60_000);
    const refundedCents = lineTotal(cancelled);
    post(
      1,
      "refunds/create",
      {
        id: refund,
        order_id: cancelled.id,
        created_at: shopifyTime(refundedAt),
        note: "cancelled by the customer",
        processed_at: shopifyTime(refundedAt),
        restock: true,
        refund_line_items: cancelled.lines.map((line, position) => ({
          id: refund + position + 1,
          line_item_id: line.id,
          quantity: line.quantity,
          restock_type: "cancel",
          location_id: warehouse,
          subtotal: money(line.variant.priceCents * line.quantity),
          total_tax: "0.00",
        })),
        refund_shipping_lines: [],
        duties: [],
        order_adjustments: [
          { id: refund + 100, order_id: cancelled.id, refund_id: refund, amount: "-6.95", tax_amount: "0.00", kind: "shipping_refund", reason: "Shipping refund" },
        ],
        transactions: [
          {
            id: refund + 200,
            order_id: cancelled.id,
            kind: "refund",
            gateway: "shopify_payments",
            status: "success",
            amount: money(refundedCents),
            currency: "USD",
            created_at: shopifyTime(refundedAt),
          },
        ],
        admin_graphql_api_id: gid("Refund", refund),
      },
      refundedAt,
    );
    rows.push({
      table: "refunds",
      key: { id: gid("Refund", refund) },
      field: "amount",
      compare: "exact",
      value: money(refundedCents),
      note: `order #${cancelled.number} refunded`,
    });
  }

  // Draft orders: one quoted and completed into the first order, one abandoned and deleted.
  const draft = (id: number, when: Date, status: string, orderId: number | null) => ({
    id,
    name: `#D${id % 100}`,
    status,
    currency: "USD",
    created_at: shopifyTime(day.start),
    updated_at: shopifyTime(when),
    completed_at: status === "completed" ? shopifyTime(when) : null,
    invoice_sent_at: null,
    taxes_included: false,
    order_id: orderId,
    tags: "wholesale",
    total_price: "120.00",
    subtotal_price: "120.00",
    total_tax: "0.00",
    line_items: [{ product_id: products[0]!.id, variant_id: variants[0]!.id, quantity: 6, price: "20.00", title: products[0]!.title }],
    admin_graphql_api_id: gid("DraftOrder", id),
  });
  post(0, "draft_orders/create", draft(9_100_000_001, at(20), "open", null), at(20));
  post(1, "draft_orders/update", draft(9_100_000_001, at(500), "completed", orders[0]?.id ?? null), at(500));
  post(0, "draft_orders/create", draft(9_100_000_002, at(21), "open", null), at(21));
  post(2, "draft_orders/delete", { id: 9_100_000_002 }, at(1250));
  rows.push({ table: "draftOrders", key: { id: gid("DraftOrder", 9_100_000_001) }, field: "status", compare: "exact", value: "completed", note: "draft order completed" });
  rows.push({
    table: "draftOrders",
    key: { id: gid("DraftOrder", 9_100_000_002) },
    field: "deleted",
    compare: "exact",
    value: "true",
    note: "draft_orders/delete leaves a tombstone",
  });
};
