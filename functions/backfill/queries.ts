/**
 * The bulk queries (one per object; a bulk query has exactly one top-level connection) and the
 * small documents the workflow sends. Fields match functions/backfill/convert/entities.ts column
 * for column, and are the Admin GraphQL API's (2026-01) field names: Order, Refund,
 * OrderTransaction (+ TransactionFee), FulfillmentOrder, FulfillmentOrderLineItem, Fulfillment,
 * FulfillmentLineItem, InventoryItem, Location, InventoryLevel, DiscountNode with its code and
 * automatic discount types and DiscountRedeemCode, Metafield, DraftOrder, DraftOrderLineItem.
 *
 * Shopify's limits for a bulk query (bulkOperationRunQuery, "The query must include at least one
 * connection field and supports up to five connections with a maximum nesting depth of two
 * levels"), plus: no connection nested under a list field. `validateBulkQuery` checks all of them
 * and every query here is checked by __tests__/backfill/bulk-queries.test.ts.
 */
import type { BulkObject } from "./convert/entities";

const money = (field: string) => `${field} { shopMoney { amount currencyCode } }`;
const moneyV2 = (field: string) => `${field} { amount currencyCode }`;
const connection = (field: string, node: string) => `${field} { edges { node { ${node} } } }`;

/** Shopify search syntax for an `updated_at` range: since inclusive, until exclusive. */
export const updatedAtFilter = (since: string, until: string) => `updated_at:>='${since}' AND updated_at:<'${until}'`;
const filterArgument = (since: string, until: string) => `query: ${JSON.stringify(updatedAtFilter(since, until))}`;

const metafieldNode = "id namespace key type value createdAt updatedAt";

const discountCommon = "title status startsAt endsAt createdAt updatedAt asyncUsageCount discountClasses";
const redeemCodes = connection("codes", "id code asyncUsageCount");

interface QueryShape {
  /** The top-level connection. */
  readonly root: string;
  /** Its arguments for a range (the `updated_at` filter, and any the connection needs). */
  readonly args: (since: string, until: string) => string;
  readonly selection: (since: string, until: string) => string;
}

const ranged = (root: string, selection: string): QueryShape => ({ root, args: filterArgument, selection: () => selection });

const shapes: Record<BulkObject, QueryShape> = {
  orders: ranged(
    "orders",
    `id legacyResourceId name email createdAt updatedAt processedAt cancelledAt closedAt
        displayFinancialStatus displayFulfillmentStatus currencyCode test tags sourceName
        customer { id }
        ${money("totalPriceSet")} ${money("subtotalPriceSet")} ${money("totalTaxSet")}
        ${money("totalDiscountsSet")} ${money("totalShippingPriceSet")} ${money("totalRefundedSet")}
        ${connection("lineItems", `id name sku quantity variant { id } product { id } ${money("originalUnitPriceSet")} ${money("totalDiscountSet")}`)}`,
  ),
  customers: ranged(
    "customers",
    `id legacyResourceId firstName lastName
        defaultEmailAddress { emailAddress }
        defaultPhoneNumber { phoneNumber }
        state numberOfOrders amountSpent { amount currencyCode } createdAt updatedAt tags`,
  ),
  products: ranged(
    "products",
    `id legacyResourceId title handle vendor productType status createdAt updatedAt publishedAt tags
        ${connection("variants", "id legacyResourceId title sku price compareAtPrice inventoryQuantity barcode createdAt updatedAt")}`,
  ),
  // Order.refunds is a list (inline in the order's line): its connections cannot be exported in bulk.
  refunds: ranged("orders", `id refunds { id legacyResourceId createdAt updatedAt note ${money("totalRefundedSet")} }`),
  // Order.transactions is a list; TransactionFee (fees) is a list inside it.
  order_transactions: ranged(
    "orders",
    `id transactions {
          id kind status gateway formattedGateway test errorCode createdAt processedAt authorizationCode
          parentTransaction { id } ${money("amountSet")}
          fees { id type rate rateName flatFeeName ${moneyV2("amount")} ${moneyV2("flatFee")} ${moneyV2("taxAmount")} }
        }`,
  ),
  // Order.fulfillments is a list, so fulfillments and their line items come through their fulfillment orders (connections).
  fulfillment_orders: {
    root: "fulfillmentOrders",
    args: (since, until) => `includeClosed: true, ${filterArgument(since, until)}`,
    selection: () => `id orderId status requestStatus createdAt updatedAt fulfillAt
        assignedLocation { name location { id } }
        ${connection("lineItems", "id sku totalQuantity remainingQuantity inventoryItemId lineItem { id }")}
        ${connection(
          "fulfillments",
          `id legacyResourceId name status displayStatus createdAt updatedAt deliveredAt inTransitAt estimatedDeliveryAt totalQuantity
          location { id } order { id } trackingInfo { company number url }
          ${connection("fulfillmentLineItems", `id quantity lineItem { id } ${money("originalTotalSet")} ${money("discountedTotalSet")}`)}`,
        )}`,
  },
  inventory_items: ranged(
    "inventoryItems",
    `id legacyResourceId sku tracked requiresShipping countryCodeOfOrigin harmonizedSystemCode createdAt updatedAt ${moneyV2("unitCost")} variant { id }`,
  ),
  // Every location (there are few), with the inventory levels updated in the range.
  locations: {
    root: "locations",
    args: () => "includeInactive: true, includeLegacy: true",
    selection: (since, until) => `id legacyResourceId name isActive fulfillsOnlineOrders createdAt updatedAt
        address { address1 city provinceCode countryCode zip }
        inventoryLevels(${filterArgument(since, until)}) { edges { node {
          id createdAt updatedAt item { id }
          quantities(names: ["available", "committed", "incoming", "on_hand", "reserved"]) { name quantity }
        } } }`,
  },
  // Four redeem-code connections (one per code discount type) + the root: Shopify's five.
  discounts: ranged(
    "discountNodes",
    `id discount {
          __typename
          ... on DiscountCodeBasic { ${discountCommon} summary ${redeemCodes} }
          ... on DiscountCodeBxgy { ${discountCommon} summary ${redeemCodes} }
          ... on DiscountCodeFreeShipping { ${discountCommon} summary ${redeemCodes} }
          ... on DiscountCodeApp { ${discountCommon} ${redeemCodes} }
          ... on DiscountAutomaticBasic { ${discountCommon} summary }
          ... on DiscountAutomaticBxgy { ${discountCommon} summary }
          ... on DiscountAutomaticFreeShipping { ${discountCommon} summary }
          ... on DiscountAutomaticApp { ${discountCommon} }
        }`,
  ),
  order_metafields: ranged("orders", `id ${connection("metafields", metafieldNode)}`),
  customer_metafields: ranged("customers", `id ${connection("metafields", metafieldNode)}`),
  product_metafields: ranged("products", `id ${connection("metafields", metafieldNode)}`),
  draft_orders: ranged(
    "draftOrders",
    `id legacyResourceId name status email createdAt updatedAt completedAt invoiceSentAt currencyCode taxExempt tags
        customer { id } order { id }
        ${money("totalPriceSet")} ${money("subtotalPriceSet")} ${money("totalTaxSet")} ${money("totalDiscountsSet")}
        ${connection("lineItems", `id name sku quantity custom variant { id } product { id } ${money("originalUnitPriceSet")} ${money("discountedTotalSet")}`)}`,
  ),
};

