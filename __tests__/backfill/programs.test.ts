import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as zlib from "node:zlib";
import { Effect, Exit, Layer } from "effect";
import type { DownloadContinue, DownloadOutput, OperationState, SubmitOutput } from "../../contracts/backfill-workflow";
import { reconciliationManifestKey, reconciliationObjectKey, reconciliationProgressKey } from "../../contracts/lake-layout";
import { bulkFinishProgram } from "../../functions/backfill/bulk-finish-program";
import { downloadProgram } from "../../functions/backfill/download-program";
import { slotName } from "../../functions/backfill/lease";
import { toOperationState } from "../../functions/backfill/operation";
import { awaitProgram, pollProgram } from "../../functions/backfill/poll-program";
import { TaskTokens } from "../../functions/backfill/task-tokens";
import { recordObjectProgram, summaryProgram } from "../../functions/backfill/record-program";
import { ShopifyAdminFromConfig } from "../../functions/backfill/shopify-graphql";
import { submitProgram } from "../../functions/backfill/submit-program";
import { Transient } from "../../functions/kernel/errors";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { ObjectStore } from "../../functions/kernel/services";
import { bulkLines, countLines, startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";

let standin: ShopifyStandin;
let platform: TestPlatform;
const range = { since: "2026-03-01T00:00:00Z", until: "2026-03-03T00:00:00Z" };

let tokensSent: Array<{ token: string; output: unknown }> = [];
const recordingTokens = Layer.succeed(TaskTokens, {
  succeed: (token: string, output: unknown) => Effect.sync(() => (tokensSent.push({ token, output }), "sent" as const)),
});
const layerFor = (apiVersion = "2026-01") =>
  Layer.mergeAll(
    platform.layer,
    recordingTokens,
    ShopifyAdminFromConfig({ shop: standin.shop, token: standin.token, apiVersion, endpoint: standin.url }, { baseDelay: "2 millis", maxRetries: 3 }),
  );

const run = <A>(effect: Effect.Effect<A, any, any>, apiVersion?: string) => Effect.runPromiseExit(effect.pipe(Effect.provide(layerFor(apiVersion))) as Effect.Effect<A, unknown>);
const failureOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as { _tag: string } & Record<string, unknown>) : undefined;
const valueOf = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${JSON.stringify(exit.cause)}`);
  return exit.value;
};
/** A download that finished in this invocation (not `continue: true`). */
const finishedDownload = <A extends { readonly continue: boolean }>(exit: Exit.Exit<A, unknown>): Extract<A, { continue: false }> => {
  const value = valueOf(exit);
  if (value.continue) throw new Error(`expected the download to finish, got ${JSON.stringify(value)}`);
  return value as Extract<A, { continue: false }>;
};

beforeEach(async () => {
  standin = await startShopifyStandin({ perDay: 3 });
  platform = makeTestPlatform();
  tokensSent = [];
});
afterEach(() => standin.stop());

const submit = (runId: string, object: "orders" | "customers" | "products" = "orders", apiVersion?: string) => run(submitProgram({ runId, object, ...range }), apiVersion);

/** Submits and polls until the operation finishes. */
const finished = async (runId: string, object: "orders" | "customers" | "products" = "orders") => {
  const submitted = valueOf(await submit(runId, object));
  for (;;) {
    const state = valueOf(await run(pollProgram(submitted)));
    if (!["CREATED", "RUNNING"].includes(state.status)) return { submitted, state };
  }
};

describe("submit", () => {
  test("takes a lease, starts the bulk query and records the operation on the lease", async () => {
    const output = valueOf(await submit("run-1"));
    expect(output).toMatchObject({ runId: "run-1", object: "orders", shop: standin.shop, apiVersion: "2026-01", leaseSlot: slotName(0) });
    expect(output.operationId).toMatch(/^gid:\/\/shopify\/BulkOperation\//);
    expect(platform.item("leases", { shop: standin.shop, slot: slotName(0) })).toMatchObject({ runId: "run-1", object: "orders", operationId: output.operationId });
    expect([...standin.operations.values()][0]).toMatchObject({ object: "orders", ...range });
  });

  test("a retried submit reuses its lease and operation instead of starting another", async () => {
    const first = valueOf(await submit("run-1"));
    const second = valueOf(await submit("run-1"));
    expect(second.operationId).toBe(first.operationId);
    expect(standin.operations.size).toBe(1);
  });

  test("at most five bulk queries per shop on 2026-01: the sixth waits (LeaseUnavailable)", async () => {
    for (let index = 0; index < 5; index++) valueOf(await submit(`run-${index}`));
    const sixth = await submit("run-5");
    expect(failureOf(sixth)).toMatchObject({ _tag: "LeaseUnavailable", limit: 5 });
    expect(standin.operations.size).toBe(5);
  });

  test("one bulk query per shop before 2026-01", async () => {
    valueOf(await submit("run-a", "orders", "2025-10"));
    expect(failureOf(await submit("run-b", "customers", "2025-10"))).toMatchObject({ _tag: "LeaseUnavailable", limit: 1 });
  });

  test("an expired lease (a crashed run) is reclaimed", async () => {
    platform.state.tables.leases.set(JSON.stringify([standin.shop, slotName(0)]), { shop: standin.shop, slot: slotName(0), runId: "crashed", object: "orders", expires_at: 1 });
    const output = valueOf(await submit("run-new", "orders", "2025-10"));
    expect(output.leaseSlot).toBe(slotName(0));
    expect(platform.item("leases", { shop: standin.shop, slot: slotName(0) })).toMatchObject({ runId: "run-new" });
  });

  test("Shopify saying a bulk query is already running gives the lease back and waits; nothing is cancelled", async () => {
    standin.setMode({ userError: { field: null, message: "A bulk query operation for this app and shop is already in progress.", code: "OPERATION_IN_PROGRESS" } });
    const exit = await submit("run-1");
    expect(failureOf(exit)).toMatchObject({ _tag: "LeaseUnavailable" });
    expect(platform.items("leases")).toEqual([]);
    expect(standin.requests.some((request) => /cancel/i.test(request))).toBe(false);
  });

  test("an invalid query is a ShopifyUserErrors failure with field and message, and the lease is released", async () => {
    standin.setMode({ userError: { field: ["query"], message: "Invalid bulk query", code: "INVALID" } });
    const error = failureOf(await submit("run-1"));
    expect(error).toMatchObject({ _tag: "ShopifyUserErrors", errors: [{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }] });
    expect(platform.items("leases")).toEqual([]);
  });

  test("a Shopify outage releases the lease and fails Transient for the workflow to retry", async () => {
    standin.setMode({ serverErrors: 100 });
    expect(failureOf(await submit("run-1"))).toMatchObject({ _tag: "Transient" });
    expect(platform.items("leases")).toEqual([]);
  });

  test("bad input is InvalidPayload", async () => {
    expect(failureOf(await run(submitProgram({ runId: "r", object: "carts" as never, ...range })))).toMatchObject({ _tag: "InvalidPayload", field: "object" });
    expect(failureOf(await run(submitProgram({ runId: "r", object: "orders", since: range.until, until: range.since })))).toMatchObject({ _tag: "InvalidPayload", field: "since" });
    expect(failureOf(await run(submitProgram({ runId: "", object: "orders", ...range })))).toMatchObject({ _tag: "InvalidPayload", field: "runId" });
  });
});

describe("poll", () => {
  test("maps every status Shopify reports", async () => {
    const cases: Array<[Parameters<ShopifyStandin["setMode"]>[0]["outcome"], string, string | null, boolean]> = [
      ["completed", "COMPLETED", null, false],
      ["failed-partial", "FAILED", "INTERNAL_SERVER_ERROR", true],
      ["timeout-partial", "FAILED", "TIMEOUT", true],
      ["failed", "FAILED", "ACCESS_DENIED", false],
      ["canceled", "CANCELED", null, false],
      ["expired", "EXPIRED", null, false],
    ];
    for (const [outcome, status, errorCode, partialAvailable] of cases) {
      standin.setMode({ outcome });
      // Each case holds a lease until recorded; start every case with free slots.
      platform.state.tables.leases.clear();
      const { state } = await finished(`run-${outcome}`);
      expect(state).toMatchObject({ status, errorCode, partialAvailable });
      if (status === "COMPLETED") expect(state.url).toMatch(/^http/);
      if (partialAvailable) expect(state.partialDataUrl).toMatch(/-partial\.jsonl$/);
    }
  });

  test("reports RUNNING with counts while the operation runs, and renews the run's lease", async () => {
    standin.setMode({ pollsToFinish: 3 });
    const submitted = valueOf(await submit("run-1"));
    const key = { shop: standin.shop, slot: submitted.leaseSlot };
    platform.state.tables.leases.set(JSON.stringify([standin.shop, submitted.leaseSlot]), { ...platform.item("leases", key)!, expires_at: 5 });
    const first = valueOf(await run(pollProgram(submitted)));
    expect(first.status).toBe("RUNNING");
    expect(typeof first.objectCount).toBe("number");
    expect(Number(platform.item("leases", key)!.expires_at)).toBeGreaterThan(Date.now() / 1000 + 3600);
  });

  test("Shopify's string counts become numbers; unknown statuses and ids are errors", () => {
    expect(toOperationState({ id: "gid://shopify/BulkOperation/1", status: "COMPLETED", objectCount: "12", rootObjectCount: "4", fileSize: "999", url: "u" })).toMatchObject({
      objectCount: 12,
      rootObjectCount: 4,
      fileSize: 999,
      partialAvailable: false,
    });
    expect(toOperationState({ id: "gid://shopify/BulkOperation/1", status: "CREATED" })).toMatchObject({ objectCount: 0, url: null, fileSize: null });
    expect(() => toOperationState({ id: "x", status: "EXPLODED" })).toThrow(/unknown bulk operation status/);
  });

  test("await mode stores the task token on the lease and wakes the run at once if the operation already finished", async () => {
    standin.setMode({ pollsToFinish: 2 });
    const submitted = valueOf(await submit("run-1"));
    expect(valueOf(await run(awaitProgram({ ...submitted, mode: "await", taskToken: "token-1" })))).toEqual({ status: "RUNNING" });
    expect(platform.item("leases", { shop: standin.shop, slot: submitted.leaseSlot })).toMatchObject({ task_token: "token-1" });
    expect(tokensSent).toEqual([]);
    valueOf(await run(pollProgram(submitted)));
    expect(valueOf(await run(awaitProgram({ ...submitted, mode: "await", taskToken: "token-2" })))).toEqual({ status: "COMPLETED" });
    expect(tokensSent).toEqual([{ token: "token-2", output: { status: "COMPLETED" } }]);
    expect(failureOf(await run(awaitProgram({ ...submitted, mode: "await", taskToken: "" })))).toMatchObject({ _tag: "InvalidPayload" });
  });

  test("an unknown operation or a bad id fails clearly", async () => {
    expect(failureOf(await run(pollProgram({ operationId: "gid://shopify/BulkOperation/999" })))).toMatchObject({ _tag: "ShopifyRequestRejected" });
    expect(failureOf(await run(pollProgram({ operationId: "42" })))).toMatchObject({ _tag: "InvalidPayload" });
  });
});

describe("download", () => {
  const download = (submitted: SubmitOutput, state: OperationState) => run(downloadProgram({ ...submitted, operation: state }, { threads: 1, memoryLimit: "256MB" }));

  test("converts, uploads one Parquet dataset per entity and writes a manifest whose counts match", async () => {
    const { submitted, state } = await finished("run-1");
    const output = finishedDownload(await download(submitted, state));
    const lines = [...bulkLines("orders", standin.datasetOptions([...standin.operations.values()][0]!))];
    const counts = countLines(lines);
    expect(output).toMatchObject({
      partial: false,
      totalRows: counts.objectCount,
      rows: { orders: counts.rootObjectCount, order_line_items: counts.objectCount - counts.rootObjectCount },
    });
    expect(platform.state.objects.has("snapshots/shopify/orders/run=run-1/part-00000.parquet")).toBe(true);
    expect(platform.state.objects.has("snapshots/shopify/order_line_items/run=run-1/part-00000.parquet")).toBe(true);
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!);
    expect(manifest).toMatchObject({
      countCheck: "match",
      objectCount: counts.objectCount,
      rootObjectCount: counts.rootObjectCount,
      totalRows: counts.objectCount,
      partial: false,
    });
  });

  test("rows written differing from objectCount fail loudly with CountMismatch, and the manifest says so", async () => {
    standin.setMode({ extraObjectCount: 3 });
    const { submitted, state } = await finished("run-1");
    const error = failureOf(await download(submitted, state));
    expect(error).toMatchObject({ _tag: "CountMismatch", expected: state.objectCount, written: state.objectCount - 3 });
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({ countCheck: "mismatch" });
  });

  test("FAILED with INTERNAL_SERVER_ERROR keeps the partial data and flags it", async () => {
    standin.setMode({ outcome: "failed-partial" });
    const { submitted, state } = await finished("run-1");
    const output = finishedDownload(await download(submitted, state));
    expect(output.partial).toBe(true);
    expect(output.totalRows).toBeGreaterThan(0);
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({
      partial: true,
      countCheck: "skipped-partial",
      errorCode: "INTERNAL_SERVER_ERROR",
    });
  });

  test("gzip results are read", async () => {
    standin.setMode({ gzip: true });
    const { submitted, state } = await finished("run-1", "products");
    expect(finishedDownload(await download(submitted, state)).totalRows).toBe(state.objectCount);
  });

  test("an expired result URL is ExportUrlExpired (not retried)", async () => {
    const { submitted, state } = await finished("run-1");
    standin.setMode({ expireUrls: true });
    expect(failureOf(await download(submitted, state))).toMatchObject({ _tag: "ExportUrlExpired", status: 403 });
  });

  test("a result server failing with 5xx is Transient", async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(502);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x.jsonl`;
    try {
      const { submitted, state } = await finished("run-1");
      expect(failureOf(await download(submitted, { ...state, url }))).toMatchObject({ _tag: "Transient" });
    } finally {
      server.close();
    }
  });

  test("a completed export with nothing in range writes an empty, matching manifest", async () => {
    const { submitted, state } = await finished("run-1");
    const output = finishedDownload(await download(submitted, { ...state, url: null, objectCount: 0, rootObjectCount: 0 }));
    expect(output).toMatchObject({ totalRows: 0, partial: false });
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({ countCheck: "match", totalRows: 0 });
  });

  test("a gzip body served with a misleading name is still detected", async () => {
    const body = zlib.gzipSync('{"id":"gid://shopify/Customer/1","firstName":"Zoë"}\n');
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { submitted, state } = await finished("run-1", "customers");
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.jsonl`;
      expect(finishedDownload(await download(submitted, { ...state, url, objectCount: 1, rootObjectCount: 1 })).totalRows).toBe(1);
    } finally {
      server.close();
    }
  });

  test("a large export is converted in parts at root boundaries: every part uploaded, counts over parts equal objectCount", async () => {
    const { submitted, state } = await finished("run-1");
    // A stale part from an earlier, longer attempt of this run is removed, not counted.
    platform.state.objects.set("snapshots/shopify/orders/run=run-1/part-00099.parquet", { body: new Uint8Array([1]) });
    const output = finishedDownload(await run(downloadProgram({ ...submitted, operation: state }, { threads: 1, memoryLimit: "256MB", partBytes: 1_000 })));
    const lines = [...bulkLines("orders", standin.datasetOptions([...standin.operations.values()][0]!))];
    const counts = countLines(lines);
    expect(output).toMatchObject({
      partial: false,
      totalRows: counts.objectCount,
      rows: { orders: counts.rootObjectCount, order_line_items: counts.objectCount - counts.rootObjectCount },
    });
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!);
    expect(manifest).toMatchObject({ countCheck: "match", totalRows: counts.objectCount, partBytes: 1_000, cutsInsideChildren: 0 });
    // One part per root here (each order and its items exceed 1,000 bytes).
    expect(manifest.parts).toBe(counts.rootObjectCount);
    const orderKeys = [...platform.state.objects.keys()].filter((key) => key.startsWith("snapshots/shopify/orders/run=run-1/")).sort();
    expect(orderKeys).toEqual(Array.from({ length: counts.rootObjectCount }, (_, index) => `snapshots/shopify/orders/run=run-1/part-${String(index).padStart(5, "0")}.parquet`));
    expect(manifest.entities[0]).toMatchObject({ entity: "orders", key: orderKeys[0], keys: orderKeys, rows: counts.rootObjectCount });
  });

  test("a partial export (partialDataUrl) is streamed in parts the same way and flagged", async () => {
    standin.setMode({ outcome: "timeout-partial" });
    const { submitted, state } = await finished("run-1");
    const output = finishedDownload(await run(downloadProgram({ ...submitted, operation: state }, { threads: 1, partBytes: 1_000 })));
    expect(output.partial).toBe(true);
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!);
    expect(manifest).toMatchObject({ partial: true, countCheck: "skipped-partial", errorCode: "TIMEOUT" });
    expect(manifest.parts).toBeGreaterThan(1);
    expect(output.totalRows).toBeGreaterThan(0);
  });

  /** Invocations with a budget of two parts each: a clock that advances 1 s per look, the deadline at 4 s. */
  const twoPartBudget = () => {
    let now = 0;
    return { clock: () => (now += 1_000), deadlineMs: 4_000, deadlineMarginMs: 0 };
  };
  /** Runs the download as the workflow does (DownloadDone): again while it answers `continue: true`. */
  const downloadInInvocations = async (input: Parameters<typeof downloadProgram>[0], options: Parameters<typeof downloadProgram>[1], layer = layerFor()) => {
    const answers: Array<DownloadOutput | DownloadContinue> = [];
    for (let invocation = 0; invocation < 50; invocation++) {
      const answer = valueOf(
        await Effect.runPromiseExit(
          downloadProgram(input, { ...options, ...twoPartBudget() }).pipe(Effect.provide(layer)) as Effect.Effect<DownloadOutput | DownloadContinue, unknown>,
        ),
      );
      answers.push(answer);
      if (!answer.continue) return { answers, output: answer };
    }
    throw new Error("the download never finished");
  };
  const snapshotObjects = (runId: string) =>
    new Map(
      [...platform.state.objects.entries()]
        .filter(([key]) => key.startsWith("snapshots/") && key.includes(`/run=${runId}/`))
        .map(([key, value]) => [key.replace(`/run=${runId}/`, "/run=*/"), Buffer.from(value.body).toString("base64")]),
    );
  const comparableManifest = (runId: string, object = "orders") => {
    const { writtenAt: _writtenAt, invocations: _invocations, runId: _runId, entities, ...rest } = JSON.parse(platform.objectText(reconciliationObjectKey(runId, object))!);
    return {
      ...rest,
      entities: (entities as Array<{ key?: string; keys?: string[] }>).map((entity) => ({
        ...entity,
        key: entity.key?.replace(`/run=${runId}/`, "/run=*/"),
        keys: entity.keys?.map((key) => key.replace(`/run=${runId}/`, "/run=*/")),
      })),
    };
  };

  test.each([
    ["plain", "orders", false],
    ["gzip", "products", true],
  ] as const)("a %s export that outlives its invocation resumes in the next ones: the same parts and counts as one run", async (_kind, object, gzip) => {
    standin.setMode({ gzip });
    const { submitted, state } = await finished("run-1", object);
    const one = finishedDownload(await run(downloadProgram({ ...submitted, operation: state }, { threads: 1, partBytes: 1_000 })));
    const { answers, output } = await downloadInInvocations({ ...submitted, runId: "run-2", operation: state }, { threads: 1, partBytes: 1_000 });
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey("run-2", object))!);
    // Two parts per invocation, each stopping at a part boundary and answering `continue`.
    expect(manifest.parts).toBeGreaterThanOrEqual(3);
    expect(answers.length).toBe(Math.ceil(manifest.parts / 2));
    expect(answers.slice(0, -1).every((answer) => answer.continue)).toBe(true);
    expect(answers[0]).toMatchObject({ continue: true, partsDone: 2, invocations: 1, progressKey: reconciliationProgressKey("run-2", object) });
    expect(manifest).toMatchObject({ countCheck: "match", totalRows: state.objectCount, invocations: answers.length });
    expect({ ...output, manifestKey: "" }).toEqual({ ...one, manifestKey: "" });
    expect(comparableManifest("run-2", object)).toEqual(comparableManifest("run-1", object));
    // Byte for byte the same Parquet parts under the same keys.
    expect(snapshotObjects("run-2")).toEqual(snapshotObjects("run-1"));
    // A retry of the last (finished) invocation changes nothing.
    expect(finishedDownload(await run(downloadProgram({ ...submitted, runId: "run-2", operation: state }, { threads: 1, partBytes: 1_000 })))).toEqual(output);
    expect(snapshotObjects("run-2")).toEqual(snapshotObjects("run-1"));
  });

  test("a crash between uploading a part and recording its progress: the retry makes that part again under its key, no row counted twice", async () => {
    const { submitted, state } = await finished("run-1");
    const one = finishedDownload(await run(downloadProgram({ ...submitted, operation: state }, { threads: 1, partBytes: 1_000 })));
    const progressKey = reconciliationProgressKey("run-2", "orders");
    const uploads = new Map<string, number>();
    let progressWrites = 0;
    const crashing = Layer.effect(
      ObjectStore,
      Effect.map(ObjectStore, (store) => ({
        ...store,
        putFile: (key: string, file: string, options?: Parameters<typeof store.putFile>[2]) => {
          uploads.set(key, (uploads.get(key) ?? 0) + 1);
          return store.putFile(key, file, options);
        },
        // The third part is uploaded, then the invocation dies before its progress is written.
        put: (key: string, body: string | Uint8Array, options?: Parameters<typeof store.put>[2]) =>
          key === progressKey && ++progressWrites === 3 ? Effect.fail(new Transient({ service: "s3", reason: "the invocation died" })) : store.put(key, body, options),
      })),
    ).pipe(Layer.provide(platform.layer));
    const layer = Layer.mergeAll(layerFor(), crashing);
    const crashed = await Effect.runPromiseExit(
      downloadProgram({ ...submitted, runId: "run-2", operation: state }, { threads: 1, partBytes: 1_000 }).pipe(Effect.provide(layer)) as Effect.Effect<unknown, unknown>,
    );
    expect(failureOf(crashed)).toMatchObject({ _tag: "Transient" });
    expect(uploads.get("snapshots/shopify/orders/run=run-2/part-00002.parquet")).toBe(1);
    expect(JSON.parse(platform.objectText(progressKey)!)).toMatchObject({ nextIndex: 2, complete: false });
    // The retry (as Step Functions retries Transient) resumes from the recorded progress.
    const { output } = await downloadInInvocations({ ...submitted, runId: "run-2", operation: state }, { threads: 1, partBytes: 1_000 }, layer);
    expect(uploads.get("snapshots/shopify/orders/run=run-2/part-00002.parquet")).toBe(2);
    expect(uploads.get("snapshots/shopify/orders/run=run-2/part-00000.parquet")).toBe(1);
    expect({ ...output, manifestKey: "" }).toEqual({ ...one, manifestKey: "" });
    expect(comparableManifest("run-2")).toEqual(comparableManifest("run-1"));
    expect(snapshotObjects("run-2")).toEqual(snapshotObjects("run-1"));
  });

  test("progress of another operation under the same run id is not resumed", async () => {
    const { submitted, state } = await finished("run-1");
    platform.state.objects.set(reconciliationProgressKey("run-1", "orders"), {
      body: new TextEncoder().encode(
        JSON.stringify({
          runId: "run-1",
          object: "orders",
          operationId: "gid://shopify/BulkOperation/999999",
          status: "COMPLETED",
          partial: false,
          partBytes: 1_000,
          encoding: "plain",
          nextIndex: 3,
          nextOffset: 5_000,
          parts: [],
          invocations: 1,
          complete: false,
        }),
      ),
    });
    const output = finishedDownload(await run(downloadProgram({ ...submitted, operation: state }, { threads: 1, partBytes: 1_000 })));
    expect(output.totalRows).toBe(state.objectCount);
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({ countCheck: "match", invocations: 1 });
  });

  test("a connection that breaks mid-stream and cannot be resumed fails Transient naming the part", async () => {
    const body = Buffer.from(`${[...bulkLines("orders", { ...range, perDay: 40 })].join("\n")}\n`);
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { "content-length": String(body.length) });
      response.write(body.subarray(0, 9_000), () => setTimeout(() => response.socket?.destroy(), 5));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { submitted, state } = await finished("run-1");
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.jsonl`;
      const exit = await run(downloadProgram({ ...submitted, operation: { ...state, url } }, { threads: 1, partBytes: 4_000, maxResumes: 2, resumeDelayMs: 1 }));
      const error = failureOf(exit);
      expect(error).toMatchObject({ _tag: "Transient", service: "bulk-download" });
      // ~4,000 bytes a part and at most 9,000 bytes received: the second or third part.
      expect(String(error!.reason)).toMatch(
        /^the export stream broke in part ([12]) \(part-0000\1, after \d+ bytes of the export, 1 resume\(s\) tried\): cannot resume: the server answered HTTP 200/,
      );
      // No manifest claims a count for a short export.
      expect(platform.objectText(reconciliationObjectKey("run-1", "orders"))).toBeUndefined();
    } finally {
      server.close();
    }
  });

  test("an operation that is not finished (or failed without partial data) is InvalidPayload", async () => {
    const { submitted, state } = await finished("run-1");
    expect(failureOf(await download(submitted, { ...state, status: "CANCELED", partialAvailable: false }))).toMatchObject({ _tag: "InvalidPayload" });
  });
});

