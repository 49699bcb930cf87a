/**
 * A CloudWatch dashboard that later issues add sections to. Widgets are laid out top to bottom
 * in rows of two; the body is produced at synth time, so sections added after the dashboard was
 * created are included.
 */
import { CloudwatchDashboard } from "@cdktn/provider-aws/lib/cloudwatch-dashboard";
import { Lazy } from "cdktn";
import { Construct } from "constructs";

/** One metric line: [namespace, metricName, dimName, dimValue, ..., { stat, label }]. */
export type MetricLine = ReadonlyArray<string | Record<string, unknown>>;

export interface MetricWidgetSpec {
  readonly title: string;
  readonly metrics: ReadonlyArray<MetricLine>;
  readonly stat?: string;
  readonly periodSeconds?: number;
  readonly view?: "timeSeries" | "singleValue";
}

interface Section {
  readonly title: string;
  readonly widgets: ReadonlyArray<MetricWidgetSpec>;
}

export class Dashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;
  private readonly sections: Section[] = [];

  constructor(
    scope: Construct,
    id: string,
    readonly props: { readonly name: string; readonly region: string },
  ) {
    super(scope, id);
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.name,
      dashboardBody: Lazy.stringValue({ produce: () => JSON.stringify(this.body()) }),
    });
  }

  addSection(title: string, widgets: ReadonlyArray<MetricWidgetSpec>): this {
    this.sections.push({ title, widgets });
    return this;
  }

  get sectionTitles(): string[] {
    return this.sections.map((section) => section.title);
  }

  private body() {
    const widgets: unknown[] = [];
    let y = 0;
    for (const section of this.sections) {
      widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## ${section.title}` } });
      y += 1;
      section.widgets.forEach((widget, index) => {
        widgets.push({
          type: "metric",
          x: (index % 2) * 12,
          y: y + Math.floor(index / 2) * 6,
          width: 12,
          height: 6,
          properties: {
            title: widget.title,
            region: this.props.region,
            view: widget.view ?? "timeSeries",
            stat: widget.stat ?? "Sum",
            period: widget.periodSeconds ?? 300,
            metrics: widget.metrics,
          },
        });
      });
      y += Math.ceil(section.widgets.length / 2) * 6;
    }
    return { widgets };
  }
}
