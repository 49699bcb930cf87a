/**
 * A maintained runtime patch of dynalite 4.0.0, the DynamoDB emulator of the embedded platform:
 * errors answer the request that caused them instead of killing the process. `local/emulators.ts`
 * applies it; nothing in node_modules is edited. Pinned like local/s3rver-patch.ts: dynalite's
 * version and the SHA-256 of the files whose behaviour it relies on are checked, and any
 * difference fails loudly.
 *
 * What dynalite did:
 * - `req.on('error', err => { throw err })`: a client that hangs up in the middle of a request
 *   body (an SDK call aborted by its timeout) threw an uncaught exception.
 * - `if (err) throw err` for any error of an action that has no `statusCode` (LevelDB failing,
 *   "Database is closed" for a request that arrives while the platform stops, a full disk): the
 *   throw happens in a callback, so it was uncaught too.
 * - a validation that throws (rather than returning a 400) threw inside the request's `end`
 *   handler: an attribute value nested a few thousand levels deep overflowed the stack.
 * Now: the first is ignored (the response is destroyed: the client is gone); the second becomes a
 * 500 `InternalServerError` (retryable, as DynamoDB's own) by giving the error a status before
 * dynalite sees it; the third is answered 500 the same way, or 400 ValidationException for a
 * stack overflow (DynamoDB allows 32 levels of nesting). `onError` is told of each.
 *
 * One saving, no change in what any request answers: dynalite reads the table's definition from
 * LevelDB on every request (`getTable`); an ACTIVE table's definition is now kept in memory, as
 * JSON text parsed afresh for each caller (as a LevelDB read gives), and dropped whenever anything
 * is written to the table store (create, update, delete, status changes). And a second saving:
 * parsed condition and update expressions are remembered (local/dynalite-expressions.ts).
 *
 * One gap closed: dynalite ignored `ReturnValuesOnConditionCheckFailure: "ALL_OLD"`, so every
 * refused claim (kernel/live/dynamodb.ts) read its holder back with a GetItem. A failed condition
 * now carries the existing item in the error's `Item`, as DynamoDB's
 * ConditionalCheckFailedException does.
 */
import type * as http from "node:http";
import * as path from "node:path";
import { memoizeDynaliteExpressions } from "./dynalite-expressions";
import { type PinnedPackage, verifyPinnedPackage } from "./pinned-patch";

export const PATCHED_DYNALITE_VERSION = "4.0.0";

const PINNED_SOURCES: Record<string, string> = {
  "index.js": "6f3a39f80689f51c9242df9b12e30beb9c8c1075c2b8a52a4491f5e373ef5fbe",
  "db/index.js": "25b5b4edb29a8399f78040b825d96af3e56c422fac656710eb4fb1e8e29e5d9d",
  // local/dynalite-expressions.ts relies on how these call and build parses.
  "validations/index.js": "f6207164c93b1957dcc93024e963ab33529d4f2187f4c0c5d3b229eed8e8e826",
  "db/conditionParser.js": "021488e54f1fb77f7594b8e0fd50b95317954100d85000e8a53904b90ce39973",
  "db/updateParser.js": "25aea6af6b231ee8cf25621ba715eff8261285b4bf6151b0641df4c73fbf6cde",
  // They call `db.checkConditional` with the existing item (the ALL_OLD part of the patch).
  "actions/putItem.js": "23531a8183d56d7fc7732885418cf682d38bb92c946826c9e949656ca9079a12",
  "actions/updateItem.js": "7dc72d09c407604a91ca42ee4ba303dffcdf647351a0434b9568b436070f3d78",
  "actions/deleteItem.js": "7b94f2962fb26793cd939fc696450a5179ff656eaabf9edd69d353861ceb8836",
  // Their request types gain ReturnValuesOnConditionCheckFailure (dynalite drops unknown fields).
  "validations/putItem.js": "2ed07ed21e540c3c36eb3747c83999e25a3ced942c6a52abfe5674e096b0e9c0",
  "validations/updateItem.js": "cc211b63fb26078e848111549b3f341548c84ca7689c1a19690ac519f6149934",
  "validations/deleteItem.js": "7dfdf8dbf09b5a1f9b07ebc224b43a7004524d3c6a7ec07baf7c8316fbc36ffb",
};

