/**
 * Shopify's compliance webhooks through the HTTPS door (POST /webhooks/shopify), after the raw
 * copy is stored (functions/kernel/ingress.ts `afterStore`):
 *
 *   customers/data_request  -> a customer-export request
 *   customers/redact        -> a customer-redact request
 *   shop/redact             -> a shop-redact request, status awaiting-confirmation: recorded and
 *                              alerted, never executed until `sdp gdpr shop-redact --confirm`
 *
 * The raw copy names the customer (id, e-mail, phone): it goes into the GDPR subject index first
 * (like every raw object a processor indexes), so this request's redaction, or a later one for
 * the same person, deletes it with the rest. shop/redact names nobody and indexes nothing.
 *
 * Each becomes a request record (functions/gdpr/requests.ts) keyed by the webhook id, so a
 * redelivery finds the same request; then GDPR_REQUEST_EVENT on the platform bus (the redaction
 * workflow's rule starts a run on it) and an operator alert, once per request (dedupKey).
 *
 * All of it runs inside the door's idempotency claim: a crash after any step releases the claim
 * and Shopify's redelivery repeats the steps, each of which is safe to repeat (the record is
 * create-if-absent, the alert is de-duplicated, the workflow takes a repeated event as a no-op).
 *
 * The payload is checked before anything is stored (`complianceProblem`): a customer topic must
 * name the customer by id, e-mail or phone, and order ids must be ids. Only those fields are read.
 */
import { Effect } from "effect";
import { GDPR_REQUEST_EVENT, type GdprRequestEventDetail, type GdprRequestKind, type GdprSubjectIdentifier } from "../../contracts/gdpr";
import type { StoreError } from "../kernel/services";
import { Alerts, EventBus, HotStore } from "../kernel/services";
import type { InvalidPayload } from "../kernel/errors";
import { identifiersIn } from "./subject";
import { indexRawOnly } from "./subject-index";
import { createRequest, webhookRequestId } from "./requests";

export const complianceTopics: Readonly<Record<string, GdprRequestKind>> = {
  "customers/data_request": "customer-export",
  "customers/redact": "customer-redact",
  "shop/redact": "shop-redact",
};

export const isComplianceTopic = (topic: string): boolean => Object.hasOwn(complianceTopics, topic);

export interface ComplianceRequest {
  readonly kind: GdprRequestKind;
  readonly identifiers: ReadonlyArray<GdprSubjectIdentifier>;
  readonly orderIds: ReadonlyArray<string>;
  readonly shopDomain?: string;
}

