/**
 * The doors before the processors. In AWS a webhook door and the processors behind its queue are
 * separate Lambda functions, so a burst of deliveries never waits behind processing; on one machine
 * they share the CPU, and a provider's delivery would wait for processing it does not need (the
 * queue is there to take the burst). So while any door request is being answered, at most
 * `whileDoorsBusy` messages are processed at once across all queues; the rest stay queued (and
 * journaled) and start as soon as the doors are idle or a slot frees. A message that runs for
 * over a second stops counting (a hung processor must not hold the others back). Nothing is
 * dropped or reordered within a queue; only when processing starts changes.
 */
import { envVars } from "../contracts/env-vars";
/** Messages processed at once while the doors are busy (the platform's `processorsWhileDoorsBusy`). */
export const DEFAULT_PROCESSORS_WHILE_DOORS_BUSY = 2;

/** SDP_PROCESSORS_WHILE_DOORS_BUSY (a whole number >= 0; "off" lifts the limit), else the default. */
export const processorsWhileDoorsBusyFrom = (env: NodeJS.ProcessEnv): number => {
  const text = env[envVars.processorsWhileDoorsBusy]?.trim();
  if (text === undefined || text === "") return DEFAULT_PROCESSORS_WHILE_DOORS_BUSY;
  if (text === "off") return Number.POSITIVE_INFINITY;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`SDP_PROCESSORS_WHILE_DOORS_BUSY must be a whole number >= 0 or "off", not "${text}"`);
  return value;
};

export class DoorFirstGate {
  private doors = 0;
  /** Start times of the messages counted against the limit (oldest first). */
  private readonly counted: number[] = [];
  private readonly blocked = new Set<() => void>();
  private ageTimer: NodeJS.Timeout | undefined;

  /**
   * `slowAfterMs`: a message still running after this long stops counting against the limit, so
   * a processor that hangs (or is held by a drill) cannot keep the other queues waiting.
   */
  constructor(
    private readonly whileDoorsBusy: number,
    private readonly slowAfterMs = 1_000,
  ) {}

  /** A door request started (its answer is being worked out). */
  doorStarted() {
    this.doors++;
  }

  /** A door request was answered. */
  doorFinished() {
    this.doors--;
    if (this.doors === 0) this.wake();
  }

  /**
   * True when a processor may start a message now (then call `finished(token)` with the returned
   * start); false when not, and `retry` is called once one may try again.
   */
  tryStart(retry: () => void): number | false {
    const now = performance.now();
    this.forgetSlow(now);
    if (this.doors > 0 && this.counted.length >= this.whileDoorsBusy) {
      this.blocked.add(retry);
      this.wakeWhenOldestIsSlow(now);
      return false;
    }
    this.counted.push(now);
    return now;
  }

  /** A message started by `tryStart` finished (processed, retried later or dead-lettered). */
  finished(started: number) {
    const at = this.counted.indexOf(started);
    if (at >= 0) this.counted.splice(at, 1);
    this.wake();
  }

  private forgetSlow(now: number) {
    while (this.counted.length > 0 && now - this.counted[0]! >= this.slowAfterMs) this.counted.shift();
  }

  private wakeWhenOldestIsSlow(now: number) {
    if (this.ageTimer !== undefined || this.counted.length === 0) return;
    this.ageTimer = setTimeout(
      () => {
        this.ageTimer = undefined;
        this.wake();
      },
      // A millisecond late: a timer may fire a fraction early, and the oldest must be slow by then.
      Math.ceil(this.slowAfterMs - (now - this.counted[0]!)) + 1,
    );
    this.ageTimer.unref();
  }

  private wake() {
    if (this.blocked.size === 0) return;
    const waiting = [...this.blocked];
    this.blocked.clear();
    for (const retry of waiting) retry();
  }
}

/** `route` with its requests counted as door work by `gate`. */
export const doorRoute = <R extends { readonly handle: (request: never) => Promise<unknown> }>(gate: DoorFirstGate, route: R): R => ({
  ...route,
  handle: async (request: never) => {
    gate.doorStarted();
    try {
      return await route.handle(request);
    } finally {
      gate.doorFinished();
    }
  },
});
