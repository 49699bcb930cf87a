/** Rules over all stacks of an environment (policies/environment-rules.ts), each made to fire. */
import { App } from "cdktn";
import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";
import { loadEnvironment } from "../../config/environments";
import { evaluateEnvironmentGuardrails, physicalNames, type SynthesizedStack } from "../../policies/environment-rules";
import type { TfJson } from "../../policies/guardrails";
import { addEnvironmentGuardrails } from "../../stacks/app";
import { PlatformStack } from "../../stacks/platform-stack";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const stack = (name: string, resource: Record<string, Record<string, Record<string, unknown>>>, place = { account: "333333333333", region: "eu-west-1" }): SynthesizedStack => ({
  name,
  json: { provider: { aws: [{ allowed_account_ids: [place.account], region: place.region }] }, resource } as TfJson,
});

describe("UNIQUE_PHYSICAL_NAMES", () => {
  it("fires on both claimants when two stacks declare one queue name (a function's async DLQ and a queue's DLQ)", () => {
    const violations = evaluateEnvironmentGuardrails([
      stack("acme-prod-ingestion", { aws_sqs_queue: { fn_dlq: { name: "acme-prod-shopify-orders-dlq" }, q_dlq: { name: "acme-prod-shopify-orders-dlq" } } }),
      stack("acme-prod-lake", { aws_sqs_queue: { other: { name: "acme-prod-other" } } }),
    ]);
    expect(violations.map((v) => [v.ruleId, v.stack, v.address])).toEqual([
      ["UNIQUE_PHYSICAL_NAMES", "acme-prod-ingestion", "aws_sqs_queue.fn_dlq"],
      ["UNIQUE_PHYSICAL_NAMES", "acme-prod-ingestion", "aws_sqs_queue.q_dlq"],
    ]);
    expect(violations[0]!.problem).toBe('aws_sqs_queue name "acme-prod-shopify-orders-dlq" is also claimed by acme-prod-ingestion aws_sqs_queue.q_dlq');
    expect(violations[0]!.fix).toContain("another name");
  });

  it("fires across stacks: one alarm name in the analytics and the monitoring stack", () => {
    const alarm = { alarm_name: "acme-prod-data-quality-errors" };
    const violations = evaluateEnvironmentGuardrails([
      stack("acme-prod-analytics", { aws_cloudwatch_metric_alarm: { fn_errors: alarm } }),
      stack("acme-prod-monitoring", { aws_cloudwatch_metric_alarm: { dq: alarm } }),
    ]);
    expect(violations.map((v) => v.stack)).toEqual(["acme-prod-analytics", "acme-prod-monitoring"]);
    expect(violations[1]!.problem).toContain("also claimed by acme-prod-analytics aws_cloudwatch_metric_alarm.fn_errors");
  });

  it.each(Object.entries(physicalNames))("covers %s", (type, named) => {
    const body = { [named.attribute]: "acme-prod-thing" };
    expect(evaluateEnvironmentGuardrails([stack("a", { [type]: { one: body } }), stack("b", { [type]: { two: body } })])).toHaveLength(2);
  });

  it("knows the namespaces: rules per bus, one alarm namespace, IAM per account, regions apart", () => {
    const rule = (bus?: string) => ({ name: "acme-prod-orders", ...(bus ? { event_bus_name: bus } : {}) });
    expect(evaluateEnvironmentGuardrails([stack("a", { aws_cloudwatch_event_rule: { one: rule("platform"), two: rule("partner") } })])).toEqual([]);
    expect(evaluateEnvironmentGuardrails([stack("a", { aws_cloudwatch_event_rule: { one: rule(), two: rule("default") } })])).toHaveLength(2);
    expect(
      evaluateEnvironmentGuardrails([stack("a", { aws_cloudwatch_metric_alarm: { one: { alarm_name: "x" } }, aws_cloudwatch_composite_alarm: { two: { alarm_name: "x" } } })]),
    ).toHaveLength(2);
    const ireland = stack("a", { aws_sqs_queue: { q: { name: "q" } }, aws_iam_role: { r: { name: "role" } } });
    const frankfurt = stack("b", { aws_sqs_queue: { q: { name: "q" } }, aws_iam_role: { r: { name: "role" } } }, { account: "333333333333", region: "eu-central-1" });
    expect(evaluateEnvironmentGuardrails([ireland, frankfurt]).map((v) => v.address)).toEqual(["aws_iam_role.r", "aws_iam_role.r"]);
    // Names AWS generates (name_prefix, no name) cannot collide.
    expect(evaluateEnvironmentGuardrails([stack("a", { aws_sqs_queue: { one: { name_prefix: "x" }, two: { name_prefix: "x" } } })])).toEqual([]);
  });

  it("fails synth of an app whose stacks of one environment share a name, naming both", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-env-guardrails-"));
    try {
      const app = new App({ outdir, skipValidation: false });
      const env = loadEnvironment("prod");
      for (const layer of ["ingestion", "backfill"] as const) {
        // No per-stack rules: this app is only for the cross-stack one.
        const platformStack = new PlatformStack(app, env, layer, { rules: [] });
        new SqsQueue(platformStack, "dlq", { name: "acme-prod-shared-dlq" });
      }
      addEnvironmentGuardrails(app);
      expect(() => app.synth()).toThrow(/UNIQUE_PHYSICAL_NAMES acme-prod-ingestion aws_sqs_queue\.dlq[\s\S]*UNIQUE_PHYSICAL_NAMES acme-prod-backfill aws_sqs_queue\.dlq/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
