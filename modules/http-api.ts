/**
 * An API Gateway HTTP API for webhooks: one $default stage with JSON access logs (KMS log group)
 * and throttling. Routes are open only for signature-verified webhooks listed in
 * policies/public-routes.ts; adding any other open route throws here and fails the guardrail.
 */
import { Apigatewayv2Api } from "@cdktn/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktn/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktn/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktn/provider-aws/lib/apigatewayv2-stage";
import { LambdaPermission } from "@cdktn/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import { signatureVerifiedRoutes } from "../policies/public-routes";
import type { AlarmFactory } from "./alarms";
import type { EffectFunction } from "./effect-function";
import { encryptedLogGroup } from "./log-group";

export interface HttpApiProps {
  readonly apiName: string;
  readonly logRetentionDays: number;
  readonly logsKeyArn: string;
  readonly alarms: AlarmFactory;
  readonly throttling?: { readonly burst: number; readonly rate: number };
}

const accessLogFormat = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationError: "$context.integrationErrorMessage",
  latency: "$context.responseLatency",
});

export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly routes: Apigatewayv2Route[] = [];

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new Apigatewayv2Api(this, "api", { name: props.apiName, protocolType: "HTTP", description: "Webhook doors of the data platform." });
    const accessLogs = encryptedLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.apiName}`,
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.logsKeyArn,
    });
    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: accessLogFormat },
      defaultRouteSettings: { throttlingBurstLimit: props.throttling?.burst ?? 200, throttlingRateLimit: props.throttling?.rate ?? 100 },
    });
    props.alarms.metric(this, "server-errors", {
      name: `${props.apiName}-5xx`,
      description: `The webhook API answers 5xx: senders will retry, but look at the functions' errors.`,
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: this.api.id, Stage: "$default" },
      threshold: 5,
    });
  }

  get endpoint(): string {
    return this.api.apiEndpoint;
  }

  /** An open route for a webhook whose function verifies the sender's signature. */
  addSignatureVerifiedWebhook(routeKey: string, fn: EffectFunction): Apigatewayv2Route {
    if (!signatureVerifiedRoutes[routeKey]) {
      throw new Error(`route "${routeKey}" is not in policies/public-routes.ts: an open route must be a signature-verified webhook with a written reason`);
    }
    const id = routeKey.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
    const integration = new Apigatewayv2Integration(this, `integration-${id}`, {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: fn.arn,
      payloadFormatVersion: "2.0",
      timeoutMilliseconds: 29000,
    });
    const route = new Apigatewayv2Route(this, `route-${id}`, {
      apiId: this.api.id,
      routeKey,
      authorizationType: "NONE",
      target: `integrations/${integration.id}`,
    });
    new LambdaPermission(this, `permission-${id}`, {
      statementId: "AllowHttpApi",
      action: "lambda:InvokeFunction",
      functionName: fn.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/*`,
    });
    this.routes.push(route);
    return route;
  }
}
