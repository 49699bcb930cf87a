import { ANALYTICS_SCHEDULE, backfillRequestPattern } from "../../contracts/analytics-workflow";
import { stackName } from "../../contracts/naming";
import { METRICS_NAMESPACE } from "../../functions/kernel/live";
import { evaluateGuardrails } from "../../policies/guardrails";
import { rulePack } from "../../policies/rules";
import { FUNCTION_METRICS_NAMESPACE } from "../../stacks/monitoring";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "../infra/helpers";

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize({ environments: ["dev"], functionEntry: () => fixtureHandler });
});
afterAll(() => synth.cleanup());

const analytics = () => synth.stack(stackName("acme", "dev", "analytics"));
const monitoring = () => synth.stack(stackName("acme", "dev", "monitoring"));

test("the analytics stack deploys the Athena workflow on a daily EventBridge Scheduler schedule", () => {
  const [machine] = resourcesOf(analytics(), "aws_sfn_state_machine");
  expect(machine).toMatchObject({ name: "acme-dev-analytics", type: "STANDARD", logging_configuration: { level: "ALL" }, tracing_configuration: { enabled: true } });
  const definition = JSON.parse(machine.definition);
  expect(definition.States.RewritePartitions.Type).toBe("Map");
  const schedules = resourcesOf(analytics(), "aws_scheduler_schedule");
  expect(schedules.find((schedule) => schedule.name === "acme-dev-analytics")).toMatchObject({ schedule_expression: ANALYTICS_SCHEDULE });
  expect(schedules.find((schedule) => schedule.name === "acme-dev-data-quality")).toBeDefined();
});

test("the workflow role may run Athena in the workgroup and write only the orders_enriched prefix", () => {
  const policies = resourcesOf(analytics(), "aws_iam_role_policy").map((policy) => JSON.stringify(policy.policy));
  const workflowPolicy = policies.find((policy) => policy.includes("athena:StartQueryExecution"))!;
  expect(workflowPolicy).toContain("workgroup/");
  expect(workflowPolicy).toContain("processed/shopify/orders_enriched/*");
  expect(workflowPolicy).not.toContain('"s3:*"');
});

test("data-quality backfill requests on the platform bus start the backfill state machine", () => {
  const [rule] = resourcesOf(analytics(), "aws_cloudwatch_event_rule");
  expect(JSON.parse(rule.event_pattern)).toEqual(backfillRequestPattern());
  expect(rule.event_bus_name).toBe("acme-dev-platform");
  const [target] = resourcesOf(analytics(), "aws_cloudwatch_event_target");
  expect(target).toMatchObject({ input_path: "$.detail", arn: expect.stringContaining(":stateMachine:acme-dev-backfill") });
});

test("monitoring shows backfill, ETL and data-quality sections and alarms on data-quality errors", () => {
  const [dashboard] = resourcesOf(monitoring(), "aws_cloudwatch_dashboard");
  const body = JSON.stringify(dashboard.dashboard_body);
  for (const title of ["Backfill runs", "Analytics ETL (Athena workflow)", "Data quality", "Ingestion queues", "Hot stores (DynamoDB)"]) expect(body).toContain(title);
  const alarm = resourcesOf(monitoring(), "aws_cloudwatch_metric_alarm").find((candidate) => candidate.metric_name === "DataQualityErrors");
  expect(alarm).toMatchObject({ namespace: METRICS_NAMESPACE, alarm_actions: [expect.any(String)] });
  expect(FUNCTION_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
});

test("guardrails pass on the analytics and monitoring stacks", () => {
  for (const layer of ["analytics", "monitoring"] as const) {
    const name = stackName("acme", "dev", layer);
    expect(evaluateGuardrails(name, synth.stack(name), rulePack).violations).toEqual([]);
  }
});
