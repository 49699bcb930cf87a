/**
 * The AWS analytics ETL indexes what it writes: after Athena's INSERT rewrites an orders_enriched
 * partition, the workflow's IndexPartition step invokes gdpr-index-parquet, which lists the
 * partition's objects (Athena names them itself) and reads each file with DuckDB into the GDPR
 * subject index. Run by aws-local-stepfunctions on the definition AWS runs
 * (local/analytics-state-machine.ts), with Athena's INSERT played by DuckDB writing a Parquet file
 * under an Athena-like name, and the real function program over the in-memory kernel.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { DuckDBInstance } from "@duckdb/node-api";
import { Effect, Exit, Layer } from "effect";
import { analyticsWorkflowDefinition, ORDERS_ENRICHED_PREFIX } from "../../contracts/analytics-workflow";
import type { SubjectLocation } from "../../contracts/gdpr";
import { athenaWorkflowSql } from "../../etl/athena";
import { partitionPrefixOf, program as indexPartition } from "../../functions/gdpr/index-parquet";
import { lookupSubject } from "../../functions/gdpr/subject-index";
import { identifierOf } from "../../functions/gdpr/subject";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { HotStore, ObjectStore } from "../../functions/kernel/services";
import { SubjectIndex, subjectIndexOverHotStore } from "../../functions/kernel/subject-index";
import { runAnalyticsWorkflowLocally, type AnalyticsServices } from "../../local/analytics-state-machine";

jest.setTimeout(120_000);

const KEY = "analytics-index-test-key-0123456789abcdef";
const resources = {
  bucket: "acme-data-lake-222222222222-staging",
  workgroup: "acme-staging-analytics",
  database: "acme_staging_lake",
  dataQualityFunctionArn: "arn:aws:lambda:eu-west-1:222222222222:function:acme-staging-data-quality",
  alertsTopicArn: "arn:aws:sns:eu-west-1:222222222222:acme-staging-alerts",
  indexParquetFunctionArn: "arn:aws:lambda:eu-west-1:222222222222:function:acme-staging-gdpr-index-parquet",
};

/** orders_enriched rows per date: (order id, customer GID). */
const ordersByDate: Record<string, ReadonlyArray<readonly [string, string | null]>> = {
  "2026-11-01": [
    ["gid://shopify/Order/1", "gid://shopify/Customer/7001"],
    ["gid://shopify/Order/2", null],
  ],
  "2026-11-02": [["gid://shopify/Order/3", "gid://shopify/Customer/7002"]],
  "2026-11-03": [
    ["gid://shopify/Order/4", "gid://shopify/Customer/7001"],
    ["gid://shopify/Order/5", "gid://shopify/Customer/7003"],
  ],
};

const parquetOf = async (rows: ReadonlyArray<readonly [string, string | null]>): Promise<Uint8Array> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-athena-"));
  const file = path.join(dir, "out.parquet");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    const values = rows.map(([order, customer]) => `('${order}', ${customer === null ? "NULL" : `'${customer}'`}, 10.5::DECIMAL(20,4))`).join(", ");
    await connection.run(`COPY (SELECT * FROM (VALUES ${values}) t(order_id, customer_id, total_price)) TO '${file}' (FORMAT PARQUET)`);
    return new Uint8Array(fs.readFileSync(file));
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** The in-memory lake and index, Athena's INSERT writing one file per partition under a name Athena would choose. */
const lakeAndServices = async (options: { failIndexFor?: string } = {}) => {
  const platform = makeTestPlatform({ secrets: { subjectIndexKey: KEY } });
  const hot = await Effect.runPromise(Effect.provide(HotStore, platform.layers.hotStore));
  const layer = Layer.mergeAll(
    platform.layers.objectStore,
    platform.layers.hotStore,
    platform.layers.logger,
    Layer.succeed(SubjectIndex, subjectIndexOverHotStore(hot, Effect.succeed(KEY))),
  );
  const run = <A, E>(effect: Effect.Effect<A, E, ObjectStore | HotStore | SubjectIndex>) => Effect.runPromise(Effect.provide(effect, layer));
  const calls: string[] = [];
  const alerts: string[] = [];
  const dates = Object.keys(ordersByDate);
  const rows = [["dt"], ...dates.map((dt) => [dt])];
  const services: AnalyticsServices = {
    startQuery: async (sql) => {
      const insert = /^INSERT INTO orders_enriched .* enriched\.dt = '(\d{4}-\d{2}-\d{2})'$/s.exec(sql);
      if (insert) {
        const dt = insert[1]!;
        calls.push(`insert ${dt}`);
        const body = await parquetOf(ordersByDate[dt]!);
        await run(Effect.flatMap(ObjectStore, (objects) => objects.put(`${ORDERS_ENRICHED_PREFIX}dt=${dt}/20261130_101500_${randomUUID()}`, body)));
      }
      return { queryExecutionId: randomUUID() };
    },
    getQueryResults: async () => ({ rows }),
    listObjects: async (_bucket, prefix) =>
      run(
        Effect.map(
          Effect.flatMap(ObjectStore, (objects) => objects.list(prefix)),
          (objects) => objects.map((object) => object.key),
        ),
      ),
    deleteObject: async (_bucket, key) => run(Effect.flatMap(ObjectStore, (objects) => objects.delete(key))),
    invokeDataQuality: async () => ({ summary: { errors: 0 }, resultKey: "metadata/data-quality/x.json", backfillDays: [] }),
    indexParquet: async (payload) => {
      calls.push(`index ${payload.prefix}`);
      if (options.failIndexFor !== undefined && payload.prefix.includes(options.failIndexFor))
        throw Object.assign(new Error("could not read the partition"), { name: "InvalidPayload" });
      const exit = await Effect.runPromiseExit(Effect.provide(indexPartition(payload), layer));
      if (Exit.isFailure(exit)) throw Object.assign(new Error("index failed"), { name: "Transient" });
      return exit.value;
    },
    publishAlert: async (_subject, message) => {
      alerts.push(message);
    },
  };
  const parquetKeysOf = async (customer: string) =>
    (await run(lookupSubject([identifierOf(customer)!])))
      .filter((location): location is Extract<SubjectLocation, { store: "parquet" }> => location.store === "parquet")
      .map((location) => location.key)
      .sort();
  const partitionKeys = async (dt: string) => (await services.listObjects(resources.bucket, `${ORDERS_ENRICHED_PREFIX}dt=${dt}/`)).slice().sort();
  return { services, calls, alerts, parquetKeysOf, partitionKeys };
};

