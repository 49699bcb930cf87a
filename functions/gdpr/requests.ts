/**
 * The GDPR request records (contracts/gdpr.ts `GdprRequestRecord`, table `gdprRequests`): one per
 * request, whatever door it came through (Shopify's compliance webhooks, `sdp gdpr ...`).
 *
 *   create     idempotent by request id: a compliance webhook's request id is derived from the
 *              webhook id, so a redelivery (or a retry after a crash between steps) finds the
 *              record it made the first time and never opens a second request
 *   get/list   the record(s), oldest first
 *   markStep   appends a finished workflow step (once: a resumed run that repeats a step does not
 *              list it twice) and optionally moves the status
 *   complete   status complete, `completedAt`, and the identifiers erased: what remains is the
 *              keyed hashes (`subjectKeys`), the dates and the steps, never the personal data
 *
 * Writes are whole-record puts after a read: a request's steps run one after the other in one
 * workflow execution, so there is no concurrent writer of one record.
 */
import { Effect, Option } from "effect";
import {
  GDPR_DUE_DAYS,
  GDPR_OVERDUE_ALARM_DAYS,
  type GdprRequestKind,
  type GdprRequestOrigin,
  type GdprRequestRecord,
  type GdprRequestStatus,
  type GdprSubjectIdentifier,
} from "../../contracts/gdpr";
import { keySegment } from "../../contracts/lake-layout";
import { NotFound } from "../kernel/errors";
import { HotStore, type Item, type StoreError } from "../kernel/services";

const TABLE = "gdprRequests" as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** receivedAt + `days`, ISO-8601. */
export const plusDays = (at: string, days: number): string => new Date(Date.parse(at) + days * DAY_MS).toISOString();

/** The request id of a Shopify compliance webhook: the same webhook (a redelivery) is the same request. */
export const webhookRequestId = (webhookId: string): string => `shopify-${keySegment(webhookId)}`;

export interface NewRequest {
  readonly requestId: string;
  readonly kind: GdprRequestKind;
  readonly origin: GdprRequestOrigin;
  readonly receivedAt: string;
  readonly identifiers: ReadonlyArray<GdprSubjectIdentifier>;
  readonly shopDomain?: string;
  readonly orderIds?: ReadonlyArray<string>;
  readonly vendors?: ReadonlyArray<"stripe" | "recharge">;
  /** Keyed hashes of the identifiers, when the caller holds the subject-index key (else added at completion). */
  readonly subjectKeys?: ReadonlyArray<string>;
  /** Default: `awaiting-confirmation` for shop-redact, `received` otherwise. */
  readonly status?: GdprRequestStatus;
}

/** The record a new request starts as: due 30 days after receipt, no step done. */
export const newRecord = (request: NewRequest): GdprRequestRecord => ({
  requestId: request.requestId,
  kind: request.kind,
  origin: request.origin,
  ...(request.shopDomain !== undefined ? { shopDomain: request.shopDomain } : {}),
  receivedAt: new Date(request.receivedAt).toISOString(),
  dueAt: plusDays(request.receivedAt, GDPR_DUE_DAYS),
  status: request.status ?? (request.kind === "shop-redact" ? "awaiting-confirmation" : "received"),
  stepsDone: [],
  subjectKeys: [...(request.subjectKeys ?? [])],
  identifiers: request.identifiers.map(({ kind, value }) => ({ kind, value })),
  ...(request.orderIds !== undefined ? { orderIds: [...request.orderIds] } : {}),
  ...(request.vendors !== undefined ? { vendors: [...request.vendors] } : {}),
});

const asRecord = (item: Item): GdprRequestRecord => item as unknown as GdprRequestRecord;
const asItem = (record: GdprRequestRecord): Item => JSON.parse(JSON.stringify(record)) as Item;

