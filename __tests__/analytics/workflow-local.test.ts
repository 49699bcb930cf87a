/**
 * The analytics workflow's full rebuild over ten-plus years of dates, run locally by
 * aws-local-stepfunctions from the definition AWS runs (local/analytics-state-machine.ts): every
 * date is rewritten exactly once although Athena returns at most 1,000 rows a call, and the
 * parent execution's history stays far from Step Functions' 25,000 events.
 */
import { analyticsWorkflowDefinition, PARTITION_PAGE_SIZE } from "../../contracts/analytics-workflow";
import { athenaWorkflowSql } from "../../etl/athena";
import { runAnalyticsWorkflowLocally, type AnalyticsServices } from "../../local/analytics-state-machine";

const resources = {
  bucket: "acme-data-lake-493817260154-prod",
  workgroup: "acme-prod-analytics",
  database: "acme_prod_lake",
  dataQualityFunctionArn: "arn:aws:lambda:eu-west-1:493817260154:function:acme-prod-data-quality",
  alertsTopicArn: "arn:aws:sns:eu-west-1:493817260154:acme-prod-alerts",
};

/** `count` consecutive dates from 2015-01-01. */
const datesFrom2015 = (count: number) => Array.from({ length: count }, (_, day) => new Date(Date.UTC(2015, 0, 1 + day)).toISOString().slice(0, 10));

/** Athena and S3 stand-ins: the partition query returns `dates` (header first), paged like GetQueryResults. */
const lakeWith = (dates: ReadonlyArray<string>, existing: Record<string, string[]> = {}) => {
  const inserted: string[] = [];
  const deleted: string[] = [];
  const pageRequests: Array<{ MaxResults?: number; NextToken?: string }> = [];
  const alerts: string[] = [];
  const queries = new Map<string, string>();
  const rows = [["dt"], ...dates.map((dt) => [dt])];
  const services: AnalyticsServices = {
    startQuery: async (sql) => {
      const id = `q${queries.size + 1}`;
      queries.set(id, sql);
      const insert = /^INSERT INTO orders_enriched .* enriched\.dt = '(\d{4}-\d{2}-\d{2})'$/s.exec(sql);
      if (insert) inserted.push(insert[1]!);
      return { queryExecutionId: id };
    },
    getQueryResults: async (request) => {
      pageRequests.push({ MaxResults: request.MaxResults, NextToken: request.NextToken });
      const max = request.MaxResults ?? 1000;
      if (max > 1000) throw Object.assign(new Error("MaxResults must be at most 1000"), { name: "InvalidRequestException" });
      const start = request.NextToken ? Number(request.NextToken) : 0;
      const end = Math.min(rows.length, start + max);
      return { rows: rows.slice(start, end), ...(end < rows.length ? { nextToken: String(end) } : {}) };
    },
    listObjects: async (_bucket, prefix) => existing[prefix] ?? [],
    deleteObject: async (_bucket, key) => {
      deleted.push(key);
    },
    invokeDataQuality: async () => ({ summary: { errors: 0 }, resultKey: "metadata/data-quality/x.json", backfillDays: [] }),
    publishAlert: async (_subject, message) => {
      alerts.push(message);
    },
  };
  return { services, inserted, deleted, pageRequests, alerts };
};

test("partitions are rewritten by a Distributed Map of Standard child executions, read page by page", () => {
  const states = analyticsWorkflowDefinition(resources, athenaWorkflowSql()).States as Record<string, any>;
  expect(states.RewritePartitions.ItemProcessor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
  // Neither runs in aws-local-stepfunctions 3.x, which must run this same definition.
  expect(states.RewritePartitions.ItemReader).toBeUndefined();
  expect(states.RewritePartitions.ItemBatcher).toBeUndefined();
  expect(states.ReadMorePartitions.Parameters["NextToken.$"]).toBe("$.page.NextToken");
  expect(states.RewritePartitions.Next).toBe("MorePartitions");
});

describe("the analytics workflow, run locally", () => {
  it("rebuilds 4,000 dates: every page read (NextToken), every date rewritten once, a small parent history", async () => {
    const dates = datesFrom2015(4000);
    const lake = lakeWith(dates, { [`processed/shopify/orders_enriched/dt=${dates[0]}/`]: [`processed/shopify/orders_enriched/dt=${dates[0]}/old.parquet`] });
    const result = await runAnalyticsWorkflowLocally({ full: true, date: "2026-11-30" }, { resources, sql: athenaWorkflowSql(), services: lake.services });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("SUCCEEDED");
    expect(lake.alerts).toEqual([]);
    // 4,001 rows (header + dates) in pages of 1,000: five calls, each after the first with the token.
    expect(lake.pageRequests).toEqual([
      { MaxResults: PARTITION_PAGE_SIZE, NextToken: undefined },
      { MaxResults: PARTITION_PAGE_SIZE, NextToken: "1000" },
      { MaxResults: PARTITION_PAGE_SIZE, NextToken: "2000" },
      { MaxResults: PARTITION_PAGE_SIZE, NextToken: "3000" },
      { MaxResults: PARTITION_PAGE_SIZE, NextToken: "4000" },
    ]);
    expect(lake.inserted).toHaveLength(4000);
    expect(lake.inserted).toEqual(dates);
    expect(lake.deleted).toEqual([`processed/shopify/orders_enriched/dt=${dates[0]}/old.parquet`]);
    // What one history would hold with an inline Map, against what the parent holds now.
    expect(result.allEvents).toBeGreaterThan(25_000);
    expect(result.parentEvents).toBeLessThan(250);
  }, 300_000);

  it("keeps the parent history the same size whatever the number of dates in a page", async () => {
    const few = await runAnalyticsWorkflowLocally({ full: true }, { resources, sql: athenaWorkflowSql(), services: lakeWith(datesFrom2015(3)).services });
    const many = await runAnalyticsWorkflowLocally({ full: true }, { resources, sql: athenaWorkflowSql(), services: lakeWith(datesFrom2015(900)).services });
    expect([few.status, many.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(many.parentEvents).toBe(few.parentEvents);
    expect(many.allEvents).toBeGreaterThan(few.allEvents + 900 * 4);
  });

  it("alerts and fails when a date's INSERT fails", async () => {
    const lake = lakeWith(datesFrom2015(5));
    const start = lake.services.startQuery;
    const failing: AnalyticsServices = {
      ...lake.services,
      startQuery: async (sql) => {
        if (sql.includes("enriched.dt = '2015-01-03'")) throw Object.assign(new Error("HIVE_BAD_DATA"), { name: "Athena.AthenaException" });
        return start(sql);
      },
    };
    const result = await runAnalyticsWorkflowLocally({ full: true, date: "2026-11-30" }, { resources, sql: athenaWorkflowSql(), services: failing });
    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("AnalyticsFailed");
    expect(lake.alerts).toHaveLength(1);
    expect(lake.alerts[0]).toContain("The analytics run for 2026-11-30 failed");
  });
});
