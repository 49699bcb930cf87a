import { Effect, Layer } from "effect";
import { Transient } from "../../functions/kernel/errors";
import { ObjectStore } from "../../functions/kernel/services";
import { backfillStates, backfillTaskStates, backfillWorkflowDefinition, retryableErrors, type BackfillExecutionInput } from "../../contracts/backfill-workflow";
import { reconciliationManifestKey, reconciliationObjectKey } from "../../contracts/lake-layout";
import { ShopifyAdminFromConfig } from "../../functions/backfill/shopify-graphql";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import { startShopifyStandin, type ShopifyStandin } from "../../local/shopify-standin";
import { bulkFinishProgram } from "../../functions/backfill/bulk-finish-program";
import { localTaskResources, localTaskTokens, runBackfillLocally, type BackfillProgress } from "../../local/state-machine";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as { default?: (definition: unknown) => { isValid: boolean; errors: unknown[] } };
const validate = aslValidator.default ?? (aslValidator as unknown as (definition: unknown) => { isValid: boolean; errors: unknown[] });

describe("workflow definition", () => {
  const definition = backfillWorkflowDefinition({
    submit: "arn:aws:lambda:eu-west-1:123456789012:function:acme-dev-backfill-submit",
    poll: "arn:aws:lambda:eu-west-1:123456789012:function:acme-dev-backfill-poll",
    download: "arn:aws:lambda:eu-west-1:123456789012:function:acme-dev-backfill-download",
    record: "arn:aws:lambda:eu-west-1:123456789012:function:acme-dev-backfill-record",
  });
  const inner = definition.States[backfillStates.exportEach].ItemProcessor.States as Record<string, Record<string, unknown>>;

  test("is valid Amazon States Language", () => {
    const result = validate(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test("submit, wait, poll, choice, download and record, in that order", () => {
    expect(definition.StartAt).toBe(backfillStates.exportEach);
    expect(inner[backfillStates.submit]!.Next).toBe(backfillStates.wait);
    expect(inner[backfillStates.wait]!.Next).toBe(backfillStates.awaitFinish);
    expect(inner[backfillStates.awaitFinish]!.Next).toBe(backfillStates.poll);
    expect(inner[backfillStates.poll]!.Next).toBe(backfillStates.status);
    expect(inner[backfillStates.download]!.Next).toBe(backfillStates.downloadDone);
    // A download that ran out of invocation time answers `continue: true` and runs again; otherwise on to RecordSuccess (refunds: FetchRefundDetails first).
    expect(inner[backfillStates.downloadDone]).toMatchObject({
      Type: "Choice",
      Choices: [
        {
          And: [
            { Variable: "$.download.continue", IsPresent: true },
            { Variable: "$.download.continue", BooleanEquals: true },
          ],
          Next: backfillStates.download,
        },
      ],
      Default: backfillStates.refundDetailsNeeded,
    });
    expect(inner[backfillStates.refundDetailsNeeded]).toMatchObject({
      Choices: [{ Variable: "$.object", StringEquals: "refunds", Next: backfillStates.fetchRefundDetails }],
      Default: backfillStates.recordSuccess,
    });
    expect(inner[backfillStates.fetchRefundDetails]).toMatchObject({
      Parameters: { mode: "refund-details" },
      Next: backfillStates.refundDetailsDone,
      ResultPath: "$.refundDetails",
    });
    expect(inner[backfillStates.refundDetailsDone]!.Default).toBe(backfillStates.recordSuccess);
    const choices = inner[backfillStates.status]!.Choices as Array<Record<string, unknown>>;
    expect(choices.map((choice) => choice.Next)).toEqual([backfillStates.download, backfillStates.download, backfillStates.wait]);
    expect(inner[backfillStates.status]!.Default).toBe(backfillStates.recordFailure);
  });

  test("every task retries Throttled and Transient with backoff and catches everything else to the failure record", () => {
    for (const name of [backfillStates.submit, backfillStates.poll, backfillStates.download]) {
      const state = inner[name] as { Retry: Array<{ ErrorEquals: string[]; BackoffRate: number; JitterStrategy: string }>; Catch: Array<{ ErrorEquals: string[]; Next: string }> };
      const retry = state.Retry.find((retrier) => retrier.ErrorEquals.includes("Throttled"))!;
      expect(retry.ErrorEquals).toEqual(expect.arrayContaining(["Throttled", "Transient"]));
      expect(retry.BackoffRate).toBeGreaterThan(1);
      expect(retry.JitterStrategy).toBe("FULL");
      expect(state.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: backfillStates.recordFailure }]);
    }
    // Nothing typed as "never retry" is in the retry list.
    for (const neverRetried of ["CountMismatch", "ShopifyUserErrors", "InvalidPayload", "ExportUrlExpired"]) expect(retryableErrors).not.toContain(neverRetried);
    expect((inner[backfillStates.submit] as { Retry: Array<{ ErrorEquals: string[] }> }).Retry[0]!.ErrorEquals).toEqual(["LeaseUnavailable"]);
  });

  test("every Task state names one of the four functions", () => {
    const resources = new Set(Object.values(localTaskResources()));
    const local = backfillWorkflowDefinition(localTaskResources());
    const tasks = [...Object.entries(local.States[backfillStates.exportEach].ItemProcessor.States), ...Object.entries(local.States)].filter(
      ([, state]) => (state as { Type: string }).Type === "Task",
    );
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(backfillTaskStates).sort());
    for (const [, state] of tasks) {
      const task = state as { Resource: string; Parameters?: { FunctionName?: string } };
      expect(resources.has(task.Resource === "arn:aws:states:::lambda:invoke.waitForTaskToken" ? task.Parameters!.FunctionName! : task.Resource)).toBe(true);
    }
  });

  test("AwaitFinish hands its task token to poll, and a timeout or error just polls", () => {
    const state = inner[backfillStates.awaitFinish] as {
      Resource: string;
      Parameters: { Payload: Record<string, string> };
      TimeoutSeconds: number;
      Catch: Array<{ Next: string; ResultPath: null }>;
    };
    expect(state.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(state.Parameters.Payload).toMatchObject({ mode: "await", "taskToken.$": "$$.Task.Token", "operationId.$": "$.operationId" });
    expect(state.TimeoutSeconds).toBe(900);
    expect(state.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: backfillStates.poll }]);
  });
});

