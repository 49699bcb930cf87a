import { secretNames } from "../../contracts/env-vars";
import { platformBusName, routes } from "../../contracts/events";
import { functionSpecs, publishesAlerts } from "../../contracts/functions";
import { tableSpecs } from "../../contracts/tables";
import { githubOidcSubjects, githubPlanRoleName } from "../../contracts/naming";
import { signatureVerifiedRoutes } from "../../policies/public-routes";
import { keyPurposes } from "../../stacks/foundation";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "./helpers";

/**
 * Every function of contracts/functions.ts built from the tiny fixture handler, so the wiring of
 * all of them is tested whatever entry files exist today.
 */
describe("foundation and ingestion (all contract functions built from the fixture)", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
  });
  afterAll(() => synth.cleanup());

  const foundation = () => synth.stack("acme-staging-foundation");
  /** The CI roles live in the bootstrap stack, which CI never applies. */
  const bootstrap = () => synth.stack("acme-staging-bootstrap");
  const ingestion = () => synth.stack("acme-staging-ingestion");

  it("passes the guardrails with every function present", () => {
    for (const stack of synth.stacks) expect(stack.guardrailReport?.violations).toEqual([]);
  });

  it("creates rotating KMS keys whose policies name the account root or conditioned service principals", () => {
    const keys = resourcesOf(foundation(), "aws_kms_key");
    expect(keys).toHaveLength(keyPurposes.length);
    for (const key of keys) {
      expect(key.enable_key_rotation).toBe(true);
      for (const statement of JSON.parse(key.policy).Statement) {
        if (statement.Principal.AWS) expect(statement.Principal.AWS).toBe("arn:aws:iam::222222222222:root");
        else expect(statement.Condition).toBeDefined();
      }
    }
  });

  it("creates the secrets named by contracts/env-vars.ts with the CMK, an owner and a rotation reminder", () => {
    const secrets = resourcesOf(foundation(), "aws_secretsmanager_secret");
    expect(secrets.map((s) => s.name).sort()).toEqual(Object.values(secretNames("acme", "staging")).sort());
    for (const secret of secrets) {
      expect(secret.tags.owner).toBe("data-platform");
      expect(secret.kms_key_id).toMatch(/aws_kms_key\.key-secrets/);
    }
    const reminders = resourcesOf(foundation(), "aws_scheduler_schedule");
    expect(reminders).toHaveLength(secrets.length);
    for (const reminder of reminders) expect(reminder.schedule_expression).toBe("rate(90 days)");
  });

  it("trusts GitHub OIDC only for the repository's environment", () => {
    expect(resourcesOf(foundation(), "aws_iam_openid_connect_provider")).toEqual([]);
    const role = resourcesOf(bootstrap(), "aws_iam_role").find((r) => r.name === "acme-staging-github-deploy");
    const [statement] = JSON.parse(role.assume_role_policy).Statement;
    expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(statement.Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:acme/shopify-data-platform:environment:staging",
    });
  });

  it("gives pull-request plans a separate read-only role: no writes, no lake objects, no secret values", () => {
    const role = resourcesOf(bootstrap(), "aws_iam_role").find((r) => r.name === githubPlanRoleName("acme", "staging"));
    expect(JSON.parse(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      githubOidcSubjects("acme/shopify-data-platform", "staging").plan,
    );
    const policy = resourcesOf(bootstrap(), "aws_iam_role_policy").find((p) => p.name === "plan-this-environment");
    const statements = JSON.parse(policy.policy).Statement as Array<{ Action: string[]; Resource: string | string[] }>;
    const actions = statements.flatMap((s) => s.Action);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9]+:(Get|List|Describe|GET|ValidateStateMachineDefinition$)/);
    expect(actions).not.toContain("secretsmanager:GetSecretValue");
    const getObject = statements.filter((s) => s.Action.includes("s3:GetObject"));
    expect(getObject.flatMap((s) => [s.Resource].flat())).toEqual(["arn:aws:s3:::acme-terraform-state-222222222222/staging/*"]);
  });

  it("encrypts the alerts topic and subscribes the environment's e-mails", () => {
    expect(resourcesOf(foundation(), "aws_sns_topic")[0]).toMatchObject({ name: "acme-staging-alerts", kms_master_key_id: expect.stringMatching(/aws_kms_key\.key-messaging/) });
    expect(resourcesOf(foundation(), "aws_sns_topic_subscription").map((s) => [s.protocol, s.endpoint])).toEqual([["email", "data-alerts@acme.example"]]);
  });

  it("creates the partner bus from config, the platform bus, and archives for both", () => {
    const buses = resourcesOf(ingestion(), "aws_cloudwatch_event_bus");
    expect(buses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "aws.partner/shopify.com/123456/acme-staging", event_source_name: "aws.partner/shopify.com/123456/acme-staging" }),
        expect.objectContaining({ name: platformBusName("acme", "staging") }),
      ]),
    );
    expect(resourcesOf(ingestion(), "aws_cloudwatch_event_archive")).toHaveLength(2);
  });

  it("has one rule per route with the contract's pattern, targeting its processor's queue", () => {
    const rules = resourcesOf(ingestion(), "aws_cloudwatch_event_rule");
    expect(rules.map((r) => r.name).sort()).toEqual(routes.map((route) => `acme-staging-${route.id}`).sort());
    for (const route of routes) {
      const rule = rules.find((r) => r.name === `acme-staging-${route.id}`);
      expect(JSON.parse(rule.event_pattern)).toEqual(route.pattern);
    }
    const queues = resourcesOf(ingestion(), "aws_sqs_queue").map((q) => q.name);
    for (const processor of new Set(routes.map((route) => route.processor))) {
      expect(queues).toEqual(expect.arrayContaining([`acme-staging-${processor}`, `acme-staging-${processor}-dlq`]));
    }
  });

  it("feeds each ingestion processor from its queue with partial batch failures", () => {
    const mappings = resourcesOf(ingestion(), "aws_lambda_event_source_mapping");
    const processors = functionSpecs.filter((spec) => spec.layer === "ingestion" && spec.trigger === "sqs");
    expect(mappings).toHaveLength(processors.length);
    for (const mapping of mappings) expect(mapping.function_response_types).toEqual(["ReportBatchItemFailures"]);
    // bulk_operations/finish is consumed by the backfill layer, from the queue ingestion routes it to.
    const backfillMappings = resourcesOf(synth.stack("acme-staging-backfill"), "aws_lambda_event_source_mapping");
    expect(backfillMappings).toHaveLength(1);
    expect(backfillMappings[0].event_source_arn).toContain("terraform_remote_state");
  });

  it("opens exactly the signature-verified webhook routes, with access logs", () => {
    const routeKeys = resourcesOf(ingestion(), "aws_apigatewayv2_route").map((r) => [r.route_key, r.authorization_type]);
    expect(routeKeys.sort()).toEqual(
      Object.keys(signatureVerifiedRoutes)
        .map((key) => [key, "NONE"])
        .sort(),
    );
    expect(resourcesOf(ingestion(), "aws_apigatewayv2_stage")[0].access_log_settings.destination_arn).toMatch(/aws_cloudwatch_log_group/);
  });

  it("builds every ingestion function with the grants its spec lists", () => {
    const lambdas = resourcesOf(ingestion(), "aws_lambda_function");
    const ingestionSpecs = functionSpecs.filter((spec) => spec.layer === "ingestion");
    expect(lambdas.map((l) => l.function_name).sort()).toEqual(ingestionSpecs.map((spec) => `acme-staging-${spec.name}`).sort());
    for (const spec of ingestionSpecs) {
      const variables = lambdas.find((l) => l.function_name === `acme-staging-${spec.name}`).environment.variables;
      for (const key of [...spec.tables.read, ...spec.tables.write]) expect(variables[tableSpecs[key].envVar]).toContain("terraform_remote_state");
      expect(Boolean(variables.SDP_EVENT_BUS_NAME)).toBe(Boolean(spec.publishesToPlatformBus));
      expect(Boolean(variables.SDP_ALERTS_TOPIC_ARN)).toBe(publishesAlerts(spec));
      // Queue consumers send invalid events straight to their queue's DLQ; alert publishers dedup in the idempotency table.
      expect(Boolean(variables.SDP_DEAD_LETTER_QUEUE_URL)).toBe(spec.trigger === "sqs");
      if (publishesAlerts(spec)) expect(variables[tableSpecs.idempotency.envVar]).toContain("terraform_remote_state");
    }
  });

  it("builds the backfill download function on x86_64 (DuckDB native module) and the others on arm64", () => {
    const lambdas = resourcesOf(synth.stack("acme-staging-backfill"), "aws_lambda_function");
    const download = lambdas.find((l) => l.function_name === "acme-staging-backfill-download");
    expect(download).toMatchObject({ architectures: ["x86_64"], memory_size: 3008, timeout: 900 });
    for (const other of lambdas.filter((l) => l !== download)) expect(other.architectures).toEqual(["arm64"]);
  });

  it("runs the data-quality function daily through EventBridge Scheduler", () => {
    const analytics = synth.stack("acme-staging-analytics");
    // The analytics workflow has its own schedule too (stacks/analytics.ts); this one runs the function.
    const schedule = resourcesOf(analytics, "aws_scheduler_schedule").find((candidate) => String(candidate.name).endsWith("-data-quality"));
    expect(schedule.schedule_expression).toMatch(/^cron\(/);
    expect(schedule.target.arn).toMatch(/aws_lambda_function\.data-quality/);
  });

  it("runs the payments reconciliation nightly at 02:30 UTC, with exactly the grants its spec lists", () => {
    const analytics = synth.stack("acme-staging-analytics");
    const schedule = resourcesOf(analytics, "aws_scheduler_schedule").find((candidate) => candidate.name === "acme-staging-payments-reconcile");
    expect(schedule).toMatchObject({ schedule_expression: "cron(30 2 * * ? *)", schedule_expression_timezone: "UTC", target: { input: JSON.stringify({ source: "schedule" }) } });
    expect(schedule.target.arn).toMatch(/aws_lambda_function\.payments-reconcile/);
    const fn = resourcesOf(analytics, "aws_lambda_function").find((candidate) => candidate.function_name === "acme-staging-payments-reconcile");
    expect(fn).toMatchObject({ timeout: 900, reserved_concurrent_executions: 1 });
    const variables = fn.environment.variables;
    for (const name of [
      "SDP_SECRET_STRIPE_API_ARN",
      "SDP_SECRET_RECHARGE_API_ARN",
      "SDP_EVENT_BUS_NAME",
      "SDP_ALERTS_TOPIC_ARN",
      "SDP_TABLE_SUBSCRIPTIONS",
      "SDP_TABLE_CHARGES",
      "SDP_TABLE_IDEMPOTENCY",
    ])
      expect(variables[name]).toBeDefined();
    const policy = resourcesOf(analytics, "aws_iam_role_policy").find((candidate) => String(candidate.role).includes("payments-reconcile"));
    const statements = JSON.parse(policy.policy).Statement as Array<{ Sid: string; Action: string[]; Resource: string[] }>;
    const sids = statements.map((statement) => statement.Sid);
    expect(sids).toEqual(
      expect.arrayContaining(["SecretStripeApi", "SecretRechargeApi", "PlatformBus", "AlertsTopic", "ReadWriteIdempotencyTable", "ReadSubscriptionsTable", "ReadChargesTable"]),
    );
    const written = statements
      .filter((statement) => statement.Action.includes("s3:PutObject"))
      .flatMap((statement) => statement.Resource.map((resource) => resource.replace(/^.*\}\//, "")));
    expect(written.sort()).toEqual(["metadata/reconciliation/*", "raw/recharge/*", "raw/stripe/*"]);
    expect(statements.flatMap((statement) => statement.Action)).not.toContain("s3:DeleteObject");
    // The scheduler may invoke it, and nothing else of the layer it has no schedule for.
    const scheduler = resourcesOf(analytics, "aws_iam_role_policy").find((candidate) => candidate.name === "scheduled-targets");
    expect(JSON.parse(scheduler.policy).Statement.map((statement: { Sid: string }) => statement.Sid)).toEqual([
      "Invokedataquality",
      "Invokegdproverdue",
      "Invokeretentionpurge",
      "Invokepaymentsreconcile",
      "StartAnalytics",
    ]);
  });

  it("gives monitoring a dashboard with hot-store, lake, function and queue sections", () => {
    const [dashboard] = resourcesOf(synth.stack("acme-staging-monitoring"), "aws_cloudwatch_dashboard");
    const titles = JSON.parse(dashboard.dashboard_body)
      .widgets.filter((w: any) => w.type === "text")
      .map((w: any) => w.properties.markdown);
    expect(titles).toEqual([
      "## Hot stores (DynamoDB)",
      "## Data lake (S3)",
      "## Functions",
      "## Ingestion queues",
      "## Backfill runs",
      "## Analytics ETL (Athena workflow)",
      "## Data quality",
      "## GDPR requests",
    ]);
  });
});
