/**
 * Ingestion: the Shopify partner event bus, the platform bus (events our HTTPS doors publish),
 * archives for replay, one EventBridge rule per route of contracts/events.ts into an SQS queue
 * (with DLQ) per processor, the HTTP API for the webhooks, and every ingestion-layer function of
 * contracts/functions.ts whose entry file exists.
 */
import { CloudwatchEventArchive } from "@cdktn/provider-aws/lib/cloudwatch-event-archive";
import { CloudwatchEventBus } from "@cdktn/provider-aws/lib/cloudwatch-event-bus";
import { CloudwatchEventRule } from "@cdktn/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktn/provider-aws/lib/cloudwatch-event-target";
import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { platformBusName, routes, type Route } from "../contracts/events";
import { functionSpec, functionTimeoutSeconds } from "../contracts/functions";
import { AlarmFactory } from "../modules/alarms";
import type { EffectFunction } from "../modules/effect-function";
import { EventTargetDlq } from "../modules/event-target-dlq";
import { HttpApi } from "../modules/http-api";
import { QueueWithDlq } from "../modules/queue-with-dlq";
import type { FoundationStack } from "./foundation";
import type { HotStoresStack } from "./hot-stores";
import type { LakeStack } from "./lake";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";
import { buildSpecFunction, specEntry, specFunctionDeps, specsOfLayer, type FunctionEntryResolver } from "./spec-functions";
import { addPaymentAlerts } from "./payment-alerts";

export interface IngestionStackProps {
  readonly foundation: FoundationStack;
  readonly lake: LakeStack;
  readonly hotStores: HotStoresStack;
  readonly functionEntry?: FunctionEntryResolver;
  readonly bundleCacheDir?: string;
}

/** How long EventBridge archives keep events for replay. */
export const archiveRetentionDays = (env: EnvironmentConfig) => Math.max(30, env.logRetentionDays);

export class IngestionStack extends PlatformStack {
  readonly partnerBus: CloudwatchEventBus | undefined;
  readonly platformBus: CloudwatchEventBus;
  readonly api: HttpApi;
  readonly alarms: AlarmFactory;
  readonly functions: Record<string, EffectFunction> = {};
  /** One queue per processor function, fed by that processor's routes. */
  readonly processorQueues: Record<string, QueueWithDlq> = {};
  readonly rules: Record<string, CloudwatchEventRule> = {};
  /** Where EventBridge puts events it could not deliver to a processor queue. */
  readonly targetDlq: EventTargetDlq;

  constructor(scope: Construct, env: EnvironmentConfig, props: IngestionStackProps, options: PlatformStackOptions = {}) {
    super(scope, env, "ingestion", options);
    const { foundation } = props;
    this.alarms = new AlarmFactory(this.prefix, foundation.alertsTopic.arn);
    this.targetDlq = new EventTargetDlq(this, "rule-target-dlq", {
      queueName: `${this.prefix}-ingestion-events-dlq`,
      kmsKeyArn: foundation.keys.messaging.arn,
      alarms: this.alarms,
    });

    this.partnerBus = env.shopifyPartnerEventSource
      ? new CloudwatchEventBus(this, "partner-bus", { name: env.shopifyPartnerEventSource, eventSourceName: env.shopifyPartnerEventSource })
      : undefined;
    this.platformBus = new CloudwatchEventBus(this, "platform-bus", { name: platformBusName(env.brand, env.name) });
    const buses = { partner: this.partnerBus, platform: this.platformBus };
    for (const [kind, bus] of Object.entries(buses)) {
      if (!bus) continue;
      new CloudwatchEventArchive(this, `${kind}-archive`, {
        name: `${this.prefix}-${kind}-archive`,
        description: `Every event of the ${kind} bus, for replay after a processor bug.`,
        eventSourceArn: bus.arn,
        retentionDays: archiveRetentionDays(env),
      });
    }

    const built = specsOfLayer("ingestion", props.functionEntry ?? specEntry);
    for (const { spec, entry } of built) {
      this.functions[spec.name] = buildSpecFunction(
        this,
        spec,
        entry,
        specFunctionDeps(props, { env, prefix: this.prefix, alarms: this.alarms, platformBus: this.platformBus, bundleCacheDir: props.bundleCacheDir }),
      );
    }

    // Per-kind payment alert topics and the payment doors' alarms.
    addPaymentAlerts(this, { env, prefix: this.prefix, messagingKeyArn: foundation.keys.messaging.arn, functions: this.functions, alarms: this.alarms });

    for (const route of routes) {
      const bus = buses[route.bus];
      if (!bus) continue; // no partner event source configured for this environment yet
      this.addRoute(route, bus, foundation.keys.messaging.arn);
    }

    this.api = new HttpApi(this, "webhooks", {
      apiName: `${this.prefix}-webhooks`,
      logRetentionDays: env.logRetentionDays,
      logsKeyArn: foundation.keys.logs.arn,
      alarms: this.alarms,
    });
    for (const { spec } of built) {
      if (spec.trigger === "http" && spec.route) this.api.addSignatureVerifiedWebhook(spec.route, this.functions[spec.name]!);
    }

    new TerraformOutput(this, "webhook-endpoint", { value: this.api.endpoint, description: "Base URL of the webhook API (POST /webhooks/<source>)." });
    new TerraformOutput(this, "platform-bus-name", { value: this.platformBus.name });
  }

  private queueFor(processor: string, messagingKeyArn: string): QueueWithDlq {
    const existing = this.processorQueues[processor];
    if (existing) return existing;
    const timeout = functionTimeoutSeconds(functionSpec(processor));
    const queue = new QueueWithDlq(this, `queue-${processor}`, {
      queueName: `${this.prefix}-${processor}`,
      kmsKeyArn: messagingKeyArn,
      visibilityTimeoutSeconds: 6 * timeout,
      alarms: this.alarms,
    });
    this.processorQueues[processor] = queue;
    // Processors of other layers (backfill-bulk-finish) attach to the queue from their own stack.
    this.functions[processor]?.addQueueSource(queue);
    return queue;
  }

  private addRoute(route: Route, bus: CloudwatchEventBus, messagingKeyArn: string): void {
    const queue = this.queueFor(route.processor, messagingKeyArn);
    const rule = new CloudwatchEventRule(this, `rule-${route.id}`, {
      name: `${this.prefix}-${route.id}`,
      description: `${route.id} events to ${route.processor}.`,
      eventBusName: bus.name,
      eventPattern: JSON.stringify(route.pattern),
    });
    new CloudwatchEventTarget(this, `rule-${route.id}-target`, {
      rule: rule.name,
      eventBusName: bus.name,
      arn: queue.queue.arn,
      targetId: "queue",
      ...this.targetDlq.forRule(rule),
    });
    queue.allowRule(rule.arn);
    this.rules[route.id] = rule;
    this.alarms.metric(this, `rule-${route.id}-failed`, {
      name: `${route.id}-failed-deliveries`,
      description: `EventBridge could not deliver ${route.id} events to ${queue.props.queueName}.`,
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      dimensions: { RuleName: `${this.prefix}-${route.id}`, EventBusName: bus.name },
      threshold: 1,
    });
  }
}