/** The top-level connection an object's bulk query reads. */
export const rootConnectionOf = (object: BulkObject) => shapes[object].root;

/** The inner query handed to bulkOperationRunQuery. */
export const bulkQuery = (object: BulkObject, since: string, until: string): string => {
  const shape = shapes[object];
  return `{
  ${shape.root}(${shape.args(since, until)}) {
    edges {
      node {
        ${shape.selection(since, until)}
      }
    }
  }
}`;
};

const operationFields = "id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl query";

export const RUN_QUERY_MUTATION = `mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { ${operationFields} }
    userErrors { field message code }
  }
}`;

export const BULK_OPERATION_QUERY = `query BulkOperation($id: ID!) {
  bulkOperation(id: $id) { ${operationFields} }
}`;

export const CURRENT_BULK_OPERATION_QUERY = `query CurrentBulkOperation {
  currentBulkOperation(type: QUERY) { ${operationFields} }
}`;

/**
 * Which object a bulk query exports, and its `updated_at` range (the stand-in uses it): the
 * query must be exactly one this module builds, so a stand-in never answers a query Shopify's
 * shape would not match.
 */
export const parseBulkQuery = (
  query: string,
  objects: ReadonlyArray<BulkObject> = Object.keys(shapes) as BulkObject[],
): { object: BulkObject; since: string; until: string } | undefined => {
  const range = /updated_at:>='([^']+)' AND updated_at:<'([^']+)'/.exec(query.replaceAll('\\"', '"'));
  if (!range) return undefined;
  const since = range[1]!;
  const until = range[2]!;
  const object = objects.find((candidate) => bulkQuery(candidate, since, until).trim() === query.trim());
  return object ? { object, since, until } : undefined;
};

// ---------------------------------------------------------------------------------------------
// Shopify's bulk-query limits, checked on the query text

/** Shopify's limits on a bulk query. */
export const BULK_QUERY_LIMITS = { maxConnections: 5, maxNestingDepth: 2 } as const;

/**
 * Fields of the types queried here that are GraphQL lists of objects, not connections: a
 * connection below one of them is rejected by bulkOperationRunQuery (Order.refunds ->
 * Refund.refundLineItems, Order.fulfillments -> Fulfillment.fulfillmentLineItems).
 */
export const LIST_FIELDS: ReadonlySet<string> = new Set(["refunds", "transactions", "fulfillments", "fees", "trackingInfo", "quantities", "discountApplications", "shippingLines"]);

interface FieldNode {
  readonly name: string;
  readonly children: FieldNode[];
}

const tokenize = (query: string): string[] => {
  const tokens: string[] = [];
  let at = 0;
  while (at < query.length) {
    const char = query[at]!;
    if (/\s|,/.test(char)) at += 1;
    else if (char === "#") while (at < query.length && query[at] !== "\n") at += 1;
    else if (char === '"') {
      let end = at + 1;
      while (end < query.length && query[end] !== '"') end += query[end] === "\\" ? 2 : 1;
      tokens.push(query.slice(at, end + 1));
      at = end + 1;
    } else if (query.startsWith("...", at)) {
      tokens.push("...");
      at += 3;
    } else if ("{}():[]!$=@".includes(char)) {
      tokens.push(char);
      at += 1;
    } else {
      const match = /^[A-Za-z0-9_.-]+/.exec(query.slice(at));
      if (!match) throw new Error(`unexpected character ${JSON.stringify(char)} at ${at}`);
      tokens.push(match[0]);
      at += match[0].length;
    }
  }
  return tokens;
};

/** A selection set as a tree of fields (aliases resolved to the field, fragments inlined, arguments skipped). */
const parseSelection = (tokens: string[], start: number): { fields: FieldNode[]; next: number } => {
  if (tokens[start] !== "{") throw new Error(`expected "{" at token ${start}`);
  const fields: FieldNode[] = [];
  let at = start + 1;
  while (at < tokens.length && tokens[at] !== "}") {
    if (tokens[at] === "...") {
      // Inline fragment: `... on Type { ... }`: its fields belong to the enclosing selection.
      at += tokens[at + 1] === "on" ? 3 : 1;
      const inner = parseSelection(tokens, at);
      fields.push(...inner.fields);
      at = inner.next;
      continue;
    }
    let name = tokens[at]!;
    at += 1;
    if (tokens[at] === ":") {
      name = tokens[at + 1]!;
      at += 2;
    }
    if (tokens[at] === "(") {
      let depth = 0;
      do {
        if (tokens[at] === "(") depth += 1;
        if (tokens[at] === ")") depth -= 1;
        at += 1;
      } while (depth > 0 && at < tokens.length);
    }
    if (tokens[at] === "{") {
      const inner = parseSelection(tokens, at);
      fields.push({ name, children: inner.fields });
      at = inner.next;
    } else fields.push({ name, children: [] });
  }
  if (tokens[at] !== "}") throw new Error("unbalanced braces");
  return { fields, next: at + 1 };
};

const isConnection = (field: FieldNode) => field.children.some((child) => child.name === "edges" || child.name === "nodes");

export interface BulkQueryReport {
  readonly connections: number;
  /** Deepest connection below the top-level one (0: only the top-level connection). */
  readonly nestingDepth: number;
  readonly problems: ReadonlyArray<string>;
}

/** Checks a bulk query against Shopify's bulk-operation rules; `problems` is empty when it may be submitted. */
export const validateBulkQuery = (query: string): BulkQueryReport => {
  let fields: FieldNode[];
  try {
    const tokens = tokenize(query);
    const parsed = parseSelection(tokens, tokens[0] === "query" ? tokens.indexOf("{") : 0);
    if (parsed.next !== tokens.length) throw new Error("text after the query");
    fields = parsed.fields;
  } catch (error) {
    return { connections: 0, nestingDepth: 0, problems: [`not a query Shopify can parse: ${(error as Error).message}`] };
  }
  const problems: string[] = [];
  let connections = 0;
  let nestingDepth = 0;
  const walk = (field: FieldNode, path: string, depth: number, underList: string | undefined) => {
    const connectionHere = isConnection(field);
    if (connectionHere) {
      connections += 1;
      nestingDepth = Math.max(nestingDepth, depth);
      if (depth > BULK_QUERY_LIMITS.maxNestingDepth) problems.push(`${path}: connection nested ${depth} levels deep (at most ${BULK_QUERY_LIMITS.maxNestingDepth})`);
      if (underList) problems.push(`${path}: connection inside the list field ${underList} (bulk queries cannot nest a connection in a list)`);
    }
    const list = !connectionHere && LIST_FIELDS.has(field.name) ? path : underList;
    for (const child of field.children) {
      if (connectionHere && (child.name === "edges" || child.name === "nodes")) {
        for (const grand of child.children) {
          const nodeFields = child.name === "edges" ? (grand.name === "node" ? grand.children : []) : [grand];
          for (const nodeField of nodeFields) walk(nodeField, `${path}.${nodeField.name}`, depth + 1, list);
        }
      } else if (!connectionHere) walk(child, `${path}.${child.name}`, depth, list);
    }
  };
  if (fields.length !== 1) problems.push(`a bulk query has exactly one top-level field, found ${fields.length}`);
  for (const top of fields) {
    if (top.name === "node" || top.name === "nodes") problems.push(`the top-level ${top.name} field cannot be used in a bulk query`);
    if (!isConnection(top)) problems.push(`top-level field ${top.name} is not a connection (edges { node })`);
    walk(top, top.name, 0, undefined);
  }
  if (connections > BULK_QUERY_LIMITS.maxConnections) problems.push(`${connections} connections (at most ${BULK_QUERY_LIMITS.maxConnections})`);
  if (connections === 0) problems.push("no connection field");
  return { connections, nestingDepth, problems };
};
