/**
 * In-memory layers for every kernel service, with the same semantics as the live ones
 * (conditional writes, tombstones, alert de-duplication, the EventBridge entry size limit), for
 * unit tests and benchmarks. `makeTestPlatform()` returns the layer and the state it writes, so a
 * test can assert on what a program stored, published, alerted and logged.
 *
 * Faults can be injected per operation (`platform.failNext("HotStore.putIfNewer", new Transient(...))`)
 * to exercise retries and partial batch failures.
 */
import * as fs from "node:fs";
import { Effect, Layer, Option, Redacted } from "effect";
import type { SecretKey } from "../../contracts/functions";
import { tableKeys, tableSpecs, type TableKey } from "../../contracts/tables";
import { InvalidPayload, SecretUnavailable, type Throttled, type Transient } from "./errors";
import { makeFaultInjector, withFaults, type FaultInjector, type FaultPlan } from "./faults";
import { IdempotencyFromHotStore, type IdempotencyOptions } from "./idempotency";
import { loggerLayer } from "./logger";
import {
  Alerts,
  DeadLetters,
  EventBus,
  HotStore,
  Idempotency,
  Metrics,
  ObjectStore,
  Secrets,
  type Alert,
  type BusEvent,
  type ClaimResult,
  type DeadLetter,
  type Item,
  type MetricUnit,
  type PutObjectOptions,
  type UpsertOutcome,
} from "./services";

export interface StoredObject {
  readonly body: Uint8Array;
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
}

export interface MetricRecord {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
  readonly dimensions: Record<string, string>;
}

export type FaultTarget =
  | "ObjectStore.putIfAbsent"
  | "ObjectStore.put"
  | "ObjectStore.get"
  | "HotStore.putIfNewer"
  | "HotStore.put"
  | "HotStore.updateIfExists"
  | "HotStore.upsertAttributes"
  | "HotStore.get"
  | "HotStore.putIfNotExists"
  | "HotStore.claim"
  | "HotStore.delete"
  | "EventBus.publish"
  | "Alerts.publish"
  | "DeadLetters.send";

export interface TestPlatformState {
  readonly objects: Map<string, StoredObject>;
  readonly tables: Record<TableKey, Map<string, Item>>;
  readonly events: BusEvent[];
  /** Alerts actually published (duplicates by dedupKey are not repeated here). */
  readonly alerts: Alert[];
  readonly metrics: MetricRecord[];
  readonly deadLetters: DeadLetter[];
  /** Every JSON log line written through the kernel logger. */
  readonly logs: string[];
}

export interface TestPlatformOptions {
  /** Secret values by key (comma-separated for rotation). */
  readonly secrets?: Partial<Record<SecretKey, string>>;
  readonly idempotency?: IdempotencyOptions;
  /** Echo log lines to stdout too (debugging). */
  readonly echoLogs?: boolean;
  /**
   * Random faults on every store, bus, alert and dead-letter call (faults.ts): a `--faults` spec
   * such as "all=0.3,seed=7", a plan, or an injector (to share its counters).
   */
  readonly faults?: string | FaultPlan | FaultInjector;
}

/** Each in-memory service as its own layer (sharing the platform's state and faults), to compose with others. */
export interface TestPlatformLayers {
  readonly objectStore: Layer.Layer<ObjectStore>;
  readonly hotStore: Layer.Layer<HotStore>;
  readonly secrets: Layer.Layer<Secrets>;
  readonly eventBus: Layer.Layer<EventBus>;
  readonly alerts: Layer.Layer<Alerts>;
  readonly metrics: Layer.Layer<Metrics>;
  readonly deadLetters: Layer.Layer<DeadLetters>;
  /** The kernel's JSON logger, writing to `state.logs`. */
  readonly logger: Layer.Layer<never>;
  /** Idempotency over whichever HotStore the composition provides (with the platform's options). */
  readonly idempotency: Layer.Layer<Idempotency, never, HotStore>;
}