export class DynalitePatchMismatch extends Error {
  readonly _tag = "DynalitePatchMismatch";
}

const INTERNAL_ERROR = "com.amazonaws.dynamodb.v20120810#InternalServerError";
const VALIDATION_ERROR = "com.amazon.coral.validate#ValidationException";
const PATCHED = Symbol.for("sdp.dynalite-patched");

export const dynaliteDirectory = () => path.dirname(require.resolve("dynalite/package.json"));

const PIN: PinnedPackage = {
  name: "dynalite",
  version: PATCHED_DYNALITE_VERSION,
  sources: PINNED_SOURCES,
  patchFile: "local/dynalite-patch.ts",
  recheck: "Re-check how the new dynalite handles request and LevelDB errors",
  mismatch: (message) => new DynalitePatchMismatch(message),
};

export const verifyPinnedDynalite = (directory: string = dynaliteDirectory()) => verifyPinnedPackage(PIN, directory);

type ErrorSink = (error: Error, where: string) => void;
let report: ErrorSink = () => undefined;

/** Gives an error dynalite would throw the status and body of a DynamoDB InternalServerError. */
const asServerError = (error: unknown) => {
  if (!(error instanceof Error)) return error;
  const tagged = error as Error & { statusCode?: number; body?: unknown };
  // NotFoundError is how a missing item travels between dynalite's own functions.
  if (tagged.statusCode !== undefined || tagged.name === "NotFoundError") return error;
  tagged.statusCode = 500;
  tagged.body = { __type: INTERNAL_ERROR, message: `local DynamoDB emulator: ${error.message}` };
  report(error, "storage");
  return error;
};

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
type Callback = (error: unknown, ...rest: unknown[]) => void;

/** Wraps the LevelDB store dynalite builds, so its errors carry a status. */
const guardStore = (store: any) => {
  const level = store.db;
  for (const method of ["put", "get", "del", "batch"]) {
    const original = level[method];
    if (typeof original !== "function") continue;
    level[method] = function (this: unknown, ...args: unknown[]) {
      const last = args[args.length - 1];
      if (typeof last === "function") {
        args[args.length - 1] = ((error: unknown, ...rest: unknown[]) => (last as Callback)(error ? asServerError(error) : error, ...rest)) as Callback;
      }
      return original.apply(this, args);
    };
  }
  for (const method of ["createValueStream", "createKeyStream", "createReadStream"]) {
    const original = level[method];
    if (typeof original !== "function") continue;
    level[method] = function (this: unknown, ...args: unknown[]) {
      const stream = original.apply(this, args) as NodeJS.EventEmitter;
      // First in line, so dynalite's own handler sees the status.
      stream.prependListener?.("error", (error: unknown) => void asServerError(error));
      return stream;
    };
  }
  return store;
};

