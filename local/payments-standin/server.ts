/**
 * Stand-ins for the two payment providers' REST APIs, just big enough for the nightly
 * reconciliation (functions/reconcile/): Stripe's `GET /v1/events` (created window,
 * delivery_success, starting_after, newest first, 100 a page at most) and Recharge's
 * `GET /subscriptions` and `GET /charges` (API 2021-11: updated_at_min with cursor pages; a
 * cursor request takes only `limit`). Both check their API key (401 otherwise).
 *
 * They also send the webhooks: `deliveries(dropRate, seed)` says which events a test delivers
 * and which it drops on purpose (a seeded choice), and marks the dropped Stripe events as not
 * delivered (what `delivery_success=false` then lists). Binds 127.0.0.1 on port 0 by default.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { seededPrng } from "../../functions/kernel/prng";

export interface StripeEvent {
  readonly id: string;
  readonly created: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface RechargeObject {
  readonly id: number | string;
  readonly updated_at: string;
  readonly [field: string]: unknown;
}

export interface PaymentsStandinOptions {
  readonly stripeApiKey: string;
  readonly rechargeApiToken: string;
  readonly stripeEvents?: ReadonlyArray<StripeEvent>;
  readonly subscriptions?: ReadonlyArray<RechargeObject>;
  readonly charges?: ReadonlyArray<RechargeObject>;
  /** Customers a GDPR redaction may ask to delete (DELETE /v1/customers/{id}, DELETE /customers/{id}). */
  readonly stripeCustomers?: ReadonlyArray<string>;
  readonly rechargeCustomers?: ReadonlyArray<string>;
  readonly port?: number;
}

/** What a sender delivers, and what it drops on purpose (ids: Stripe event ids, Recharge object ids). */
export interface Deliveries {
  readonly stripe: StripeEvent[];
  readonly subscriptions: RechargeObject[];
  readonly charges: RechargeObject[];
  readonly dropped: number;
  readonly droppedIds: { readonly stripe: string[]; readonly subscriptions: string[]; readonly charges: string[] };
}

export interface PaymentsStandin {
  readonly url: string;
  /** Requests served, by path (for tests that check paging). */
  readonly requests: Map<string, number>;
  /** Customers deleted through DELETE (Stripe's cus_ ids, Recharge's ids). */
  readonly deletedCustomers: { readonly stripe: string[]; readonly recharge: string[] };
  /** Which Stripe events, subscriptions and charges a sender delivers; the rest are dropped on purpose. */
  readonly deliveries: (dropRate: number, seed: number, options?: { readonly exact?: boolean }) => Deliveries;
  readonly close: () => Promise<void>;
}