export interface TestPlatform {
  /**
   * Every kernel service, in memory. To swap one for another implementation, compose the
   * `layers` instead, e.g. the live S3 store with the rest in memory:
   *   Layer.mergeAll(ObjectStoreLive, layers.secrets, ..., layers.idempotency).pipe(Layer.provideMerge(layers.hotStore))
   */
  readonly layer: Layer.Layer<ObjectStore | HotStore | Secrets | Idempotency | EventBus | Alerts | Metrics | DeadLetters>;
  readonly layers: TestPlatformLayers;
  readonly state: TestPlatformState;
  /** Makes the next `times` calls of `target` fail with `error`. */
  readonly failNext: (target: FaultTarget, error: Throttled | Transient, times?: number) => void;
  /** The items of a table (a copy, in insertion order). */
  readonly items: (table: TableKey) => Item[];
  readonly item: (table: TableKey, key: Item) => Item | undefined;
  readonly objectText: (key: string) => string | undefined;
  /** Sum of a metric's values across dimensions. */
  readonly metricTotal: (name: string) => number;
  /** The fault injector when `faults` was given (its counters say what was injected). */
  readonly faults?: FaultInjector;
}

const MAX_EVENT_ENTRY_BYTES = 256 * 1024;

/** The key of an item in a table: its partition (and sort) key values. */
export const itemKeyOf = (table: TableKey, item: Item): string => {
  const spec = tableSpecs[table] as { partitionKey: { name: string }; sortKey?: { name: string } };
  const names = spec.sortKey ? [spec.partitionKey.name, spec.sortKey.name] : [spec.partitionKey.name];
  return JSON.stringify(
    names.map((name) => {
      const value = item[name];
      if (typeof value !== "string" && typeof value !== "number") throw new Error(`item for ${table} lacks its key attribute "${name}"`);
      return value;
    }),
  );
};

/** Version order the way DynamoDB's `<` compares: same-typed strings or numbers; anything else is not ordered. */
export const isOlder = (stored: unknown, incoming: unknown): boolean => {
  if (typeof stored === "number" && typeof incoming === "number") return stored < incoming;
  if (typeof stored === "string" && typeof incoming === "string") return stored < incoming;
  return false;
};

/** Whether a guarded upsert of `incoming` over `stored` writes (HotStore.putIfNewer semantics). */
export const shouldReplace = (stored: Item | undefined, incoming: Item, versionAttribute: string): boolean => {
  if (stored === undefined) return true;
  if (stored.deleted === true) return false;
  if (incoming.deleted === true) return true;
  if (stored[versionAttribute] === undefined) return true;
  return isOlder(stored[versionAttribute], incoming[versionAttribute]);
};

const toBytes = (body: string | Uint8Array): Uint8Array => (typeof body === "string" ? Buffer.from(body, "utf8") : new Uint8Array(body));

/**
 * A deep copy of plain data keeps stored items independent of the caller's objects. The spread
 * clones an object's fields in one step (much cheaper than adding them one by one, and this runs
 * on every store call); only nested objects and arrays are then copied in turn.
 */
const copy = <T>(value: T): T => {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in out) {
    const field = out[key];
    if (field !== null && typeof field === "object") out[key] = copy(field);
  }
  return out as T;
};

