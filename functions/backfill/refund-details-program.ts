/**
 * refund-details: the refunds export's follow-up. A bulk query cannot select
 * `Refund.refundLineItems` or `Refund.orderAdjustments` (connections inside the `Order.refunds`
 * list field), so after the refunds bulk export this step reads the refund ids of the run's
 * `refunds` dataset and asks Admin GraphQL (`refund(id:)`, API 2026-01 field names) for each
 * refund's line items and order adjustments, page by page (`first`, `after`, until
 * `pageInfo.hasNextPage` is false; after the first page only the connection with pages left is
 * selected, with `@include`).
 *
 * Throttling: the Shopify client (shopify-graphql.ts) reads `extensions.cost.throttleStatus`,
 * waits until the bucket holds the last requested cost, and retries THROTTLED answers and HTTP
 * 429 (after the wait the answer names) and 5xx with exponential backoff and jitter. Page size
 * 50 keeps a page's requested cost near 700 points (connection 2 + 50 x the node's objects),
 * below Shopify's single-query maximum of 1,000.
 *
 * Resumable: refunds are visited in id order in batches; each batch's children become one
 * Parquet part per entity (`snapshots/shopify/<entity>/run=<id>/part-NNNNN.parquet`, the key from
 * the batch index), uploaded before the checkpoint (`reconciliationProgressKey(run,
 * "refund-details")`) records the batch. A crash between upload and checkpoint makes the same
 * batch again and overwrites the same keys, so no refund is fetched twice after its batch is
 * recorded and no row is written twice. When the invocation runs low on time the step stops at
 * a batch boundary and answers `continue: true`; the workflow runs it again.
 *
 * Count check: every refund of the dataset visited, each connection read to its last page, and
 * the rows in each Parquet part equal to the nodes fetched for it; otherwise CountMismatch after
 * the manifest says so. A refund Shopify no longer returns (its order was deleted) is listed as
 * missing, not guessed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Data, Effect, FiberRef, Option, Schedule } from "effect";
import type { RefundDetailsOutput } from "../../contracts/backfill-workflow";
import { reconciliationObjectKey, reconciliationProgressKey, snapshotPrefix } from "../../contracts/lake-layout";
import type { FollowUpEntity } from "../../contracts/bulk-entities";
import { MONEY_TYPE } from "./convert/entities";
import { openConverter } from "./convert/convert";
import { partFileName } from "./convert/stream";
import { invocationDeadline } from "../kernel/deadline";
import { InvalidPayload } from "../kernel/errors";
import { ObjectStore } from "../kernel/services";
import { ShopifyAdmin } from "./shopify-graphql";

export const REFUND_DETAILS_PROGRESS = "refund-details";
/** Nodes per page: requested cost ~ 2 + 50 x 9 (line items) + 2 + 50 x 5 (adjustments) = 704 < 1,000. */
export const DEFAULT_PAGE_SIZE = 50;
/** Refunds per Parquet part (and per checkpoint). */
export const DEFAULT_BATCH_REFUNDS = 250;

export class CountMismatch extends Data.TaggedError("CountMismatch")<{ readonly expected: number; readonly written: number; readonly manifestKey: string }> {
  override get message() {
    return `refund details: rows written (${this.written}) differ from the nodes fetched (${this.expected}); see ${this.manifestKey}`;
  }
}

/** Shopify said there are more pages but gave no new cursor: reading on would loop forever. */
export class PaginationStalled extends Data.TaggedError("PaginationStalled")<{ readonly refundId: string; readonly connection: string }> {
  override get message() {
    return `refund ${this.refundId}: ${this.connection} answered hasNextPage without a new endCursor`;
  }
}

export class ConversionFailed extends Data.TaggedError("ConversionFailed")<{ readonly reason: string }> {
  override get message() {
    return this.reason;
  }
}

export interface RefundDetailsInput {
  readonly mode: "refund-details";
  readonly runId: string;
  readonly object: string;
  readonly since?: string;
  readonly until?: string;
  readonly shop?: string;
  readonly apiVersion?: string;
}

export interface RefundDetailsOptions {
  readonly pageSize?: number;
  readonly batchRefunds?: number;
  /** Refunds fetched at the same time (they share the shop's cost bucket; default 4). */
  readonly concurrency?: number;
  readonly deadlineMs?: number;
  readonly deadlineMarginMs?: number;
  readonly clock?: () => number;
}

