/**
 * Fault injection for the kernel's AWS-backed services, to prove that nothing accepted is lost
 * and nothing is duplicated in effect when S3, DynamoDB, EventBridge, SNS or SQS misbehave.
 *
 * `makeFaultInjector(plan)` returns an injector whose `wrap` takes any service implementation and
 * returns one whose every Effect-returning method (found generically: every function-valued
 * field, own or inherited, so a method added to a service later is covered too) may, per call:
 *   - be delayed (latency, on the Effect clock: virtual in tests, real in `sdp local`);
 *   - fail with `Throttled` BEFORE the real call (the request was rejected, nothing happened);
 *   - fail with `Transient` BEFORE the real call (a 5xx or a connection reset: nothing happened);
 *   - fail with `Transient` AFTER the real call succeeded ("the write happened but the answer
 *     was lost": a timeout on the way back). Callers cannot tell this from the one before, which
 *     is exactly what idempotent writes must survive.
 * Decisions come from a seeded PRNG (mulberry32, one stream per service), so a run with the same
 * plan and the same sequence of calls injects the same faults.
 *
 * Which service is which (the names are the ones `awsCall` uses in errors):
 *   s3 -> ObjectStore, dynamodb -> HotStore (and so Idempotency, built on it), eventbridge ->
 *   EventBus, sns -> Alerts, sqs -> DeadLetters.
 *
 * The spec grammar (`sdp local --faults`, `makeTestPlatform({ faults })`):
 *
 *   spec     := entry ("," entry)*
 *   entry    := target "=" faults | "seed=" integer
 *   target   := s3 | dynamodb | eventbridge | sns | sqs | all
 *   faults   := rate                       a bare rate: half errors, half throttles
 *             | part ("/" part)*           (a bare rate may lead the parts: s3=0.3/retries:2)
 *   part     := "error:" rate              calls failing with Transient
 *             | "throttle:" rate           calls failing with Throttled (always before the call)
 *             | "after:" rate              share of the errors injected after the real call succeeded (default 0.5)
 *             | "latency:" duration ["-" duration]   every call delayed by it (or uniformly within the range)
 *             | "retries:" integer         retry an injected fault inside the call, as the AWS SDK does
 *                                          (standard mode: retries:2); the retry of a lost answer
 *                                          meets the call's own effect (a conditional write fails)
 *   rate     := a decimal from 0 to 1, or a percentage ("30%")
 *   duration := number "ms" | number "s"
 *
 *   s3=0.3,dynamodb=0.2                    30% of S3 calls and 20% of DynamoDB calls fail
 *   all=0.1,s3=error:0.2/throttle:0.1/latency:5ms-50ms,seed=7
 *
 * Later entries override earlier ones for the same service (so `all=...` then one service).
 * error + throttle must not exceed 1. A bad spec raises `FaultSpecError` naming what to fix.
 */
import { seededPrng } from "./prng";
import { type Context, Duration, Effect, Layer, Option } from "effect";
import { Throttled, Transient } from "./errors";
import { Metrics } from "./services";

export const faultServices = ["s3", "dynamodb", "eventbridge", "sns", "sqs"] as const;
export type FaultService = (typeof faultServices)[number];

/** The kernel service each fault target wraps. */
export const faultServiceOf = {
  objectStore: "s3",
  hotStore: "dynamodb",
  eventBus: "eventbridge",
  alerts: "sns",
  deadLetters: "sqs",
} as const satisfies Record<string, FaultService>;

export interface FaultSpec {
  /** Probability that a call fails with Transient. */
  readonly errorRate: number;
  /** Probability that a call fails with Throttled (before the call). */
  readonly throttleRate: number;
  /** Share of the Transient faults injected after the real call succeeded. */
  readonly afterShare: number;
  /** Each call is delayed uniformly within [min, max] milliseconds. */
  readonly latencyMs: readonly [number, number];
  /** Injected faults retried inside the call (the AWS SDK's own retries); 0 when absent. */
  readonly sdkRetries?: number;
}

