/**
 * Environment variable names the functions read. The stacks set them (through
 * `EffectFunction.grant...`), `sdp local` sets them for the embedded platform.
 * Table names use `tableSpecs[...].envVar`.
 */
export const envVars = {
  environment: "SDP_ENV",
  brand: "SDP_BRAND",
  lakeBucket: "SDP_LAKE_BUCKET",
  eventBusName: "SDP_EVENT_BUS_NAME",
  alertsTopicArn: "SDP_ALERTS_TOPIC_ARN",
  /** The DLQ of a processor's source queue: invalid events go there at once, without retries. */
  deadLetterQueueUrl: "SDP_DEAD_LETTER_QUEUE_URL",
  logLevel: "SDP_LOG_LEVEL",
  /** Secrets: in AWS the function gets the secret's ARN; locally the value itself. */
  shopifyWebhookSecretArn: "SDP_SECRET_SHOPIFY_WEBHOOK_ARN",
  shopifyAdminSecretArn: "SDP_SECRET_SHOPIFY_ADMIN_ARN",
  rechargeWebhookSecretArn: "SDP_SECRET_RECHARGE_WEBHOOK_ARN",
  rechargeApiSecretArn: "SDP_SECRET_RECHARGE_API_ARN",
  stripeWebhookSecretArn: "SDP_SECRET_STRIPE_WEBHOOK_ARN",
  stripeApiSecretArn: "SDP_SECRET_STRIPE_API_ARN",
  shopifyWebhookSecret: "SHOPIFY_WEBHOOK_SECRET",
  rechargeWebhookSecret: "RECHARGE_WEBHOOK_SECRET",
  stripeWebhookSecret: "STRIPE_WEBHOOK_SECRET",
  shopifyAdminToken: "SHOPIFY_ADMIN_TOKEN",
  shopifyShopDomain: "SHOPIFY_SHOP_DOMAIN",
  shopifyApiVersion: "SHOPIFY_API_VERSION",
  shopifyGraphqlEndpoint: "SHOPIFY_GRAPHQL_ENDPOINT",
} as const;

/** Secrets Manager secret names per environment (the foundation stack creates them). */
export const secretNames = (brand: string, env: string) => ({
  shopifyAdmin: `${brand}/${env}/shopify/admin-api`,
  shopifyWebhook: `${brand}/${env}/shopify/webhook`,
  rechargeApi: `${brand}/${env}/recharge/api`,
  rechargeWebhook: `${brand}/${env}/recharge/webhook`,
  stripeApi: `${brand}/${env}/stripe/api`,
  stripeWebhook: `${brand}/${env}/stripe/webhook`,
});

/** Documented default webhook secret for `sdp local` and the demo only. */
export const LOCAL_DEFAULT_WEBHOOK_SECRET = "local-dev-webhook-secret";

/**
 * Per-kind alert topics: a function granted the topic of an alert kind gets its ARN in this
 * variable and publishes that kind there instead of the general alerts topic (payment alerts go
 * to the people who handle churn, disputes and failed payments).
 */
export const alertKindTopicEnvVar = (kind: string) => `${envVars.alertsTopicArn}_${kind.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