const MONEY = "{shopMoney{amount currencyCode}}";
/** Admin GraphQL 2026-01: Refund.refundLineItems (RefundLineItemConnection), Refund.orderAdjustments (OrderAdjustmentConnection). */
export const REFUND_DETAILS_QUERY = `query RefundDetails($id: ID!, $first: Int!, $lineItemsAfter: String, $adjustmentsAfter: String, $withLineItems: Boolean!, $withAdjustments: Boolean!) {
  refund(id: $id) {
    id
    refundLineItems(first: $first, after: $lineItemsAfter) @include(if: $withLineItems) {
      pageInfo { hasNextPage endCursor }
      nodes { id quantity restockType restocked lineItem { id } location { id } priceSet ${MONEY} subtotalSet ${MONEY} totalTaxSet ${MONEY} }
    }
    orderAdjustments(first: $first, after: $adjustmentsAfter) @include(if: $withAdjustments) {
      pageInfo { hasNextPage endCursor }
      nodes { id reason amountSet ${MONEY} taxAmountSet ${MONEY} }
    }
  }
}`;

interface Page {
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly nodes: ReadonlyArray<Record<string, unknown>>;
}
interface RefundAnswer {
  readonly refund: { readonly id: string; readonly refundLineItems?: Page; readonly orderAdjustments?: Page } | null;
}

const BAG = "STRUCT(shopMoney STRUCT(amount VARCHAR, currencyCode VARCHAR))";
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const money = (column: string) => `CAST(${column}.shopMoney.amount AS ${MONEY_TYPE})`;

/** The JSONL child lines (`__parentId` = the refund) and the Parquet columns each entity declares. */
export const refundDetailSpecs: ReadonlyArray<{
  readonly entity: FollowUpEntity;
  readonly connection: "refundLineItems" | "orderAdjustments";
  readonly jsonColumns: Readonly<Record<string, string>>;
  readonly select: ReadonlyArray<readonly [string, string, string]>;
}> = [
  {
    entity: "refund_line_items",
    connection: "refundLineItems",
    jsonColumns: {
      id: "VARCHAR",
      __parentId: "VARCHAR",
      quantity: "BIGINT",
      restockType: "VARCHAR",
      restocked: "BOOLEAN",
      lineItem: "STRUCT(id VARCHAR)",
      location: "STRUCT(id VARCHAR)",
      priceSet: BAG,
      subtotalSet: BAG,
      totalTaxSet: BAG,
    },
    select: [
      ["id", "id", "RefundLineItem GID (nullable in the API)"],
      ["refund_id", "__parentId", "Refund GID"],
      ["line_item_id", "lineItem.id", "the order's LineItem GID"],
      ["quantity", "quantity", "quantity refunded"],
      ["restock_type", "restockType", "NO_RESTOCK, CANCEL, RETURN, LEGACY_RESTOCK"],
      ["restocked", "restocked", "whether the item was restocked"],
      ["location_id", "location.id", "restock Location GID"],
      ["unit_price", money("priceSet"), "price of one unit, shop money"],
      ["subtotal", money("subtotalSet"), "subtotal refunded, shop money"],
      ["total_tax", money("totalTaxSet"), "tax refunded, shop money"],
      ["currency", "subtotalSet.shopMoney.currencyCode", "shop currency"],
    ],
  },
  {
    entity: "order_adjustments",
    connection: "orderAdjustments",
    jsonColumns: { id: "VARCHAR", __parentId: "VARCHAR", reason: "VARCHAR", amountSet: BAG, taxAmountSet: BAG },
    select: [
      ["id", "id", "OrderAdjustment GID"],
      ["refund_id", "__parentId", "Refund GID"],
      // OrderAdjustment.kind is not in API 2026-01 (deprecated, then removed); `reason` replaces it.
      ["kind", "CAST(NULL AS VARCHAR)", "always null from API 2026-01 (OrderAdjustment.kind removed; see reason)"],
      ["reason", "reason", "OrderAdjustmentDiscrepancyReason (RESTOCK, DAMAGE, CUSTOMER, REFUND_DISCREPANCY, ...)"],
      ["amount", money("amountSet"), "discrepancy amount, shop money, signed as Shopify signs it"],
      ["tax_amount", money("taxAmountSet"), "tax of the adjustment, shop money"],
      ["currency", "amountSet.shopMoney.currencyCode", "shop currency"],
    ],
  },
];

interface RecordedPart {
  readonly index: number;
  readonly fileName: string;
  readonly firstRefund: string;
  readonly refunds: number;
  readonly pages: number;
  readonly entities: ReadonlyArray<{ readonly entity: FollowUpEntity; readonly rows: number; readonly fetched: number; readonly bytes: number }>;
  readonly missing: ReadonlyArray<string>;
}