export interface FaultPlan {
  readonly seed: number;
  readonly services: Partial<Record<FaultService, FaultSpec>>;
}

export const DEFAULT_FAULT_SEED = 1;
export const DEFAULT_AFTER_SHARE = 0.5;

export class FaultSpecError extends Error {
  readonly _tag = "FaultSpecError";
}

const parseRate = (text: string, what: string): number => {
  const trimmed = text.trim();
  const percent = trimmed.endsWith("%");
  const number = percent ? trimmed.slice(0, -1) : trimmed;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(number)) throw new FaultSpecError(`${what} must be a rate from 0 to 1 (or a percentage like 30%), got "${text}"`);
  const value = percent ? Number(number) / 100 : Number(number);
  if (value < 0 || value > 1) throw new FaultSpecError(`${what} must be from 0 to 1 (0% to 100%), got "${text}"`);
  return value;
};

const parseDuration = (text: string, what: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text.trim());
  if (!match) throw new FaultSpecError(`${what} must be a duration like 50ms or 2s, got "${text}"`);
  return match[2] === "s" ? Number(match[1]) * 1000 : Number(match[1]);
};

const parseFaults = (target: string, text: string): FaultSpec => {
  if (text.trim() === "") throw new FaultSpecError(`${target}= needs a rate (e.g. ${target}=0.3) or parts (e.g. ${target}=error:0.2/throttle:0.1/latency:50ms)`);
  if (!text.includes(":")) {
    const rate = parseRate(text, `the rate of ${target}`);
    return { errorRate: rate / 2, throttleRate: rate / 2, afterShare: DEFAULT_AFTER_SHARE, latencyMs: [0, 0] };
  }
  let errorRate = 0;
  let throttleRate = 0;
  let afterShare = DEFAULT_AFTER_SHARE;
  let latencyMs: [number, number] = [0, 0];
  let sdkRetries: number | undefined;
  for (const part of text.split("/")) {
    const colon = part.indexOf(":");
    const name = colon < 0 ? part.trim() : part.slice(0, colon).trim();
    const value = colon < 0 ? "" : part.slice(colon + 1);
    if (colon < 0 && /^[\d.]+%?$/.test(name)) {
      // A bare rate among parts (s3=0.3/retries:2): half errors, half throttles.
      const rate = parseRate(name, `the rate of ${target}`);
      errorRate = rate / 2;
      throttleRate = rate / 2;
      continue;
    }
    if (colon < 0 || value.trim() === "") throw new FaultSpecError(`"${part}" in ${target}= must be name:value (error:0.2, throttle:0.1, after:0.5 or latency:50ms)`);
    if (name === "error") errorRate = parseRate(value, `${target} error`);
    else if (name === "throttle") throttleRate = parseRate(value, `${target} throttle`);
    else if (name === "after") afterShare = parseRate(value, `${target} after`);
    else if (name === "retries") {
      if (!/^\d+$/.test(value.trim()) || Number(value) > 10) throw new FaultSpecError(`${target} retries must be an integer from 0 to 10, got "${value}"`);
      sdkRetries = Number(value);
    } else if (name === "latency") {
      const dash = value.indexOf("-");
      const min = parseDuration(dash < 0 ? value : value.slice(0, dash), `${target} latency`);
      const max = dash < 0 ? min : parseDuration(value.slice(dash + 1), `${target} latency`);
      if (max < min) throw new FaultSpecError(`${target} latency range must go from low to high, got "${value}"`);
      latencyMs = [min, max];
    } else throw new FaultSpecError(`unknown part "${name}" in ${target}=: use error, throttle, after, latency or retries`);
  }
  if (errorRate + throttleRate > 1) throw new FaultSpecError(`${target}: error (${errorRate}) + throttle (${throttleRate}) exceed 1`);
  return { errorRate, throttleRate, afterShare, latencyMs, ...(sdkRetries !== undefined ? { sdkRetries } : {}) };
};

