/**
 * The GDPR redaction workflow (contracts/gdpr-workflow.ts) run by the local runner over the
 * in-memory kernel with a versioned bucket in memory (redaction-services.ts versionedMemoryStore):
 * the real subject index (kernel/subject-index.ts over the in-memory HotStore), real Parquet
 * rewritten by DuckDB. s3rver does not version objects, so "every noncurrent version" is proved
 * here, on a store that keeps versions as S3 does; __tests__/gdpr/redaction-local.test.ts runs the
 * live layers on the emulators (where ListObjectVersions lists nothing and a plain delete is all).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { Effect, Layer, Option } from "effect";
import { DuckDBInstance } from "@duckdb/node-api";
import type { SubjectLocation } from "../../contracts/gdpr";
import { gdprRedactionDefinition, gdprRedactionSteps } from "../../contracts/gdpr-workflow";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { subjectIndexOverHotStore, SubjectIndex } from "../../functions/kernel/subject-index";
import { Alerts, HotStore, ObjectStore, type Item } from "../../functions/kernel/services";
import { DeadLetterStore, LakeVersions, makeMemoryDeadLetters, VendorApis, versionedMemoryStore, type Vendor } from "../../functions/gdpr/redaction-services";
import { readAudit } from "../../functions/gdpr/redaction-program";
import { rewriteParquet, rowMatchOf } from "../../functions/gdpr/parquet-redact";
import { createRequest, getRequest } from "../../functions/gdpr/requests";
import { identifiersOfPayload, indexItemsOf } from "../../functions/gdpr/subject-index";
import { identifierOf } from "../../functions/gdpr/subject";
import { runGdprRedactionLocally } from "../../local/gdpr-state-machine";
import { Transient } from "../../functions/kernel/errors";

const INDEX_KEY = "test-subject-index-key";
const people = [1, 2, 3].map((n) => ({
  n,
  id: `${1000 + n}`,
  email: `person${n}@example.com`,
  phone: `+4420794609${50 + n}`,
  recharge: `${770 + n}`,
  order: `${5000 + n}`,
}));

const parquetOf = async (sql: string): Promise<Uint8Array> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-gdpr-test-"));
  const file = path.join(dir, "part.parquet");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${sql}) TO '${file}' (FORMAT PARQUET)`);
    return new Uint8Array(fs.readFileSync(file));
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const rowsOf = async (body: Uint8Array): Promise<Array<Record<string, unknown>>> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-gdpr-test-"));
  const file = path.join(dir, "part.parquet");
  fs.writeFileSync(file, body);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const checksum = (rows: ReadonlyArray<unknown>) =>
  createHash("sha256")
    .update(
      rows
        .map((row) => JSON.stringify(row))
        .sort()
        .join("\n"),
    )
    .digest("hex");

const PARQUET = {
  customers: "snapshots/shopify/customers/run=r1/part-00000.parquet",
  orders: "snapshots/shopify/orders/run=r1/part-00000.parquet",
  enriched: "processed/shopify/orders_enriched/dt=2026-11-01/part-00000.parquet",
};

interface Lake {
  readonly layer: Layer.Layer<ObjectStore | HotStore | Alerts | SubjectIndex | LakeVersions | DeadLetterStore | VendorApis>;
  readonly platform: ReturnType<typeof makeTestPlatform>;
  readonly versions: ReturnType<typeof versionedMemoryStore>;
  readonly letters: ReturnType<typeof makeMemoryDeadLetters>;
  readonly vendorCalls: Array<{ vendor: Vendor; id: string }>;
  readonly control: { failWrites: boolean };
  readonly run: <A>(effect: Effect.Effect<A, unknown, ObjectStore | HotStore | SubjectIndex>) => Promise<A>;
}

/** Three people, each with an order event (raw, twice written: two versions), a Recharge subscription linked by e-mail, hot items, an idempotency record, Parquet rows and a dead letter. */
const seededLake = async (): Promise<Lake> => {
  const platform = makeTestPlatform({ secrets: { subjectIndexKey: INDEX_KEY } });
  const versions = versionedMemoryStore(await Effect.runPromise(Effect.provide(ObjectStore, platform.layers.objectStore)));
  const hot = await Effect.runPromise(Effect.provide(HotStore, platform.layers.hotStore));
  const index = subjectIndexOverHotStore(hot, Effect.succeed(INDEX_KEY));
  const letters = makeMemoryDeadLetters();
  const vendorCalls: Array<{ vendor: Vendor; id: string }> = [];
  const vendors = Layer.succeed(VendorApis, {
    deleteCustomer: (vendor, id) =>
      Effect.sync(() => {
        vendorCalls.push({ vendor, id });
        return "deleted" as const;
      }),
  });
  const control = { failWrites: false };
  const objectStore: ObjectStore["Type"] = {
    ...versions.objectStore,
    putFile: (key, file, options) => (control.failWrites ? Effect.fail(new Transient({ service: "s3", reason: "injected" })) : versions.objectStore.putFile(key, file, options)),
  };
  const layer = Layer.mergeAll(
    Layer.succeed(ObjectStore, objectStore),
    Layer.succeed(LakeVersions, versions.lakeVersions),
    platform.layers.hotStore,
    platform.layers.alerts,
    Layer.succeed(SubjectIndex, index),
    letters.layer,
    vendors,
  );
  const run = <A>(effect: Effect.Effect<A, unknown, ObjectStore | HotStore | SubjectIndex>) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A>);
  const at = "2026-11-01T10:00:00.000Z";
  const indexRecord = (source: "shopify" | "recharge", topic: string, payload: unknown, locations: SubjectLocation[]) =>
    index.write(indexItemsOf(identifiersOfPayload(source, topic, payload), locations, INDEX_KEY, at));

  for (const person of people) {
    const order = {
      id: Number(person.order),
      email: person.email,
      total_price: "10.00",
      customer: { id: Number(person.id), email: person.email, phone: person.phone, first_name: `P${person.n}` },
    };
    const orderKey = `raw/shopify/orders/dt=2026-11-01/evt-order-${person.n}.json`;
    const subscription = { subscription: { id: 9000 + person.n, customer_id: Number(person.recharge), email: person.email } };
    const subscriptionKey = `raw/recharge/subscription/dt=2026-11-01/evt-sub-${person.n}.json`;
    await run(
      Effect.gen(function* () {
        const objects = yield* ObjectStore;
        const store = yield* HotStore;
        // An order updated once: the bucket keeps the first body as a noncurrent version.
        yield* objects.put(orderKey, JSON.stringify({ ...order, total_price: "9.00" }));
        yield* objects.put(orderKey, JSON.stringify(order));
        yield* objects.put(subscriptionKey, JSON.stringify(subscription));
        yield* store.put("orders", { id: person.order, customer_id: person.id, email: person.email, created_at: at } as Item);
        yield* store.put("customers", { id: person.id, email: person.email, phone: person.phone } as Item);
        yield* store.put("subscriptions", { id: `${9000 + person.n}`, customer_id: person.recharge, email: person.email, updated_at: at } as Item);
        yield* store.put("idempotency", { key: `shopify:evt-order-${person.n}`, status: "completed" } as Item);
        yield* indexRecord("shopify", "orders/updated", order, [
          { store: "raw", key: orderKey },
          { store: "hot", table: "orders", key: { id: person.order } },
          { store: "hot", table: "customers", key: { id: person.id } },
          { store: "idempotency", key: `shopify:evt-order-${person.n}` },
        ]);
        yield* indexRecord("recharge", "subscription/updated", subscription, [
          { store: "raw", key: subscriptionKey },
          { store: "hot", table: "subscriptions", key: { id: `${9000 + person.n}` } },
        ]);
        yield* indexRecord("shopify", "customers/update", { id: Number(person.id), email: person.email, phone: person.phone }, [
          { store: "parquet", layer: "snapshots", table: "customers", key: PARQUET.customers },
          { store: "parquet", layer: "snapshots", table: "orders", key: PARQUET.orders },
          { store: "parquet", layer: "processed", table: "orders_enriched", key: PARQUET.enriched },
        ]);
      }),
    );
    letters.add(JSON.stringify({ rawKey: orderKey, reason: "decode failed", payload: { note: "no identifiers in this body" } }));
  }
  letters.add(JSON.stringify({ reason: "unknown", payload: { id: 1, contact_email: "someone.else@example.com" } }));

  const values = (map: (person: (typeof people)[number]) => string) => people.map(map).join(", ");
  const customers = await parquetOf(
    `SELECT * FROM (VALUES ${values((p) => `('gid://shopify/Customer/${p.id}', 'P${p.n}', '${p.email.toUpperCase()}', '${p.phone.replace("+44", "+44 ")}', ${p.n * 100})`)}) t(id, first_name, email, phone, number_of_orders)`,
  );
  const orders = await parquetOf(
    `SELECT * FROM (VALUES ${values((p) => `('gid://shopify/Order/${p.order}', '${p.email}', 'gid://shopify/Customer/${p.id}', ${p.n}.5::DECIMAL(20,4))`)}, ('gid://shopify/Order/9999', NULL, NULL, 1.0::DECIMAL(20,4))) t(id, email, customer_id, total_price)`,
  );
  // The enriched table has no e-mail: the rows go by customer id (found through the e-mail's links).
  const enriched = await parquetOf(
    `SELECT * FROM (VALUES ${values((p) => `('${p.order}', '${p.id}', TIMESTAMP '2026-11-01 10:00:00', ${p.n}::INTEGER)`)}, ('8888', '42', TIMESTAMP '2026-11-01 11:00:00', 7::INTEGER)) t(order_id, customer_id, created_at, line_item_count)`,
  );
  await run(
    Effect.gen(function* () {
      const objects = yield* ObjectStore;
      yield* objects.put(PARQUET.customers, customers);
      yield* objects.put(PARQUET.orders, orders);
      yield* objects.put(PARQUET.enriched, enriched);
    }),
  );
  return { layer, platform, versions, letters, vendorCalls, run, control };
};

