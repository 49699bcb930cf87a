/**
 * The state every source module of a generated day shares: one seeded random source (so the
 * order in which the modules draw from it fixes the whole day), the clock of the day, and the
 * lists the modules append to (deliveries sent once, rows the platform must end up holding).
 */
import { seededRandom, type Random } from "../random";
import type { Delivery, ExpectedRow, OriginalDelivery, TrafficOptions } from "./types";

export const DEFAULT_SEED = 20_260_101;

export interface Day {
  readonly options: TrafficOptions;
  readonly seed: number;
  readonly random: Random;
  /** Start of the simulated day. */
  readonly start: Date;
  /** The moment `minute` minutes into the day. */
  readonly at: (minute: number) => Date;
  readonly shopDomain: string;
  /** Unix seconds for Stripe's signature timestamp. */
  readonly signedAt: number;
  readonly orderCount: number;
  readonly uuid: () => string;
  /** Records a delivery that goes out once (redeliveries are picked from these later). */
  readonly add: (delivery: OriginalDelivery) => Delivery;
  readonly originals: ReadonlyArray<OriginalDelivery>;
  /** Rows the platform must hold once the day is processed; modules append in the order they send. */
  readonly rows: ExpectedRow[];
}

export const startDay = (options: TrafficOptions): Day => {
  const seed = options.seed ?? DEFAULT_SEED;
  const random: Random = seededRandom(seed);
  const start = new Date(options.dayStart.getTime());
  const originals: OriginalDelivery[] = [];
  return {
    options,
    seed,
    random,
    start,
    // Whole seconds: Shopify's timestamps carry no milliseconds.
    at: (minute) => new Date(start.getTime() + Math.round(minute * 60) * 1000),
    shopDomain: options.shopDomain ?? "acme-store.myshopify.com",
    signedAt: options.signedAtSeconds ?? Math.floor(Date.now() / 1000),
    orderCount: options.orders ?? 36,
    uuid: () => `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${random.pick(["8", "9", "a", "b"])}${random.hex(3)}-${random.hex(12)}`,
    add: (delivery) => {
      originals.push(delivery);
      return { ...delivery, seq: -1, kind: "original", expected: { status: 200, outcome: "accepted" } };
    },
    originals,
    rows: [],
  };
};