/** Keeps ACTIVE table definitions between writes to dynalite's table store (see the header). */
const cacheTableDefinitions = (store: any) => {
  const getTable = store.getTable;
  const tableDb = store.tableDb;
  if (typeof getTable !== "function" || typeof tableDb !== "object" || tableDb === null) return;
  const cache = new Map<string, string>();
  // Bumped when a write to the table store starts and when it ends: a read that overlapped one
  // does not fill the cache.
  let generation = 0;
  const invalidate = () => {
    generation++;
    cache.clear();
  };
  for (const method of ["put", "del", "batch"]) {
    const original = tableDb[method];
    if (typeof original !== "function") continue;
    tableDb[method] = function (this: unknown, ...args: unknown[]) {
      invalidate();
      const last = args[args.length - 1];
      if (typeof last === "function") {
        args[args.length - 1] = ((...results: unknown[]) => {
          invalidate();
          (last as Callback)(...(results as [unknown]));
        }) as Callback;
        return original.apply(this, args);
      }
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).finally === "function") void (result as Promise<unknown>).finally(invalidate).catch(() => undefined);
      return result;
    };
  }
  store.getTable = (name: string, checkStatus: unknown, cb?: Callback) => {
    const callback = (typeof checkStatus === "function" ? checkStatus : cb) as Callback;
    const text = cache.get(name);
    if (text !== undefined) {
      setImmediate(callback, null, JSON.parse(text));
      return;
    }
    const seen = generation;
    const done: Callback = (error, table, ...rest) => {
      if (!error && seen === generation && (table as { TableStatus?: unknown } | undefined)?.TableStatus === "ACTIVE") cache.set(name, JSON.stringify(table));
      callback(error, table, ...rest);
    };
    return typeof checkStatus === "function" ? getTable(name, done) : getTable(name, checkStatus, done);
  };
};

/** Applies the store part of the patch (before dynalite() creates its store). */
export const patchDynalite = (onError?: ErrorSink) => {
  if (onError) report = onError;
  const db = require("dynalite/db") as Record<string | symbol, unknown>;
  if (db[PATCHED]) return;
  verifyPinnedDynalite();
  const create = db.create as (options: unknown) => unknown;
  db.create = (options: unknown) => {
    const store = guardStore(create(options));
    cacheTableDefinitions(store);
    return store;
  };
  memoizeDynaliteExpressions();
  for (const action of ["putItem", "updateItem", "deleteItem"]) {
    const { types } = require(`dynalite/validations/${action}`) as { types: Record<string, unknown> };
    types.ReturnValuesOnConditionCheckFailure = { type: "String", enum: ["ALL_OLD", "NONE"] };
  }
  const checkConditional = db.checkConditional as (data: any, existing: any) => any;
  db.checkConditional = (data: any, existing: any) => {
    const invalid = checkConditional(data, existing);
    if (invalid && existing && data?.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && invalid.body) invalid.body = { ...invalid.body, Item: existing };
    return invalid;
  };
  db[PATCHED] = true;
};

/**
 * The request part: dynalite's server with its request listener guarded. Call on the server
 * dynalite() returned, before it listens.
 */
export const guardDynaliteServer = (server: http.Server) => {
  const listeners = server.listeners("request") as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
  server.removeAllListeners("request");
  for (const handle of listeners) {
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      const fail = (error: unknown) => {
        report(error instanceof Error ? error : new Error(String(error)), "request");
        if (res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        // Attribute values nested deeper than dynalite's recursion can go: DynamoDB itself allows
        // 32 levels and answers a ValidationException, a client error.
        const tooDeep = error instanceof RangeError && /call stack/i.test(error.message);
        const body = JSON.stringify(
          tooDeep
            ? { __type: VALIDATION_ERROR, message: "Nesting Levels have exceeded supported limits" }
            : { __type: INTERNAL_ERROR, message: `local DynamoDB emulator: ${(error as Error)?.message ?? String(error)}` },
        );
        res.statusCode = tooDeep ? 400 : 500;
        res.setHeader("Content-Type", "application/x-amz-json-1.0");
        res.setHeader("Content-Length", Buffer.byteLength(body));
        res.end(body);
      };
      const on = req.on.bind(req);
      // dynalite registers its listeners with `on`; each one is guarded.
      req.on = ((event: string, listener: (...args: unknown[]) => void) => {
        if (event === "error") {
          // The client hung up: nothing to answer, nothing to throw.
          return on("error", () => res.destroy());
        }
        return on(event, (...args: unknown[]) => {
          try {
            listener(...args);
          } catch (error) {
            fail(error);
          }
        });
      }) as typeof req.on;
      try {
        handle(req, res);
      } catch (error) {
        fail(error);
      }
    });
  }
  return server;
};