export interface RefundDetailsProgress {
  readonly runId: string;
  readonly refunds: number;
  /** The first refund id of the dataset: with `refunds`, tells this dataset from another run's. */
  readonly firstRefund: string | null;
  readonly pageSize: number;
  readonly batchRefunds: number;
  readonly nextIndex: number;
  readonly parts: ReadonlyArray<RecordedPart>;
  readonly invocations: number;
  readonly complete: boolean;
  readonly updatedAt: string;
}

const partKey = (entity: string, runId: string, fileName: string) => `${snapshotPrefix(entity, runId)}${fileName}`;

/** The recorded parts that hold rows of `entity` (a part without rows has no Parquet object). */
const partsWithRows = (parts: ReadonlyArray<RecordedPart>, entity: FollowUpEntity) => parts.filter((part) => part.entities.some((each) => each.entity === entity && each.rows > 0));

/** One entity's rows, fetched nodes or bytes summed over the recorded parts. */
const entityTotal = (parts: ReadonlyArray<RecordedPart>, entity: FollowUpEntity, field: "rows" | "fetched" | "bytes") =>
  parts.reduce((sum, part) => sum + (part.entities.find((each) => each.entity === entity)?.[field] ?? 0), 0);

/**
 * Throttling is flow control here, not a failure: the client already waited as long as the
 * THROTTLED answer said (and its own retries are spent), so several refunds fetched at once that
 * meet an empty bucket together try again, spread by jitter, until the bucket has refilled. A
 * Standard shop (100 points a second) sustains about 2.5 refunds a second this way.
 */