type Parsed = { readonly ok: true; readonly request: ComplianceRequest } | { readonly ok: false; readonly problem: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An id given as a string or a safe integer (never a JSON number that lost digits). */
const idText = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" && value.length <= 200
    ? value.trim()
    : typeof value === "number" && Number.isSafeInteger(value) && value >= 0
      ? String(value)
      : undefined;

const orderIdsOf = (payload: Record<string, unknown>, field: string): { ids: string[] } | { problem: string } => {
  const list = payload[field];
  if (list === undefined || list === null) return { ids: [] };
  if (!Array.isArray(list)) return { problem: `${field} must be a list of order ids` };
  const ids: string[] = [];
  for (const [index, value] of list.entries()) {
    const id = idText(value);
    if (id === undefined) return { problem: `${field}[${index}] must be an order id (a whole number or a string)` };
    ids.push(id);
  }
  return { ids };
};

/** Reads a compliance payload: what the request needs, or what to fix. */
export const parseCompliance = (topic: string, payload: unknown, headerShopDomain?: string): Parsed => {
  const kind = complianceTopics[topic];
  if (kind === undefined) return { ok: false, problem: `${topic} is not a compliance topic` };
  if (!isObject(payload)) return { ok: false, problem: "body must be a JSON object" };
  const payloadShop = typeof payload.shop_domain === "string" && /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(payload.shop_domain) ? payload.shop_domain : undefined;
  const shopDomain = headerShopDomain ?? payloadShop;
  const shop = shopDomain !== undefined ? { shopDomain } : {};
  if (kind === "shop-redact") return { ok: true, request: { kind, identifiers: [], orderIds: [], ...shop } };

  const customer = payload.customer;
  if (!isObject(customer)) return { ok: false, problem: `${topic} needs a customer object (customer.id, customer.email or customer.phone)` };
  if (customer.id !== undefined && customer.id !== null && idText(customer.id) === undefined) {
    return { ok: false, problem: "customer.id must be a whole number or a string (a JSON number beyond 2^53 loses digits: send it as a string)" };
  }
  const id = idText(customer.id);
  const identifiers = identifiersIn("shopify", {
    customerIds: id !== undefined ? [id] : [],
    emails: typeof customer.email === "string" ? [customer.email] : [],
    phones: typeof customer.phone === "string" ? [customer.phone] : [],
  });
  if (identifiers.length === 0) return { ok: false, problem: `${topic} names no customer: customer.id, a valid customer.email or customer.phone is required` };
  const orders = orderIdsOf(payload, kind === "customer-export" ? "orders_requested" : "orders_to_redact");
  if ("problem" in orders) return { ok: false, problem: orders.problem };
  return { ok: true, request: { kind, identifiers, orderIds: orders.ids, ...shop } };
};

/** Undefined when the payload is usable (the door answers 400 with the problem otherwise, storing nothing). */
export const complianceProblem = (topic: string, payload: unknown): string | undefined => {
  if (!isComplianceTopic(topic)) return undefined;
  const parsed = parseCompliance(topic, payload);
  return parsed.ok ? undefined : parsed.problem;
};

export interface StoredCompliance {
  readonly topic: string;
  readonly eventId: string;
  readonly receivedAt: string;
  readonly payload: unknown;
  readonly shopDomain?: string;
  /** The raw copy the door stored: indexed under the customer's identifiers. */
  readonly rawKey?: string;
}

const describe: Readonly<Record<GdprRequestKind, string>> = {
  "customer-export": "a customer's data request (customers/data_request): the export runs now",
  "customer-redact": "a customer redaction (customers/redact): the redaction workflow runs now",
  "shop-redact": "a shop redaction (shop/redact): NOT executed automatically; review `sdp gdpr shop-redact` (dry run), then confirm with --confirm",
};

/** Indexes the raw copy, records the request, publishes GDPR_REQUEST_EVENT and alerts the operator (each step repeatable). */
export const recordComplianceRequest = (stored: StoredCompliance): Effect.Effect<void, StoreError | InvalidPayload, HotStore | EventBus | Alerts> =>
  Effect.gen(function* () {
    if (!isComplianceTopic(stored.topic)) return;
    const parsed = parseCompliance(stored.topic, stored.payload, stored.shopDomain);
    // complianceProblem ran before the raw write; a payload that reaches here parses.
    if (!parsed.ok) return yield* Effect.logWarning("compliance payload not usable", { topic: stored.topic, eventId: stored.eventId, problem: parsed.problem });
    const { request } = parsed;
    // Before the event that starts the redaction: its Lookup then finds this raw copy too (fixed keys: a redelivery puts the same items).
    if (stored.rawKey !== undefined) yield* indexRawOnly({ source: "shopify", topic: stored.topic, payload: stored.payload, rawKey: stored.rawKey });
    const { record, created } = yield* createRequest({
      requestId: webhookRequestId(stored.eventId),
      kind: request.kind,
      origin: "shopify-webhook",
      receivedAt: stored.receivedAt,
      identifiers: request.identifiers,
      orderIds: request.orderIds,
      ...(request.shopDomain !== undefined ? { shopDomain: request.shopDomain } : {}),
    });
    const detail: GdprRequestEventDetail = { requestId: record.requestId, kind: record.kind };
    // Published on every pass (a crash right after the create must not lose the event); the
    // workflow takes a repeated event for a request it ran as a no-op.
    yield* (yield* EventBus).publish([{ source: GDPR_REQUEST_EVENT.source, detailType: GDPR_REQUEST_EVENT.detailType, detail }]);
    yield* (yield* Alerts).publish({
      kind: "gdpr-request",
      severity: record.kind === "shop-redact" ? "critical" : "warning",
      subject: `GDPR ${record.kind} request ${record.requestId} received, due ${record.dueAt.slice(0, 10)}`,
      // No personal data: the request id, kind, shop and dates only.
      message: `Received ${describe[record.kind]}. Request ${record.requestId}${record.shopDomain ? ` for ${record.shopDomain}` : ""}, received ${record.receivedAt}, due ${record.dueAt} (status ${record.status}). See \`sdp gdpr requests\`.`,
      dedupKey: `gdpr-request:${record.requestId}`,
    });
    yield* Effect.logInfo(created ? "GDPR request recorded" : "GDPR request already recorded (redelivery)", {
      requestId: record.requestId,
      kind: record.kind,
      status: record.status,
    });
  });
