/** Shopify's BulkOperation object -> the workflow's OperationState JSON. */
import { bulkOperationStatuses, type BulkOperationStatus, type OperationState } from "../../contracts/backfill-workflow";
import { ShopifyRequestRejected } from "./shopify-graphql";

export interface ShopifyBulkOperation {
  readonly id: string;
  readonly status: string;
  readonly errorCode?: string | null;
  readonly objectCount?: string | number | null;
  readonly rootObjectCount?: string | number | null;
  readonly fileSize?: string | number | null;
  readonly url?: string | null;
  readonly partialDataUrl?: string | null;
}

/** Error codes whose partial data is worth keeping (the rest of the export failed transiently). */
export const PARTIAL_DATA_ERROR_CODES: ReadonlyArray<string> = ["INTERNAL_SERVER_ERROR", "TIMEOUT"];

const count = (value: string | number | null | undefined): number => {
  if (value === null || value === undefined || value === "") return 0;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new ShopifyRequestRejected({ reason: `not a count: ${String(value)}` });
  return parsed;
};

export const toOperationState = (operation: ShopifyBulkOperation): OperationState => {
  if (!(bulkOperationStatuses as ReadonlyArray<string>).includes(operation.status)) {
    throw new ShopifyRequestRejected({ reason: `unknown bulk operation status ${operation.status}` });
  }
  const status = operation.status as BulkOperationStatus;
  const errorCode = operation.errorCode ?? null;
  const partialDataUrl = operation.partialDataUrl ?? null;
  return {
    id: operation.id,
    status,
    errorCode,
    objectCount: count(operation.objectCount),
    rootObjectCount: count(operation.rootObjectCount),
    fileSize: operation.fileSize === null || operation.fileSize === undefined ? null : count(operation.fileSize),
    url: operation.url ?? null,
    partialDataUrl,
    partialAvailable: status === "FAILED" && errorCode !== null && PARTIAL_DATA_ERROR_CODES.includes(errorCode) && partialDataUrl !== null,
  };
};
