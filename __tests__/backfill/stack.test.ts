/** The backfill stack deploys the contract's workflow, grants, schedule and SSM parameter. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { backfillStateMachineArnParameter, backfillStates } from "../../contracts/backfill-workflow";
import { bulkObjects } from "../../contracts/bulk-entities";
import { reconciliationObjectKey, reconciliationProgressKey, snapshotPrefix } from "../../contracts/lake-layout";
import { simulate } from "../../policies/ci-simulation";
import { fixtureHandler, resourcesOf, synthesize, type Synthesized } from "../infra/helpers";

describe("backfill stack", () => {
  let synth: Synthesized;
  // Its own bundle cache, so other suites synthesizing at the same time never race on it.
  const bundleCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-backfill-bundles-"));
  beforeAll(() => {
    synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler, bundleCacheDir });
  });
  afterAll(() => {
    synth?.cleanup();
    fs.rmSync(bundleCacheDir, { recursive: true, force: true });
  });
  const stack = () => synth.stack("acme-staging-backfill");

  it("deploys the workflow of contracts/backfill-workflow.ts as a Standard state machine with logging ALL and tracing", () => {
    const [machine] = resourcesOf(stack(), "aws_sfn_state_machine");
    expect(machine.name).toBe("acme-staging-backfill");
    expect(machine.type).toBe("STANDARD");
    expect(machine.logging_configuration.level).toBe("ALL");
    expect(machine.tracing_configuration.enabled).toBe(true);
    const definition = JSON.parse(machine.definition);
    expect(definition.StartAt).toBe(backfillStates.exportEach);
    const inner = definition.States[backfillStates.exportEach].ItemProcessor.States;
    expect(inner[backfillStates.submit].Resource).toContain("aws_lambda_function");
    expect(inner[backfillStates.download].Resource).toContain("backfill-download");
  });

  it("lets the state machine invoke exactly its four functions", () => {
    const policies = resourcesOf(stack(), "aws_iam_role_policy").map((policy) => JSON.parse(policy.policy));
    const invoke = policies.flatMap((policy) => policy.Statement).filter((statement: { Action: string[] }) => statement.Action.includes("lambda:InvokeFunction"));
    expect(invoke.map((statement: { Sid: string }) => statement.Sid).sort()).toEqual(["InvokeDownload", "InvokePoll", "InvokeRecord", "InvokeSubmit"]);
  });

  it("lets poll and the bulk_operations/finish consumer wake a waiting run, and nothing else", () => {
    const policies = resourcesOf(stack(), "aws_iam_role_policy").map((policy) => ({
      role: String(policy.role),
      statements: JSON.parse(policy.policy).Statement as Array<{ Sid: string; Action: string[]; Resource: string[] }>,
    }));
    const waking = policies.filter((policy) => policy.statements.some((statement) => statement.Action.includes("states:SendTaskSuccess")));
    expect(waking).toHaveLength(2);
    for (const policy of waking) {
      const statement = policy.statements.find((candidate) => candidate.Action.includes("states:SendTaskSuccess"))!;
      // IAM cannot scope callback task tokens; the action alone is granted, to these two roles only.
      expect(statement).toMatchObject({ Action: ["states:SendTaskSuccess"], Resource: ["*"] });
    }
  });

  it("schedules the nightly reconciliation over the last three days and publishes the ARN to SSM", () => {
    const [schedule] = resourcesOf(stack(), "aws_scheduler_schedule");
    expect(schedule.name).toBe("acme-staging-nightly-reconciliation");
    expect(JSON.parse(schedule.target.input)).toMatchObject({ since: "P3D", until: "<aws.scheduler.scheduled-time>", objects: [...bulkObjects] });
    const [parameter] = resourcesOf(stack(), "aws_ssm_parameter");
    expect(parameter.name).toBe(backfillStateMachineArnParameter("acme", "staging"));
  });

  it("lets the download make every S3 call it makes, simulated on its synthesized role policy (and nothing on raw/)", async () => {
    const policies = resourcesOf(stack(), "aws_iam_role_policy") as Array<{ role: string; policy: string }>;
    const download = policies.find((policy) => policy.role.includes("backfill-download"))!;
    const bucket = "arn:aws:s3:::acme-staging-lake-333333333333";
    // The lake bucket's ARN comes from the lake stack's remote state: resolve it to a real one.
    const policy = JSON.parse(download.policy.replace(/\$\{data\.terraform_remote_state\.[^}]*lake_bucket[^}]*arn\}/g, bucket));
    const decide = async (action: string, key: string | undefined, context: Record<string, string> = {}) =>
      (
        await simulate({
          principal: "arn:aws:iam::333333333333:role/acme-staging-backfill-download",
          account: "333333333333",
          action,
          resource: key === undefined ? bucket : `${bucket}/${key}`,
          context,
          identity: [{ name: "download", policy }],
        })
      ).decision;
    const part = `${snapshotPrefix("orders", "run-1")}part-00000.parquet`;
    const calls: Array<[string, string | undefined, Record<string, string>?]> = [
      // Resuming across invocations: the progress record is read and rewritten after every part.
      ["s3:GetObject", reconciliationProgressKey("run-1", "orders")],
      ["s3:PutObject", reconciliationProgressKey("run-1", "orders")],
      ["s3:PutObject", reconciliationObjectKey("run-1", "orders")],
      ["s3:PutObject", part],
      ["s3:AbortMultipartUpload", part],
      // Parts of an earlier, longer export of the run are listed and deleted.
      ["s3:ListBucket", undefined, { "s3:prefix": snapshotPrefix("orders", "run-1") }],
      ["s3:DeleteObject", part],
    ];
    for (const [action, key, context] of calls) expect(`${action} ${key ?? "(bucket)"}: ${await decide(action, key, context)}`).toBe(`${action} ${key ?? "(bucket)"}: Allowed`);
    for (const [action, key] of [
      ["s3:DeleteObject", "raw/shopify/orders/dt=2026-01-01/w.json"],
      ["s3:DeleteObject", reconciliationObjectKey("run-1", "orders")],
      ["s3:GetObject", "raw/shopify/orders/dt=2026-01-01/w.json"],
    ] as const) {
      expect(`${action} ${key}: ${await decide(action, key)}`).toBe(`${action} ${key}: ImplicitlyDenied`);
    }
  });

  it("passes the guardrails", () => {
    const backfill = synth.environments[0]!.backfill;
    expect(backfill.workflow).toBeDefined();
    expect(backfill.guardrailReport?.violations).toEqual([]);
  });
});
