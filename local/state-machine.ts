/**
 * Runs the backfill workflow locally: the exact definition from contracts/backfill-workflow.ts,
 * executed by aws-local-stepfunctions, with each Task state mapped to the in-process program of
 * the function its Resource names (the same `program` exports Lambda runs). Wait states and
 * retry intervals are shortened so a local run does not sleep for minutes.
 */
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option } from "effect";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import {
  backfillStates,
  backfillTaskStates,
  backfillWorkflowDefinition,
  type BackfillExecutionInput,
  type BackfillTaskResources,
  type SummaryOutput,
} from "../contracts/backfill-workflow";
import { functionSpec, functionTimeoutSeconds } from "../contracts/functions";
import { downloadProgram, type DownloadOptions } from "../functions/backfill/download-program";
import { refundDetailsProgram, type RefundDetailsOptions } from "../functions/backfill/refund-details-program";
import { withInvocationDeadline } from "../functions/kernel/deadline";
import { awaitProgram, pollProgram, type AwaitInput } from "../functions/backfill/poll-program";
import { makeLocalTaskTokens } from "../functions/backfill/task-tokens";
import { recordProgram } from "../functions/backfill/record-program";
import { submitProgram } from "../functions/backfill/submit-program";
import { loggerLayer } from "../functions/kernel/logger";
import { Alerts, DeadLetters, EventBus, Metrics, type Alert } from "../functions/kernel/services";

