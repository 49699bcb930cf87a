/**
 * The local platform's own scans (the TTL sweep and claim release in local/ttl.ts, the hot-store
 * reads of local/lake-views.ts) read every page: a table of more than DynamoDB's 1 MB a page,
 * which dynalite pages as DynamoDB does, is read whole, each item once.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { LakeLocation } from "../../local/lake-views";
import { scanHotStores } from "../../local/lake-views";
import { releaseClaimsOfEarlierRuns, sweepExpiredItems } from "../../local/ttl";
import { emulatorsForTests } from "../support";

jest.setTimeout(60_000);

const fixture = emulatorsForTests("scan-pages");

/** 30 items of ~45 KB: about 1.35 MB, more than one 1 MB page. */
const ITEMS = 30;
const padding = "x".repeat(45_000);

const writeAll = async (table: string, items: ReadonlyArray<Record<string, AttributeValue>>) => {
  for (let start = 0; start < items.length; start += 10) {
    await fixture.aws.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: items.slice(start, start + 10).map((Item) => ({ PutRequest: { Item } })) } }));
  }
};

const firstPageIsPartial = async (table: string) => {
  const page = await fixture.aws.dynamodb.send(new ScanCommand({ TableName: table }));
  return { count: page.Count ?? 0, more: page.LastEvaluatedKey !== undefined };
};

const target = () => ({
  region: fixture.emulators.region,
  endpoint: fixture.emulators.endpoints.dynamodb,
  credentials: fixture.emulators.credentials,
  tables: fixture.emulators.tables,
});

describe("scans of more than one page", () => {
  test("lake views read every hot-store item once", async () => {
    const table = fixture.emulators.tables.customers;
    await writeAll(
      table,
      Array.from({ length: ITEMS }, (_, index) => ({ id: { S: `customer-${String(index).padStart(2, "0")}` }, note: { S: padding } })),
    );
    const first = await firstPageIsPartial(table);
    expect(first.more).toBe(true);
    expect(first.count).toBeLessThan(ITEMS);

    const lake = {
      dataDir: fixture.dataDir,
      tables: fixture.emulators.tables,
      running: { region: fixture.emulators.region, endpoints: fixture.emulators.endpoints },
    } as unknown as LakeLocation;
    const { customers = [] } = await scanHotStores(lake, ["customers"]);
    const ids = customers.map((item) => item.id as string);
    expect(ids).toHaveLength(ITEMS);
    expect(new Set(ids).size).toBe(ITEMS);
  });

  test("the TTL sweep and the claim release delete every matching item across pages", async () => {
    const now = 2_000_000_000;
    const leases = fixture.emulators.tables.leases;
    await writeAll(
      leases,
      Array.from({ length: ITEMS }, (_, index) => ({
        shop: { S: "acme" },
        slot: { S: `slot-${String(index).padStart(2, "0")}` },
        // Every third one is still live.
        expires_at: { N: String(index % 3 === 0 ? now + 60 : now - 60) },
        note: { S: padding },
      })),
    );
    const idempotency = fixture.emulators.tables.idempotency;
    await writeAll(
      idempotency,
      Array.from({ length: ITEMS }, (_, index) => ({ key: { S: `event-${index}` }, status: { S: index % 2 === 0 ? "in-progress" : "completed" }, note: { S: padding } })),
    );
    expect((await firstPageIsPartial(leases)).more).toBe(true);
    expect((await firstPageIsPartial(idempotency)).more).toBe(true);

    const swept = await sweepExpiredItems(target(), now);
    expect(swept.leases).toBe(20);
    const released = await releaseClaimsOfEarlierRuns(target());
    expect(released).toBe(15);

    const remaining = async (table: string) => (await fixture.aws.dynamodb.send(new ScanCommand({ TableName: table, Select: "COUNT" }))).Count ?? 0;
    expect(await remaining(leases)).toBe(10);
    expect(await remaining(idempotency)).toBe(15);
  });
});
