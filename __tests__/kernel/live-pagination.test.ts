/**
 * The live ObjectStore.list and HotStore.scan/query read every page (the SDK's paginators) against
 * the emulators: each key or item once, whatever the page size. The clients' `send` is wrapped to
 * ask for small pages (MaxKeys / Limit, as a large table or prefix would page) and to count them.
 * A page that fails mid-read fails the whole read, classified as every other call is.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Cause, Effect, Exit } from "effect";
import { envVars } from "../../contracts/env-vars";
import { tableKeys, tableSpecs } from "../../contracts/tables";
import { Throttled } from "../../functions/kernel/errors";
import { makeDynamoHotStore, makeS3ObjectStore } from "../../functions/kernel/live";
import { emulatorsForTests, withConfig } from "../support";

jest.setTimeout(60_000);

const fixture = emulatorsForTests("live-pagination");

const settings = () => ({
  [envVars.lakeBucket]: fixture.emulators.bucket,
  ...Object.fromEntries(tableKeys.map((key) => [tableSpecs[key].envVar, fixture.emulators.tables[key]!])),
});
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromiseExit(effect.pipe(withConfig(settings())));

interface Paging {
  /** Requests of the paged command, each with whether it carried the call's abort signal. */
  readonly requests: Array<{ readonly signalled: boolean }>;
  restore(): void;
}

/**
 * Wraps `client.send` (the instance stays the SDK's class, as the paginators require): every
 * `commandName` request asks for `size` items a page; `failOn` (1-based) fails that request as
 * DynamoDB and S3 throttle.
 */
const pageBy = (client: S3Client | DynamoDBDocumentClient, commandName: string, field: "MaxKeys" | "Limit", size: number, failOn?: number): Paging => {
  const original = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
  const requests: Array<{ signalled: boolean }> = [];
  const wrapped = (command: { constructor: { name: string }; input: Record<string, unknown> }, options?: { abortSignal?: unknown }) => {
    if (command.constructor.name === commandName) {
      requests.push({ signalled: options?.abortSignal !== undefined });
      if (requests.length === failOn) return Promise.reject(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }));
      command.input[field] = size;
    }
    return original(command, options);
  };
  (client as { send: unknown }).send = wrapped;
  return { requests, restore: () => void ((client as { send: unknown }).send = original) };
};

/** Runs `read` with `client` paged as pageBy does; the client is restored afterwards, whatever happens. */
const readPaged = async <A, E>(
  client: S3Client | DynamoDBDocumentClient,
  commandName: string,
  field: "MaxKeys" | "Limit",
  size: number,
  read: Effect.Effect<A, E>,
  failOn?: number,
) => {
  const paging = pageBy(client, commandName, field, size, failOn);
  try {
    return { exit: await run(read), requests: paging.requests };
  } finally {
    paging.restore();
  }
};

const throttled = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe((failure) => failure._tag === "Some" && failure.value instanceof Throttled);

