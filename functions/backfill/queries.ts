/**
 * The bulk queries (one per object; a bulk query has exactly one top-level connection) and the
 * small documents the workflow sends. Fields match functions/backfill/convert/entities.ts column for column.
 */
import type { BulkObject } from "./convert/entities";

const money = (field: string) => `${field} { shopMoney { amount currencyCode } }`;

const selections: Record<BulkObject, string> = {
  orders: `id legacyResourceId name email createdAt updatedAt processedAt cancelledAt closedAt
        displayFinancialStatus displayFulfillmentStatus currencyCode test tags
        customer { id }
        ${money("totalPriceSet")} ${money("subtotalPriceSet")} ${money("totalTaxSet")}
        ${money("totalDiscountsSet")} ${money("totalShippingPriceSet")}
        lineItems {
          edges {
            node {
              id name sku quantity
              variant { id }
              product { id }
              ${money("originalUnitPriceSet")} ${money("totalDiscountSet")}
            }
          }
        }`,
  customers: `id legacyResourceId firstName lastName
        defaultEmailAddress { emailAddress }
        defaultPhoneNumber { phoneNumber }
        state numberOfOrders amountSpent { amount currencyCode } createdAt updatedAt tags`,
  products: `id legacyResourceId title handle vendor productType status createdAt updatedAt publishedAt tags
        variants {
          edges {
            node { id legacyResourceId title sku price compareAtPrice inventoryQuantity barcode createdAt updatedAt }
          }
        }`,
};

/** Shopify search syntax for an `updated_at` range: since inclusive, until exclusive. */
export const updatedAtFilter = (since: string, until: string) => `updated_at:>='${since}' AND updated_at:<'${until}'`;

/** The inner query handed to bulkOperationRunQuery. */
export const bulkQuery = (object: BulkObject, since: string, until: string): string =>
  `{
  ${object}(query: ${JSON.stringify(updatedAtFilter(since, until))}) {
    edges {
      node {
        ${selections[object]}
      }
    }
  }
}`;

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

/** Parses the top-level connection and the `updated_at` range back out of a bulk query (the stand-in uses it). */
export const parseBulkQuery = (query: string): { object: BulkObject; since: string; until: string } | undefined => {
  const match = /^\s*\{\s*(orders|customers|products)\(query:\s*"((?:[^"\\]|\\.)*)"\)/.exec(query);
  if (!match) return undefined;
  const filter = JSON.parse(`"${match[2]}"`) as string;
  const range = /updated_at:>='([^']+)' AND updated_at:<'([^']+)'/.exec(filter);
  if (!range) return undefined;
  return { object: match[1] as BulkObject, since: range[1]!, until: range[2]! };
};