const request = (lake: Lake, requestId: string, customer: string, vendors?: ReadonlyArray<"stripe" | "recharge">) =>
  lake.run(
    createRequest({
      requestId,
      kind: "customer-redact",
      origin: "cli",
      receivedAt: "2026-12-01T09:00:00.000Z",
      identifiers: [identifierOf(customer)!],
      ...(vendors ? { vendors } : {}),
    }),
  );

/** Every byte the lake holds for a person, anywhere: current objects, every version, hot items, dead letters, index entries. */
const traces = async (lake: Lake, person: (typeof people)[number]) => {
  const needles = [person.id, person.email, person.phone.slice(-8), person.recharge, person.order];
  const found: string[] = [];
  for (const key of lake.versions.keys()) {
    for (const body of lake.versions.bodies(key)) {
      const text = key.endsWith(".parquet") ? JSON.stringify(await rowsOf(body)) : Buffer.from(body).toString("utf8");
      for (const needle of needles) if (text.toLowerCase().includes(needle.toLowerCase())) found.push(`${key}: ${needle}`);
    }
  }
  for (const [table, items] of Object.entries(lake.platform.state.tables)) {
    if (table === "gdprRequests" || table === "subjectIndex") continue;
    for (const item of items.values()) for (const needle of needles) if (JSON.stringify(item).includes(needle)) found.push(`${table}: ${needle}`);
  }
  for (const letter of lake.letters.letters()) if (letter.includes(`evt-order-${person.n}`)) found.push(`dlq: ${person.n}`);
  for (const needle of [person.id, person.email, person.phone]) if ((await indexEntriesFor(lake, needle)) > 0) found.push(`index: ${needle}`);
  return found;
};

