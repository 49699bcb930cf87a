/**
 * The ingress routes of the embedded platform: the webhook doors (each the HTTP function of
 * contracts/functions.ts that serves it, run as the Lambda HTTP adapter runs it), the partner
 * event door, health, status and the DLQ redrive, plus the per-door answer counters.
 */
import { Effect, type ManagedRuntime } from "effect";
import { functionTimeoutSeconds } from "../contracts/functions";
import { withInvocationDeadline } from "../functions/kernel/deadline";
import type { HttpResponse } from "../functions/kernel/function-shape";
import type { KernelServices } from "../functions/kernel/live";
import { withLogContext } from "../functions/kernel/logger";
import { loadHttpFunction, webhookRouteKeys } from "./functions";
import type { PlatformLog } from "./log";
import type { DoorCounters } from "./platform-types";
import { flushMetrics } from "./processors";
import { UnknownRoute, type RedriveResult } from "./redrive";
import { jsonResponse, type IngressRoute } from "./server";

const doorOf = (routeKey: string) => routeKey.replace(/^POST \/webhooks\//, "");

const parseStatus = (body: string): string | undefined => {
  try {
    const parsed = JSON.parse(body) as { status?: unknown };
    return typeof parsed.status === "string" ? parsed.status : undefined;
  } catch {
    return undefined;
  }
};

/** Counts every answer by door: accepted, duplicate (a 200 saying so) or rejected by status code. */
export const makeDoorCounters = () => {
  const doorCounters: Record<string, DoorCounters> = {};
  const countResponse = (routeKey: string, response: HttpResponse) => {
    const counters = (doorCounters[routeKey] ??= { accepted: 0, duplicate: 0, rejected: {} });
    if (response.statusCode === 200) {
      const status = parseStatus(response.body);
      if (status === "duplicate") counters.duplicate++;
      else counters.accepted++;
    } else {
      counters.rejected[response.statusCode] = (counters.rejected[response.statusCode] ?? 0) + 1;
    }
  };
  const snapshot = (): Record<string, DoorCounters> => Object.fromEntries(Object.entries(doorCounters).map(([key, value]) => [key, { ...value, rejected: { ...value.rejected } }]));
  return { countResponse, snapshot };
};

/**
 * The webhook doors: one per function with `trigger: "http"` in contracts/functions.ts, at its
 * `route`. A missing entry file fails the start (local/functions.ts); a door whose function
 * fails to load answers 503 and is recorded in `unavailable`.
 */
export const webhookRoutes = (root: string, runtime: ManagedRuntime.ManagedRuntime<KernelServices, never>, unavailable: Record<string, string>, log: PlatformLog): IngressRoute[] =>
  webhookRouteKeys().map((routeKey) => {
    const loaded = loadHttpFunction(routeKey, root);
    const path_ = routeKey.slice("POST ".length);
    if (!loaded || !loaded.ok) {
      const reason = loaded ? loaded.reason : `no function in contracts/functions.ts serves ${routeKey}`;
      unavailable[doorOf(routeKey)] = reason;
      log("warn", "webhook door unavailable", { route: routeKey, reason });
      return { method: "POST", path: path_, handle: async () => jsonResponse(503, { error: `the ${doorOf(routeKey)} door is not available: ${reason}` }) };
    }
    const functionName = loaded.spec.name;
    return {
      method: "POST",
      path: path_,
      // As the Lambda HTTP adapter: a defect is a 500 (logged), never a crash.
      handle: (request) =>
        runtime.runPromise(
          loaded.program(request).pipe(
            Effect.catchAllDefect((defect) =>
              Effect.as(
                Effect.logError("unhandled defect", defect instanceof Error ? defect.message : String(defect)),
                jsonResponse(500, { error: "internal error", requestId: request.requestId }),
              ),
            ),
            Effect.map((response) => ({ ...response, headers: { "content-type": "application/json", ...response.headers } })),
            Effect.ensuring(flushMetrics),
            withLogContext({ correlationId: request.requestId, functionName }),
            withInvocationDeadline(Date.now() + functionTimeoutSeconds(loaded.spec) * 1000),
          ),
        ),
    };
  });

/** Health, status and `sdp redrive`'s door (dead letters back to their queues after the fix, as SQS's message move task). */
export const operatorRoutes = (options: {
  readonly depth: () => number;
  readonly status: () => unknown;
  readonly redrive: (routeId?: string) => Promise<RedriveResult>;
}): IngressRoute[] => [
  { method: "GET", path: "/health", handle: async () => jsonResponse(200, { status: "ok", depth: options.depth() }) },
  { method: "GET", path: "/status", handle: async () => jsonResponse(200, options.status()) },
  {
    method: "POST",
    path: "/dlq/redrive",
    handle: async (request) => {
      let route: string | undefined;
      try {
        const body = request.rawBody.byteLength === 0 ? {} : (JSON.parse(request.rawBody.toString("utf8")) as { route?: unknown });
        if (body.route !== undefined && typeof body.route !== "string") return jsonResponse(400, { error: '"route" must be a route id' });
        route = body.route;
      } catch {
        return jsonResponse(400, { error: 'the body must be {} or {"route": "<route id>"}' });
      }
      try {
        return jsonResponse(200, await options.redrive(route));
      } catch (error) {
        return jsonResponse(error instanceof UnknownRoute ? 404 : 500, { error: (error as Error).message });
      }
    },
  },
];
