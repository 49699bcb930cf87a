/**
 * The refunds export's follow-up (functions/backfill/refund-details-program.ts): refund line items
 * and order adjustments, which no bulk query can select, fetched with paginated `refund(id:)`
 * queries from the Shopify stand-in (which enforces a cost bucket), written as Parquet, resumable
 * after a crash without duplicates, counted; and the workflow's FetchRefundDetails state.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Effect, Exit, Layer } from "effect";
import { backfillStates } from "../../contracts/backfill-workflow";
import { reconciliationObjectKey, reconciliationProgressKey, snapshotPrefix } from "../../contracts/lake-layout";
import { convertJsonl } from "../../functions/backfill/convert/convert";
import { REFUND_DETAILS_PROGRESS, refundDetailsProgram, type RefundDetailsOptions } from "../../functions/backfill/refund-details-program";
import { ShopifyAdminFromConfig } from "../../functions/backfill/shopify-graphql";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { ObjectStore } from "../../functions/kernel/services";
import { bulkLines, refundDetailsOf, startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";
import { runBackfillLocally, type BackfillProgress } from "../../local/state-machine";

const range = { since: "2026-03-01T00:00:00Z", until: "2026-03-06T00:00:00Z" };
const RUN = "run-rd";
const input = { mode: "refund-details" as const, runId: RUN, object: "refunds", ...range, shop: "acme-store.myshopify.com", apiVersion: "2026-01" };

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-refund-details-test-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The refunds export of `range` as the download leaves it: a Parquet part and the object's manifest. */
const seedRefundsExport = async (platform: TestPlatform) => {
  const jsonl = path.join(work, "refunds.jsonl");
  fs.writeFileSync(jsonl, [...bulkLines("refunds", { ...range, seed: 42, perDay: 20 })].join("\n") + "\n");
  const out = path.join(work, `out-${Math.random().toString(36).slice(2)}`);
  const converted = await convertJsonl({ input: jsonl, outDir: out, object: "refunds", threads: 1 });
  const refunds = converted.entities.find((entity) => entity.entity === "refunds")!;
  const key = `${snapshotPrefix("refunds", RUN)}part-00000.parquet`;
  platform.state.objects.set(key, { body: new Uint8Array(fs.readFileSync(refunds.file!)), contentType: "application/vnd.apache.parquet" });
  const manifest = { runId: RUN, object: "refunds", countCheck: "match", entities: [{ entity: "refunds", rows: refunds.rows, key, keys: [key], bytes: refunds.bytes }] };
  platform.state.objects.set(reconciliationObjectKey(RUN, "refunds"), { body: new Uint8Array(Buffer.from(JSON.stringify(manifest))), contentType: "application/json" });
  return refunds.rows;
};

