/**
 * Environment variable names the functions read. The stacks set them (through
 * `EffectFunction.grant...`), `sdp local` sets them for the embedded platform.
 * Table names use `tableSpecs[...].envVar`.
 *
 * Every variable read anywhere in functions/, local/, etl/, cli/ and demo/ is listed here (or in
 * `externalEnvVars`, `tableSpecs[...].envVar`, `alertKindTopicEnvVar`); a test scans the sources
 * and fails on one that is not (__tests__/infra/env-vars.test.ts).
 */
import { alertKinds } from "./alerts";
import { tableKeys, tableSpecs } from "./tables";

export const envVars = {
  environment: "SDP_ENV",
  brand: "SDP_BRAND",
  lakeBucket: "SDP_LAKE_BUCKET",
  eventBusName: "SDP_EVENT_BUS_NAME",
  alertsTopicArn: "SDP_ALERTS_TOPIC_ARN",
  /** The DLQ of a processor's source queue: invalid events go there at once, without retries. */
  deadLetterQueueUrl: "SDP_DEAD_LETTER_QUEUE_URL",
  /** gdpr-redact: the processors' dead-letter queues (comma-separated URLs) its DeadLetters step drains of the subject's letters. */
  gdprDeadLetterQueueUrls: "SDP_GDPR_DEAD_LETTER_QUEUE_URLS",
  logLevel: "SDP_LOG_LEVEL",
  /** Secrets: in AWS the function gets the secret's ARN; locally the value itself. */
  shopifyWebhookSecretArn: "SDP_SECRET_SHOPIFY_WEBHOOK_ARN",
  shopifyAdminSecretArn: "SDP_SECRET_SHOPIFY_ADMIN_ARN",
  rechargeWebhookSecretArn: "SDP_SECRET_RECHARGE_WEBHOOK_ARN",
  rechargeApiSecretArn: "SDP_SECRET_RECHARGE_API_ARN",
  stripeWebhookSecretArn: "SDP_SECRET_STRIPE_WEBHOOK_ARN",
  stripeApiSecretArn: "SDP_SECRET_STRIPE_API_ARN",
  /** The GDPR subject index's HMAC key (functions/gdpr/subject.ts subjectKey). */
  subjectIndexKeySecretArn: "SDP_SECRET_SUBJECT_INDEX_KEY_ARN",
  subjectIndexKey: "SDP_SUBJECT_INDEX_KEY",
  shopifyWebhookSecret: "SHOPIFY_WEBHOOK_SECRET",
  rechargeWebhookSecret: "RECHARGE_WEBHOOK_SECRET",
  stripeWebhookSecret: "STRIPE_WEBHOOK_SECRET",
  shopifyAdminToken: "SHOPIFY_ADMIN_TOKEN",
  shopifyShopDomain: "SHOPIFY_SHOP_DOMAIN",
  shopifyApiVersion: "SHOPIFY_API_VERSION",
  shopifyGraphqlEndpoint: "SHOPIFY_GRAPHQL_ENDPOINT",
  /** Locally, the API secrets' values (in AWS: their ARNs above). */
  rechargeApiToken: "RECHARGE_API_TOKEN",
  stripeApiKey: "STRIPE_API_KEY",
  /** "env": secrets are read from the value variables (sdp local); otherwise from Secrets Manager by ARN. */
  secretsSource: "SDP_SECRETS_SOURCE",
  /** "true"/"false": raw writes use S3's If-None-Match (default: on in AWS, off against an S3 endpoint override). */
  s3ConditionalWrites: "SDP_S3_CONDITIONAL_WRITES",
  abandonedCartTtlDays: "SDP_ABANDONED_CART_TTL_DAYS",
  /** Size of one part of a streamed bulk export (backfill-download). */
  bulkPartMb: "BULK_PART_MB",
  stripeSignatureToleranceSeconds: "STRIPE_SIGNATURE_TOLERANCE_SECONDS",
  rechargeSignatureToleranceSeconds: "RECHARGE_SIGNATURE_TOLERANCE_SECONDS",
  rechargeChargeFailedAlertAttempts: "RECHARGE_CHARGE_FAILED_ALERT_ATTEMPTS",
  stripePaymentFailedAlertMinAmount: "STRIPE_PAYMENT_FAILED_ALERT_MIN_AMOUNT",
  /** Where the nightly reconciliation calls the payment providers (default: their public APIs; the stand-ins in tests). */
  rechargeApiUrl: "SDP_RECHARGE_API_URL",
  stripeApiUrl: "SDP_STRIPE_API_URL",
  /** data-quality: when webhook recovery alerts (contracts/webhook-recovery.ts; the environment's config/ values). */
  webhookRecoveryMaxShare: "SDP_WEBHOOK_RECOVERY_MAX_SHARE",
  webhookRecoveryMinCount: "SDP_WEBHOOK_RECOVERY_MIN_COUNT",
  /** data-quality: the shop's IANA time zone (config shopTimezone), whose local days the order-number gap check reports and the backfill it asks for covers. */
  shopTimezone: "SDP_SHOP_TIMEZONE",
  /** sdp: where the last run's record goes (default .sdp/last-run.json), and "0" to keep none from the demo. */
  lastRunFile: "SDP_LAST_RUN_FILE",
  recordLastRun: "SDP_RECORD_LAST_RUN",
  /** sdp local: "main" runs the emulators on the caller's event loop instead of a worker thread. */
  emulatorsThread: "SDP_EMULATORS_THREAD",
  /** sdp local: messages processed at once while a door answers (local/door-first.ts), a number or "off". */
  processorsWhileDoorsBusy: "SDP_PROCESSORS_WHILE_DOORS_BUSY",
  /** sdp load / soak / bench: a directory to keep each thread's raw V8 CPU profile in (cli/load/cpu.ts). */
  profileDir: "SDP_PROFILE_DIR",
} as const;