/** Parses a `--faults` spec (grammar in the module comment); throws FaultSpecError saying what to fix. */
export const parseFaultSpec = (spec: string): FaultPlan => {
  if (spec.trim() === "") throw new FaultSpecError(`the fault spec is empty: give service=rate pairs, e.g. s3=0.3,dynamodb=0.2`);
  let seed = DEFAULT_FAULT_SEED;
  const services: Partial<Record<FaultService, FaultSpec>> = {};
  for (const entry of spec.split(",")) {
    const equals = entry.indexOf("=");
    if (equals < 0) throw new FaultSpecError(`"${entry}" must be service=faults (services: ${faultServices.join(", ")}, all) or seed=<integer>`);
    const target = entry.slice(0, equals).trim().toLowerCase();
    const value = entry.slice(equals + 1).trim();
    if (target === "seed") {
      if (!/^\d+$/.test(value)) throw new FaultSpecError(`seed must be a non-negative integer, got "${value}"`);
      seed = Number(value);
    } else if (target === "all") {
      const faults = parseFaults(target, value);
      for (const service of faultServices) services[service] = faults;
    } else if ((faultServices as ReadonlyArray<string>).includes(target)) {
      services[target as FaultService] = parseFaults(target, value);
    } else {
      throw new FaultSpecError(`unknown service "${target}": use ${faultServices.join(", ")} or all`);
    }
  }
  return { seed, services };
};

/** A plan with the same rate (half errors, half throttles) on every service. */
export const uniformFaultPlan = (rate: number, seed = DEFAULT_FAULT_SEED, extra: Partial<FaultSpec> = {}): FaultPlan => ({
  seed,
  services: Object.fromEntries(
    faultServices.map((service) => [service, { errorRate: rate / 2, throttleRate: rate / 2, afterShare: DEFAULT_AFTER_SHARE, latencyMs: [0, 0], ...extra }]),
  ),
});

/** The seeded generator faults are picked with (prng.ts), for callers that pick alongside. */
export { seededPrng };

export type FaultKind = "throttle" | "error-before" | "error-after";

export interface ServiceFaultCounters {
  /** Calls that went through the injector (wrapped methods of a service with a spec). */
  calls: number;
  throttled: number;
  errorsBefore: number;
  /** The real call succeeded, its answer was replaced by Transient. */
  errorsAfter: number;
  delayed: number;
  delayMs: number;
  /** Injected faults retried inside the call (`retries:`), not seen by the caller unless the retries ran out. */
  retriedInside: number;
}

export interface FaultCounters {
  readonly services: Record<FaultService, ServiceFaultCounters>;
  /** Injected faults per wrapped operation, e.g. "HotStore.putIfNotExists". */
  readonly operations: Record<string, number>;
}

export interface FaultInjector {
  readonly plan: FaultPlan;
  readonly counters: FaultCounters;
  /** Faults injected so far (throttles + errors before + errors after), all services. */
  readonly injected: () => number;
  /** A copy of the counters, plain data (for /status, counters.json, test reports). */
  readonly snapshot: () => FaultCounters & { readonly injected: number };
  /**
   * `implementation` with every Effect-returning method (and Effect-valued field) subject to the
   * faults of `service`. `label` names it in counters ("HotStore"). No spec for the service: the
   * implementation is returned as it is.
   */
  readonly wrap: <S extends object>(service: FaultService, label: string, implementation: S) => S;
}

const hashOf = (text: string) => {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619);
  return hash >>> 0;
};

/** Counts a fault on the Metrics service when the running program has one (never required). */
const countMetric = (service: FaultService, fault: FaultKind) =>
  Effect.flatMap(Effect.serviceOption(Metrics), Option.match({ onNone: () => Effect.void, onSome: (metrics) => metrics.count("FaultInjected", 1, { service, fault }) }));

/** Every function-valued (or Effect-valued) field of an object, own or inherited, by name. */
const fieldsOf = (implementation: object): string[] => {
  const names = new Set<string>();
  for (let current: object | null = implementation; current !== null && current !== Object.prototype; current = Object.getPrototypeOf(current)) {
    for (const name of Object.getOwnPropertyNames(current)) if (name !== "constructor") names.add(name);
  }
  return [...names];
};