/** Every row of an entity's Parquet parts of the run. */
const rowsOf = async (platform: TestPlatform, entity: string) => {
  const keys = [...platform.state.objects.keys()].filter((key) => key.startsWith(snapshotPrefix(entity, RUN))).sort();
  if (keys.length === 0) return [];
  const files = keys.map((key, index) => {
    const file = path.join(work, `${entity}-${index}-${Math.random().toString(36).slice(2)}.parquet`);
    fs.writeFileSync(file, platform.state.objects.get(key)!.body as Uint8Array);
    return file;
  });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet([${files.map((file) => `'${file}'`).join(", ")}]) ORDER BY refund_id, id`);
  const rows = reader.getRowObjectsJson();
  connection.closeSync();
  instance.closeSync();
  return rows as Array<Record<string, unknown>>;
};

describe("refund details: paginated refund(id:) queries after the refunds bulk export", () => {
  let standin: ShopifyStandin;
  let platform: TestPlatform;
  const expected = () => [...refundDetailsOf({ ...range, seed: 42, perDay: 20, manyLineItems: 7 })];

  const start = async (options: Parameters<typeof startShopifyStandin>[0] = {}) => {
    standin = await startShopifyStandin({ manyRefundLineItems: 7, ...options });
    standin.indexRefunds(range);
    platform = makeTestPlatform();
  };
  afterEach(async () => standin?.stop());

  const shopify = () =>
    ShopifyAdminFromConfig({ shop: standin.shop, token: standin.token, apiVersion: "2026-01", endpoint: standin.url }, { baseDelay: "5 millis", maxRetries: 8 });
  const run = (options: RefundDetailsOptions, store: Layer.Layer<ObjectStore> = platform.layer as unknown as Layer.Layer<ObjectStore>) =>
    Effect.runPromiseExit(refundDetailsProgram(input, options).pipe(Effect.provide(Layer.mergeAll(platform.layer, store, shopify()))));

  test("reads every page of both connections and writes the rows Shopify has, counted against the pages' end", async () => {
    await start();
    const refunds = await seedRefundsExport(platform);
    const source = expected();
    expect(refunds).toBe(source.length);
    const lineItems = source.reduce((sum, refund) => sum + refund.refundLineItems.length, 0);
    const adjustments = source.reduce((sum, refund) => sum + refund.orderAdjustments.length, 0);
    // Some refunds need many pages at page size 3 (every fifth has its lines seven times).
    expect(Math.max(...source.map((refund) => refund.refundLineItems.length))).toBeGreaterThan(6);

    const exit = await run({ pageSize: 3, batchRefunds: 8 });
    expect(Exit.isSuccess(exit) ? exit.value : exit).toMatchObject({
      continue: false,
      refunds,
      refundsDone: refunds,
      rows: { refund_line_items: lineItems, order_adjustments: adjustments },
    });

    const items = await rowsOf(platform, "refund_line_items");
    expect(items.map((row) => row.id)).toEqual(
      source
        .flatMap((refund) => refund.refundLineItems.map((item) => ({ refund: refund.id, id: String(item.id) })))
        .sort((a, b) => (a.refund === b.refund ? (a.id < b.id ? -1 : 1) : a.refund < b.refund ? -1 : 1))
        .map((each) => each.id),
    );
    const first = source.find((refund) => refund.refundLineItems.length > 0)!;
    const item = first.refundLineItems[0]! as { id: string; quantity: number; lineItem: { id: string }; subtotalSet: { shopMoney: { amount: string; currencyCode: string } } };
    expect(items.find((row) => row.id === item.id)).toMatchObject({
      refund_id: first.id,
      line_item_id: item.lineItem.id,
      quantity: String(item.quantity),
      subtotal: Number(item.subtotalSet.shopMoney.amount).toFixed(4),
      currency: item.subtotalSet.shopMoney.currencyCode,
    });
    const adjustmentRows = await rowsOf(platform, "order_adjustments");
    expect(adjustmentRows).toHaveLength(adjustments);
    expect(adjustmentRows.every((row) => row.reason === "REFUND_DISCREPANCY" && typeof row.refund_id === "string")).toBe(true);

    // Pages per refund: until hasNextPage was false on both connections.
    const byRefund = standin.refundQueries().byRefund;
    for (const refund of source) {
      expect(byRefund[refund.id]).toBe(Math.max(1, Math.ceil(refund.refundLineItems.length / 3), Math.ceil(refund.orderAdjustments.length / 3)));
    }
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey(RUN, "refunds"))!);
    expect(manifest.refundDetails).toMatchObject({
      refunds,
      refundsVisited: refunds,
      missingRefunds: [],
      countCheck: "match",
      entities: [
        { entity: "refund_line_items", rows: lineItems, fetched: lineItems },
        { entity: "order_adjustments", rows: adjustments, fetched: adjustments },
      ],
    });
    expect(manifest.entities.map((entity: { entity: string }) => entity.entity)).toEqual(["refunds", "refund_line_items", "order_adjustments"]);
  });

  test("a page size whose requested cost exceeds Shopify's 1,000 is refused, not retried", async () => {
    await start();
    await seedRefundsExport(platform);
    const exit = await run({ pageSize: 250 });
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toMatch(/exceeds the single query max cost limit/);
    expect(standin.requests.filter((request) => request === "MaxCostExceeded")).toHaveLength(1);
  });

  test("a small cost bucket throttles; THROTTLED and HTTP 429 are waited out and the rows are the same", async () => {
    // 1 + (2 + 3 x 9) + (2 + 3 x 5) = 47 points requested per page; the bucket holds 60 and restores 3,000 a second.
    await start({ bucket: { maximumAvailable: 60, restoreRate: 3_000 } });
    await seedRefundsExport(platform);
    standin.setMode({ throttleRequests: 2, http429Requests: 2 });
    const exit = await run({ pageSize: 3, batchRefunds: 8, concurrency: 4 });
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(standin.requests).toEqual(expect.arrayContaining(["THROTTLED", "HTTP429"]));
    // Throttled by the bucket itself, not only by the forced answers.
    expect(standin.refundQueries().throttled).toBeGreaterThan(0);
    const source = expected();
    expect(await rowsOf(platform, "refund_line_items")).toHaveLength(source.reduce((sum, refund) => sum + refund.refundLineItems.length, 0));
    expect(JSON.parse(platform.objectText(reconciliationObjectKey(RUN, "refunds"))!).refundDetails.countCheck).toBe("match");
  });

  test("at the default page size (704 points requested) four refunds at a time against a nearly empty bucket keep retrying THROTTLED until all are fetched", async () => {
    await start({ bucket: { maximumAvailable: 800, restoreRate: 400 } });
    const refunds = await seedRefundsExport(platform);
    const exit = await run({ concurrency: 4 });
    expect(Exit.isSuccess(exit) ? exit.value : exit).toMatchObject({ continue: false, refundsDone: refunds });
    // More THROTTLED answers than the client's own six retries would survive.
    expect(standin.refundQueries().throttled).toBeGreaterThan(6);
    expect(standin.refundQueries().served).toBe(refunds);
  });

  test("a crash between a part's upload and its checkpoint: the rerun resumes at that batch, refetches nothing recorded and duplicates no row", async () => {
    await start();
    await seedRefundsExport(platform);
    const source = expected();
    const progressKey = reconciliationProgressKey(RUN, REFUND_DETAILS_PROGRESS);
    // The third checkpoint write fails (the process dies after uploading batch 2's parts).
    let checkpoints = 0;
    const crashing = Layer.effect(
      ObjectStore,
      Effect.map(ObjectStore, (store) => ({
        ...store,
        put: (key: string, body: string | Uint8Array, options?: Parameters<typeof store.put>[2]) =>
          key === progressKey && ++checkpoints === 3 ? Effect.fail(new Transient({ service: "s3", reason: "crash after upload" })) : store.put(key, body, options),
      })),
    ).pipe(Layer.provide(platform.layer));
    const crashed = await run({ pageSize: 3, batchRefunds: 5, concurrency: 1 }, crashing);
    expect(Exit.isFailure(crashed)).toBe(true);
    const recorded = JSON.parse(platform.objectText(progressKey)!);
    expect(recorded).toMatchObject({ nextIndex: 10, complete: false });
    const firstRun = standin.refundQueries().byRefund;
    const sorted = source.map((refund) => refund.id).sort();
    // Batch 3 (refunds 10..14) was fetched and uploaded, but not recorded.
    expect(Object.keys(firstRun).sort()).toEqual(sorted.slice(0, 15));

    const rerun = await run({ pageSize: 3, batchRefunds: 5, concurrency: 1 });
    expect(Exit.isSuccess(rerun) ? rerun.value : rerun).toMatchObject({ continue: false, refundsDone: source.length });
    const total = standin.refundQueries().byRefund;
    // Refunds of recorded batches were not asked again; the unrecorded batch was (once more), the rest once.
    for (const id of sorted.slice(0, 10)) expect(total[id]).toBe(firstRun[id]);
    for (const id of sorted.slice(10, 15)) expect(total[id]).toBe(2 * firstRun[id]!);
    const items = await rowsOf(platform, "refund_line_items");
    const ids = items.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(source.reduce((sum, refund) => sum + refund.refundLineItems.length, 0));
    expect(await rowsOf(platform, "order_adjustments")).toHaveLength(source.reduce((sum, refund) => sum + refund.orderAdjustments.length, 0));
    // A third run finds the checkpoint complete: no query at all, same rows.
    const queriesBefore = standin.refundQueries().served;
    expect(Exit.isSuccess(await run({ pageSize: 3, batchRefunds: 5 }))).toBe(true);
    expect(standin.refundQueries().served).toBe(queriesBefore);
    expect(await rowsOf(platform, "refund_line_items")).toHaveLength(ids.length);
  });

  test("out of invocation time it stops at a batch boundary with continue: true, and the next invocation goes on from there", async () => {
    await start();
    await seedRefundsExport(platform);
    const source = expected();
    const now = Date.now();
    const first = await run({ pageSize: 3, batchRefunds: 5, deadlineMs: now + 1_000, deadlineMarginMs: 60_000 });
    expect(Exit.isSuccess(first) ? first.value : first).toMatchObject({ continue: true, refundsDone: 5, invocations: 1 });
    const second = await run({ pageSize: 3, batchRefunds: 5 });
    expect(Exit.isSuccess(second) ? second.value : second).toMatchObject({ continue: false, refundsDone: source.length, invocations: 2 });
    for (const refund of source) expect(standin.refundQueries().byRefund[refund.id]).toBe(Math.max(1, Math.ceil(refund.refundLineItems.length / 3)));
  });

  test("a refund Shopify no longer returns is listed as missing in the manifest", async () => {
    await start();
    await seedRefundsExport(platform);
    standin.setMode({ missingRefunds: 1 });
    const exit = await run({ pageSize: 3, batchRefunds: 50, concurrency: 1 });
    expect(Exit.isSuccess(exit)).toBe(true);
    const details = JSON.parse(platform.objectText(reconciliationObjectKey(RUN, "refunds"))!).refundDetails;
    expect(details.missingRefunds).toEqual([
      expected()
        .map((refund) => refund.id)
        .sort()[0],
    ]);
    expect(details.countCheck).toBe("match");
  });

  test("without a refunds manifest it says which export to run first (InvalidPayload, never retried)", async () => {
    await start();
    const exit = await run({});
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toMatch(/run the refunds export of run run-rd first.*"_tag":"InvalidPayload"/);
  });

  test("in the workflow: the refunds object runs FetchRefundDetails after its download, then records success", async () => {
    await start({ manyRefundLineItems: 3 });
    const progress: BackfillProgress[] = [];
    const result = await runBackfillLocally(
      { runId: RUN, objects: ["refunds", "orders"], ...range },
      {
        layer: Layer.mergeAll(platform.layer, shopify()),
        pollIntervalMs: 5,
        retryIntervalMs: 5,
        download: { threads: 1 },
        refundDetails: { pageSize: 2, batchRefunds: 10 },
        onProgress: (event) => progress.push(event),
      },
    );
    expect(result.status).toBe("SUCCEEDED");
    const fetches = progress.filter((event) => event.state === backfillStates.fetchRefundDetails && event.kind === "entered");
    expect(fetches.map((event) => event.object)).toEqual(["refunds"]);
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey(RUN, "refunds"))!);
    expect(manifest).toMatchObject({ countCheck: "match", outcome: "succeeded", refundDetails: { countCheck: "match" } });
    const source = [...refundDetailsOf({ ...range, seed: 42, perDay: 20, manyLineItems: 3 })];
    expect(manifest.refundDetails.refunds).toBe(source.length);
    expect(await rowsOf(platform, "refund_line_items")).toHaveLength(source.reduce((sum, refund) => sum + refund.refundLineItems.length, 0));
    expect(JSON.parse(platform.objectText(reconciliationObjectKey(RUN, "orders"))!).refundDetails).toBeUndefined();
  });
});
