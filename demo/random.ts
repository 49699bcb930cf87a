/**
 * A small seeded random source (mulberry32) so the demo's traffic is the same on every run with
 * the same seed: a failing demo can be reproduced exactly.
 */
import { seededPrng } from "../functions/kernel/prng";

export interface Random {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  /** Integer in [min, max]. */
  readonly int: (min: number, max: number) => number;
  readonly pick: <T>(items: ReadonlyArray<T>) => T;
  readonly chance: (probability: number) => boolean;
  /** `length` lowercase hex characters. */
  readonly hex: (length: number) => string;
}

export const seededRandom = (seed: number): Random => {
  const next = seededPrng(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    chance: (probability) => next() < probability,
    hex: (length) => Array.from({ length }, () => int(0, 15).toString(16)).join(""),
  };
};