export const makeFaultInjector = (planOrSpec: FaultPlan | string): FaultInjector => {
  const plan = typeof planOrSpec === "string" ? parseFaultSpec(planOrSpec) : planOrSpec;
  const random = Object.fromEntries(faultServices.map((service) => [service, seededPrng(plan.seed ^ hashOf(service))])) as Record<FaultService, () => number>;
  const counters: FaultCounters = {
    services: Object.fromEntries(
      faultServices.map((service) => [service, { calls: 0, throttled: 0, errorsBefore: 0, errorsAfter: 0, delayed: 0, delayMs: 0, retriedInside: 0 }]),
    ) as Record<FaultService, ServiceFaultCounters>,
    operations: {},
  };
  const injected = () =>
    faultServices.reduce((sum, service) => sum + counters.services[service].throttled + counters.services[service].errorsBefore + counters.services[service].errorsAfter, 0);

  // One error value per operation and kind: errors are immutable data, and building one captures a
  // stack trace, which would cost more than the in-memory call it replaces.
  const errors = new Map<string, Throttled | Transient>();
  const errorOf = (service: FaultService, operation: string, kind: FaultKind): Throttled | Transient => {
    const key = `${operation}|${kind}`;
    let error = errors.get(key);
    if (error === undefined) {
      error =
        kind === "throttle"
          ? new Throttled({ service })
          : new Transient({ service, reason: kind === "error-after" ? `injected fault: ${operation} succeeded but its answer was lost` : `injected fault: ${operation} failed` });
      errors.set(key, error);
      injectedErrors.add(error);
    }
    return error;
  };

  const injectedErrors = new Set<unknown>();
  /** One call, with the SDK-style retries of its injected faults when the spec asks for them. */
  const around = <A, E, R>(service: FaultService, spec: FaultSpec, operation: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Throttled | Transient, R> => {
    const retries = spec.sdkRetries ?? 0;
    const single = faultOnce(service, spec, operation, effect);
    if (retries <= 0) return single;
    return Effect.suspend(() => {
      let left = retries;
      const attempt: Effect.Effect<A, E | Throttled | Transient, R> = Effect.catchIf(
        single,
        (error) => injectedErrors.has(error) && left > 0,
        () =>
          Effect.suspend(() => {
            left -= 1;
            counters.services[service].retriedInside += 1;
            return attempt;
          }),
      );
      return attempt;
    });
  };

  const faultOnce = <A, E, R>(service: FaultService, spec: FaultSpec, operation: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Throttled | Transient, R> =>
    Effect.suspend(() => {
      const next = random[service];
      const count = counters.services[service];
      count.calls += 1;
      const [min, max] = spec.latencyMs;
      const delay = max <= 0 ? 0 : min + (max - min) * next();
      const roll = next();
      let outcome: Effect.Effect<A, E | Throttled | Transient, R>;
      const record = (kind: FaultKind) => {
        counters.operations[operation] = (counters.operations[operation] ?? 0) + 1;
        return countMetric(service, kind);
      };
      if (roll < spec.throttleRate) {
        count.throttled += 1;
        outcome = Effect.zipRight(record("throttle"), Effect.fail(errorOf(service, operation, "throttle")));
      } else if (roll < spec.throttleRate + spec.errorRate) {
        if (next() < spec.afterShare) {
          outcome = Effect.flatMap(effect, () =>
            Effect.suspend(() => {
              count.errorsAfter += 1;
              return Effect.zipRight(record("error-after"), Effect.fail(errorOf(service, operation, "error-after")));
            }),
          );
        } else {
          count.errorsBefore += 1;
          outcome = Effect.zipRight(record("error-before"), Effect.fail(errorOf(service, operation, "error-before")));
        }
      } else {
        outcome = effect;
      }
      if (delay <= 0) return outcome;
      count.delayed += 1;
      count.delayMs += delay;
      return Effect.zipRight(Effect.sleep(Duration.millis(delay)), outcome);
    });

  const wrap = <S extends object>(service: FaultService, label: string, implementation: S): S => {
    const spec = plan.services[service];
    if (spec === undefined || (spec.errorRate === 0 && spec.throttleRate === 0 && spec.latencyMs[1] <= 0)) return implementation;
    const wrapped: Record<string, unknown> = {};
    for (const name of fieldsOf(implementation)) {
      const field = (implementation as Record<string, unknown>)[name];
      const operation = `${label}.${name}`;
      if (typeof field === "function") {
        wrapped[name] = (...args: unknown[]) => {
          const result: unknown = (field as (...args: unknown[]) => unknown).apply(implementation, args);
          return Effect.isEffect(result) ? around(service, spec, operation, result as Effect.Effect<unknown, unknown, unknown>) : result;
        };
      } else if (Effect.isEffect(field)) {
        wrapped[name] = around(service, spec, operation, field as Effect.Effect<unknown, unknown, unknown>);
      } else {
        wrapped[name] = field;
      }
    }
    return wrapped as S;
  };

  return {
    plan,
    counters,
    injected,
    snapshot: () => ({
      injected: injected(),
      services: Object.fromEntries(faultServices.map((service) => [service, { ...counters.services[service] }])) as Record<FaultService, ServiceFaultCounters>,
      operations: { ...counters.operations },
    }),
    wrap,
  };
};

/** The kernel services with faults, by the fault target each maps to (absent ones stay absent). */
export interface FaultableServices {
  readonly objectStore?: object;
  readonly hotStore?: object;
  readonly eventBus?: object;
  readonly alerts?: object;
  readonly deadLetters?: object;
}

const labels: Record<keyof typeof faultServiceOf, string> = {
  objectStore: "ObjectStore",
  hotStore: "HotStore",
  eventBus: "EventBus",
  alerts: "Alerts",
  deadLetters: "DeadLetters",
};

/** Wraps each given service with the faults of its AWS service (s3, dynamodb, eventbridge, sns, sqs). */
export const withFaults = <T extends FaultableServices>(injector: FaultInjector, services: T): T => {
  const out: Record<string, unknown> = { ...(services as Record<string, unknown>) };
  for (const key of Object.keys(faultServiceOf) as Array<keyof typeof faultServiceOf>) {
    const implementation = services[key];
    if (implementation !== undefined) out[key] = injector.wrap(faultServiceOf[key], labels[key], implementation);
  }
  return out as T;
};

/**
 * A layer that provides `tag`'s service with the faults of `service`, wrapping the implementation
 * that the layer it is provided with gives: `Layer.provide(faultyLayer(injector, HotStore,
 * "dynamodb", "HotStore"), HotStoreLive)` is the live hot store, with faults.
 */
export const faultyLayer = <I, S extends object>(injector: FaultInjector, tag: Context.Tag<I, S>, service: FaultService, label: string): Layer.Layer<I, never, I> =>
  Layer.effect(
    tag,
    Effect.map(tag, (implementation) => injector.wrap(service, label, implementation)),
  );

/** A one-line description of a plan, for logs: "s3 error 15% throttle 15% after 50%; ...". */
export const describeFaultPlan = (plan: FaultPlan): string =>
  faultServices
    .filter((service) => plan.services[service] !== undefined)
    .map((service) => {
      const spec = plan.services[service]!;
      const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;
      const latency = spec.latencyMs[1] > 0 ? ` latency ${spec.latencyMs[0] === spec.latencyMs[1] ? `${spec.latencyMs[0]}ms` : `${spec.latencyMs[0]}-${spec.latencyMs[1]}ms`}` : "";
      const retries = spec.sdkRetries ? ` retries ${spec.sdkRetries}` : "";
      return `${service} error ${pct(spec.errorRate)} throttle ${pct(spec.throttleRate)} after ${pct(spec.afterShare)}${latency}${retries}`;
    })
    .join("; ") + ` (seed ${plan.seed})`;
