/**
 * Alarm helpers: every alarm of the platform goes to the environment's alerts topic, is named
 * `<brand>-<env>-<what>`, and treats missing data as "not breaching" (no traffic is not an outage;
 * the data-quality freshness checks catch silence).
 */
import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";

export interface MetricAlarmSpec {
  /** Short name, appended to the alarm prefix. */
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic?: "Sum" | "Average" | "Maximum" | "Minimum" | "SampleCount";
  readonly threshold: number;
  readonly comparison?: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
  readonly periodSeconds?: number;
  readonly evaluationPeriods?: number;
}

export interface MathAlarmSpec {
  readonly name: string;
  readonly description: string;
  /** Metric math over the metrics below, e.g. "SUM(METRICS())". */
  readonly expression: string;
  readonly metrics: ReadonlyArray<{ readonly namespace: string; readonly metricName: string; readonly dimensions: Record<string, string>; readonly statistic?: string }>;
  readonly threshold: number;
  readonly periodSeconds?: number;
  readonly evaluationPeriods?: number;
}

/** Creates alarms wired to one topic with one name prefix. Stacks share one per environment. */
export class AlarmFactory {
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(
    readonly prefix: string,
    readonly topicArn: string,
  ) {}

  /** Resource names such as queue names already carry the prefix; an alarm name carries it once. */
  alarmName(name: string): string {
    return name.startsWith(`${this.prefix}-`) ? name : `${this.prefix}-${name}`;
  }

  metric(scope: Construct, id: string, spec: MetricAlarmSpec): CloudwatchMetricAlarm {
    const alarm = new CloudwatchMetricAlarm(scope, id, {
      alarmName: this.alarmName(spec.name),
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: spec.dimensions,
      statistic: spec.statistic ?? "Sum",
      threshold: spec.threshold,
      comparisonOperator: spec.comparison ?? "GreaterThanOrEqualToThreshold",
      period: spec.periodSeconds ?? 300,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      treatMissingData: "notBreaching",
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
    });
    this.alarms.push(alarm);
    return alarm;
  }

  math(scope: Construct, id: string, spec: MathAlarmSpec): CloudwatchMetricAlarm {
    const period = spec.periodSeconds ?? 300;
    const alarm = new CloudwatchMetricAlarm(scope, id, {
      alarmName: this.alarmName(spec.name),
      alarmDescription: spec.description,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      treatMissingData: "notBreaching",
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      metricQuery: [
        { id: "total", expression: spec.expression, label: spec.name, returnData: true },
        ...spec.metrics.map((metric, index) => ({
          id: `m${index}`,
          returnData: false,
          metric: { namespace: metric.namespace, metricName: metric.metricName, dimensions: metric.dimensions, stat: metric.statistic ?? "Sum", period },
        })),
      ],
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