describe("record", () => {
  test("success releases the lease, marks the manifest and raises no alert", async () => {
    const { submitted, state } = await finished("run-1");
    const downloaded = finishedDownload(await run(downloadProgram({ ...submitted, operation: state }, { threads: 1 })));
    const output = valueOf(await run(recordObjectProgram({ ...submitted, operation: state, download: downloaded })));
    expect(output).toMatchObject({ object: "orders", outcome: "succeeded", totalRows: downloaded.totalRows });
    expect(platform.items("leases")).toEqual([]);
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({ outcome: "succeeded", countCheck: "match" });
    expect(platform.state.alerts).toEqual([]);
    expect(platform.metricTotal("backfill.succeeded")).toBe(1);
  });

  test("a caught error records the failure, releases the lease and alerts once (critical)", async () => {
    const submitted = valueOf(await submit("run-1"));
    const input = { ...submitted, error: { Error: "CountMismatch", Cause: JSON.stringify({ errorMessage: "rows written (9) differ from Shopify's objectCount (12)" }) } };
    const output = valueOf(await run(recordObjectProgram(input)));
    expect(output).toMatchObject({ outcome: "failed", reason: "CountMismatch: rows written (9) differ from Shopify's objectCount (12)" });
    valueOf(await run(recordObjectProgram(input)));
    expect(platform.state.alerts).toHaveLength(1);
    expect(platform.state.alerts[0]).toMatchObject({ kind: "backfill-failed", severity: "critical", dedupKey: "backfill:run-1:orders" });
    expect(platform.items("leases")).toEqual([]);
  });

  test("CANCELED / EXPIRED / FAILED without partial data is a failure; partial data is a warning", async () => {
    const submitted = valueOf(await submit("run-1"));
    const base: OperationState = {
      id: submitted.operationId,
      status: "CANCELED",
      errorCode: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      url: null,
      partialDataUrl: null,
      partialAvailable: false,
    };
    expect(valueOf(await run(recordObjectProgram({ ...submitted, operation: base }))).outcome).toBe("failed");
    const partial = valueOf(
      await run(
        recordObjectProgram({
          ...submitted,
          object: "customers",
          operation: { ...base, status: "FAILED", errorCode: "TIMEOUT" },
          download: { continue: false, manifestKey: "k", partial: true, totalRows: 3, rows: {} },
        }),
      ),
    );
    expect(partial.outcome).toBe("partial");
    expect(platform.state.alerts.map((alert) => alert.severity)).toEqual(["critical", "warning"]);
  });

  test("a run never releases another run's lease", async () => {
    const submitted = valueOf(await submit("run-1"));
    valueOf(await run(recordObjectProgram({ ...submitted, runId: "someone-else", error: { Error: "X" } })));
    expect(platform.items("leases")).toHaveLength(1);
  });

  test("summary writes the run manifest with every object's outcome", async () => {
    const output = valueOf(
      await run(
        summaryProgram({
          mode: "summary",
          runId: "run-1",
          ...range,
          results: [
            { object: "orders", outcome: "succeeded", totalRows: 10 },
            { object: "customers", outcome: "failed", totalRows: 0, reason: "x" },
          ],
        }),
      ),
    );
    expect(output).toMatchObject({ succeeded: 1, failed: 1, partial: 0, manifestKey: reconciliationManifestKey("run-1") });
    expect(JSON.parse(platform.objectText(reconciliationManifestKey("run-1"))!)).toMatchObject({
      runId: "run-1",
      failed: 1,
      objects: [{ object: "orders" }, { object: "customers" }],
    });
  });

  test("bad input is InvalidPayload", async () => {
    expect(failureOf(await run(recordObjectProgram({ runId: "r", object: "carts" as never })))).toMatchObject({ _tag: "InvalidPayload" });
  });
});

