/**
 * The in-process event buses of the embedded platform. Each route of contracts/events.ts gets a
 * `LocalQueue` (the SQS queue + DLQ the ingestion stack puts behind its rule); an event is
 * matched against the routes of its bus with the same patterns EventBridge uses and sent to every
 * matching queue, whose consumer runs the route's processor.
 *
 *   partner bus  <- `POST /events` (Shopify's EventBridge envelopes)
 *   platform bus <- what our HTTPS doors publish through the EventBus service
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import type { Route } from "../contracts/events";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import type { DoorFirstGate } from "./door-first";
import { matchesPattern, validatePattern } from "./event-pattern";
import { LocalQueue, type ConsumerResult, type DeadLetter, type QueueCounters } from "./queues";

export type Bus = Route["bus"];

/** Runs the route's processor for one envelope. */
export type RouteDelivery = (route: Route, envelope: BusEnvelope, context: { receiveCount: number; signal: AbortSignal }) => Promise<ConsumerResult>;

export interface RouterOptions {
  readonly routes: ReadonlyArray<Route>;
  readonly dataDir: string;
  readonly deliver: RouteDelivery;
  readonly account: string;
  readonly region: string;
  readonly maxReceiveCount?: number;
  readonly concurrency?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly onDeadLetter?: (letter: DeadLetter<BusEnvelope>) => void;
  readonly onSettled?: (route: Route, envelope: BusEnvelope, outcome: "delivered" | "dead-lettered") => void;
  /** Processing yields to the doors (local/door-first.ts). */
  readonly gate?: DoorFirstGate;
}

export interface RouterCounters {
  readonly published: Record<Bus, number>;
  /** Events no route matched (EventBridge drops them; we count them). */
  readonly unmatched: Record<Bus, number>;
  readonly routes: Record<string, QueueCounters & { readonly depth: number }>;
}

export class LocalEventRouter {
  private readonly queues = new Map<string, { readonly route: Route; readonly queue: LocalQueue<BusEnvelope> }>();
  private readonly published: Record<Bus, number> = { partner: 0, platform: 0 };
  private readonly unmatched: Record<Bus, number> = { partner: 0, platform: 0 };

  constructor(private readonly options: RouterOptions) {
    for (const route of options.routes) {
      validatePattern(route.pattern);
      if (this.queues.has(route.id)) throw new Error(`duplicate route id ${route.id}`);
      const queue = new LocalQueue<BusEnvelope>({
        name: route.id,
        consumer: (envelope, context) => options.deliver(route, envelope, context),
        journalDir: path.join(options.dataDir, "queues", route.id),
        dlqFile: dlqFileOf(options.dataDir, route.id),
        maxReceiveCount: options.maxReceiveCount,
        concurrency: options.concurrency,
        backoffBaseMs: options.backoffBaseMs,
        backoffMaxMs: options.backoffMaxMs,
        onDeadLetter: options.onDeadLetter,
        onSettled: options.onSettled ? (envelope, outcome) => options.onSettled!(route, envelope, outcome) : undefined,
        gate: options.gate,
      });
      this.queues.set(route.id, { route, queue });
    }
  }

  /** Routes of `bus` whose pattern matches `envelope`. */
  matchingRoutes(bus: Bus, envelope: unknown): Route[] {
    return [...this.queues.values()].filter(({ route }) => route.bus === bus && matchesPattern(route.pattern, envelope)).map(({ route }) => route);
  }

  /**
   * Sends `envelope` to every matching route's queue; resolves once each queue journaled it.
   * Returns the ids of the routes it went to (empty: nothing matched, nothing was kept).
   */
  async publish(bus: Bus, envelope: BusEnvelope): Promise<string[]> {
    const matched = this.matchingRoutes(bus, envelope);
    this.published[bus]++;
    if (matched.length === 0) {
      this.unmatched[bus]++;
      return [];
    }
    await Promise.all(matched.map((route) => this.queues.get(route.id)!.queue.send(envelope)));
    return matched.map((route) => route.id);
  }

  /** Wraps a detail in the envelope EventBridge would deliver to a rule target. */
  envelopeOf(event: { readonly source: string; readonly detailType: string; readonly detail: unknown }): BusEnvelope {
    return {
      id: randomUUID(),
      source: event.source,
      "detail-type": event.detailType,
      time: new Date().toISOString(),
      account: this.options.account,
      region: this.options.region,
      detail: event.detail,
    };
  }

  /** Re-delivers what a previous run accepted but did not finish. */
  recover(): number {
    let total = 0;
    for (const { queue } of this.queues.values()) total += queue.recover();
    return total;
  }

  /** Route ids, in contract order. */
  get routeIds(): string[] {
    return [...this.queues.keys()];
  }

  /** Sends `envelope` to one route's queue (a redrive from its DLQ); resolves once journaled. */
  async sendTo(routeId: string, envelope: BusEnvelope): Promise<void> {
    const entry = this.queues.get(routeId);
    if (!entry) throw new Error(`no route ${routeId}`);
    await entry.queue.send(envelope);
  }

  get depth(): number {
    let total = 0;
    for (const { queue } of this.queues.values()) total += queue.depth;
    return total;
  }

  /**
   * Resolves when every queue is empty. Processing one event may publish more (a processor
   * emitting to the bus), so it loops until a full pass finds nothing left.
   */
  async drain(): Promise<void> {
    while (this.depth > 0) {
      await Promise.all([...this.queues.values()].map(({ queue }) => queue.drain()));
    }
  }

  /** Stops accepting new events and finishes the accepted ones. */
  async close(): Promise<void> {
    await this.drain();
    await Promise.all([...this.queues.values()].map(({ queue }) => queue.close()));
  }

  get counters(): RouterCounters {
    const routes: Record<string, QueueCounters & { depth: number }> = {};
    for (const [id, { queue }] of this.queues) routes[id] = { ...queue.counters, depth: queue.depth };
    return { published: { ...this.published }, unmatched: { ...this.unmatched }, routes };
  }
}

export const dlqFileOf = (dataDir: string, routeId: string) => path.join(dataDir, "dlq", `${routeId}.jsonl`);
