/** The demo summary says which Shopify API version its traffic used, and how the backfill reached the Admin API. */
import { shopifyApiVersionsOf } from "../../demo/run";
import { renderSummary } from "../../demo/summary";
import { generateTraffic } from "../../demo/traffic";
import { webhookSecretsFrom } from "../../demo/signing";
import type { DemoSummary } from "../../demo/run";

test("every Shopify delivery of the demo's day says its API version, through either door", () => {
  const traffic = generateTraffic({ dayStart: new Date("2026-03-01T00:00:00Z"), secrets: webhookSecretsFrom({}), orders: 20 });
  const versions = shopifyApiVersionsOf(traffic.deliveries);
  const shopify = traffic.deliveries.filter((delivery) => delivery.source === "shopify");
  expect(Object.values(versions).reduce((sum, count) => sum + count, 0)).toBe(shopify.length);
  expect(Object.keys(versions)).toEqual(["2026-01"]);
  // Both doors are represented, so both header locations were read.
  expect(new Set(shopify.map((delivery) => delivery.door))).toEqual(new Set(["shopify", "events"]));
});

test("an envelope without the header is counted as unknown, not dropped", () => {
  expect(shopifyApiVersionsOf([{ source: "shopify", headers: {}, body: JSON.stringify({ detail: { metadata: {} } }) }])).toEqual({ unknown: 1 });
  expect(shopifyApiVersionsOf([{ source: "stripe", headers: {}, body: "{}" }])).toEqual({});
});

test("the rendered summary names the versions and the client-credentials app", () => {
  const summary = {
    ok: true,
    failedStages: [],
    dataDir: "/tmp/x",
    seed: 1,
    dayStart: "2026-03-01T00:00:00Z",
    durationMs: 1000,
    stages: [],
    events: { accepted: 0, duplicates: 0, rejected: [], rawObjects: 0, lost: 0, deadLettered: {} },
    hotStores: {},
    lake: [],
    parquetRows: {},
    alerts: { total: 0, byKind: {}, subjects: [] },
    shopify: { webhookApiVersions: { "2026-04": 12 }, adminApi: { apiVersion: "2026-04", auth: "client-credentials", tokensIssued: 3 } },
    next: [],
  } as unknown as DemoSummary;
  const text = renderSummary(summary, (value) => value);
  expect(text).toContain("webhook traffic  API 2026-04 (12 deliveries)");
  expect(text).toContain("Admin API        2026-04 with client-credentials (3 token(s) issued)");
});