export const MAX_THROTTLED_RETRIES = 200;
const whileThrottled = Schedule.spaced("50 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(MAX_THROTTLED_RETRIES)));

/** Every page of one connection of one refund; the first page may have come with the refund already. */
const fetchRefund = (refundId: string, pageSize: number) =>
  Effect.gen(function* () {
    const shopify = yield* ShopifyAdmin;
    const rows: Record<FollowUpEntity, Array<Record<string, unknown>>> = { refund_line_items: [], order_adjustments: [] };
    const cursors: Record<"refundLineItems" | "orderAdjustments", { after: string | null; more: boolean }> = {
      refundLineItems: { after: null, more: true },
      orderAdjustments: { after: null, more: true },
    };
    let pages = 0;
    while (cursors.refundLineItems.more || cursors.orderAdjustments.more) {
      const answer = yield* shopify
        .graphql<RefundAnswer>(REFUND_DETAILS_QUERY, {
          id: refundId,
          first: pageSize,
          lineItemsAfter: cursors.refundLineItems.after,
          adjustmentsAfter: cursors.orderAdjustments.after,
          withLineItems: cursors.refundLineItems.more,
          withAdjustments: cursors.orderAdjustments.more,
        })
        .pipe(Effect.retry({ schedule: whileThrottled, while: (error) => error._tag === "Throttled" }));
      pages += 1;
      if (!answer?.refund) return { refundId, found: false, rows, pages };
      for (const spec of refundDetailSpecs) {
        const cursor = cursors[spec.connection];
        if (!cursor.more) continue;
        const page = answer.refund[spec.connection];
        if (!page) return yield* Effect.fail(new PaginationStalled({ refundId, connection: spec.connection }));
        for (const node of page.nodes) rows[spec.entity].push({ ...node, __parentId: refundId });
        if (page.pageInfo.hasNextPage && (!page.pageInfo.endCursor || page.pageInfo.endCursor === cursor.after)) {
          return yield* Effect.fail(new PaginationStalled({ refundId, connection: spec.connection }));
        }
        cursors[spec.connection] = { after: page.pageInfo.endCursor, more: page.pageInfo.hasNextPage };
      }
    }
    return { refundId, found: true, rows, pages };
  });

const parseProgress = (text: string, runId: string, refunds: number, firstRefund: string | null): RefundDetailsProgress | undefined => {
  try {
    const progress = JSON.parse(text) as RefundDetailsProgress;
    return progress.runId === runId && progress.refunds === refunds && progress.firstRefund === firstRefund && Number.isInteger(progress.nextIndex) && Array.isArray(progress.parts)
      ? progress
      : undefined;
  } catch {
    return undefined;
  }
};

export const refundDetailsProgram = (input: RefundDetailsInput, options: RefundDetailsOptions = {}) =>
  Effect.gen(function* () {
    if (!input || input.mode !== "refund-details" || typeof input.runId !== "string" || input.object !== "refunds") {
      return yield* Effect.fail(new InvalidPayload({ reason: 'refund-details needs mode "refund-details", runId and object "refunds"' }));
    }
    const store = yield* ObjectStore;
    const manifestKey = reconciliationObjectKey(input.runId, "refunds");
    const manifestText = yield* store.getText(manifestKey);
    if (Option.isNone(manifestText)) {
      return yield* Effect.fail(new InvalidPayload({ reason: `no refunds manifest at ${manifestKey}: run the refunds export of run ${input.runId} first`, field: "runId" }));
    }
    const manifest = JSON.parse(manifestText.value) as { entities?: ReadonlyArray<{ entity: string; keys?: ReadonlyArray<string> }> } & Record<string, unknown>;
    const refundKeys = manifest.entities?.find((entity) => entity.entity === "refunds")?.keys ?? [];
    const progressKey = reconciliationProgressKey(input.runId, REFUND_DETAILS_PROGRESS);
    const deadline = options.deadlineMs ?? (yield* FiberRef.get(invocationDeadline));
    const clock = options.clock ?? Date.now;
    const margin = options.deadlineMarginMs ?? 60_000;

    const work = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "sdp-refund-details-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
    );
    const converter = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => openConverter({ tempDir: path.join(work, "duckdb"), memoryLimit: "512MB", threads: 1 }),
        catch: (error) => new ConversionFailed({ reason: String(error) }),
      }),
      (open) => Effect.sync(() => open.close()),
    );
    const sql = (text: string) =>
      Effect.tryPromise({ try: () => converter.connection.runAndReadAll(text), catch: (error) => new ConversionFailed({ reason: (error as Error).message }) });

    // The refund ids of the run's refunds dataset, in id order (the checkpoint is a position in this list).
    const files: string[] = [];
    for (const [index, key] of refundKeys.entries()) {
      const body = yield* store.get(key);
      if (Option.isNone(body)) return yield* Effect.fail(new InvalidPayload({ reason: `refunds part ${key} named by ${manifestKey} is missing`, field: "runId" }));
      const file = path.join(work, `refunds-${index}.parquet`);
      fs.writeFileSync(file, body.value);
      files.push(file);
    }
    const refundIds =
      files.length === 0
        ? []
        : (yield* sql(`SELECT DISTINCT id FROM read_parquet([${files.map(literal).join(", ")}]) WHERE id IS NOT NULL ORDER BY id`)).getRows().map((row) => String(row[0]));
    const firstRefund = refundIds[0] ?? null;

    const recorded = Option.flatMapNullable(yield* store.getText(progressKey), (text) => parseProgress(text, input.runId, refundIds.length, firstRefund));
    const before = Option.getOrUndefined(recorded);
    const pageSize = before?.pageSize ?? options.pageSize ?? DEFAULT_PAGE_SIZE;
    const batchRefunds = before?.batchRefunds ?? options.batchRefunds ?? DEFAULT_BATCH_REFUNDS;
    const invocations = (before?.invocations ?? 0) + 1;
    let parts: ReadonlyArray<RecordedPart> = before?.parts ?? [];
    let nextIndex = before?.complete ? refundIds.length : (before?.nextIndex ?? 0);
    const progressOf = (complete: boolean): RefundDetailsProgress => ({
      runId: input.runId,
      refunds: refundIds.length,
      firstRefund,
      pageSize,
      batchRefunds,
      nextIndex,
      parts,
      invocations,
      complete,
      updatedAt: new Date().toISOString(),
    });
    const answer = (more: boolean): RefundDetailsOutput => ({
      continue: more,
      progressKey,
      refundsDone: nextIndex,
      refunds: refundIds.length,
      rows: Object.fromEntries(refundDetailSpecs.map((spec) => [spec.entity, entityTotal(parts, spec.entity, "rows")])),
      invocations,
    });

    let lastClose = clock();
    let longest = 0;
    while (nextIndex < refundIds.length) {
      const batchIndex = Math.floor(nextIndex / batchRefunds);
      const batch = refundIds.slice(batchIndex * batchRefunds, (batchIndex + 1) * batchRefunds);
      const fetched = yield* Effect.forEach(batch, (id) => fetchRefund(id, pageSize), { concurrency: options.concurrency ?? 4 });
      const fileName = partFileName(batchIndex);
      const entities: Array<RecordedPart["entities"][number]> = [];
      for (const spec of refundDetailSpecs) {
        const lines = fetched.flatMap((refund) => refund.rows[spec.entity]);
        const file = path.join(work, `${spec.entity}-${fileName}`);
        const key = partKey(spec.entity, input.runId, fileName);
        if (lines.length === 0) {
          // A rerun may have written this part before (different data then): it must not stay.
          yield* store.delete(key);
          entities.push({ entity: spec.entity, rows: 0, fetched: 0, bytes: 0 });
          continue;
        }
        const jsonl = path.join(work, `${spec.entity}.jsonl`);
        fs.writeFileSync(jsonl, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
        const columns = Object.entries(spec.jsonColumns)
          .map(([name, type]) => `"${name}": ${literal(type)}`)
          .join(", ");
        const projection = spec.select.map(([column, expression]) => `${expression} AS "${column}"`).join(", ");
        const copied = yield* sql(
          `COPY (SELECT ${projection} FROM read_json(${literal(jsonl)}, format='newline_delimited', columns={${columns}}) WHERE "__parentId" IS NOT NULL) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        const rows = Number(copied.getRows()[0]?.[0] ?? 0);
        yield* store.putFile(key, file, { contentType: "application/vnd.apache.parquet" });
        entities.push({ entity: spec.entity, rows, fetched: lines.length, bytes: fs.statSync(file).size });
        fs.rmSync(file, { force: true });
        fs.rmSync(jsonl, { force: true });
      }
      parts = [
        ...parts.filter((part) => part.index < batchIndex),
        {
          index: batchIndex,
          fileName,
          firstRefund: batch[0]!,
          refunds: batch.length,
          pages: fetched.reduce((sum, refund) => sum + refund.pages, 0),
          entities,
          missing: fetched.filter((refund) => !refund.found).map((refund) => refund.refundId),
        },
      ];
      nextIndex = batchIndex * batchRefunds + batch.length;
      const complete = nextIndex >= refundIds.length;
      yield* store.put(progressKey, JSON.stringify(progressOf(complete)), { contentType: "application/json" });
      if (!complete && deadline !== undefined) {
        const now = clock();
        longest = Math.max(longest, now - lastClose);
        lastClose = now;
        if (deadline - now < margin + 2 * longest) {
          yield* Effect.logInfo("refund details continue in another invocation").pipe(
            Effect.annotateLogs({ runId: input.runId, refundsDone: nextIndex, refunds: refundIds.length }),
          );
          return answer(true);
        }
      }
    }
    if (refundIds.length === 0) yield* store.put(progressKey, JSON.stringify(progressOf(true)), { contentType: "application/json" });

    // Parts of an earlier, longer run of this step (more refunds then) would be counted twice.
    for (const spec of refundDetailSpecs) {
      const keep = new Set(partsWithRows(parts, spec.entity).map((part) => partKey(spec.entity, input.runId, part.fileName)));
      for (const stale of yield* store.list(snapshotPrefix(spec.entity, input.runId))) if (!keep.has(stale.key)) yield* store.delete(stale.key);
    }

    const totals = refundDetailSpecs.map((spec) => {
      const keys = partsWithRows(parts, spec.entity).map((part) => partKey(spec.entity, input.runId, part.fileName));
      return {
        entity: spec.entity,
        rows: entityTotal(parts, spec.entity, "rows"),
        fetched: entityTotal(parts, spec.entity, "fetched"),
        bytes: entityTotal(parts, spec.entity, "bytes"),
        keys,
      };
    });
    const visited = parts.reduce((sum, part) => sum + part.refunds, 0);
    const missing = parts.flatMap((part) => part.missing);
    const written = totals.reduce((sum, total) => sum + total.rows, 0);
    const expected = totals.reduce((sum, total) => sum + total.fetched, 0);
    const countCheck = visited === refundIds.length && written === expected ? "match" : "mismatch";
    const refundDetails = {
      refunds: refundIds.length,
      refundsVisited: visited,
      missingRefunds: missing,
      pages: parts.reduce((sum, part) => sum + part.pages, 0),
      pageSize,
      parts: parts.length,
      invocations,
      countCheck,
      entities: totals.map(({ entity, rows, fetched }) => ({ entity, rows, fetched })),
    };
    const otherEntities = (manifest.entities ?? []).filter((entity) => !refundDetailSpecs.some((spec) => spec.entity === entity.entity));
    const manifestEntities = [
      ...otherEntities,
      ...totals.map(({ entity, rows, bytes, keys }) => (keys.length === 0 ? { entity, rows: 0, bytes: 0 } : { entity, rows, key: keys[0]!, keys, bytes })),
    ];
    yield* store.put(manifestKey, JSON.stringify({ ...manifest, entities: manifestEntities, refundDetails }, null, 2), { contentType: "application/json" });
    yield* Effect.logInfo("refund details fetched").pipe(Effect.annotateLogs({ runId: input.runId, ...refundDetails, missingRefunds: missing.length }));
    if (countCheck === "mismatch") return yield* Effect.fail(new CountMismatch({ expected: refundIds.length + expected, written: visited + written, manifestKey }));
    return answer(false);
  }).pipe(Effect.scoped);