describe("live listing and scans over more than one page", () => {
  test("ObjectStore.list returns every key under the prefix once, in order, with its size, over many pages", async () => {
    const store = makeS3ObjectStore(() => fixture.aws.s3);
    const keys = Array.from({ length: 23 }, (_, index) => `raw/shopify/orders/dt=2026-03-0${1 + (index % 3)}/event-${String(index).padStart(2, "0")}.json`);
    const bodies = new Map(keys.map((key, index) => [key, `{"n":${"1".repeat(index + 1)}}`]));
    const outside = ["raw/shopify/customers/dt=2026-03-01/event-00.json", "raw/stripe/orders/x.json"];
    await run(Effect.forEach([...keys, ...outside], (key) => store.put(key, bodies.get(key) ?? "{}"), { concurrency: 4, discard: true }));

    const { exit, requests } = await readPaged(fixture.aws.s3, "ListObjectsV2Command", "MaxKeys", 4, store.list("raw/shopify/orders/"));
    expect(Exit.isSuccess(exit)).toBe(true);
    const listed = Exit.isSuccess(exit) ? exit.value : [];
    expect(listed.map((entry) => entry.key)).toEqual([...keys].sort());
    expect(new Set(listed.map((entry) => entry.key)).size).toBe(keys.length);
    for (const entry of listed) expect(entry.size).toBe(Buffer.byteLength(bodies.get(entry.key)!));
    // 23 keys, 4 a page: 6 pages, the last one not truncated; every page with the call's abort signal.
    expect(requests).toHaveLength(6);
    expect(requests.every((request) => request.signalled)).toBe(true);
  });

  test("a listing page that fails fails the whole listing with the kernel's classification", async () => {
    const store = makeS3ObjectStore(() => fixture.aws.s3);
    const { exit, requests } = await readPaged(fixture.aws.s3, "ListObjectsV2Command", "MaxKeys", 4, store.list("raw/shopify/orders/"), 2);
    expect(throttled(exit)).toBe(true);
    expect(requests).toHaveLength(2);
  });

  test("HotStore.scan and query return every item once over pages of a small Limit", async () => {
    const store = makeDynamoHotStore(() => fixture.aws.documents);
    const leases = Array.from({ length: 17 }, (_, index) => ({ shop: `shop-${index % 3}`, slot: `slot-${String(index).padStart(2, "0")}`, owner: `owner-${index}` }));
    const orders = Array.from({ length: 11 }, (_, index) => ({
      id: `order-${index}`,
      customer_id: index < 8 ? "customer-1" : "customer-2",
      created_at: `2026-03-01T10:00:${String(index).padStart(2, "0")}Z`,
      order_number: String(1000 + index),
    }));
    await run(Effect.forEach(leases, (item) => store.put("leases", item), { concurrency: 4, discard: true }));
    await run(Effect.forEach(orders, (item) => store.put("orders", item), { concurrency: 4, discard: true }));

    const scan = await readPaged(fixture.aws.documents, "ScanCommand", "Limit", 3, store.scan("leases"));
    expect(Exit.isSuccess(scan.exit)).toBe(true);
    const scanned = Exit.isSuccess(scan.exit) ? scan.exit.value : [];
    const byKey = (item: Record<string, unknown>) => `${item.shop}/${item.slot}`;
    expect(scanned.map(byKey).sort()).toEqual(leases.map(byKey).sort());
    expect(new Set(scanned.map(byKey)).size).toBe(leases.length);
    // 17 items, 3 a page: 6 full pages (the sixth leaves a LastEvaluatedKey) and one empty one.
    expect(scan.requests.length).toBeGreaterThanOrEqual(6);
    expect(scan.requests.every((request) => request.signalled)).toBe(true);

    const query = await readPaged(fixture.aws.documents, "QueryCommand", "Limit", 3, store.query("orders", "by-customer", "customer_id", "customer-1"));
    expect(Exit.isSuccess(query.exit)).toBe(true);
    const found = Exit.isSuccess(query.exit) ? query.exit.value : [];
    // Sorted by the index's sort key, as DynamoDB returns them, across pages.
    expect(found.map((item) => item.id)).toEqual(orders.filter((order) => order.customer_id === "customer-1").map((order) => order.id));
    expect(query.requests.length).toBeGreaterThanOrEqual(3);
    expect(query.requests.every((request) => request.signalled)).toBe(true);
  });

  test("a scan page that fails fails the whole scan with the kernel's classification", async () => {
    const store = makeDynamoHotStore(() => fixture.aws.documents);
    const paging = pageBy(fixture.aws.documents, "ScanCommand", "Limit", 3, 3);
    try {
      const exit = await run(store.scan("leases"));
      expect(throttled(exit)).toBe(true);
      expect(paging.requests).toHaveLength(3);
      // Retried (as the callers' backoff does), the scan starts again from the first page: every item once.
      const retried = await run(store.scan("leases").pipe(Effect.retry({ while: (error) => error instanceof Throttled, times: 1 })));
      expect(Exit.isSuccess(retried) ? retried.value.length : -1).toBe(17);
    } finally {
      paging.restore();
    }
  });
});