const indexEntriesFor = (lake: Lake, customer: string) =>
  lake.run(
    Effect.gen(function* () {
      const { subjectKey } = yield* Effect.promise(() => import("../../functions/gdpr/subject"));
      const index = yield* SubjectIndex;
      return (yield* index.entriesOf(subjectKey(identifierOf(customer)!, INDEX_KEY))).length;
    }),
  );

const snapshot = async (lake: Lake) => {
  const tables = Object.fromEntries(
    Object.entries(PARQUET).map(([name, key]) => {
      const body = lake.platform.state.objects.get(key)?.body;
      return [name, body];
    }),
  );
  const out: Record<string, { rows: Array<Record<string, unknown>> }> = {};
  for (const [name, body] of Object.entries(tables)) out[name] = { rows: body ? await rowsOf(body) : [] };
  return out;
};

const othersOf = (rows: ReadonlyArray<Record<string, unknown>>, person: (typeof people)[number]) => rows.filter((row) => !JSON.stringify(row).includes(person.id));

describe("a Parquet row is the subject's by its e-mail, phone and customer-id columns only", () => {
  it("keeps another customer's order whose order id equals the subject's customer id", async () => {
    const body = await parquetOf(
      "SELECT * FROM (VALUES ('1001', '42', 'a@example.com', '+44 20 7946 0958'), ('5001', '1001', NULL, NULL), ('5002', 'gid://shopify/Customer/1001', NULL, NULL), ('5003', '43', ' Ada@Example.COM ', NULL), ('5004', '44', NULL, '0044 (20) 7946-0959')) t(order_id, customer_id, email, phone)",
    );
    const match = rowMatchOf([identifierOf("1001")!, identifierOf("ada@example.com")!, identifierOf("+44 20 7946 0959")!]);
    const result = await rewriteParquet(body, "orders_enriched", match);
    try {
      expect(result.rowsRemoved).toBe(4);
      expect(await rowsOf(new Uint8Array(fs.readFileSync(result.file!)))).toEqual([{ order_id: "1001", customer_id: "42", email: "a@example.com", phone: "+44 20 7946 0958" }]);
    } finally {
      fs.rmSync(result.dir, { recursive: true, force: true });
    }
    const none = await rewriteParquet(body, "orders_enriched", rowMatchOf([identifierOf("nobody@example.com")!]));
    fs.rmSync(none.dir, { recursive: true, force: true });
    expect(none).toMatchObject({ rowsBefore: 5, rowsRemoved: 0, bytesWritten: 0 });
    expect(none.file).toBeUndefined();
  });
});

