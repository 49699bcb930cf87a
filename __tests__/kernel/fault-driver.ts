/**
 * Drives a day of signed traffic (demo/traffic.ts) through the real doors and processors on the
 * in-memory platform, the way AWS would around them:
 *   - providers (Shopify, Recharge, Stripe) retry a delivery not answered 2xx, a bounded number
 *     of times, re-signing it each time (Stripe's signature carries a timestamp);
 *   - the Shopify partner bus puts /events envelopes on the processors' queues;
 *   - the platform bus routes what the ingress functions publish (contracts/events.ts routes);
 *   - each queue hands batches of up to 10 messages to the real SQS adapter (`sqsHandler`: its
 *     in-process retry, DLQ for InvalidPayload, batchItemFailures); a failed message becomes
 *     visible again after the visibility timeout, up to `maxReceives` receives (then SQS's
 *     redrive would move it to the DLQ: counted as exhausted).
 * Time is virtual: one tick is a minute of the Effect clock (sleeps are instant), so claims expire,
 * retries back off and a 10,000-event day runs in seconds, the same way on every run.
 */
import { Clock, Effect, Layer } from "effect";
import { routes, type Route } from "../../contracts/events";
import type { TableKey } from "../../contracts/tables";
import { tableKeys } from "../../contracts/tables";
import type { WebhookSecrets } from "../../demo/signing";
import type { Delivery, Traffic } from "../../demo/traffic";
import { httpHandler, sqsHandler, type ApiGatewayV2Event } from "../../functions/kernel/adapters";
import type { FaultPlan } from "../../functions/kernel/faults";
import { makeTestPlatform, type TestPlatform } from "../../functions/kernel/memory";
import type { Alert, DeadLetter, Item } from "../../functions/kernel/services";
import { matchesPattern } from "../../local/event-pattern";
import { loadEventFunction, loadHttpFunction } from "../../local/functions";
import { envelopeOf, stripeSignature } from "../support";

export const TICK_MS = 60_000;

export interface DriverOptions {
  readonly faults?: FaultPlan;
  /** Attempts a provider makes per delivery (the first one included). */
  readonly providerAttempts: number;
  /** Receives per queue message before SQS would redrive it to the DLQ. */
  readonly maxReceives: number;
  /** Ticks a failed message stays invisible (SQS visibility timeout, 6 x the function timeout in the stacks). */
  readonly visibilityTicks: number;
  /** Virtual epoch milliseconds at the first tick. */
  readonly startMs: number;
  readonly secrets: WebhookSecrets;
}

export interface RunOutcome {
  readonly platform: TestPlatform;
  /** Raw objects by key (text). */
  readonly objects: Record<string, string>;
  /** Business tables (not the idempotency table), rows sorted by their JSON. */
  readonly tables: Partial<Record<TableKey, Item[]>>;
  readonly alerts: ReadonlyArray<Alert>;
  readonly deadLetters: ReadonlyArray<DeadLetter>;
  readonly stats: {
    ticks: number;
    deliveries: number;
    accepted: number;
    duplicateAnswers: number;
    rejected: number;
    providerAttempts: number;
    providerRetries: number;
    providerExhausted: string[];
    maxProviderAttempts: number;
    messagesEnqueued: number;
    queueReceives: number;
    queueRedeliveries: number;
    queueExhausted: string[];
    maxReceives: number;
    inProcessRetries: number;
    answers: Record<string, number>;
    /** Deliveries by the number of attempts their provider made (2xx answer or exhausted). */
    attemptsHistogram: Record<number, number>;
    /** Queue messages by the number of receives they took. */
    receivesHistogram: Record<number, number>;
    /** Why records failed and were left for a redelivery (the adapter's log), by error tag. */
    recordFailures: Record<string, number>;
    elapsedMs: number;
    cpuMs: number;
  };
}

interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
  visibleAtTick: number;
}

const virtualClock = (startMs: number) => {
  let now = startMs;
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    // Backoff, retry schedules and injected latency pass instantly; ticks move time on.
    sleep: () => Effect.yieldNow(),
  };
  return { clock, now: () => now, advance: (ms: number) => void (now += ms) };
};

const pool = async <T>(items: ReadonlyArray<T>, limit: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
};

/** Rows in the order of their JSON (computed once per row: sorting is then cheap). */
export const sortedRows = <T>(items: ReadonlyArray<T>): T[] =>
  items
    .map((item) => ({ item, text: JSON.stringify(item) }))
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map(({ item }) => item);

