/**
 * Feeds an object a provider's API returned through the same path as a webhook: the source's
 * door (functions/kernel/ingress.ts) with a verifier that trusts the body, because it came from
 * the provider's own API over TLS with our API key rather than from the internet. Everything else
 * is the door's: the limits, the raw copy first (If-None-Match), the idempotency record under the
 * same key a webhook would take, the platform bus event. So an event the lake already holds is
 * answered `duplicate` and a recovered one is processed exactly as if its webhook had arrived.
 */
import { randomUUID } from "node:crypto";
import { Effect, Either } from "effect";
import type { Source } from "../../contracts/lake-layout";
import type { InvalidPayload } from "../kernel/errors";
import type { HttpRequest } from "../kernel/function-shape";
import { webhookIngress, type VerifiedWebhook } from "../kernel/ingress";
import type { EventBus, Idempotency, Metrics, ObjectStore } from "../kernel/services";

export type Redelivery = "recovered" | "held" | "failed";

export interface Described {
  readonly eventId: string;
  readonly topic: string;
  readonly entity: string;
}

export const redeliver = (
  source: Source,
  headers: Record<string, string>,
  rawBody: string,
  describe: (request: HttpRequest) => Either.Either<Described, InvalidPayload>,
  receivedAt: string,
): Effect.Effect<{ readonly outcome: Redelivery; readonly status: number; readonly reason?: string }, never, ObjectStore | Idempotency | EventBus | Metrics> => {
  const door = webhookIngress({
    source,
    verify: (request) => Effect.map(Either.match(describe(request), { onLeft: Effect.fail, onRight: Effect.succeed }), (described): VerifiedWebhook => described),
  });
  const request: HttpRequest = { method: "POST", path: `/reconcile/${source}`, headers, rawBody: Buffer.from(rawBody, "utf8"), requestId: randomUUID(), receivedAt };
  return Effect.map(door(request), (response) => {
    const answer = answerOf(response.body);
    if (response.statusCode !== 200) return { outcome: "failed" as const, status: response.statusCode, reason: typeof answer.error === "string" ? answer.error : "rejected" };
    return { outcome: answer.status === "duplicate" ? ("held" as const) : ("recovered" as const), status: 200 };
  });
};

/** The door's JSON answer ({"status": ...} or {"error": ...}, kernel/ingress.ts `json`). */
const answerOf = (body: string): { readonly status?: unknown; readonly error?: unknown } => {
  try {
    return JSON.parse(body) as { status?: unknown; error?: unknown };
  } catch {
    return {};
  }
};