describe("local workflow (aws-local-stepfunctions) against the Shopify stand-in", () => {
  let standin: ShopifyStandin;
  let platform: TestPlatform;
  beforeEach(async () => {
    standin = await startShopifyStandin({ perDay: 4 });
    platform = makeTestPlatform();
  });
  afterEach(() => standin.stop());

  const input = (objects: BackfillExecutionInput["objects"] = ["orders", "customers", "products"], runId = "run-1"): BackfillExecutionInput => ({
    runId,
    objects,
    since: "2026-04-01T00:00:00Z",
    until: "2026-04-04T00:00:00Z",
  });
  const execute = (execution: BackfillExecutionInput, apiVersion = "2026-01", progress: BackfillProgress[] = []) =>
    runBackfillLocally(execution, {
      layer: Layer.mergeAll(
        platform.layer,
        ShopifyAdminFromConfig({ shop: standin.shop, token: standin.token, apiVersion, endpoint: standin.url }, { baseDelay: "2 millis", maxRetries: 3 }),
      ),
      pollIntervalMs: 5,
      retryIntervalMs: 5,
      leaseWaitMs: 100,
      onProgress: (event) => progress.push(event),
    });

  test("exports all three objects, reconciles every count and frees every lease", async () => {
    standin.setMode({ pollsToFinish: 2 });
    const result = await execute(input());
    expect(result.status).toBe("SUCCEEDED");
    if (result.status !== "SUCCEEDED") return;
    expect(result.output).toMatchObject({ succeeded: 3, failed: 0, partial: 0 });
    for (const object of ["orders", "customers", "products"]) {
      expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", object))!)).toMatchObject({ countCheck: "match", outcome: "succeeded" });
    }
    for (const entity of ["orders", "order_line_items", "customers", "products", "product_variants"]) {
      expect(platform.state.objects.has(`snapshots/shopify/${entity}/run=run-1/part-00000.parquet`)).toBe(true);
    }
    expect(JSON.parse(platform.objectText(reconciliationManifestKey("run-1"))!)).toMatchObject({ succeeded: 3 });
    expect(platform.items("leases")).toEqual([]);
    expect(platform.state.alerts).toEqual([]);
    // On 2026-01 the three exports ran side by side.
    expect(standin.maxRunning()).toBe(3);
  });

  test("an export that outlives one invocation loops through DownloadDone back to Download until it is done", async () => {
    const progress: BackfillProgress[] = [];
    const result = await runBackfillLocally(input(["orders"]), {
      layer: Layer.mergeAll(platform.layer, ShopifyAdminFromConfig({ shop: standin.shop, token: standin.token, apiVersion: "2026-01", endpoint: standin.url })),
      pollIntervalMs: 5,
      retryIntervalMs: 5,
      // Every invocation (900 s, as the function's timeout) keeps all of it in hand: one part each.
      download: { threads: 1, partBytes: 1_000, deadlineMarginMs: 900_000 },
      onProgress: (event) => progress.push(event),
    });
    expect(result.status).toBe("SUCCEEDED");
    const manifest = JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!);
    expect(manifest).toMatchObject({ countCheck: "match", outcome: "succeeded", totalRows: manifest.objectCount });
    expect(manifest.parts).toBeGreaterThan(3);
    const downloads = progress.filter((event) => event.state === backfillStates.download && event.kind === "entered").length;
    expect(downloads).toBe(manifest.parts);
    expect(manifest.invocations).toBe(downloads);
    expect(progress.filter((event) => event.state === backfillStates.downloadDone && event.kind === "entered").length).toBe(downloads);
    expect(progress.filter((event) => event.state === backfillStates.recordSuccess && event.kind === "entered").length).toBe(1);
    expect(platform.items("leases")).toEqual([]);
  });

  test("throttling and 5xx from Shopify are retried until the run succeeds", async () => {
    standin.setMode({ throttleRequests: 3, serverErrors: 2, http429Requests: 1 });
    const result = await execute(input(["orders"]));
    expect(result.status).toBe("SUCCEEDED");
    expect(standin.requests).toEqual(expect.arrayContaining(["THROTTLED", "HTTP503", "HTTP429"]));
  });

  test("a persistent outage exhausts the retries, alerts and fails the run", async () => {
    standin.setMode({ serverErrors: 10_000 });
    const progress: BackfillProgress[] = [];
    const result = await execute(input(["orders"]), "2026-01", progress);
    expect(result).toMatchObject({ status: "FAILED", error: "BackfillIncomplete" });
    expect(progress.some((event) => event.kind === "retried" && event.state === backfillStates.submit)).toBe(true);
    expect(platform.state.alerts).toEqual([expect.objectContaining({ kind: "backfill-failed", severity: "critical" })]);
    expect(platform.items("leases")).toEqual([]);
  });

  test("FAILED with INTERNAL_SERVER_ERROR keeps the partial data, flags it and fails the run with a warning", async () => {
    standin.setMode({ outcome: "failed-partial" });
    const result = await execute(input(["orders"]));
    expect(result).toMatchObject({ status: "FAILED", error: "BackfillIncomplete", summary: { partial: 1 } });
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({ partial: true, outcome: "partial", errorCode: "INTERNAL_SERVER_ERROR" });
    expect(platform.state.objects.has("snapshots/shopify/orders/run=run-1/part-00000.parquet")).toBe(true);
    expect(platform.state.alerts).toEqual([expect.objectContaining({ severity: "warning" })]);
  });

  test.each([
    ["canceled", "CANCELED"],
    ["expired", "EXPIRED"],
    ["failed", "FAILED"],
  ] as const)("an operation ending %s is recorded as failed with an alert", async (outcome, status) => {
    standin.setMode({ outcome });
    const result = await execute(input(["customers"]));
    expect(result).toMatchObject({ status: "FAILED", summary: { failed: 1 } });
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "customers"))!)).toMatchObject({ outcome: "failed", status });
    expect(platform.state.alerts).toHaveLength(1);
  });

  test("a short export (objectCount above the rows) fails loudly: CountMismatch is not retried", async () => {
    standin.setMode({ extraObjectCount: 1 });
    const progress: BackfillProgress[] = [];
    const result = await execute(input(["products"]), "2026-01", progress);
    expect(result).toMatchObject({ status: "FAILED", summary: { failed: 1 } });
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "products"))!)).toMatchObject({
      countCheck: "mismatch",
      outcome: "failed",
      reason: expect.stringContaining("CountMismatch"),
    });
    expect(progress.filter((event) => event.kind === "retried" && event.state === backfillStates.download)).toEqual([]);
  });

  test("an expired result URL fails the object with an alert", async () => {
    standin.setMode({ expireUrls: true });
    const result = await execute(input(["orders"]));
    expect(result).toMatchObject({ status: "FAILED" });
    expect(JSON.parse(platform.objectText(reconciliationObjectKey("run-1", "orders"))!)).toMatchObject({ outcome: "failed", reason: expect.stringContaining("ExportUrlExpired") });
  });

  test("when even the lake is down, recording and the summary fail over to the failure states and the run ends FAILED", async () => {
    const brokenReads = Layer.effect(
      ObjectStore,
      Effect.map(ObjectStore, (store) => ({ ...store, getText: () => Effect.fail(new Transient({ service: "s3", reason: "GetObject failed" })) })),
    ).pipe(Layer.provide(platform.layer));
    const progress: BackfillProgress[] = [];
    const result = await runBackfillLocally(input(["orders"]), {
      layer: Layer.mergeAll(platform.layer, brokenReads, ShopifyAdminFromConfig({ shop: standin.shop, token: standin.token, apiVersion: "2026-01", endpoint: standin.url })),
      pollIntervalMs: 5,
      retryIntervalMs: 1,
      onProgress: (event) => progress.push(event),
    });
    expect(result).toMatchObject({ status: "FAILED", error: "BackfillIncomplete" });
    expect(progress.map((event) => `${event.state}:${event.kind}`)).toEqual(
      expect.arrayContaining([`${backfillStates.recordUnavailable}:entered`, `${backfillStates.summarize}:caught`, `${backfillStates.failed}:entered`]),
    );
  });

  test("a bulk_operations/finish webhook wakes a run waiting in AwaitFinish long before its poll would", async () => {
    standin.setMode({ pollsToFinish: 2 });
    const layer = Layer.mergeAll(platform.layer, ShopifyAdminFromConfig({ shop: standin.shop, token: standin.token, apiVersion: "2026-01", endpoint: standin.url }));
    const woke: number[] = [];
    const started = Date.now();
    const running = runBackfillLocally(input(["customers"]), {
      layer,
      pollIntervalMs: 5,
      awaitFinishMs: 60_000,
      onProgress: (event) => {
        if (event.state === backfillStates.awaitFinish && event.kind === "entered" && woke.length === 0) {
          // Shopify finishes the export and sends the webhook a moment later (once).
          setTimeout(() => {
            const lease = platform.items("leases")[0];
            if (!lease || woke.length > 0) return;
            void Effect.runPromise(
              bulkFinishProgram({
                id: "evt",
                source: "aws.partner/shopify.com/1/sdp",
                "detail-type": "shopifyWebhook",
                time: new Date().toISOString(),
                detail: { payload: { admin_graphql_api_id: lease.operationId, status: "completed" }, metadata: { "X-Shopify-Shop-Domain": standin.shop } },
              }).pipe(Effect.provide(Layer.mergeAll(platform.layer, localTaskTokens.layer))),
            ).then(() => woke.push(Date.now()));
          }, 100);
        }
      },
    });
    const result = await running;
    expect(result.status).toBe("SUCCEEDED");
    expect(woke.length).toBeGreaterThan(0);
    // Far below the 60 s the AwaitFinish state would otherwise have waited.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(platform.metricTotal("backfill.finish-woke-run")).toBeGreaterThan(0);
  });

  test("before API 2026-01 one lease serialises the three exports, and all still succeed", async () => {
    const progress: BackfillProgress[] = [];
    const result = await execute(input(), "2025-10", progress);
    expect(result.status).toBe("SUCCEEDED");
    expect(progress.some((event) => event.kind === "retried" && event.state === backfillStates.submit)).toBe(true);
    expect(standin.operations.size).toBe(3);
    expect(standin.maxRunning()).toBe(1);
  });
});

describe("entry files", () => {
  test("every backfill function in contracts/functions.ts exports `program` and `handler`", async () => {
    const { functionSpecs } = await import("../../contracts/functions");
    const backfill = functionSpecs.filter((spec) => spec.layer === "backfill");
    expect(backfill.map((spec) => spec.entry).sort()).toEqual([
      "functions/backfill/bulk-finish.ts",
      "functions/backfill/download.ts",
      "functions/backfill/poll.ts",
      "functions/backfill/record.ts",
      "functions/backfill/submit.ts",
    ]);
    for (const spec of backfill) {
      const entry = (await import(`../../${spec.entry}`)) as Record<string, unknown>;
      expect(typeof entry.program).toBe("function");
      expect(typeof entry[spec.handler]).toBe("function");
    }
  });
});
