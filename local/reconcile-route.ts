/**
 * `POST /reconcile/payments` on the embedded platform's ingress: runs the payments-reconcile
 * function's `program` (contracts/functions.ts, functions/reconcile/payments.ts) inside the
 * platform, with its kernel runtime, so a recovered event takes the door's path here exactly as in
 * AWS: raw copy first, the idempotency claim, the platform bus, the processors' queues. `sdp
 * reconcile payments` is its client.
 *
 * Locally nothing calls a provider's public API unless told to: each source's API is the body's
 * `stripeApiUrl` / `rechargeApiUrl` (a stand-in on this machine, local/payments-standin/server.ts)
 * or SDP_STRIPE_API_URL / SDP_RECHARGE_API_URL in the platform's environment; the API keys are
 * STRIPE_API_KEY / RECHARGE_API_TOKEN there, as for the other local secrets.
 */
import { Cause, ConfigProvider, Effect, Exit, Option, type ManagedRuntime } from "effect";
import { envVars } from "../contracts/env-vars";
import { functionTimeoutSeconds } from "../contracts/functions";
import { withInvocationDeadline } from "../functions/kernel/deadline";
import type { KernelServices } from "../functions/kernel/live";
import { withLogContext } from "../functions/kernel/logger";
import type { NightlyInput, NightlyReport } from "../functions/reconcile/payments-program";
import { loadEventFunction } from "./functions";
import { flushMetrics } from "./processors";
import { jsonResponse, type IngressRoute } from "./server";

export const RECONCILE_PAYMENTS_PATH = "/reconcile/payments";
export const RECONCILE_FUNCTION = "payments-reconcile";

/** The body `sdp reconcile payments` posts: the function's input plus where the providers' APIs are. */
export interface ReconcileRequestBody extends NightlyInput {
  readonly stripeApiUrl?: string;
  readonly rechargeApiUrl?: string;
}

type TaskProgram = (input: NightlyInput) => Effect.Effect<NightlyReport, unknown, KernelServices>;

const isLoopbackUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && ["127.0.0.1", "localhost", "[::1]", "::1"].includes(url.hostname);
  } catch {
    return false;
  }
};

const providers = [
  { source: "stripe", name: "Stripe", field: "stripeApiUrl", variable: envVars.stripeApiUrl, flag: "--stripe-api-url" },
  { source: "recharge", name: "Recharge", field: "rechargeApiUrl", variable: envVars.rechargeApiUrl, flag: "--recharge-api-url" },
] as const;

/** What a failed run says: the typed error's reason (ProviderRejected, InvalidPayload, Transient ...), never a payload. */
const failureOf = (cause: Cause.Cause<unknown>): { readonly status: number; readonly error: string } => {
  const failure = Cause.failureOption(cause);
  if (Option.isNone(failure)) return { status: 500, error: `the reconciliation died: ${Cause.pretty(cause).split("\n")[0]}` };
  const error = failure.value as { _tag?: string; reason?: string; service?: string };
  const reason = error.reason ?? (error.service ? `${error.service} is unavailable` : String(error._tag ?? error));
  return { status: error._tag === "InvalidPayload" ? 400 : 502, error: `${error._tag ?? "failure"}: ${reason}` };
};

export const reconcileRoute = (root: string, runtime: ManagedRuntime.ManagedRuntime<KernelServices, never>, env: NodeJS.ProcessEnv = process.env): IngressRoute => ({
  method: "POST",
  path: RECONCILE_PAYMENTS_PATH,
  handle: async (request) => {
    let body: ReconcileRequestBody;
    try {
      const parsed: unknown = request.rawBody.byteLength === 0 ? {} : JSON.parse(request.rawBody.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as ReconcileRequestBody;
    } catch {
      return jsonResponse(400, { error: "the body must be a JSON object: the function's input, plus stripeApiUrl / rechargeApiUrl" });
    }
    const { stripeApiUrl, rechargeApiUrl, ...input } = body;
    const wanted: ReadonlyArray<string> = Array.isArray(input.sources) ? input.sources : ["stripe", "recharge"];
    const urls = new Map<string, string>();
    for (const provider of providers) {
      const given = provider.field === "stripeApiUrl" ? stripeApiUrl : rechargeApiUrl;
      if (given !== undefined && (typeof given !== "string" || !isLoopbackUrl(given))) {
        return jsonResponse(400, { error: `${provider.field} must be an http URL on this machine (a stand-in), got ${JSON.stringify(given)}` });
      }
      const url = given ?? (provider.source === "stripe" ? env[envVars.stripeApiUrl] : env[envVars.rechargeApiUrl]);
      if (url !== undefined && url !== "") urls.set(provider.variable, url);
      else if (wanted.includes(provider.source)) {
        return jsonResponse(400, {
          error: `no ${provider.name} API for the local platform: pass ${provider.flag} <url of a stand-in> or start sdp local with ${provider.variable} (it never calls the public API unless told to)`,
        });
      }
    }
    const loaded = loadEventFunction(RECONCILE_FUNCTION, root);
    if (!loaded) return jsonResponse(404, { error: `no function named ${RECONCILE_FUNCTION} in contracts/functions.ts` });
    if (!loaded.ok) return jsonResponse(503, { error: loaded.reason });
    const program = loaded.program as unknown as TaskProgram;
    const config = ConfigProvider.fromMap(urls).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()));
    const exit = await runtime.runPromiseExit(
      program(input).pipe(
        Effect.withConfigProvider(config),
        Effect.ensuring(flushMetrics),
        withLogContext({ correlationId: request.requestId, functionName: RECONCILE_FUNCTION }),
        withInvocationDeadline(Date.now() + functionTimeoutSeconds(loaded.spec) * 1000),
      ),
    );
    if (Exit.isSuccess(exit)) return jsonResponse(200, exit.value);
    const { status, error } = failureOf(exit.cause);
    return jsonResponse(status, { error });
  },
});