/** Variables we read but do not define: set by the Lambda runtime, for the AWS SDK, or by the shell. */
export const externalEnvVars = {
  lambdaFunctionName: "AWS_LAMBDA_FUNCTION_NAME",
  region: "AWS_REGION",
  defaultRegion: "AWS_DEFAULT_REGION",
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  endpointUrlS3: "AWS_ENDPOINT_URL_S3",
  endpointUrlDynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  requestChecksumCalculation: "AWS_REQUEST_CHECKSUM_CALCULATION",
  responseChecksumValidation: "AWS_RESPONSE_CHECKSUM_VALIDATION",
  ec2MetadataDisabled: "AWS_EC2_METADATA_DISABLED",
  ci: "CI",
  noColor: "NO_COLOR",
} as const;

export type SecretKey = "shopifyAdmin" | "shopifyWebhook" | "rechargeApi" | "rechargeWebhook" | "stripeApi" | "stripeWebhook" | "subjectIndexKey";

/**
 * The variables of each secret, the one map of them: in AWS the function gets the secret's ARN
 * in `arn` (EffectFunction.grantSecretRead); locally its value in `value` (the kernel's Secrets).
 */
export const secretEnvVars: Readonly<Record<SecretKey, { readonly arn: string; readonly value: string }>> = {
  shopifyWebhook: { arn: envVars.shopifyWebhookSecretArn, value: envVars.shopifyWebhookSecret },
  shopifyAdmin: { arn: envVars.shopifyAdminSecretArn, value: envVars.shopifyAdminToken },
  rechargeWebhook: { arn: envVars.rechargeWebhookSecretArn, value: envVars.rechargeWebhookSecret },
  rechargeApi: { arn: envVars.rechargeApiSecretArn, value: envVars.rechargeApiToken },
  stripeWebhook: { arn: envVars.stripeWebhookSecretArn, value: envVars.stripeWebhookSecret },
  stripeApi: { arn: envVars.stripeApiSecretArn, value: envVars.stripeApiKey },
  subjectIndexKey: { arn: envVars.subjectIndexKeySecretArn, value: envVars.subjectIndexKey },
};

/** Secrets Manager secret names per environment (the foundation stack creates them). */
export const secretNames = (brand: string, env: string) => ({
  shopifyAdmin: `${brand}/${env}/shopify/admin-api`,
  shopifyWebhook: `${brand}/${env}/shopify/webhook`,
  rechargeApi: `${brand}/${env}/recharge/api`,
  rechargeWebhook: `${brand}/${env}/recharge/webhook`,
  stripeApi: `${brand}/${env}/stripe/api`,
  stripeWebhook: `${brand}/${env}/stripe/webhook`,
  subjectIndexKey: `${brand}/${env}/gdpr/subject-index-key`,
});

/** Documented default webhook secret for `sdp local` and the demo only. */
export const LOCAL_DEFAULT_WEBHOOK_SECRET = "local-dev-webhook-secret";

/**
 * Per-kind alert topics: a function granted the topic of an alert kind gets its ARN in this
 * variable and publishes that kind there instead of the general alerts topic (payment alerts go
 * to the people who handle churn, disputes and failed payments).
 */
export const alertKindTopicEnvVar = (kind: string) => `${envVars.alertsTopicArn}_${kind.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;

/** Every environment variable name the platform knows: what the sources may read. */
export const knownEnvVarNames = (): ReadonlySet<string> =>
  new Set<string>([...Object.values(envVars), ...Object.values(externalEnvVars), ...tableKeys.map((key) => tableSpecs[key].envVar), ...alertKinds.map(alertKindTopicEnvVar)]);
