/**
 * The role EventBridge Scheduler assumes to start workflows or invoke functions on a schedule.
 * Permissions are added by `grant...` calls; the inline policy appears with the first grant.
 */
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktn/provider-aws/lib/scheduler-schedule";
import { Lazy } from "cdktn";
import { Construct } from "constructs";
import { policyDocument, serviceTrustPolicy, statements, type PolicyStatement } from "../policies/iam";

export interface ScheduleSpec {
  readonly scheduleName: string;
  readonly description: string;
  /** cron(...) or rate(...), evaluated in `timezone`. */
  readonly expression: string;
  readonly timezone?: string;
  readonly targetArn: string;
  readonly input?: unknown;
}

export class SchedulerRole extends Construct {
  readonly role: IamRole;
  private readonly statementsBySid = new Map<string, PolicyStatement>();
  private policy: IamRolePolicy | undefined;

  constructor(scope: Construct, id: string, props: { readonly roleName: string; readonly accountId: string }) {
    super(scope, id);
    this.role = new IamRole(this, "role", { name: props.roleName, assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", props.accountId) });
  }

  addStatement(statement: PolicyStatement): this {
    this.statementsBySid.set(statement.Sid ?? `S${this.statementsBySid.size}`, statement);
    this.policy ??= new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "scheduled-targets",
      policy: Lazy.stringValue({ produce: () => policyDocument([...this.statementsBySid.values()]) }),
    });
    return this;
  }

  grantInvoke(sid: string, functionArn: string): this {
    return this.addStatement(statements.lambdaInvoke(sid, functionArn));
  }

  grantStartExecution(sid: string, stateMachineArn: string): this {
    return this.addStatement(statements.startExecution(sid, stateMachineArn));
  }

  /** A schedule that calls `targetArn` with this role (grant the matching permission first). */
  schedule(scope: Construct, id: string, spec: ScheduleSpec): SchedulerSchedule {
    return new SchedulerSchedule(scope, id, {
      name: spec.scheduleName,
      description: spec.description,
      scheduleExpression: spec.expression,
      scheduleExpressionTimezone: spec.timezone ?? "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: spec.targetArn,
        roleArn: this.role.arn,
        input: spec.input === undefined ? undefined : JSON.stringify(spec.input),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
  }
}
