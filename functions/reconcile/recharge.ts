/**
 * Recharge completeness: Recharge deletes a webhook after 20 failed retries over 48 hours, and it
 * keeps no event log to list. So each night lists the subscriptions and charges updated since the
 * last run started (API 2021-11: `updated_at_min`, cursor pages of 250; a cursor request takes
 * only `limit` besides it) and compares each with its hot-store row: an object the store lacks,
 * or holds in an older state, is fed through the Recharge door's path (redeliver.ts) as a
 * `<resource>/updated` delivery, so the processor writes it (newest state wins) and raises the
 * alerts its state calls for (a cancelled subscription, a failed charge), once per business event.
 * https://developer.getrecharge.com/2021-11/#list-subscriptions
 */
import { Config, Effect, Either, Option, Redacted } from "effect";
import { withRetry } from "../kernel/retry";
import { HotStore, ObjectStore, Secrets, type Item } from "../kernel/services";
import { decodePayload } from "../kernel/processor-frame";
import { describeRechargeDelivery } from "../recharge/describe";
import { chargeItem, subscriptionItem } from "../recharge/records";
import { ChargeWebhook, SubscriptionWebhook } from "../recharge/schemas";
import { RECHARGE_TOPIC_HEADER } from "../recharge/signature";
import { getJson, ProviderRejected } from "./provider-api";
import { markRecovered, redeliver } from "./redeliver";
import { emptyTally, type SourceTally } from "./tally";

export const RECHARGE_API_URL_VAR = "SDP_RECHARGE_API_URL";
const rechargeApiUrl = Config.string(RECHARGE_API_URL_VAR).pipe(Config.withDefault("https://api.rechargeapps.com"));
export const RECHARGE_API_VERSION = "2021-11";
/** Where the start of the last run is kept, so the next one lists from there (with an hour's overlap). */
export const RECHARGE_STATE_KEY = "metadata/reconciliation/recharge/state.json";
const OVERLAP_MS = 3600_000;

type Resource = "subscription" | "charge";
const resources: ReadonlyArray<{ readonly resource: Resource; readonly path: string; readonly table: "subscriptions" | "charges" }> = [
  { resource: "subscription", path: "subscriptions", table: "subscriptions" },
  { resource: "charge", path: "charges", table: "charges" },
];

/** Recharge's timestamps have no zone and are UTC: 2026-11-30T02:00:00. */
const rechargeTime = (at: Date) => at.toISOString().slice(0, 19);

const listUpdated = (base: string, token: string, path: string, since: Date) =>
  Effect.gen(function* () {
    const headers = { "x-recharge-access-token": token, "x-recharge-version": RECHARGE_API_VERSION };
    const objects: Array<Record<string, unknown>> = [];
    let url = `${base}/${path}?${new URLSearchParams({ updated_at_min: rechargeTime(since), limit: "250" })}`;
    for (;;) {
      const page = (yield* withRetry({ maxRetries: 5 })(getJson("Recharge", url, headers))) as Record<string, unknown>;
      const items = page[path];
      if (Array.isArray(items)) for (const object of items) if (object !== null && typeof object === "object") objects.push(object as Record<string, unknown>);
      const cursor = page.next_cursor;
      if (typeof cursor !== "string" || cursor === "") return objects;
      url = `${base}/${path}?${new URLSearchParams({ cursor, limit: "250" })}`;
    }
  });

const decodeSubscription = decodePayload(SubscriptionWebhook, "Recharge subscription");
const decodeCharge = decodePayload(ChargeWebhook, "Recharge charge");

/** The object as the hot store would hold it, when it decodes (otherwise the door and the processor judge it). */
const storedFormOf = (resource: Resource, object: Record<string, unknown>, receivedAt: string) => {
  const facts = { topic: `${resource}/updated`, eventId: "reconcile", tieBreaker: "", receivedAt };
  return resource === "subscription"
    ? Effect.map(decodeSubscription({ subscription: object }), ({ subscription }) => subscriptionItem(subscription, facts) as Item)
    : Effect.map(decodeCharge({ charge: object }), ({ charge }) => chargeItem(charge, facts) as Item);
};

/** True when the hot store already holds this state of the object or a newer one. */
const isHeld = (table: "subscriptions" | "charges", item: Item) =>
  Effect.map(
    Effect.flatMap(HotStore, (store) => store.get(table, { id: item.id })),
    (stored) =>
      Option.match(stored, {
        onNone: () => false,
        onSome: (row) => typeof row.updated_at === "string" && typeof item.updated_at === "string" && row.updated_at >= item.updated_at,
      }),
  );

/** Recharge's times have no zone and are UTC (some answers add +00:00): the object's time as ISO, or the run's when it has none. */
const rechargeTimeOf = (object: Record<string, unknown>, fallback: string) => {
  const at = object.updated_at;
  if (typeof at !== "string") return fallback;
  const parsed = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(at) ? at : `${at}Z`);
  return Number.isFinite(parsed) ? new Date(parsed).toISOString() : fallback;
};

export const reconcileRecharge = (now: Date, defaultLookbackDays = 3, runId = "reconcile") =>
  Effect.gen(function* () {
    const token = Redacted.value(
      yield* Effect.mapError(
        Effect.flatMap(Secrets, (secrets) => secrets.get("rechargeApi")),
        (error) => new ProviderRejected({ provider: "Recharge", status: 0, reason: `the Recharge API secret is unavailable: ${error.reason}` }),
      ),
    );
    const base = (yield* Effect.orDie(rechargeApiUrl)).replace(/\/+$/, "");
    const objects = yield* ObjectStore;
    const state = yield* objects.getText(RECHARGE_STATE_KEY);
    const lastStart = Option.flatMap(state, (text) => Option.liftThrowable(() => new Date((JSON.parse(text) as { lastStartedAt: string }).lastStartedAt))()).pipe(
      Option.filter((date) => !Number.isNaN(date.getTime())),
    );
    const since = Option.match(lastStart, { onNone: () => new Date(now.getTime() - defaultLookbackDays * 86_400_000), onSome: (date) => new Date(date.getTime() - OVERLAP_MS) });
    const receivedAt = now.toISOString();
    const tally: SourceTally = emptyTally("recharge");
    for (const { resource, path, table } of resources) {
      for (const object of yield* listUpdated(base, token, path, since)) {
        tally.listed += 1;
        const stored = yield* Effect.either(storedFormOf(resource, object, receivedAt));
        if (Either.isRight(stored) && (yield* isHeld(table, stored.right))) {
          tally.held += 1;
          continue;
        }
        const topic = `${resource}/updated`;
        const headers = { [RECHARGE_TOPIC_HEADER]: topic };
        const result = yield* redeliver(
          "recharge",
          headers,
          JSON.stringify({ [resource]: object }),
          (request) => describeRechargeDelivery(request.headers, request.rawBody),
          receivedAt,
        );
        const id = `${resource}:${String(object.id)}`;
        tally[result.outcome] += 1;
        if (result.outcome === "recovered") {
          tally.recoveredIds.push(id);
          yield* markRecovered("recharge", result, rechargeTimeOf(object, receivedAt), receivedAt, runId);
        }
        if (result.outcome === "failed") tally.failures.push(`${id}: ${result.status} ${result.reason ?? ""}`.trim());
      }
    }
    yield* objects.put(RECHARGE_STATE_KEY, JSON.stringify({ lastStartedAt: receivedAt, since: since.toISOString() }), { contentType: "application/json" });
    return tally;
  });
