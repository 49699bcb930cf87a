/**
 * `sdp etl` on an `sdp local` data dir indexes the Parquet files it writes (orders_enriched
 * partitions, curated views) in the GDPR subject index, so a redaction finds them without a scan;
 * on a plain lake directory (no platform state) it says the run was not indexed. Real emulators
 * (dynalite, s3rver) on a temporary data dir; the index is read back through the live layers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Effect } from "effect";
import etlCommand, { etlOutputKeys } from "../../cli/commands/etl";
import { withLocalGdpr } from "../../local/gdpr-services";
import type { SubjectLocation } from "../../contracts/gdpr";
import { plainLake, s3rverLake } from "../../etl/lake";
import { lookupSubject } from "../../functions/gdpr/subject-index";
import { identifierOf } from "../../functions/gdpr/subject";
import { startEmulators } from "../../local/emulators";
import { runCommand } from "../delivery/support";
import { putOrderEvent, shopifyOrder } from "../fixtures/lake/builder";

jest.setTimeout(120_000);

const ORDERS = "processed/shopify/orders_enriched/";

const parquetKeysOf = (dataDir: string, customer: string): Promise<string[]> =>
  withLocalGdpr(dataDir, {}, async ({ layer }) => {
    const locations = await Effect.runPromise(Effect.provide(lookupSubject([identifierOf(customer)!]), layer));
    return locations
      .filter((location): location is Extract<SubjectLocation, { store: "parquet" }> => location.store === "parquet")
      .map((location) => location.key)
      .sort();
  });

describe("sdp etl and the subject index", () => {
  let dataDir: string;
  let bucket: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-etl-index-"));
    const emulators = await startEmulators({ dataDir });
    bucket = emulators.bucket;
    await emulators.stop();
    const lake = s3rverLake(path.join(dataDir, "s3"), bucket);
    // Customer 7001 orders on two days, 7002 on one; order 3 has no customer.
    putOrderEvent(lake, "2026-05-02T10:00:00Z", shopifyOrder({ id: 1, number: 1, createdAt: "2026-05-02T09:00:00Z", customerId: 7001 }));
    putOrderEvent(lake, "2026-05-03T10:00:00Z", shopifyOrder({ id: 2, number: 2, createdAt: "2026-05-03T09:00:00Z", customerId: 7001 }));
    putOrderEvent(lake, "2026-05-03T11:00:00Z", shopifyOrder({ id: 3, number: 3, createdAt: "2026-05-03T10:00:00Z", customerId: null }));
    putOrderEvent(lake, "2026-05-04T10:00:00Z", shopifyOrder({ id: 4, number: 4, createdAt: "2026-05-04T09:00:00Z", customerId: 7002 }));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("indexes every partition and view it writes: each customer points at exactly the partitions holding their orders", async () => {
    const result = await runCommand(etlCommand, ["--date", "2026-05-04", "--full", "--data-dir", dataDir, "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { partitionsWritten: string[]; subjectIndex: { indexed: boolean; files: number; identifiers: number } };
    expect(report.partitionsWritten).toEqual(["2026-05-02", "2026-05-03", "2026-05-04"]);
    const lake = s3rverLake(path.join(dataDir, "s3"), bucket);
    const written = etlOutputKeys(lake, report);
    expect(written.filter((key) => key.startsWith(ORDERS))).toHaveLength(3);
    expect(report.subjectIndex).toMatchObject({ indexed: true, files: written.length });
    expect(report.subjectIndex.identifiers).toBeGreaterThanOrEqual(3);

    const first = await parquetKeysOf(dataDir, "gid://shopify/Customer/7001");
    expect(first.filter((key) => key.startsWith(ORDERS))).toEqual([`${ORDERS}dt=2026-05-02/part-00000.parquet`, `${ORDERS}dt=2026-05-03/part-00000.parquet`]);
    const second = await parquetKeysOf(dataDir, "7002");
    expect(second.filter((key) => key.startsWith(ORDERS))).toEqual([`${ORDERS}dt=2026-05-04/part-00000.parquet`]);
    // Every indexed file is one the run wrote.
    for (const key of [...first, ...second]) expect(written).toContain(key);
    expect(await parquetKeysOf(dataDir, "7003")).toEqual([]);
  });

  it("a repeated or incremental run indexes what it rewrote and leaves the index as it was otherwise", async () => {
    const before = await parquetKeysOf(dataDir, "7001");
    const again = await runCommand(etlCommand, ["--date", "2026-05-04", "--full", "--data-dir", dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/subject index: \d+ file\(s\) indexed/);
    expect(await parquetKeysOf(dataDir, "7001")).toEqual(before);

    // A new order of customer 7002 on 2026-05-05: the incremental run rewrites that partition and indexes it.
    putOrderEvent(s3rverLake(path.join(dataDir, "s3"), bucket), "2026-05-05T10:00:00Z", shopifyOrder({ id: 5, number: 5, createdAt: "2026-05-05T09:00:00Z", customerId: 7002 }));
    const incremental = await runCommand(etlCommand, ["--date", "2026-05-05", "--data-dir", dataDir, "--json"]);
    expect(incremental.code).toBe(0);
    expect(JSON.parse(incremental.stdout).partitionsWritten).toContain("2026-05-05");
    expect((await parquetKeysOf(dataDir, "7002")).filter((key) => key.startsWith(ORDERS))).toEqual([
      `${ORDERS}dt=2026-05-04/part-00000.parquet`,
      `${ORDERS}dt=2026-05-05/part-00000.parquet`,
    ]);
  });

  it("a plain lake directory has no subject index: the run succeeds and says it was not indexed", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-etl-plain-"));
    try {
      putOrderEvent(plainLake(root), "2026-05-02T10:00:00Z", shopifyOrder({ id: 1, number: 1, createdAt: "2026-05-02T09:00:00Z", customerId: 7001 }));
      const result = await runCommand(etlCommand, ["--date", "2026-05-02", "--data-dir", root, "--json"]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).subjectIndex).toMatchObject({ indexed: false, files: 0, reason: expect.stringContaining("no subject index") });
      expect(fs.existsSync(path.join(root, "dynamodb"))).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