export const driveTraffic = async (traffic: Traffic, options: DriverOptions): Promise<RunOutcome> => {
  const time = virtualClock(options.startMs);
  const platform = makeTestPlatform({
    secrets: { shopifyWebhook: options.secrets.shopify, rechargeWebhook: options.secrets.recharge, stripeWebhook: options.secrets.stripe },
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const layer = Layer.merge(platform.layer, Layer.setClock(time.clock));

  const doors = new Map<string, ReturnType<typeof httpHandler>>();
  for (const path of ["/webhooks/shopify", "/webhooks/recharge", "/webhooks/stripe"]) {
    const loaded = loadHttpFunction(`POST ${path}`);
    if (!loaded?.ok) throw new Error(`no door for ${path}: ${loaded ? loaded.reason : "not in contracts"}`);
    doors.set(path, httpHandler(loaded.program, layer));
  }
  const consumers = new Map<string, ReturnType<typeof sqsHandler>>();
  for (const route of routes) {
    if (consumers.has(route.processor)) continue;
    const loaded = loadEventFunction(route.processor);
    if (!loaded?.ok) throw new Error(`no processor ${route.processor}: ${loaded ? loaded.reason : "not in contracts"}`);
    consumers.set(route.processor, sqsHandler(loaded.program, layer));
  }

  const stats: RunOutcome["stats"] = {
    ticks: 0,
    deliveries: 0,
    accepted: 0,
    duplicateAnswers: 0,
    rejected: 0,
    providerAttempts: 0,
    providerRetries: 0,
    providerExhausted: [],
    maxProviderAttempts: 0,
    messagesEnqueued: 0,
    queueReceives: 0,
    queueRedeliveries: 0,
    queueExhausted: [],
    maxReceives: 0,
    inProcessRetries: 0,
    answers: {},
    attemptsHistogram: {},
    receivesHistogram: {},
    recordFailures: {},
    elapsedMs: 0,
    cpuMs: 0,
  };
  const started = Date.now();
  const startedCpu = process.cpuUsage();
  const tally = (histogram: Record<number, number>, value: number) => void (histogram[value] = (histogram[value] ?? 0) + 1);

  const queues = new Map<string, { route: Route; messages: Message[] }>(routes.map((route) => [route.id, { route, messages: [] }]));
  let messageSerial = 0;
  const enqueue = (bus: Route["bus"], envelope: Record<string, unknown>, body: string) => {
    for (const { route, messages } of queues.values()) {
      if (route.bus !== bus || !matchesPattern(route.pattern, envelope as never)) continue;
      messages.push({ id: `m-${(messageSerial += 1)}`, body, receives: 0, visibleAtTick: stats.ticks });
      stats.messagesEnqueued += 1;
    }
  };

  // What the ingress functions published: the platform bus routes it (EventBridge delivers to SQS).
  let busCursor = 0;
  const routeBusEvents = () => {
    for (; busCursor < platform.state.events.length; busCursor += 1) {
      const event = platform.state.events[busCursor]!;
      const envelope = envelopeOf(event, `bus-${busCursor}`, new Date(time.now()).toISOString(), { account: "111111111111", region: "us-east-1" });
      enqueue("platform", envelope as unknown as Record<string, unknown>, JSON.stringify(envelope));
    }
  };

  interface Pending {
    readonly delivery: Delivery;
    attempts: number;
    dueTick: number;
  }
  const waves = new Map<number, Delivery[]>();
  for (const delivery of traffic.deliveries) waves.set(delivery.wave, [...(waves.get(delivery.wave) ?? []), delivery]);
  const waveNumbers = [...waves.keys()].sort((a, b) => a - b);
  let pending: Pending[] = [];
  let requestSerial = 0;

  const attempt = async (item: Pending) => {
    const { delivery } = item;
    item.attempts += 1;
    stats.providerAttempts += 1;
    if (item.attempts > 1) stats.providerRetries += 1;
    stats.maxProviderAttempts = Math.max(stats.maxProviderAttempts, item.attempts);
    if (delivery.door === "events") {
      // The partner bus: EventBridge puts the envelope on every matching queue.
      enqueue("partner", JSON.parse(delivery.body) as Record<string, unknown>, delivery.body);
      stats.accepted += 1;
      return true;
    }
    const headers: Record<string, string> = { ...delivery.headers };
    // Stripe signs every attempt anew (its signature carries a timestamp); a forgery stays forged.
    if (delivery.door === "stripe" && delivery.kind !== "forged")
      headers["Stripe-Signature"] = stripeSignature(options.secrets.stripe, delivery.body, Math.floor(time.now() / 1000));
    const event: ApiGatewayV2Event = {
      rawPath: delivery.path,
      headers,
      body: delivery.body,
      requestContext: { requestId: `req-${(requestSerial += 1)}`, timeEpoch: time.now(), http: { method: "POST", path: delivery.path } },
    };
    const response = await doors.get(delivery.path)!(event);
    const status = (JSON.parse(response.body) as { status?: string }).status;
    const label = `${response.statusCode}${status ? ` ${status}` : ""}`;
    stats.answers[label] = (stats.answers[label] ?? 0) + 1;
    if (response.statusCode >= 200 && response.statusCode < 300) {
      if (status === "duplicate") stats.duplicateAnswers += 1;
      else stats.accepted += 1;
      return true;
    }
    if (delivery.kind === "forged") {
      stats.rejected += 1;
      return true; // an attacker does not retry like a provider; it must never be accepted
    }
    return false;
  };

  const receiveBatch = async (route: Route, batch: Message[]) => {
    for (const message of batch) {
      message.receives += 1;
      stats.queueReceives += 1;
      if (message.receives > 1) stats.queueRedeliveries += 1;
      stats.maxReceives = Math.max(stats.maxReceives, message.receives);
    }
    const result = await consumers.get(route.processor)!({ Records: batch.map((message) => ({ messageId: message.id, body: message.body })) });
    const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    return batch.filter((message) => failed.has(message.id));
  };

  const queueDepth = () => [...queues.values()].reduce((sum, queue) => sum + queue.messages.length, 0);

  for (let waveIndex = 0; waveIndex < waveNumbers.length || pending.length > 0 || queueDepth() > 0;) {
    // Providers: the next wave goes out (whatever became of the previous one), retries are due.
    if (waveIndex < waveNumbers.length) {
      const wave = waves.get(waveNumbers[waveIndex]!)!;
      stats.deliveries += wave.length;
      pending.push(...wave.map((delivery) => ({ delivery, attempts: 0, dueTick: stats.ticks })));
      waveIndex += 1;
    }
    const due = pending.filter((item) => item.dueTick <= stats.ticks);
    const settled = new Set<Pending>();
    await pool(due, 16, async (item) => {
      if (await attempt(item)) {
        settled.add(item);
        tally(stats.attemptsHistogram, item.attempts);
      } else if (item.attempts >= options.providerAttempts) {
        tally(stats.attemptsHistogram, item.attempts);
        stats.providerExhausted.push(`${item.delivery.door} ${item.delivery.topic} ${item.delivery.eventKey}`);
        settled.add(item);
      } else item.dueTick = stats.ticks + 1;
    });
    pending = pending.filter((item) => !settled.has(item));
    routeBusEvents();

    // Queues: every visible message, in batches of 10, all queues at once.
    await Promise.all(
      [...queues.values()].map(async (queue) => {
        const visible = queue.messages.filter((message) => message.visibleAtTick <= stats.ticks);
        const batches: Message[][] = [];
        for (let start = 0; start < visible.length; start += 10) batches.push(visible.slice(start, start + 10));
        const failed = new Set<Message>();
        await pool(batches, 4, async (batch) => {
          for (const message of await receiveBatch(queue.route, batch)) failed.add(message);
        });
        const done = new Set(visible.filter((message) => !failed.has(message)));
        for (const message of done) tally(stats.receivesHistogram, message.receives);
        for (const message of failed) {
          if (message.receives >= options.maxReceives) {
            tally(stats.receivesHistogram, message.receives);
            stats.queueExhausted.push(`${queue.route.id} ${message.body.slice(0, 120)}`);
            done.add(message);
          } else message.visibleAtTick = stats.ticks + options.visibilityTicks;
        }
        queue.messages = queue.messages.filter((message) => !done.has(message));
      }),
    );
    routeBusEvents();

    stats.ticks += 1;
    time.advance(TICK_MS);
    if (stats.ticks > 10_000) throw new Error("the traffic did not settle in 10,000 ticks");
  }

  stats.inProcessRetries = platform.metricTotal("Retried");
  stats.elapsedMs = Date.now() - started;
  const cpu = process.cpuUsage(startedCpu);
  stats.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  for (const line of platform.state.logs) {
    if (!line.includes("SQS will retry it")) continue;
    const tag = /"reason":"([A-Za-z]+)/.exec(line)?.[1] ?? "other";
    stats.recordFailures[tag] = (stats.recordFailures[tag] ?? 0) + 1;
  }
  const objects: Record<string, string> = {};
  for (const key of platform.state.objects.keys()) objects[key] = platform.objectText(key)!;
  const tables: Partial<Record<TableKey, Item[]>> = {};
  for (const table of tableKeys) if (table !== "idempotency") tables[table] = sortedRows(platform.items(table));
  return { platform, objects, tables, alerts: [...platform.state.alerts], deadLetters: [...platform.state.deadLetters], stats };
};
