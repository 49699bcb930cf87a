/**
 * Stripe completeness: Stripe retries a webhook for 3 days and keeps events for 30, so each night
 * lists the events of the last `days` days (GET /v1/events, newest first, 100 a page) and feeds
 * every one the lake does not hold through the Stripe door's path (redeliver.ts).
 *
 * Two passes: `delivery_success=false` first (events Stripe itself knows it could not deliver:
 * cheap, and what usually matters), then every event of the window (events whose webhook was
 * answered 200 by something that lost them, or whose type no endpoint subscribes to). An event
 * seen in both passes is fed once. https://docs.stripe.com/api/events/list
 */
import { Config, Effect, Either, Redacted } from "effect";
import { stripeTypePrefixes } from "../../contracts/events";
import { describeStripeBody } from "../stripe/describe";
import { withRetry } from "../kernel/retry";
import { Secrets } from "../kernel/services";
import { getJson, ProviderRejected } from "./provider-api";
import { markRecovered, redeliver } from "./redeliver";
import { emptyTally, type SourceTally } from "./tally";

export const STRIPE_API_URL_VAR = "SDP_STRIPE_API_URL";
const stripeApiUrl = Config.string(STRIPE_API_URL_VAR).pipe(Config.withDefault("https://api.stripe.com"));

interface EventPage {
  readonly data?: ReadonlyArray<{ readonly id?: unknown }>;
  readonly has_more?: unknown;
}

export interface StripeWindow {
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

const listPages = (base: string, apiKey: string, window: StripeWindow, deliverySuccess: boolean | undefined) =>
  Effect.gen(function* () {
    const events: Array<Record<string, unknown>> = [];
    let startingAfter: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: "100", "created[gte]": String(window.fromSeconds), "created[lte]": String(window.toSeconds) });
      if (deliverySuccess !== undefined) query.set("delivery_success", String(deliverySuccess));
      if (startingAfter) query.set("starting_after", startingAfter);
      const page = (yield* withRetry({ maxRetries: 5 })(getJson("Stripe", `${base}/v1/events?${query}`, { authorization: `Bearer ${apiKey}` }))) as EventPage;
      const data = Array.isArray(page.data) ? page.data : [];
      for (const event of data) if (typeof event?.id === "string") events.push(event as Record<string, unknown>);
      const last = data.at(-1)?.id;
      if (page.has_more !== true || typeof last !== "string") return events;
      startingAfter = last;
    }
  });

/** The event types the platform's Stripe endpoint subscribes to (contracts/events.ts): the others were never meant to arrive by webhook. */
const inScope = (type: unknown) => typeof type === "string" && stripeTypePrefixes.some((prefix) => type.startsWith(prefix));

/** The event's own time (`created`, seconds), or the run's when it has none. */
const eventTimeOf = (event: Record<string, unknown>, fallback: string) =>
  typeof event.created === "number" && Number.isFinite(event.created) ? new Date(event.created * 1000).toISOString() : fallback;

/**
 * Lists the window's events and feeds the missing ones; `receivedAt` dates the recovered raw
 * copies, and each recovered one leaves its marker for the data-quality run (redeliver.ts).
 * Events of types no endpoint subscribes to are counted as `ignored`, never fed.
 */
export const reconcileStripe = (window: StripeWindow, receivedAt: string, runId = "reconcile") =>
  Effect.gen(function* () {
    const apiKey = Redacted.value(
      yield* Effect.mapError(
        Effect.flatMap(Secrets, (secrets) => secrets.get("stripeApi")),
        (error) => new ProviderRejected({ provider: "Stripe", status: 0, reason: `the Stripe API secret is unavailable: ${error.reason}` }),
      ),
    );
    const base = (yield* Effect.orDie(stripeApiUrl)).replace(/\/+$/, "");
    const tally: SourceTally = emptyTally("stripe");
    const seen = new Set<string>();
    for (const deliverySuccess of [false, undefined] as const) {
      for (const event of yield* listPages(base, apiKey, window, deliverySuccess)) {
        const id = event.id as string;
        if (seen.has(id)) continue;
        seen.add(id);
        if (!inScope(event.type)) {
          tally.ignored += 1;
          continue;
        }
        tally.listed += 1;
        const result = yield* redeliver(
          "stripe",
          {},
          JSON.stringify(event),
          (request) => Either.map(describeStripeBody(request.rawBody), ({ eventId, topic, entity }) => ({ eventId, topic, entity })),
          receivedAt,
        );
        tally[result.outcome] += 1;
        if (result.outcome === "recovered") {
          tally.recoveredIds.push(id);
          yield* markRecovered("stripe", result, eventTimeOf(event, receivedAt), receivedAt, runId);
        }
        if (result.outcome === "failed") tally.failures.push(`${id}: ${result.status} ${result.reason ?? ""}`.trim());
      }
    }
    return tally;
  });