/** Creates the record unless one with its id exists; `created` is false for a repeat (and the stored record comes back). */
export const createRequest = (request: NewRequest): Effect.Effect<{ readonly record: GdprRequestRecord; readonly created: boolean }, StoreError, HotStore> =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const record = newRecord(request);
    const created = yield* store.putIfNotExists(TABLE, asItem(record));
    if (created) return { record, created };
    const stored = yield* store.get(TABLE, { requestId: request.requestId });
    return { record: Option.isSome(stored) ? asRecord(stored.value) : record, created: false };
  });

export const getRequest = (requestId: string): Effect.Effect<Option.Option<GdprRequestRecord>, StoreError, HotStore> =>
  Effect.map(
    Effect.flatMap(HotStore, (store) => store.get(TABLE, { requestId })),
    Option.map(asRecord),
  );

/** Every record, oldest first (then by id). */
export const listRequests = (): Effect.Effect<ReadonlyArray<GdprRequestRecord>, StoreError, HotStore> =>
  Effect.map(
    Effect.flatMap(HotStore, (store) => store.scan(TABLE)),
    (items) => items.map(asRecord).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.requestId.localeCompare(b.requestId)),
  );

const update = (requestId: string, change: (record: GdprRequestRecord) => GdprRequestRecord): Effect.Effect<GdprRequestRecord, StoreError | NotFound, HotStore> =>
  Effect.gen(function* () {
    const store = yield* HotStore;
    const stored = yield* store.get(TABLE, { requestId });
    if (Option.isNone(stored)) return yield* Effect.fail(new NotFound({ what: `GDPR request ${requestId}` }));
    const before = asRecord(stored.value);
    const after = change(before);
    if (JSON.stringify(after) !== JSON.stringify(before)) yield* store.put(TABLE, asItem(after));
    return after;
  });

/**
 * Records a finished step (once) and, when given, the new status. A complete request stays
 * complete: a late or repeated step never reopens it.
 */
export const markStep = (requestId: string, step: string, status?: GdprRequestStatus): Effect.Effect<GdprRequestRecord, StoreError | NotFound, HotStore> =>
  update(requestId, (record) =>
    record.status === "complete"
      ? record
      : {
          ...record,
          stepsDone: record.stepsDone.includes(step) ? record.stepsDone : [...record.stepsDone, step],
          ...(status !== undefined ? { status } : {}),
        },
  );

/** Moves the status only (running, failed, awaiting-confirmation -> received once confirmed); a complete request stays complete. */
export const setStatus = (requestId: string, status: GdprRequestStatus): Effect.Effect<GdprRequestRecord, StoreError | NotFound, HotStore> =>
  update(requestId, (record) => (record.status === "complete" ? record : { ...record, status }));

/**
 * Completes the request: the identifiers are erased from the record, the keyed hashes stay
 * (with any the caller computed now: the workflow holds the subject-index key). Repeatable.
 */
export const completeRequest = (
  requestId: string,
  completedAt: string,
  subjectKeys: ReadonlyArray<string> = [],
): Effect.Effect<GdprRequestRecord, StoreError | NotFound, HotStore> =>
  update(requestId, (record) => {
    const { identifiers: _erased, ...rest } = record;
    return {
      ...rest,
      status: "complete",
      completedAt: record.completedAt ?? new Date(completedAt).toISOString(),
      subjectKeys: [...new Set([...record.subjectKeys, ...subjectKeys])],
    };
  });

/** Days since receipt, fractional. */
export const ageDays = (record: Pick<GdprRequestRecord, "receivedAt">, now: Date): number => (now.getTime() - Date.parse(record.receivedAt)) / DAY_MS;

/** Older than GDPR_OVERDUE_ALARM_DAYS and not complete: the 25-day alarm's condition. */
export const isOverdue = (record: Pick<GdprRequestRecord, "receivedAt" | "status">, now: Date, alarmDays: number = GDPR_OVERDUE_ALARM_DAYS): boolean =>
  record.status !== "complete" && ageDays(record, now) > alarmDays;
