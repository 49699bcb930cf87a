/** The shapes of a generated day of traffic: what is sent, and what the platform must end up holding. */
import type { TableKey } from "../../contracts/tables";
import type { WebhookSecrets } from "../signing";

/** Where a delivery enters the platform: one of the three HTTPS webhook endpoints, or the EventBridge entry (`/events`). */
export type Door = "shopify" | "recharge" | "stripe" | "events";
export type Source = "shopify" | "recharge" | "stripe";
export type DeliveryKind = "original" | "duplicate" | "forged";

export interface Delivery {
  readonly seq: number;
  /** Waves are sent in order; deliveries inside a wave in parallel. */
  readonly wave: number;
  readonly door: Door;
  /** Path on the ingress: /webhooks/<provider> or /events. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly source: Source;
  readonly topic: string;
  /** The provider's identity of the event (webhook id, Stripe event id, hash for Recharge). */
  readonly eventKey: string;
  readonly kind: DeliveryKind;
  /** What the door must answer. */
  readonly expected: { readonly status: 200; readonly outcome: "accepted" | "duplicate" } | { readonly status: 401 };
  /** Why a forged delivery must be rejected. */
  readonly why?: string;
}

/** A delivery as a source module writes it, before it is numbered and told what to expect. */
export type OriginalDelivery = Omit<Delivery, "seq" | "kind" | "expected">;

/** One hot-store row the platform must hold after processing, and the field that proves it is the newest state. */
export interface ExpectedRow {
  readonly table: TableKey;
  readonly key: Readonly<Record<string, string>>;
  readonly field: string;
  /** `time`: same instant whatever the format; `exact`: same text; `recovered`: a cart marked recovered. */
  readonly compare: "time" | "exact" | "recovered";
  readonly value: string;
  readonly note: string;
}

export interface TrafficExpectations {
  /** Distinct events that must be accepted and stored raw exactly once. */
  readonly uniqueEvents: number;
  readonly duplicates: number;
  readonly forged: number;
  readonly rows: ReadonlyArray<ExpectedRow>;
  /** Rows per table the traffic creates (distinct objects). */
  readonly distinctObjects: Partial<Record<TableKey, number>>;
  /** Storefront orders paid through Stripe whose charge names them (the reconciliation view must match them). */
  readonly stripePaidOrders: ReadonlyArray<string>;
  /** Keys that must NOT be in a table (objects only a forged delivery carried). */
  readonly absent: ReadonlyArray<{ readonly table: TableKey; readonly key: Readonly<Record<string, string>>; readonly note: string }>;
}

export interface Traffic {
  readonly seed: number;
  readonly dayStart: string;
  readonly shopDomain: string;
  readonly deliveries: ReadonlyArray<Delivery>;
  readonly expectations: TrafficExpectations;
}

export interface TrafficOptions {
  readonly seed?: number;
  /** Start of the simulated day (its events fall in the 24 hours after it). */
  readonly dayStart: Date;
  readonly secrets: WebhookSecrets;
  readonly shopDomain?: string;
  /** Unix seconds for Stripe's signature timestamp (defaults to now). */
  readonly signedAtSeconds?: number;
  /** Orders of the day (default 36; about 7 deliveries each, all told). */
  readonly orders?: number;
  /** Order number of the day's first order (default 1001): the demo continues the backfilled history. */
  readonly firstOrderNumber?: number;
}
