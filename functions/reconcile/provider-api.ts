/**
 * GET requests to a provider's REST API (Stripe, Recharge) for the nightly reconciliation:
 * JSON in, typed failures out. 429 is Throttled (with the provider's Retry-After), 5xx and
 * network errors are Transient (both retried by the caller's policy), any other 4xx is
 * `ProviderRejected`: a wrong key or a bad request that no retry fixes, said plainly.
 */
import { Data, Effect } from "effect";
import { Throttled, Transient } from "../kernel/errors";

export class ProviderRejected extends Data.TaggedError("ProviderRejected")<{ readonly provider: string; readonly status: number; readonly reason: string }> {}

export type ProviderError = Throttled | Transient | ProviderRejected;

/** What to do for each status: the provider's name goes into every message. */
export const getJson = (provider: string, url: string, headers: Record<string, string>, timeoutMs = 30_000): Effect.Effect<unknown, ProviderError> =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) }),
    catch: (cause) => new Transient({ service: provider, reason: `request failed: ${(cause as Error)?.message ?? String(cause)}`, cause }),
  }).pipe(
    Effect.flatMap((response): Effect.Effect<unknown, ProviderError> => {
      if (response.status === 429) {
        const seconds = Number(response.headers.get("retry-after"));
        return Effect.fail(new Throttled({ service: provider, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}) }));
      }
      if (response.status >= 500) return Effect.fail(new Transient({ service: provider, reason: `answered ${response.status}` }));
      if (response.status === 401 || response.status === 403) {
        return Effect.fail(
          new ProviderRejected({ provider, status: response.status, reason: `${provider} rejected the API key (HTTP ${response.status}): check the ${provider} API secret` }),
        );
      }
      if (response.status >= 400)
        return Effect.fail(new ProviderRejected({ provider, status: response.status, reason: `${provider} rejected the request (HTTP ${response.status})` }));
      return Effect.tryPromise({
        try: () => response.json() as Promise<unknown>,
        catch: () => new Transient({ service: provider, reason: "answered with a body that is not JSON" }),
      });
    }),
  );