const json = (response: http.ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

const encodeCursor = (state: object) => Buffer.from(JSON.stringify(state)).toString("base64url");
const decodeCursor = (cursor: string): { since: string; offset: number } | undefined => {
  try {
    const state = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { since?: unknown; offset?: unknown };
    return typeof state.since === "string" && typeof state.offset === "number" ? { since: state.since, offset: state.offset } : undefined;
  } catch {
    return undefined;
  }
};

export const startPaymentsStandin = async (options: PaymentsStandinOptions): Promise<PaymentsStandin> => {
  const stripeEvents = [...(options.stripeEvents ?? [])].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  const undelivered = new Set<string>();
  const recharge: Record<"subscriptions" | "charges", RechargeObject[]> = {
    subscriptions: [...(options.subscriptions ?? [])].sort((a, b) => a.updated_at.localeCompare(b.updated_at) || String(a.id).localeCompare(String(b.id))),
    charges: [...(options.charges ?? [])].sort((a, b) => a.updated_at.localeCompare(b.updated_at) || String(a.id).localeCompare(String(b.id))),
  };
  const requests = new Map<string, number>();
  const deletedCustomers = { stripe: [] as string[], recharge: [] as string[] };

  const stripe = (url: URL, request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.headers.authorization !== `Bearer ${options.stripeApiKey}`)
      return json(response, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
    const gte = Number(url.searchParams.get("created[gte]") ?? "-Infinity");
    const lte = Number(url.searchParams.get("created[lte]") ?? "Infinity");
    const limit = Math.min(100, Math.max(1, Number(url.searchParams.get("limit") ?? "10")));
    const deliverySuccess = url.searchParams.get("delivery_success");
    let matching = stripeEvents.filter((event) => event.created >= gte && event.created <= lte);
    if (deliverySuccess === "false") matching = matching.filter((event) => undelivered.has(event.id));
    if (deliverySuccess === "true") matching = matching.filter((event) => !undelivered.has(event.id));
    const after = url.searchParams.get("starting_after");
    const start = after ? matching.findIndex((event) => event.id === after) + 1 : 0;
    const data = matching.slice(start, start + limit);
    json(response, 200, { object: "list", url: "/v1/events", has_more: start + limit < matching.length, data });
  };

  const rechargeList = (path: "subscriptions" | "charges", url: URL, request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.headers["x-recharge-access-token"] !== options.rechargeApiToken) return json(response, 401, { errors: "A valid access token is required" });
    const limit = Math.min(250, Math.max(1, Number(url.searchParams.get("limit") ?? "50")));
    const cursor = url.searchParams.get("cursor");
    let since: string;
    let offset = 0;
    if (cursor !== null) {
      const extra = [...url.searchParams.keys()].filter((name) => name !== "cursor" && name !== "limit");
      if (extra.length > 0) return json(response, 422, { errors: `cursor requests take only limit, not ${extra.join(", ")}` });
      const state = decodeCursor(cursor);
      if (!state) return json(response, 422, { errors: "invalid cursor" });
      ({ since, offset } = state);
    } else {
      since = url.searchParams.get("updated_at_min") ?? "";
    }
    const matching = recharge[path].filter((object) => object.updated_at >= since);
    const page = matching.slice(offset, offset + limit);
    const more = offset + limit < matching.length;
    json(response, 200, { [path]: page, next_cursor: more ? encodeCursor({ since, offset: offset + limit }) : null, previous_cursor: null });
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    const deleting = request.method === "DELETE" ? /^\/(v1\/)?customers\/([^/]+)$/.exec(url.pathname) : null;
    if (deleting) {
      // Stripe: the deleted-customer object (404 resource_missing once gone); Recharge: 204 (404 once gone).
      const vendor = deleting[1] ? "stripe" : "recharge";
      const id = decodeURIComponent(deleting[2]!);
      if (vendor === "stripe" && request.headers.authorization !== `Bearer ${options.stripeApiKey}`)
        return json(response, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
      if (vendor === "recharge" && request.headers["x-recharge-access-token"] !== options.rechargeApiToken)
        return json(response, 401, { errors: "A valid access token is required" });
      const known = (vendor === "stripe" ? options.stripeCustomers : options.rechargeCustomers) ?? [];
      if (!known.includes(id) || deletedCustomers[vendor].includes(id))
        return json(
          response,
          404,
          vendor === "stripe" ? { error: { type: "invalid_request_error", code: "resource_missing", message: `No such customer: '${id}'` } } : { errors: "Not Found" },
        );
      deletedCustomers[vendor].push(id);
      if (vendor === "stripe") return json(response, 200, { id, object: "customer", deleted: true });
      response.writeHead(204);
      return response.end();
    }
    if (request.method !== "GET") return json(response, 405, { error: "GET only" });
    if (url.pathname === "/v1/events") return stripe(url, request, response);
    if (url.pathname === "/subscriptions" || url.pathname === "/charges") return rechargeList(url.pathname.slice(1) as "subscriptions" | "charges", url, request, response);
    json(response, 404, { error: `no such endpoint ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    deletedCustomers,
    // Each item is dropped with probability dropRate; with `exact`, exactly round(dropRate x n) of
    // each list are (a seeded choice), so "5% of each source" is 5% of each source.
    deliveries: (dropRate, seed, deliveryOptions = {}) => {
      const random = seededPrng(seed);
      let dropped = 0;
      const keep = <T extends { readonly id: number | string }>(items: ReadonlyArray<T>, droppedIds: string[], onDrop: (item: T) => void = () => undefined) => {
        let drop: (item: T, index: number) => boolean = () => random() < dropRate;
        if (deliveryOptions.exact) {
          const order = items.map((_, index) => ({ index, key: random() })).sort((a, b) => a.key - b.key);
          const chosen = new Set(order.slice(0, Math.round(dropRate * items.length)).map(({ index }) => index));
          drop = (_, index) => chosen.has(index);
        }
        return items.filter((item, index) => {
          if (!drop(item, index)) return true;
          dropped += 1;
          droppedIds.push(String(item.id));
          onDrop(item);
          return false;
        });
      };
      const droppedIds = { stripe: [] as string[], subscriptions: [] as string[], charges: [] as string[] };
      const stripe = keep(stripeEvents, droppedIds.stripe, (event) => undelivered.add(event.id));
      return { stripe, subscriptions: keep(recharge.subscriptions, droppedIds.subscriptions), charges: keep(recharge.charges, droppedIds.charges), dropped, droppedIds };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
