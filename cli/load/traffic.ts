/**
 * Traffic for `sdp load` and the drills: the demo's signed, realistic deliveries (demo/traffic.ts:
 * orders with their updates, customers, products, carts, Recharge subscriptions and charges,
 * Stripe charges, invoices, disputes; Shopify half over the HTTPS door, half over the partner
 * bus), and the identity that links a delivery to the events the platform settles.
 */
import { Either } from "effect";
import type { BusEnvelope } from "../../functions/kernel/function-shape";
import { describeRechargeDelivery } from "../../functions/recharge/describe";
import { webhookSecretsFrom } from "../../demo/signing";
import { defaultDayStart, generateTraffic, type Delivery, type Source, type Traffic } from "../../demo/traffic";

export const allSources: ReadonlyArray<Source> = ["shopify", "recharge", "stripe"];

export const parseSources = (text: string | undefined): Source[] | string => {
  if (text === undefined) return [...allSources];
  const list = text
    .split(",")
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== "");
  const unknown = list.filter((part) => !(allSources as ReadonlyArray<string>).includes(part));
  if (list.length === 0 || unknown.length > 0)
    return `--sources takes a comma-separated list of ${allSources.join(", ")}${unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""}`;
  return [...new Set(list)] as Source[];
};

/**
 * `count` distinct deliveries (no duplicates, no forgeries) of the chosen sources, in the order
 * a day of the demo sends them. A fresh seed gives fresh event ids, so the traffic is new even to
 * a platform that has seen another run.
 */
export const loadDeliveries = (options: {
  readonly count: number;
  readonly sources: ReadonlyArray<Source>;
  readonly seed: number;
  readonly env: NodeJS.ProcessEnv;
  readonly now?: Date;
}): Delivery[] => {
  const secrets = webhookSecretsFrom(options.env);
  const dayStart = defaultDayStart(options.now);
  // About 7 deliveries per order with every source; fewer when only Recharge or Stripe is asked for.
  let orders = Math.max(4, Math.ceil(options.count / 5));
  for (;;) {
    const traffic = generateTraffic({ seed: options.seed, orders, dayStart, secrets });
    const chosen = traffic.deliveries.filter((delivery) => delivery.kind === "original" && options.sources.includes(delivery.source));
    if (chosen.length >= options.count || orders > 400_000) return chosen.slice(0, options.count);
    orders = Math.ceil(orders * Math.max(1.5, (options.count / Math.max(1, chosen.length)) * 1.2));
  }
};

/** A whole demo day (duplicates and forgeries too) and what the hot stores must hold after it. */
export const drillTraffic = (options: { readonly orders: number; readonly seed: number; readonly env: NodeJS.ProcessEnv; readonly now?: Date }): Traffic =>
  generateTraffic({ seed: options.seed, orders: options.orders, dayStart: defaultDayStart(options.now), secrets: webhookSecretsFrom(options.env) });

const header = (headers: Readonly<Record<string, string>>, name: string) => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
};

/** The ids under which the platform may settle this delivery's event. */
export const deliveryIds = (delivery: Pick<Delivery, "source" | "door" | "headers" | "body" | "eventKey">): string[] => {
  const ids = [`${delivery.source}:${delivery.eventKey}`];
  if (delivery.source === "shopify") {
    for (const name of ["X-Shopify-Webhook-Id", "X-Shopify-Event-Id"]) {
      const value = header(delivery.headers, name);
      if (value) ids.push(`shopify:${value}`);
    }
  }
  if (delivery.source === "recharge") {
    const lower = Object.fromEntries(Object.entries(delivery.headers).map(([key, value]) => [key.toLowerCase(), value]));
    const described = describeRechargeDelivery(lower, Buffer.from(delivery.body, "utf8"));
    if (Either.isRight(described)) ids.push(`recharge:${described.right.eventId}`);
  }
  return ids;
};

/** The ids of a settled envelope: the platform bus carries source + eventId, the partner bus the Shopify headers. */
export const envelopeIds = (envelope: BusEnvelope): string[] => {
  const detail = (envelope.detail ?? {}) as { source?: unknown; eventId?: unknown; metadata?: Record<string, string> };
  const ids: string[] = [];
  if (typeof detail.source === "string" && typeof detail.eventId === "string") ids.push(`${detail.source}:${detail.eventId}`);
  if (detail.metadata && typeof detail.metadata === "object") {
    for (const name of ["X-Shopify-Webhook-Id", "X-Shopify-Event-Id"]) {
      const value = header(detail.metadata, name);
      if (value) ids.push(`shopify:${value}`);
    }
  }
  return ids;
};

const safeJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** Event ids of a request as it goes on the wire (a recorded file's line): the source comes from the path. */
export const requestIds = (request: { readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body: string }): string[] => {
  if (request.path === "/events") {
    const envelope = safeJson(request.body);
    const metadata = ((envelope?.detail as { metadata?: Record<string, string> } | undefined)?.metadata ?? {}) as Record<string, string>;
    return ["X-Shopify-Webhook-Id", "X-Shopify-Event-Id"]
      .map((name) => header(metadata, name))
      .filter((value): value is string => Boolean(value))
      .map((value) => `shopify:${value}`);
  }
  const source = request.path.replace(/^\/webhooks\//, "");
  if (source === "stripe") {
    const id = safeJson(request.body)?.id;
    return typeof id === "string" ? [`stripe:${id}`] : [];
  }
  if (source === "recharge") return deliveryIds({ source: "recharge", door: "recharge", headers: request.headers, body: request.body, eventKey: "" }).slice(1);
  if (source === "shopify") return deliveryIds({ source: "shopify", door: "shopify", headers: request.headers, body: request.body, eventKey: "" }).slice(1);
  return [];
};

const isoMs = (value: unknown): number | undefined => {
  if (typeof value !== "string") return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
};

/**
 * When a recorded request happened: the line's own "at", an envelope's "time", Shopify's
 * X-Shopify-Triggered-At, a Stripe event's "created" (Unix seconds), or the body's
 * updated_at / created_at (also one level down, e.g. Recharge's {"subscription": {...}}).
 */
export const recordedAt = (request: { readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body: string }, at?: unknown): number | undefined => {
  const own = isoMs(at) ?? (typeof at === "number" && Number.isFinite(at) ? at : undefined);
  if (own !== undefined) return own;
  const body = safeJson(request.body);
  if (request.path === "/events") return isoMs(body?.time);
  const triggered = isoMs(header(request.headers, "X-Shopify-Triggered-At"));
  if (triggered !== undefined) return triggered;
  if (typeof body?.created === "number") return body.created * 1000;
  const fromObject = (object: Record<string, unknown> | undefined) => isoMs(object?.updated_at) ?? isoMs(object?.created_at);
  const direct = fromObject(body);
  if (direct !== undefined) return direct;
  for (const value of Object.values(body ?? {})) {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const nested = fromObject(value as Record<string, unknown>);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
};