describe("GDPR redaction workflow", () => {
  it("is one definition whose steps are the contract's, in order", () => {
    const definition = gdprRedactionDefinition({ redactFunction: "arn:aws:lambda:eu-west-1:1:function:x" });
    const steps = Object.values(definition.States)
      .filter((state) => state.Type === "Task")
      .map((state) => (state as { Parameters: { step: string } }).Parameters.step);
    expect(steps).toEqual([...gdprRedactionSteps, "failed"]);
  });

  it("redacts one customer by id everywhere and leaves every other row as it was", async () => {
    const lake = await seededLake();
    const before = await snapshot(lake);
    await request(lake, "req-1", people[0]!.id, ["recharge"]);
    expect((await traces(lake, people[0]!)).length).toBeGreaterThan(0);

    const result = await runGdprRedactionLocally("req-1", { layer: lake.layer });
    expect(result.status).toBe("SUCCEEDED");

    expect(await traces(lake, people[0]!)).toEqual([]);
    const after = await snapshot(lake);
    for (const name of Object.keys(PARQUET)) {
      const kept = othersOf(before[name]!.rows, people[0]!);
      expect(after[name]!.rows.length).toBe(kept.length);
      expect(checksum(after[name]!.rows)).toBe(checksum(kept));
    }
    // The other people: everything still there, current and older versions alike.
    for (const person of people.slice(1)) {
      expect(lake.versions.versionCount(`raw/shopify/orders/dt=2026-11-01/evt-order-${person.n}.json`)).toBe(2);
      expect(lake.platform.item("customers", { id: person.id })).toBeDefined();
      expect(lake.platform.item("subscriptions", { id: `${9000 + person.n}` })).toBeDefined();
      expect(lake.platform.item("idempotency", { key: `shopify:evt-order-${person.n}` })).toBeDefined();
      expect(await indexEntriesFor(lake, person.email)).toBeGreaterThan(0);
    }
    // Every version of the subject's raw objects is gone, and the overwritten Parquet's older version too.
    expect(lake.versions.versionCount("raw/shopify/orders/dt=2026-11-01/evt-order-1.json")).toBe(0);
    expect(lake.versions.versionCount(PARQUET.customers)).toBe(1);
    expect(lake.letters.letters()).toHaveLength(3);
    expect(await indexEntriesFor(lake, people[0]!.email)).toBe(0);
    expect(await indexEntriesFor(lake, people[0]!.id)).toBe(0);
    // The vendor step asked Recharge about the subscription's customer, found through the e-mail.
    expect(lake.vendorCalls).toEqual([{ vendor: "recharge", id: people[0]!.recharge }]);

    const record = Option.getOrThrow(await lake.run(getRequest("req-1")));
    expect(record.status).toBe("complete");
    expect(record.identifiers).toBeUndefined();
    expect(record.stepsDone).toEqual([...gdprRedactionSteps]);
    const audit = await lake.run(readAudit(record));
    expect(audit.map((entry) => entry.step)).toEqual([...gdprRedactionSteps]);
    const raw = audit.find((entry) => entry.step === "raw")!;
    expect(raw.counts).toEqual({ objects: 2, versions: 3 });
    expect(audit.find((entry) => entry.step === "parquet")!.counts.rowsRemoved).toBe(3);
    // The audit log holds no personal data.
    const auditText = JSON.stringify(audit);
    for (const needle of [people[0]!.id, people[0]!.email, people[0]!.phone]) expect(auditText).not.toContain(needle);
  });

  it("redacts by e-mail only: the links lead to the customer id's rows, and the e-mail's spelling does not matter", async () => {
    const lake = await seededLake();
    await request(lake, "req-2", `  ${people[1]!.email.toUpperCase()} `);
    const result = await runGdprRedactionLocally("req-2", { layer: lake.layer });
    expect(result.status).toBe("SUCCEEDED");
    expect(await traces(lake, people[1]!)).toEqual([]);
    expect((await traces(lake, people[0]!)).length).toBeGreaterThan(0);
    expect(lake.vendorCalls).toEqual([]);
  });

  it("a repeated request finishes without harm and changes nothing", async () => {
    const lake = await seededLake();
    await request(lake, "req-3", people[2]!.phone);
    expect((await runGdprRedactionLocally("req-3", { layer: lake.layer })).status).toBe("SUCCEEDED");
    const between = await snapshot(lake);
    const objectsBetween = [...lake.platform.state.objects.keys()].filter((key) => !key.startsWith("metadata/")).sort();
    const again = await runGdprRedactionLocally("req-3", { layer: lake.layer });
    expect(again.status).toBe("SUCCEEDED");
    expect(again.steps.every((step) => step.skipped)).toBe(true);
    expect(await snapshot(lake)).toEqual(between);
    expect([...lake.platform.state.objects.keys()].filter((key) => !key.startsWith("metadata/")).sort()).toEqual(objectsBetween);
    expect(await traces(lake, people[2]!)).toEqual([]);
  });

  it("an unknown customer completes with nothing found and nothing changed", async () => {
    const lake = await seededLake();
    const before = await snapshot(lake);
    await request(lake, "req-4", "nobody@example.com");
    const result = await runGdprRedactionLocally("req-4", { layer: lake.layer });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.steps.find((step) => step.step === "lookup")!.counts).toMatchObject({ locations: 0 });
    expect(await snapshot(lake)).toEqual(before);
    for (const person of people) expect((await traces(lake, person)).length).toBeGreaterThan(0);
  });

  it("a request that fails midway is marked failed, alerted, and resumed where it stopped", async () => {
    const lake = await seededLake();
    await request(lake, "req-5", people[0]!.id);
    // The Parquet step cannot write: its retries run out and the workflow stops.
    lake.control.failWrites = true;
    const failed = await runGdprRedactionLocally("req-5", { layer: lake.layer });
    expect(failed.status).toBe("FAILED");
    const stopped = Option.getOrThrow(await lake.run(getRequest("req-5")));
    expect(stopped.status).toBe("failed");
    expect(stopped.stepsDone).toEqual(["lookup", "hot-store", "raw"]);
    expect(lake.platform.state.alerts.map((alert) => alert.kind)).toEqual(["gdpr-request"]);
    expect(lake.platform.state.alerts[0]!.message).not.toContain(people[0]!.email);

    lake.control.failWrites = false;
    const resumed = await runGdprRedactionLocally("req-5", { layer: lake.layer });
    if (resumed.status !== "SUCCEEDED") throw new Error(`${resumed.error}: ${resumed.cause}`);
    expect(resumed.steps.filter((step) => step.skipped).map((step) => step.step)).toEqual(["lookup", "hot-store", "raw"]);
    expect(await traces(lake, people[0]!)).toEqual([]);
    const record = Option.getOrThrow(await lake.run(getRequest("req-5")));
    expect(record.status).toBe("complete");
    const audit = await lake.run(readAudit(record));
    expect(audit.map((entry) => entry.step)).toContain("failed");
  });
});
