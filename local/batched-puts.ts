/**
 * Group commit for the embedded platform's unconditional DynamoDB puts (in practice the
 * idempotency table's COMPLETED records, which every door and processor writes once per event,
 * and the GDPR subject index's items, which every processor writes for each event): puts issued while an earlier batch is on its way are sent together in one BatchWriteItem (up to
 * 25 items). Each caller's put still resolves only once its own item is written, or fails as a
 * PutItem would (the SDK error classified by the kernel's awsCall), so what a crash can cut off is
 * exactly what it could before: a put that has not answered. Conditional writes (claims, guarded
 * upserts) are not batched; they go one by one as in Lambda.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { tableSpecs, type TableKey, type TableSpec } from "../contracts/tables";
import { awsCall } from "../functions/kernel/aws-errors";
import type { HotStore, Item } from "../functions/kernel/services";
import { SUBJECT_INDEX_TABLE, type SubjectIndex } from "../functions/kernel/subject-index";

const MAX_BATCH = 25;
/** Batches on their way at once; the next puts wait for one of them, and go with each other. */
const MAX_IN_FLIGHT = 2;

interface Pending {
  readonly item: Item;
  readonly key: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  readonly client: () => DynamoDBDocumentClient;
  /** The physical table name of a logical table (this platform's emulator tables). */
  readonly tableName: (table: TableKey) => string;
  /** Tables whose unconditional puts are batched. */
  readonly tables: ReadonlyArray<TableKey>;
}

/** The attribute names of a table's key (a batch holds each key once). */
const keyNames = (table: TableKey): string[] => {
  const spec = tableSpecs[table] as TableSpec;
  return spec.sortKey ? [spec.partitionKey.name, spec.sortKey.name] : [spec.partitionKey.name];
};

const defined = (item: Item): Item => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

/** Puts to `options.tables`, each resolved once its own item is written; items of many callers share BatchWriteItem calls. */
export const groupCommit = (options: GroupCommitOptions) => {
  const queues = new Map<TableKey, Pending[]>();
  const inFlight = new Map<TableKey, number>();
  const scheduled = new Set<TableKey>();

  const write = async (table: TableKey, batch: Pending[]) => {
    const TableName = options.tableName(table);
    let requests = batch.map((entry) => ({ PutRequest: { Item: entry.item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      const response = await options.client().send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } }));
      const unprocessed = (response.UnprocessedItems?.[TableName] ?? []) as typeof requests;
      if (unprocessed.length === 0) return;
      if (attempt >= 8)
        throw Object.assign(new Error(`${unprocessed.length} items left unprocessed after ${attempt + 1} batch writes`), { name: "ProvisionedThroughputExceededException" });
      requests = unprocessed;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt));
    }
  };

  const flush = (table: TableKey) => {
    scheduled.delete(table);
    const queue = queues.get(table) ?? [];
    while (queue.length > 0 && (inFlight.get(table) ?? 0) < MAX_IN_FLIGHT) {
      // One item per key in a batch (DynamoDB refuses duplicates); a later put of the same key waits for the next.
      const batch: Pending[] = [];
      const keys = new Set<string>();
      for (let index = 0; index < queue.length && batch.length < MAX_BATCH;) {
        const entry = queue[index]!;
        if (keys.has(entry.key)) {
          index++;
          continue;
        }
        keys.add(entry.key);
        batch.push(entry);
        queue.splice(index, 1);
      }
      inFlight.set(table, (inFlight.get(table) ?? 0) + 1);
      write(table, batch)
        .then(
          () => batch.forEach((entry) => entry.resolve()),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          inFlight.set(table, (inFlight.get(table) ?? 1) - 1);
          if ((queues.get(table)?.length ?? 0) > 0) schedule(table);
        });
    }
  };

  const schedule = (table: TableKey) => {
    if (scheduled.has(table)) return;
    scheduled.add(table);
    // After the current turn: the puts its continuations issue go together.
    setImmediate(() => flush(table));
  };

  const enqueue = (table: TableKey, item: Item) =>
    new Promise<void>((resolve, reject) => {
      const clean = defined(item);
      const key = JSON.stringify(keyNames(table).map((name) => clean[name]));
      let queue = queues.get(table);
      if (!queue) queues.set(table, (queue = []));
      queue.push({ item: clean, key, resolve, reject });
      schedule(table);
    });

  return { put: enqueue };
};

/** The HotStore with `put` group-committed for `options.tables`; everything else as given. */
export const withBatchedPuts = (store: HotStore["Type"], options: GroupCommitOptions): HotStore["Type"] => {
  const commit = groupCommit(options);
  return {
    ...store,
    put: (table, item) => (options.tables.includes(table) ? awsCall("dynamodb", "PutItem", () => commit.put(table, item)) : store.put(table, item)),
  };
};

/** The subject index with its items group-committed (an event's items, and other events', in shared batches). */
export const withBatchedIndexWrites = (index: SubjectIndex["Type"], options: Omit<GroupCommitOptions, "tables">): SubjectIndex["Type"] => {
  const commit = groupCommit({ ...options, tables: [SUBJECT_INDEX_TABLE] });
  return {
    ...index,
    write: (items) =>
      items.length === 0
        ? index.write(items)
        : awsCall("dynamodb", "BatchWriteItem", () => Promise.all(items.map((item) => commit.put(SUBJECT_INDEX_TABLE, { ...item }))).then(() => undefined)),
  };
};
