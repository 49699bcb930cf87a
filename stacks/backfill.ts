/**
 * Backfill: Shopify bulk exports to Parquet, and the nightly reconciliation.
 *
 * The Step Functions workflow built in contracts/backfill-workflow.ts (submit, wait, poll, choice,
 * download, record; the same definition `sdp backfill --env local` runs) is deployed with the
 * `StateMachine` module (Standard, logging ALL, tracing, its own role allowed to invoke exactly
 * the four task functions; poll and the bulk_operations/finish consumer may SendTaskSuccess to
 * it, which wakes a run waiting for the finish webhook), started nightly by EventBridge Scheduler over the last three days,
 * and its ARN is published to SSM (`/<brand>/<env>/backfill/state-machine-arn`) and as an output
 * for `sdp backfill --env <env>`.
 *
 * Already here: every backfill-layer function of contracts/functions.ts whose entry file exists
 * (EffectFunction with the grants its spec lists; backfill-download ships @duckdb/node-api as a
 * native module on x86_64), the bulk_operations/finish consumer wired to the queue the ingestion
 * stack routes those events to, and the scheduler role.
 */
import { SsmParameter } from "@cdktn/provider-aws/lib/ssm-parameter";
import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { backfillStateMachineArnParameter, backfillWorkflowDefinition, nightlyReconciliationInput } from "../contracts/backfill-workflow";
import { AlarmFactory } from "../modules/alarms";
import type { EffectFunction } from "../modules/effect-function";
import { SchedulerRole } from "../modules/scheduler-role";
import { StateMachine } from "../modules/state-machine";
import type { FoundationStack } from "./foundation";
import type { HotStoresStack } from "./hot-stores";
import type { IngestionStack } from "./ingestion";
import type { LakeStack } from "./lake";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";
import { buildSpecFunction, specEntry, specFunctionDeps, specsOfLayer, type FunctionEntryResolver } from "./spec-functions";

export interface BackfillStackProps {
  readonly foundation: FoundationStack;
  readonly lake: LakeStack;
  readonly hotStores: HotStoresStack;
  readonly ingestion: IngestionStack;
  readonly functionEntry?: FunctionEntryResolver;
  readonly bundleCacheDir?: string;
}

export class BackfillStack extends PlatformStack {
  readonly alarms: AlarmFactory;
  readonly functions: Record<string, EffectFunction> = {};
  readonly scheduler: SchedulerRole;
  readonly workflow?: StateMachine;

  constructor(
    scope: Construct,
    env: EnvironmentConfig,
    readonly props: BackfillStackProps,
    options: PlatformStackOptions = {},
  ) {
    super(scope, env, "backfill", options);
    const { foundation, ingestion } = props;
    this.alarms = new AlarmFactory(this.prefix, foundation.alertsTopic.arn);
    this.scheduler = new SchedulerRole(this, "scheduler", { roleName: `${this.prefix}-backfill-scheduler`, accountId: env.accountId });

    for (const { spec, entry } of specsOfLayer("backfill", props.functionEntry ?? specEntry)) {
      const fn = buildSpecFunction(
        this,
        spec,
        entry,
        specFunctionDeps(props, { env, prefix: this.prefix, alarms: this.alarms, platformBus: ingestion.platformBus, bundleCacheDir: props.bundleCacheDir }),
      );
      this.functions[spec.name] = fn;
      const queue = ingestion.processorQueues[spec.name];
      if (spec.trigger === "sqs" && queue) fn.addQueueSource(queue);
    }

    for (const [name, fn] of Object.entries(this.functions)) {
      new TerraformOutput(this, `function-${name}`, { value: fn.arn });
    }

    // The workflow of contracts/backfill-workflow.ts (the one `sdp backfill --env local` runs),
    // once its four task functions exist.
    const tasks = {
      submit: this.functions["backfill-submit"],
      poll: this.functions["backfill-poll"],
      download: this.functions["backfill-download"],
      record: this.functions["backfill-record"],
    };
    if (tasks.submit && tasks.poll && tasks.download && tasks.record) {
      const workflow = new StateMachine(this, "workflow", {
        stateMachineName: `${this.prefix}-backfill`,
        definition: backfillWorkflowDefinition({ submit: tasks.submit.arn, poll: tasks.poll.arn, download: tasks.download.arn, record: tasks.record.arn }),
        type: "STANDARD",
        accountId: env.accountId,
        logRetentionDays: env.logRetentionDays,
        logsKeyArn: foundation.keys.logs.arn,
        alarms: this.alarms,
      });
      for (const [task, fn] of Object.entries(tasks)) workflow.grantInvoke(`Invoke${task[0]!.toUpperCase()}${task.slice(1)}`, fn!.arn);
      this.workflow = workflow;
      // AwaitFinish: poll (operation already finished) and the bulk_operations/finish consumer
      // wake the waiting run with its task token. IAM cannot scope a callback token of a
      // service-integration Task state to a state machine, so the action takes "*"; the token
      // itself (held only in the leases table) is what limits it to our runs.
      for (const name of ["backfill-poll", "backfill-bulk-finish"]) {
        this.functions[name]?.addStatement({ Sid: "WakeBackfillRun", Effect: "Allow", Action: ["states:SendTaskSuccess"], Resource: ["*"] });
      }

      // Nightly reconciliation: re-export the last three days so whatever the webhooks missed
      // lands in the lake, with its count check.
      this.scheduler.grantStartExecution("StartBackfill", workflow.arn);
      this.scheduler.schedule(this, "nightly-reconciliation", {
        scheduleName: `${this.prefix}-nightly-reconciliation`,
        description: "Re-exports the last 3 days of orders, customers and products and reconciles the counts.",
        expression: "cron(30 2 * * ? *)",
        targetArn: workflow.arn,
        input: nightlyReconciliationInput(3),
      });

      new SsmParameter(this, "state-machine-arn-parameter", {
        name: backfillStateMachineArnParameter(env.brand, env.name),
        description: "ARN of the backfill state machine (read by `sdp backfill --env`).",
        type: "String",
        value: workflow.arn,
      });
      new TerraformOutput(this, "state-machine-arn", { value: workflow.arn });
    }
  }
}