describe("bulk_operations/finish webhook", () => {
  const envelope = (detail: unknown) => ({ id: "evt-1", source: "aws.partner/shopify.com/1/sdp", "detail-type": "shopifyWebhook", time: "2026-03-03T10:00:00Z", detail });

  test("records the finish on the lease holding the operation (partner-bus shape)", async () => {
    const submitted = valueOf(await submit("run-1"));
    const exit = await run(
      bulkFinishProgram(
        envelope({
          payload: { admin_graphql_api_id: submitted.operationId, status: "completed", error_code: null, completed_at: "2026-03-03T09:59:00Z", type: "query" },
          metadata: { "X-Shopify-Topic": "bulk_operations/finish", "X-Shopify-Shop-Domain": standin.shop },
        }),
      ),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(platform.item("leases", { shop: standin.shop, slot: submitted.leaseSlot })).toMatchObject({ finished_status: "COMPLETED", finished_at: "2026-03-03T09:59:00Z" });
    // No run waits in AwaitFinish (no token stored): nothing to wake.
    expect(tokensSent).toEqual([]);
  });

  test("wakes the run waiting in AwaitFinish with SendTaskSuccess when a task token is stored", async () => {
    const submitted = valueOf(await submit("run-1"));
    valueOf(await run(awaitProgram({ ...submitted, mode: "await", taskToken: "token-x" })));
    const exit = await run(
      bulkFinishProgram(envelope({ payload: { admin_graphql_api_id: submitted.operationId, status: "completed" }, metadata: { "X-Shopify-Shop-Domain": standin.shop } })),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(tokensSent).toEqual([{ token: "token-x", output: { operationId: submitted.operationId, status: "COMPLETED" } }]);
    expect(platform.metricTotal("backfill.finish-woke-run")).toBe(1);
  });

  test("reads the payload from the raw event when the platform event does not carry it inline", async () => {
    const submitted = valueOf(await submit("run-1"));
    platform.state.objects.set("raw/shopify/bulk_operations/dt=2026-03-03/evt.json", {
      body: Buffer.from(JSON.stringify({ admin_graphql_api_id: submitted.operationId, status: "failed", error_code: "timeout" })),
    });
    const exit = await run(
      bulkFinishProgram({
        ...envelope({
          source: "shopify",
          topic: "bulk_operations/finish",
          eventId: "e",
          receivedAt: "t",
          rawKey: "raw/shopify/bulk_operations/dt=2026-03-03/evt.json",
          shopDomain: standin.shop,
        }),
        source: "sdp.shopify",
      }),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(platform.item("leases", { shop: standin.shop, slot: submitted.leaseSlot })).toMatchObject({ finished_status: "FAILED", finished_error_code: "TIMEOUT" });
  });

  test("an operation we do not hold (another app's) is ignored, not an error", async () => {
    const exit = await run(
      bulkFinishProgram(
        envelope({ payload: { admin_graphql_api_id: "gid://shopify/BulkOperation/777", status: "completed" }, metadata: { "x-shopify-shop-domain": standin.shop } }),
      ),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(platform.metricTotal("backfill.finish-ignored")).toBe(1);
  });

  test("a malformed webhook is InvalidPayload (to the DLQ, never retried)", async () => {
    expect(failureOf(await run(bulkFinishProgram(envelope({ payload: { status: "completed" }, metadata: {} }))))).toMatchObject({
      _tag: "InvalidPayload",
      field: "admin_graphql_api_id",
    });
    expect(
      failureOf(await run(bulkFinishProgram(envelope({ payload: { admin_graphql_api_id: "gid://shopify/BulkOperation/1", status: "completed" }, metadata: {} })))),
    ).toMatchObject({
      _tag: "InvalidPayload",
      field: "shopDomain",
    });
    expect(failureOf(await run(bulkFinishProgram(envelope(null))))).toMatchObject({ _tag: "InvalidPayload" });
  });
});