export const makeTestPlatform = (options: TestPlatformOptions = {}): TestPlatform => {
  const state: TestPlatformState = {
    objects: new Map(),
    tables: Object.fromEntries(tableKeys.map((key) => [key, new Map<string, Item>()])) as Record<TableKey, Map<string, Item>>,
    events: [],
    alerts: [],
    metrics: [],
    deadLetters: [],
    logs: [],
  };
  const faults = new Map<FaultTarget, Array<Throttled | Transient>>();
  const seenAlertKeys = new Set<string>();

  /** One store operation: fails with an injected fault if one is queued, else runs `body`. */
  const op = <A>(target: FaultTarget, body: () => A): Effect.Effect<A, Throttled | Transient> =>
    Effect.suspend(() => {
      const next = faults.size === 0 ? undefined : faults.get(target)?.shift();
      return next ? Effect.fail(next) : Effect.succeed(body());
    });

  const objectStore: ObjectStore["Type"] = {
    putIfAbsent: (key: string, body: string | Uint8Array, putOptions?: PutObjectOptions) =>
      op("ObjectStore.putIfAbsent", () => {
        if (state.objects.has(key)) return { created: false };
        state.objects.set(key, { body: toBytes(body), contentType: putOptions?.contentType, metadata: putOptions?.metadata });
        return { created: true };
      }),
    put: (key, body, putOptions) =>
      op("ObjectStore.put", () => {
        state.objects.set(key, { body: toBytes(body), contentType: putOptions?.contentType, metadata: putOptions?.metadata });
      }),
    putFile: (key, filePath, putOptions) =>
      op("ObjectStore.put", () => {
        state.objects.set(key, { body: new Uint8Array(fs.readFileSync(filePath)), contentType: putOptions?.contentType, metadata: putOptions?.metadata });
      }),
    get: (key) => op("ObjectStore.get", () => Option.map(Option.fromNullable(state.objects.get(key)), (object) => object.body)),
    getText: (key) => op("ObjectStore.get", () => Option.map(Option.fromNullable(state.objects.get(key)), (object) => Buffer.from(object.body).toString("utf8"))),
    list: (prefix) =>
      Effect.sync(() =>
        [...state.objects.entries()]
          .filter(([key]) => key.startsWith(prefix))
          .map(([key, object]) => ({ key, size: object.body.byteLength }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      ),
    delete: (key) =>
      Effect.sync(() => {
        state.objects.delete(key);
      }),
  };

  const tableOf = (table: TableKey) => state.tables[table];

  const hotStore: HotStore["Type"] = {
    putIfNewer: (table, item, versionAttribute) =>
      op("HotStore.putIfNewer", (): UpsertOutcome => {
        const key = itemKeyOf(table, item);
        const stored = tableOf(table).get(key);
        if (!shouldReplace(stored, item, versionAttribute)) return "stale";
        tableOf(table).set(key, copy(item));
        return "written";
      }),
    put: (table, item) =>
      op("HotStore.put", () => {
        tableOf(table).set(itemKeyOf(table, item), copy(item));
      }),
    updateIfExists: (table, key, attributes) =>
      op("HotStore.updateIfExists", () => {
        const itemKey = itemKeyOf(table, key);
        const stored = tableOf(table).get(itemKey);
        if (stored === undefined) return false;
        tableOf(table).set(itemKey, { ...stored, ...copy(attributes) });
        return true;
      }),
    upsertAttributes: (table, key, attributes, unlessSet) =>
      op("HotStore.upsertAttributes", () => {
        const itemKey = itemKeyOf(table, key);
        const stored = tableOf(table).get(itemKey);
        const next: Item = { ...(stored ?? copy(key)) };
        for (const [name, value] of Object.entries(copy(unlessSet))) if (next[name] === undefined) next[name] = value;
        tableOf(table).set(itemKey, Object.assign(next, copy(attributes)));
      }),
    get: (table, key) => op("HotStore.get", () => Option.map(Option.fromNullable(tableOf(table).get(itemKeyOf(table, key))), copy)),
    delete: (table, key) =>
      op("HotStore.delete", () => {
        tableOf(table).delete(itemKeyOf(table, key));
      }),
    query: (table, index, keyName, keyValue) =>
      Effect.sync(() => {
        const matches = [...tableOf(table).values()].filter((item) => item[keyName] === keyValue).map(copy);
        const spec = tableSpecs[table] as { globalSecondaryIndexes: ReadonlyArray<{ name: string; sortKey?: { name: string } }> };
        const sortKey = index === undefined ? undefined : spec.globalSecondaryIndexes.find((gsi) => gsi.name === index)?.sortKey?.name;
        if (sortKey !== undefined) {
          // A GSI holds only items that carry its sort key; results come in sort-key order.
          return matches.filter((item) => item[sortKey] !== undefined).sort((a, b) => (isOlder(a[sortKey], b[sortKey]) ? -1 : isOlder(b[sortKey], a[sortKey]) ? 1 : 0));
        }
        return matches;
      }),
    scan: (table) => Effect.sync(() => [...tableOf(table).values()].map(copy)),
    putIfNotExists: (table, item) =>
      op("HotStore.putIfNotExists", () => {
        const key = itemKeyOf(table, item);
        if (tableOf(table).has(key)) return false;
        tableOf(table).set(key, copy(item));
        return true;
      }),
    claim: (table, item, expiresAttribute, nowSeconds) =>
      op("HotStore.claim", (): ClaimResult => {
        const key = itemKeyOf(table, item);
        const holder = tableOf(table).get(key);
        const expires = holder?.[expiresAttribute];
        if (holder !== undefined && !(typeof expires === "number" && expires <= nowSeconds)) return { claimed: false, holder: Option.some(copy(holder)) };
        tableOf(table).set(key, copy(item));
        return { claimed: true };
      }),
  };

  const secrets: Secrets["Type"] = {
    get: (key) => {
      const value = options.secrets?.[key];
      return value === undefined || value.trim() === ""
        ? Effect.fail(new SecretUnavailable({ secret: key, reason: "not configured in the test platform" }))
        : Effect.succeed(Redacted.make(value));
    },
  };

  const eventBus: EventBus["Type"] = {
    publish: (events) =>
      Effect.flatMap(
        op("EventBus.publish", () => undefined),
        () => {
          for (const event of events) {
            const size = Buffer.byteLength(JSON.stringify(event.detail ?? null)) + Buffer.byteLength(event.source) + Buffer.byteLength(event.detailType);
            if (size > MAX_EVENT_ENTRY_BYTES) return Effect.fail(new InvalidPayload({ reason: `event entry of ${size} bytes exceeds EventBridge's 256 KiB` }));
          }
          for (const event of events) state.events.push(copy(event));
          return Effect.void;
        },
      ),
  };

  const alerts: Alerts["Type"] = {
    publish: (alert) =>
      op("Alerts.publish", () => {
        if (seenAlertKeys.has(alert.dedupKey)) return { published: false };
        seenAlertKeys.add(alert.dedupKey);
        state.alerts.push(copy(alert));
        return { published: true };
      }),
  };

  const metrics: Metrics["Type"] = {
    count: (name, value = 1, dimensions = {}) => Effect.sync(() => void state.metrics.push({ name, value, unit: "Count", dimensions })),
    record: (name, value, unit, dimensions = {}) => Effect.sync(() => void state.metrics.push({ name, value, unit, dimensions })),
    flush: Effect.void,
  };

  const deadLetters: DeadLetters["Type"] = {
    send: (letter) => op("DeadLetters.send", () => void state.deadLetters.push(copy(letter))),
  };

  const injector = options.faults === undefined ? undefined : typeof options.faults === "object" && "wrap" in options.faults ? options.faults : makeFaultInjector(options.faults);
  const faulty = injector ? withFaults(injector, { objectStore, hotStore, eventBus, alerts, deadLetters }) : { objectStore, hotStore, eventBus, alerts, deadLetters };
  const layers: TestPlatformLayers = {
    objectStore: Layer.succeed(ObjectStore, faulty.objectStore),
    hotStore: Layer.succeed(HotStore, faulty.hotStore),
    secrets: Layer.succeed(Secrets, secrets),
    eventBus: Layer.succeed(EventBus, faulty.eventBus),
    alerts: Layer.succeed(Alerts, faulty.alerts),
    metrics: Layer.succeed(Metrics, metrics),
    deadLetters: Layer.succeed(DeadLetters, faulty.deadLetters),
    logger: loggerLayer((line) => {
      state.logs.push(line);
      if (options.echoLogs) process.stdout.write(`${line}\n`);
    }),
    idempotency: IdempotencyFromHotStore(options.idempotency),
  };
  const layer = Layer.mergeAll(layers.objectStore, layers.secrets, layers.eventBus, layers.alerts, layers.metrics, layers.deadLetters, layers.logger, layers.idempotency).pipe(
    Layer.provideMerge(layers.hotStore),
  );

  return {
    layer,
    layers,
    ...(injector ? { faults: injector } : {}),
    state,
    failNext: (target, error, times = 1) => {
      const queue = faults.get(target) ?? [];
      for (let index = 0; index < times; index += 1) queue.push(error);
      faults.set(target, queue);
    },
    items: (table) => [...state.tables[table].values()].map(copy),
    item: (table, key) => {
      const found = state.tables[table].get(itemKeyOf(table, key));
      return found === undefined ? undefined : copy(found);
    },
    objectText: (key) => {
      const object = state.objects.get(key);
      return object === undefined ? undefined : Buffer.from(object.body).toString("utf8");
    },
    metricTotal: (name) => state.metrics.filter((metric) => metric.name === name).reduce((sum, metric) => sum + metric.value, 0),
  };
};
