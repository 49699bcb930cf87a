import { analyticsWorkflowDefinition, statesFormatTemplate } from "../../contracts/analytics-workflow";
import { athenaSourceViews, athenaWorkflowSql } from "../../etl/athena";
import { views } from "../../etl/transforms";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as { default?: (definition: unknown) => { isValid: boolean; errors: unknown[] } };
const validate = aslValidator.default ?? (aslValidator as unknown as (definition: unknown) => { isValid: boolean; errors: unknown[] });

const resources = {
  bucket: "brand-data-lake-123456789012-dev",
  workgroup: "brand-dev-analytics",
  database: "brand_dev_lake",
  dataQualityFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:brand-dev-data-quality",
  alertsTopicArn: "arn:aws:sns:eu-west-1:123456789012:brand-dev-alerts",
};

const definition = analyticsWorkflowDefinition(resources, athenaWorkflowSql());
type State = Record<string, unknown>;
const states = definition.States as unknown as Record<string, State>;

/** Every state of the definition, nested Map/Parallel states included. */
const allStates = (root: Record<string, State>): State[] =>
  Object.values(root).flatMap((state) => [
    state,
    ...(state.ItemProcessor ? allStates((state.ItemProcessor as { States: Record<string, State> }).States) : []),
    ...((state.Branches as Array<{ States: Record<string, State> }> | undefined) ?? []).flatMap((branch) => allStates(branch.States)),
  ]);

test("the analytics workflow is valid Amazon States Language", () => {
  const result = validate(definition);
  expect(result.errors).toEqual([]);
  expect(result.isValid).toBe(true);
});

test("every Athena query is a .sync integration in the workgroup, and failures alert", () => {
  const athena = allStates(states).filter((state) => String(state.Resource ?? "").includes(":athena:startQueryExecution"));
  expect(athena.length).toBeGreaterThanOrEqual(6);
  for (const state of athena) {
    expect(state.Resource).toBe("arn:aws:states:::athena:startQueryExecution.sync");
    expect((state.Parameters as Record<string, unknown>).WorkGroup).toBe(resources.workgroup);
  }
  const catching = Object.entries(states).filter(([, state]) => state.Catch);
  expect(catching.length).toBeGreaterThanOrEqual(5);
  for (const [, state] of catching) expect((state.Catch as Array<{ Next: string }>)[0]!.Next).toBe("NotifyFailure");
  expect(states.NotifyFailure).toMatchObject({ Resource: "arn:aws:states:::sns:publish", Parameters: { TopicArn: resources.alertsTopicArn }, Next: "Failed" });
});

test("partitions are replaced (list, delete, insert) one date at a time, views created, then the checks run", () => {
  const rewrite = states.RewritePartitions as { ItemProcessor: { States: Record<string, State> }; MaxConcurrency: number };
  expect(rewrite.MaxConcurrency).toBe(1);
  const inner = rewrite.ItemProcessor.States;
  expect(inner.ListPartitionObjects!.Resource).toBe("arn:aws:states:::aws-sdk:s3:listObjectsV2");
  const insert = (inner.InsertPartition!.Parameters as Record<string, string>)["QueryString.$"]!;
  expect(insert.startsWith("States.Format('INSERT INTO orders_enriched SELECT * FROM (")).toBe(true);
  expect(insert.endsWith("enriched.dt = \\'{}\\'', $.dt)")).toBe(true);
  expect((states.CreateViewsInput!.Result as string[]).map((sql) => sql.split(" AS ")[0])).toEqual(views.map((view) => `CREATE OR REPLACE VIEW ${view.name}`));
  expect(states.DataQuality).toMatchObject({ Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: resources.dataQualityFunctionArn } });
});

test("States.Format templates escape what the intrinsic treats as syntax and fill every {{run_date}}", () => {
  expect(statesFormatTemplate("SELECT '{x}' AS a\\b WHERE dt = '{{run_date}}' OR dt2 = '{{run_date}}'")).toEqual({
    template: "SELECT \\'\\{x\\}\\' AS a\\\\b WHERE dt = \\'{}\\' OR dt2 = \\'{}\\'",
    placeholders: 2,
  });
  const affected = (states.FindAffectedPartitions!.Parameters as Record<string, string>)["QueryString.$"]!;
  expect(affected).toMatch(/^States\.Format\('.*', \$\.runDate\.value(, \$\.runDate\.value)+\)$/s);
});

test("Athena gets one view per source relation, then the derived relations", () => {
  const sql = athenaSourceViews();
  expect(sql.map((statement) => statement.split(" AS ")[0])).toEqual([
    "CREATE OR REPLACE VIEW raw_shopify_orders",
    "CREATE OR REPLACE VIEW raw_shopify_checkouts",
    "CREATE OR REPLACE VIEW raw_shopify_carts",
    "CREATE OR REPLACE VIEW raw_recharge_subscriptions",
    "CREATE OR REPLACE VIEW raw_recharge_charges",
    "CREATE OR REPLACE VIEW raw_stripe_charges",
    "CREATE OR REPLACE VIEW snapshot_orders",
    "CREATE OR REPLACE VIEW snapshot_line_items",
    "CREATE OR REPLACE VIEW raw_shopify_refunds",
    "CREATE OR REPLACE VIEW raw_shopify_order_transactions",
    "CREATE OR REPLACE VIEW snapshot_refunds",
    "CREATE OR REPLACE VIEW snapshot_refund_line_items",
    "CREATE OR REPLACE VIEW snapshot_order_adjustments",
    "CREATE OR REPLACE VIEW snapshot_order_transactions",
    // Then the relations derived from them (etl/transforms.ts derivedRelations), in dependency order.
    "CREATE OR REPLACE VIEW shopify_refund_documents",
    "CREATE OR REPLACE VIEW order_refund_facts",
    "CREATE OR REPLACE VIEW order_transaction_facts",
  ]);
});
