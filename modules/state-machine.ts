/**
 * A Step Functions state machine with logging ALL (execution data included) to a KMS-encrypted
 * log group, X-Ray tracing, its own role, and an alarm on failed executions. The definition is
 * the JSON built in contracts/ (the same one aws-local-stepfunctions runs locally).
 */
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktn/provider-aws/lib/sfn-state-machine";
import type { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { Lazy } from "cdktn";
import { Construct } from "constructs";
import { logDeliveryActions, policyDocument, serviceTrustPolicy, statements, type PolicyStatement } from "../policies/iam";
import type { AlarmFactory } from "./alarms";
import { encryptedLogGroup } from "./log-group";

export interface StateMachineProps {
  readonly stateMachineName: string;
  /** Amazon States Language JSON (string) or object. */
  readonly definition: string | object;
  readonly type?: "STANDARD" | "EXPRESS";
  readonly accountId: string;
  readonly logRetentionDays: number;
  readonly logsKeyArn: string;
  readonly alarms: AlarmFactory;
}

export class StateMachine extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  private readonly statementsBySid = new Map<string, PolicyStatement>();

  constructor(scope: Construct, id: string, props: StateMachineProps) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, "logs", {
      name: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.logsKeyArn,
    });
    this.role = new IamRole(this, "role", {
      name: `${props.stateMachineName}-sfn`,
      assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", props.accountId),
    });
    // Vended-log delivery and X-Ray actions have no resource-level permissions.
    this.addStatement({
      Sid: "LogDelivery",
      Effect: "Allow",
      Action: [...logDeliveryActions, "logs:DescribeLogGroups"],
      Resource: ["*"],
    });
    this.addStatement({ ...statements.xrayWrite(), Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"] });
    const policy = new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument([...this.statementsBySid.values()]) }),
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: props.stateMachineName,
      type: props.type ?? "STANDARD",
      roleArn: this.role.arn,
      definition: typeof props.definition === "string" ? props.definition : JSON.stringify(props.definition),
      loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: `${this.logGroup.arn}:*` },
      tracingConfiguration: { enabled: true },
      dependsOn: [policy],
    });
    props.alarms.metric(this, "failed", {
      name: `${props.stateMachineName}-failed`,
      description: `Executions of ${props.stateMachineName} failed, timed out or were aborted.`,
      namespace: "AWS/States",
      metricName: "ExecutionsFailed",
      dimensions: { StateMachineArn: this.stateMachine.arn },
      threshold: 1,
    });
  }

  get arn(): string {
    return this.stateMachine.arn;
  }

  addStatement(statement: PolicyStatement): this {
    const sid = statement.Sid ?? `S${this.statementsBySid.size}`;
    this.statementsBySid.set(sid, { ...statement, Sid: sid });
    return this;
  }

  /** Lets the state machine invoke a Lambda function (a Task state). */
  grantInvoke(sid: string, functionArn: string): this {
    return this.addStatement(statements.lambdaInvoke(sid, functionArn));
  }
}