/** Lambda ARNs the local definition names (only their names matter locally). */
export const localTaskResources = (region = "eu-west-1", accountId = "000000000000"): BackfillTaskResources => {
  const arn = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:local-${functionSpec(name).name}`;
  return { submit: arn("backfill-submit"), poll: arn("backfill-poll"), download: arn("backfill-download"), record: arn("backfill-record") };
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTask = (input: any) => Effect.Effect<unknown, unknown, any>;

/** Each invocation of the download ends at the function's timeout, as in Lambda; it resumes in the next (DownloadDone). */
const programsWith = (download: DownloadOptions = {}, refundDetails: RefundDetailsOptions = {}): Record<keyof BackfillTaskResources, AnyTask> => ({
  submit: submitProgram,
  poll: pollProgram,
  // The download function also serves FetchRefundDetails (mode "refund-details").
  download: (input) =>
    Effect.suspend(() =>
      Effect.gen(function* () {
        if (input?.mode === "refund-details") return yield* refundDetailsProgram(input, refundDetails);
        return yield* downloadProgram(input, download);
      }).pipe(withInvocationDeadline(Date.now() + functionTimeoutSeconds(functionSpec("backfill-download")) * 1000)),
    ),
  record: recordProgram,
});

/** A failure as Lambda reports it to Step Functions: the error's name is its `_tag`. */
export const taskError = (cause: Cause.Cause<unknown>): Error => {
  const failure = Cause.failureOption(cause);
  const value = Option.isSome(failure) ? failure.value : Option.getOrUndefined(Cause.dieOption(cause));
  const tagged = value as { _tag?: string; message?: string; reason?: string } | undefined;
  const error = new Error(tagged?.message || tagged?.reason || (value instanceof Error ? value.message : String(value ?? "interrupted")));
  error.name = tagged?._tag ?? (value instanceof Error ? value.name : "Error");
  return error;
};

export interface BackfillProgress {
  readonly state: string;
  readonly kind: "entered" | "retried" | "caught" | "failed";
  readonly object?: string;
  readonly detail?: string;
}

export interface LocalRunOptions<R> {
  /** Provides every service the four programs need (ShopifyAdmin, HotStore, ObjectStore, Alerts, Metrics). */
  readonly layer: Layer.Layer<R, unknown, never>;
  /** Milliseconds each Wait state pauses (default 50). */
  readonly pollIntervalMs?: number;
  /** Milliseconds AwaitFinish waits for a finish webhook before polling (default: pollIntervalMs). */
  readonly awaitFinishMs?: number;
  /** Milliseconds before a retry (default 20). */
  readonly retryIntervalMs?: number;
  /** Milliseconds a submit waits for a busy lease before trying again (default 500; 20 tries). */
  readonly leaseWaitMs?: number;
  readonly onProgress?: (progress: BackfillProgress) => void;
  /** Options of every Download invocation (tests: a small part size, a short deadline). */
  readonly download?: DownloadOptions;
  /** Options of every FetchRefundDetails invocation (tests: a small page or batch, a short deadline). */
  readonly refundDetails?: RefundDetailsOptions;
}

export type LocalRunResult =
  | { readonly status: "SUCCEEDED"; readonly output: SummaryOutput }
  | { readonly status: "FAILED"; readonly error: string; readonly cause: string; readonly summary?: SummaryOutput };

/**
 * In-process task tokens: the AwaitFinish state waits on them, and a bulk_operations/finish
 * webhook handled in this process with `localTaskTokens.layer` wakes the run.
 */
export const localTaskTokens = makeLocalTaskTokens();

export const runBackfillLocally = async <R>(input: BackfillExecutionInput, options: LocalRunOptions<R>): Promise<LocalRunResult> => {
  const resources = localTaskResources();
  const definition = backfillWorkflowDefinition(resources);
  const runtime = ManagedRuntime.make(Layer.merge(options.layer, localTaskTokens.layer));
  const programs = programsWith(options.download, options.refundDetails);
  let summary: SummaryOutput | undefined;
  // AwaitFinish: the Lambda gets {FunctionName, Payload}; the token is per operation locally.
  const awaitFinish = async (stateInput: unknown) => {
    const payload = (stateInput as { Payload: AwaitInput }).Payload;
    const token = `local:${payload.runId}:${payload.operationId}`;
    const exit = await runtime.runPromiseExit(awaitProgram({ ...payload, taskToken: token }) as Effect.Effect<unknown, unknown, R>);
    if (Exit.isFailure(exit)) throw taskError(exit.cause);
    await localTaskTokens.wait(token, options.awaitFinishMs ?? options.pollIntervalMs ?? 50);
    return {};
  };
  try {
    const handlers = Object.fromEntries(
      Object.entries(backfillTaskStates).map(([stateName, task]) => [
        stateName,
        stateName === backfillStates.awaitFinish
          ? awaitFinish
          : async (stateInput: unknown) => {
              const exit = await runtime.runPromiseExit(programs[task](stateInput) as Effect.Effect<unknown, unknown, R>);
              if (Exit.isFailure(exit)) throw taskError(exit.cause);
              if (stateName === backfillStates.summarize) summary = exit.value as SummaryOutput;
              return exit.value as never;
            },
      ]),
    );
    const retryStates = Object.keys(backfillTaskStates);
    const machine = new StateMachine(definition as unknown as StateMachineDefinition);
    const execution = machine.run(input as never, {
      // `$$.Task.Token` must resolve; the AwaitFinish handler makes the real (per operation) one.
      context: { Task: { Token: "local" } },
      overrides: {
        taskResourceLocalHandlers: handlers,
        waitTimeOverrides: { [backfillStates.wait]: options.pollIntervalMs ?? 50 },
        // Per retrier: Submit's first retrier waits for a lease, the others back off from errors.
        retryIntervalOverrides: Object.fromEntries(
          retryStates.map((state) => [state, state === backfillStates.submit ? [options.leaseWaitMs ?? 500, options.retryIntervalMs ?? 20] : (options.retryIntervalMs ?? 20)]),
        ),
      },
    });
    const watching = (async () => {
      if (!options.onProgress) return;
      for await (const event of execution.eventLogs) {
        const state = "state" in event ? event.state : undefined;
        const object = (state?.input as { object?: string } | undefined)?.object;
        const base = { state: state?.name ?? event.type, ...(object ? { object } : {}) };
        if (event.type === "StateEntered") options.onProgress({ ...base, kind: "entered" });
        else if (event.type === "StateRetried") options.onProgress({ ...base, kind: "retried" });
        else if (event.type === "StateCaught") options.onProgress({ ...base, kind: "caught" });
        else if (event.type === "StateFailed") options.onProgress({ ...base, kind: "failed", detail: `${event.Error}: ${String(event.Cause)}` });
      }
    })();
    try {
      const output = (await execution.result) as unknown as SummaryOutput;
      await watching.catch(() => undefined);
      return { status: "SUCCEEDED", output };
    } catch (error) {
      await watching.catch(() => undefined);
      const failure = error as Error & { cause?: { name?: string; message?: string } };
      return {
        status: "FAILED",
        error: failure.cause?.name ?? failure.name,
        cause: failure.cause?.message ?? failure.message,
        ...(summary ? { summary } : {}),
      };
    }
  } finally {
    await runtime.dispose();
  }
};

export interface LocalBackfillOptions {
  readonly input: BackfillExecutionInput;
  /** Emulator data (and the lake, under <dataDir>/s3/<bucket>/). */
  readonly dataDir: string;
  /** Where SHOPIFY_GRAPHQL_ENDPOINT / SHOPIFY_ADMIN_TOKEN (a token or the admin secret's JSON) / SHOPIFY_SHOP_DOMAIN are read from. */
  readonly env: NodeJS.ProcessEnv;
  readonly onProgress?: (progress: BackfillProgress) => void;
  readonly pollIntervalMs?: number;
}

/**
 * `sdp backfill --env local`: the workflow against the Shopify stand-in (or a real endpoint from
 * SHOPIFY_GRAPHQL_ENDPOINT) and the local lake. Reuses the emulators of an `sdp local` already
 * running on the data dir, otherwise starts its own for the run.
 */
/** How the local backfill reached Shopify: the app's kind of credentials, tokens issued (stand-in only) and the API version. */
export interface LocalShopifyApp {
  readonly auth: "client-credentials" | "access-token";
  readonly apiVersion: string;
  readonly endpoint: "stand-in" | "SHOPIFY_GRAPHQL_ENDPOINT";
  readonly tokensIssued?: number;
}

export const runLocalBackfill = async (
  options: LocalBackfillOptions,
): Promise<LocalRunResult & { readonly lakeDir: string; readonly alerts: ReadonlyArray<Alert>; readonly shopifyApp: LocalShopifyApp }> => {
  const { emulatorsOfDataDir } = await import("./emulators");
  const { localEnvironment, applyEnvironment } = await import("./environment");
  const { envVars } = await import("../contracts/env-vars");
  const { ShopifyAdminFromConfig } = await import("../functions/backfill/shopify-graphql");
  const { startShopifyStandin } = await import("./shopify-standin/server");
  const stops: Array<() => Promise<void>> = [];
  let tokensIssued: (() => number) | undefined;
  try {
    const endpoint = options.env[envVars.shopifyGraphqlEndpoint];
    let shopify: { endpoint: string; token?: string; clientId?: string; clientSecret?: string; shop: string; apiVersion: string };
    if (endpoint) {
      const secret = options.env[envVars.shopifyAdminToken];
      const { parseAdminSecret } = await import("../functions/shopify/admin-token");
      const parsed = secret ? parseAdminSecret(secret) : undefined;
      if (parsed && parsed._tag === "Left") throw new Error(`${envVars.shopifyAdminToken} ${parsed.left}`);
      const shop = (parsed?._tag === "Right" ? parsed.right.shop : undefined) ?? options.env[envVars.shopifyShopDomain];
      if (!parsed || !shop)
        throw new Error(`${envVars.shopifyGraphqlEndpoint} is set: set ${envVars.shopifyAdminToken} (a token or {"clientId","clientSecret"}) and ${envVars.shopifyShopDomain} too`);
      const credentials = parsed.right.credentials;
      const { Redacted } = await import("effect");
      shopify = {
        endpoint,
        shop,
        apiVersion: parsed.right.apiVersion ?? options.env[envVars.shopifyApiVersion] ?? "2026-01",
        ...(credentials.kind === "access-token"
          ? { token: Redacted.value(credentials.accessToken) }
          : { clientId: credentials.clientId, clientSecret: Redacted.value(credentials.clientSecret) }),
      };
    } else {
      // The stand-in plays a Dev Dashboard app: client credentials, short-lived tokens.
      const standin = await startShopifyStandin();
      stops.push(standin.stop);
      tokensIssued = () => standin.tokenStats().issued;
      shopify = { endpoint: standin.url, clientId: standin.clientId, clientSecret: standin.clientSecret, shop: standin.shop, apiVersion: standin.apiVersion };
    }

    const emulators = await emulatorsOfDataDir(options.dataDir);
    stops.push(emulators.stop);
    const restore = applyEnvironment(localEnvironment(emulators, options.env, options.dataDir));
    stops.push(async () => restore());

    const alerts: Alert[] = [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const live = require("../functions/kernel/live") as typeof import("../functions/kernel/live");
    // The live lake, tables and secrets (the emulators); in-process stand-ins for what has no
    // local AWS target (EventBridge, SNS, SQS). The CLI prints its own progress: metrics and JSON
    // logs stay out of its output.
    const kernel = Layer.mergeAll(
      live.ObjectStoreLive,
      live.SecretsLive,
      live.IdempotencyLive,
      Layer.succeed(EventBus, { publish: () => Effect.void }),
      Layer.succeed(Alerts, {
        publish: (alert) =>
          Effect.sync(() => {
            if (alerts.some((seen) => seen.dedupKey === alert.dedupKey)) return { published: false };
            alerts.push(alert);
            return { published: true };
          }),
      }),
      Layer.succeed(DeadLetters, { send: () => Effect.void }),
      Layer.succeed(
        Metrics,
        live.makeEmfMetrics(() => undefined),
      ),
      loggerLayer(() => undefined),
    ).pipe(Layer.provideMerge(live.HotStoreLive));
    const layer = Layer.mergeAll(kernel, ShopifyAdminFromConfig(shopify));
    const result = await runBackfillLocally(options.input, {
      layer,
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : { pollIntervalMs: endpoint ? 10_000 : 100 }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const shopifyApp: LocalShopifyApp = {
      auth: shopify.clientId !== undefined ? "client-credentials" : "access-token",
      apiVersion: shopify.apiVersion,
      endpoint: endpoint ? "SHOPIFY_GRAPHQL_ENDPOINT" : "stand-in",
      ...(tokensIssued ? { tokensIssued: tokensIssued() } : {}),
    };
    return {
      ...result,
      lakeDir: emulators.ofRunningPlatform ? `s3://${emulators.bucket} (${emulators.endpoints.s3})` : `${options.dataDir}/s3/${emulators.bucket}`,
      alerts,
      shopifyApp,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
};
