/**
 * The embedded platform's public shapes: its options, the ready line, its counters and the
 * handle `startLocalPlatform` returns (local/platform.ts composes them).
 */
import type { Route } from "../contracts/events";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import type { FaultInjector } from "../functions/kernel/faults";
import type { LocalAlertLog } from "./alerts";
import type { EventDoorCounters } from "./event-door";
import type { PlatformLog } from "./log";
import type { ConsumerResult } from "./queues";
import type { RedriveResult } from "./redrive";
import type { RouterCounters } from "./router";

/** What `sdp local` prints on stdout (one line) and writes to `<data-dir>/platform.json`. */
export interface ReadyInfo {
  readonly ready: true;
  readonly ingress: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints: { readonly s3: string; readonly dynamodb: string };
  readonly bucket: string;
  readonly tables: Record<string, string>;
  readonly dataDir: string;
  readonly pid: number;
}

/** How a delivery to a processor is wrapped (`sdp drill`); `next` runs it. */
export type DeliveryInterceptor = (
  route: Route,
  envelope: BusEnvelope,
  context: { receiveCount: number; signal: AbortSignal },
  next: () => Promise<ConsumerResult>,
) => Promise<ConsumerResult>;

export interface LocalPlatformOptions {
  readonly dataDir: string;
  /** Ingress port; 0 picks a free one. */
  readonly port?: number;
  readonly s3Port?: number;
  readonly dynamodbPort?: number;
  /** The environment the user started us with (webhook secrets); defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: PlatformLog;
  /** Where the functions' own JSON log lines go; default `<data-dir>/logs/functions.jsonl`. */
  readonly functionLog?: (line: string) => void;
  /** Records `.sdp/last-run.json` under the repository root (the CLI does; tests do not). */
  readonly recordLastRun?: "local" | "demo";
  readonly repositoryRoot?: string;
  readonly routes?: ReadonlyArray<Route>;
  readonly maxReceiveCount?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly concurrency?: number;
  /** Messages processed at once across all queues while a door request is being answered (local/door-first.ts; default 2). */
  readonly processorsWhileDoorsBusy?: number;
  /** How often expired TTL items are deleted (dynalite does not); 0 disables. Default 60 s. */
  readonly ttlSweepIntervalMs?: number;
  /**
   * Faults for the kernel services (functions/kernel/faults.ts): the ObjectStore, HotStore (and
   * so Idempotency), EventBus, Alerts and DeadLetters are wrapped by `injector.wrap`. `sdp drill`
   * passes an injector it can switch on and off.
   */
  readonly faultInjector?: FaultInjector;
  /** Called when an event leaves a route's queue (processed or dead-lettered): `sdp load` measures lag with it. */
  readonly onSettled?: (route: Route, envelope: BusEnvelope, outcome: "delivered" | "dead-lettered") => void;
  /**
   * Wraps every delivery to a processor (`next` runs it): `sdp drill` holds deliveries back
   * (processor down) or rejects some (a bad deploy). Default: none.
   */
  readonly interceptDelivery?: DeliveryInterceptor;
}

export interface DoorCounters {
  accepted: number;
  duplicate: number;
  rejected: Record<string, number>;
}

export interface PlatformCounters {
  readonly doors: Record<string, DoorCounters>;
  readonly events: RouterCounters;
  readonly eventDoor: EventDoorCounters;
  readonly alerts: LocalAlertLog["counters"];
  /** Totals of the functions' Count metrics (StaleUpdate, unknown event types, ...). */
  readonly metrics: Record<string, number>;
  readonly unavailable: Record<string, string>;
  /** What the fault injector injected, when one is on (`sdp local --faults`). */
  readonly faults?: ReturnType<FaultInjector["snapshot"]>;
}

export interface LocalPlatform {
  readonly ready: ReadyInfo;
  readonly dataDir: string;
  /** Resolves when every queue is empty (all accepted events processed or dead-lettered). */
  readonly drain: () => Promise<void>;
  /** Stops accepting, drains, closes everything; safe to call more than once. */
  readonly stop: () => Promise<void>;
  readonly counters: () => PlatformCounters;
  /** Moves dead letters back to their queues (all routes, or one); see local/redrive.ts. */
  readonly redrive: (routeId?: string) => Promise<RedriveResult>;
}

export class PlatformStartFailed extends Error {
  readonly _tag = "PlatformStartFailed";
}
