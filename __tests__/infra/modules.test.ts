import { App } from "cdktn";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironment } from "../../config/environments";
import { AlarmFactory } from "../../modules/alarms";
import { Dashboard } from "../../modules/dashboard";
import { EffectFunction } from "../../modules/effect-function";
import { HttpApi } from "../../modules/http-api";
import { SchedulerRole } from "../../modules/scheduler-role";
import { StateMachine } from "../../modules/state-machine";
import { PlatformStack } from "../../stacks/platform-stack";
import { fixtureHandler, resourcesOf } from "./helpers";

const keyArn = (purpose: string) => `arn:aws:kms:eu-west-1:111111111111:key/${purpose}`;
const keys = { logs: keyArn("logs"), messaging: keyArn("messaging"), tables: keyArn("tables"), lake: keyArn("lake"), secrets: keyArn("secrets") };
const topicArn = "arn:aws:sns:eu-west-1:111111111111:acme-dev-alerts";

describe("StateMachine, SchedulerRole, HttpApi and Dashboard modules", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-modules-"));
  let stack: PlatformStack;
  let json: any;

  beforeAll(() => {
    const app = new App({ outdir });
    const env = loadEnvironment("dev");
    stack = new PlatformStack(app, env, "backfill");
    const alarms = new AlarmFactory("acme-dev", topicArn);
    const fn = new EffectFunction(stack, "task", {
      functionName: "acme-dev-task",
      description: "task",
      entry: fixtureHandler,
      logRetentionDays: 14,
      region: env.region,
      keys,
      alarms,
    });
    const machine = new StateMachine(stack, "workflow", {
      stateMachineName: "acme-dev-workflow",
      definition: { StartAt: "Run", States: { Run: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: fn.arn }, End: true } } },
      accountId: env.accountId,
      logRetentionDays: 14,
      logsKeyArn: keys.logs,
      alarms,
    }).grantInvoke("InvokeTask", fn.arn);
    const scheduler = new SchedulerRole(stack, "scheduler", { roleName: "acme-dev-scheduler", accountId: env.accountId });
    scheduler.grantStartExecution("StartWorkflow", machine.arn);
    scheduler.schedule(stack, "nightly", { scheduleName: "acme-dev-nightly", description: "nightly", expression: "cron(0 3 * * ? *)", targetArn: machine.arn, input: { days: 3 } });
    const api = new HttpApi(stack, "api", { apiName: "acme-dev-webhooks", logRetentionDays: 14, logsKeyArn: keys.logs, alarms });
    api.addSignatureVerifiedWebhook("POST /webhooks/stripe", fn);
    new Dashboard(stack, "dashboard", { name: "acme-dev-test", region: env.region }).addSection("Workflow", [
      { title: "Failed executions", metrics: [["AWS/States", "ExecutionsFailed", "StateMachineArn", machine.arn]] },
    ]);
    app.synth(); // runs the guardrails: a violation throws here
    json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "acme-dev-backfill", "cdk.tf.json"), "utf8"));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it("passes the guardrails", () => {
    expect(stack.guardrailReport?.violations).toEqual([]);
  });

  it("builds a state machine with logging ALL, execution data, tracing, and a role that may invoke its task", () => {
    const [machine] = resourcesOf(json, "aws_sfn_state_machine");
    expect(machine).toMatchObject({
      name: "acme-dev-workflow",
      type: "STANDARD",
      logging_configuration: { level: "ALL", include_execution_data: true },
      tracing_configuration: { enabled: true },
    });
    expect(JSON.parse(machine.definition).States.Run.Type).toBe("Task");
    const policy = resourcesOf(json, "aws_iam_role_policy").find((p) => p.role.includes("workflow_role"));
    const invoke = JSON.parse(policy.policy).Statement.find((s: any) => s.Sid === "InvokeTask");
    expect(invoke.Action).toEqual(["lambda:InvokeFunction"]);
    const role = resourcesOf(json, "aws_iam_role").find((r) => r.name === "acme-dev-workflow-sfn");
    expect(JSON.parse(role.assume_role_policy).Statement[0].Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
  });

  it("schedules through EventBridge Scheduler with a role allowed to start exactly that state machine", () => {
    const [schedule] = resourcesOf(json, "aws_scheduler_schedule");
    expect(schedule).toMatchObject({ name: "acme-dev-nightly", schedule_expression: "cron(0 3 * * ? *)", schedule_expression_timezone: "UTC" });
    expect(JSON.parse(schedule.target.input)).toEqual({ days: 3 });
    const policy = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "scheduled-targets");
    expect(JSON.parse(policy.policy).Statement).toEqual([
      expect.objectContaining({ Action: ["states:StartExecution"], Resource: [expect.stringMatching(/aws_sfn_state_machine/)] }),
    ]);
  });

  it("opens only allow-listed webhook routes and lets API Gateway invoke the function", () => {
    expect(resourcesOf(json, "aws_apigatewayv2_route").map((r) => r.route_key)).toEqual(["POST /webhooks/stripe"]);
    expect(resourcesOf(json, "aws_lambda_permission")[0]).toMatchObject({ principal: "apigateway.amazonaws.com", action: "lambda:InvokeFunction" });
    const api = new HttpApi(stack, "api-2", { apiName: "acme-dev-other", logRetentionDays: 14, logsKeyArn: keys.logs, alarms: new AlarmFactory("acme-dev", topicArn) });
    const fn = stack.node.findChild("task") as EffectFunction;
    expect(() => api.addSignatureVerifiedWebhook("GET /orders", fn)).toThrow(/not in policies\/public-routes.ts/);
  });

  it("renders dashboard sections as text headers followed by metric widgets", () => {
    const [dashboard] = resourcesOf(json, "aws_cloudwatch_dashboard");
    const widgets = JSON.parse(dashboard.dashboard_body).widgets;
    expect(widgets.map((w: any) => w.type)).toEqual(["text", "metric"]);
    expect(widgets[1].properties).toMatchObject({ title: "Failed executions", region: "eu-west-1" });
  });
});