describe("the analytics workflow indexes the partitions Athena rewrites", () => {
  it("IndexPartition follows InsertPartition in each date's child execution, with the partition's prefix; without the function the child ends at the INSERT", () => {
    const child = (withIndex: boolean) =>
      (analyticsWorkflowDefinition(withIndex ? resources : { ...resources, indexParquetFunctionArn: undefined }, athenaWorkflowSql()).States as Record<string, any>)
        .RewritePartitions.ItemProcessor.States;
    const states = child(true);
    expect(states.InsertPartition.Next).toBe("IndexPartition");
    expect(states.IndexPartition).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: resources.indexParquetFunctionArn, Payload: { "prefix.$": `States.Format('${ORDERS_ENRICHED_PREFIX}dt={}/', $.dt)` } },
      End: true,
    });
    expect(states.IndexPartition.Retry[0].ErrorEquals).toEqual(expect.arrayContaining(["Lambda.TooManyRequestsException", "Transient"]));
    const without = child(false);
    expect(without.InsertPartition.End).toBe(true);
    expect(without.IndexPartition).toBeUndefined();
  });

  it("a full run indexes every rewritten file: each customer points at exactly the Athena-named files holding their orders", async () => {
    const lake = await lakeAndServices();
    const result = await runAnalyticsWorkflowLocally({ full: true, date: "2026-11-30" }, { resources, sql: athenaWorkflowSql(), services: lake.services });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("SUCCEEDED");
    // Each date: the INSERT, then the index of that partition.
    expect(lake.calls).toEqual(Object.keys(ordersByDate).flatMap((dt) => [`insert ${dt}`, `index ${ORDERS_ENRICHED_PREFIX}dt=${dt}/`]));
    const [first] = await lake.partitionKeys("2026-11-01");
    const [second] = await lake.partitionKeys("2026-11-02");
    const [third] = await lake.partitionKeys("2026-11-03");
    expect(await lake.parquetKeysOf("7001")).toEqual([first, third].sort());
    expect(await lake.parquetKeysOf("gid://shopify/Customer/7002")).toEqual([second]);
    expect(await lake.parquetKeysOf("7003")).toEqual([third]);
    expect(await lake.parquetKeysOf("7004")).toEqual([]);

    // A re-run replaces the files (new Athena names) and indexes the new ones.
    const rerun = await runAnalyticsWorkflowLocally({ full: true, date: "2026-11-30" }, { resources, sql: athenaWorkflowSql(), services: lake.services });
    expect(rerun.status).toBe("SUCCEEDED");
    const [newThird] = await lake.partitionKeys("2026-11-03");
    expect(newThird).not.toBe(third);
    expect(await lake.parquetKeysOf("7003")).toContain(newThird);
  });

  it("a partition that cannot be indexed fails the run with the workflow's alert (re-run it: every step repeats safely)", async () => {
    const lake = await lakeAndServices({ failIndexFor: "dt=2026-11-02" });
    const result = await runAnalyticsWorkflowLocally({ full: true, date: "2026-11-30" }, { resources, sql: athenaWorkflowSql(), services: lake.services });
    expect(result.status).toBe("FAILED");
    expect(lake.alerts).toHaveLength(1);
    expect(lake.alerts[0]).toContain("The analytics run for 2026-11-30 failed");
  });

  it("gdpr-index-parquet takes one orders_enriched partition and says what to fix otherwise", async () => {
    expect(partitionPrefixOf({ prefix: `${ORDERS_ENRICHED_PREFIX}dt=2026-11-01/` })).toBe(`${ORDERS_ENRICHED_PREFIX}dt=2026-11-01/`);
    for (const bad of [undefined, {}, { prefix: 3 }, { prefix: "raw/shopify/orders/" }, { prefix: ORDERS_ENRICHED_PREFIX }, { prefix: `${ORDERS_ENRICHED_PREFIX}dt=2026-11-01` }]) {
      const problem = partitionPrefixOf(bad);
      expect(problem).toMatchObject({ _tag: "InvalidPayload", field: "prefix" });
    }
    const platform = makeTestPlatform({ secrets: { subjectIndexKey: KEY } });
    const exit = await Effect.runPromiseExit(Effect.provide(indexPartition({ prefix: "curated/x/" }), platform.layer));
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("InvalidPayload");
  });
});
