import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group";
import { Construct } from "constructs";

export interface EncryptedLogGroupProps {
  readonly name: string;
  readonly retentionDays: number;
  readonly kmsKeyArn: string;
}

/** CloudWatch only accepts certain retention values; round up to the next one it accepts. */
export const allowedRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
export const retentionFor = (days: number) => allowedRetentionDays.find((allowed) => allowed >= days) ?? 3653;

/** A log group with retention and the logs CMK: every log group of the platform is one of these. */
export const encryptedLogGroup = (scope: Construct, id: string, props: EncryptedLogGroupProps) =>
  new CloudwatchLogGroup(scope, id, { name: props.name, retentionInDays: retentionFor(props.retentionDays), kmsKeyId: props.kmsKeyArn });
