/**
 * The guardrail rule pack, modelled on Checkov and cdk-nag. Each rule inspects the synthesized
 * Terraform JSON of one stack. Rule ids are stable: suppressions and docs refer to them.
 */
import type { PolicyStatement } from "./iam";
import { signatureVerifiedRoutes } from "./public-routes";
import { block, list, MIN_JUSTIFICATION_LENGTH, type Finding, type GuardrailRule, type ResourceRef, type RuleContext } from "./guardrails";

export const requiredTags = ["brand", "environment", "owner", "cost-center", "data-classification"] as const;

/** Lambda runtimes we still accept (older ones are end-of-life or about to be). */
export const supportedLambdaRuntimes = ["nodejs22.x", "nodejs20.x"];

const perResource =
  (types: ReadonlyArray<string>, problemOf: (resource: ResourceRef, context: RuleContext) => string | undefined) =>
  (context: RuleContext): Finding[] =>
    types.flatMap((type) =>
      context.resources(type).flatMap((resource) => {
        const problem = problemOf(resource, context);
        return problem ? [{ address: resource.address, problem }] : [];
      }),
    );

/** A bucket's companion resource (versioning, encryption, ...) that points at it. */
const companions = (context: RuleContext, bucket: ResourceRef, type: string) => context.referencing(type, bucket, "bucket");

const parsePolicy = (value: unknown): PolicyStatement[] | "unreadable" | undefined => {
  if (value === undefined || value === null) return undefined;
  try {
    const doc = (typeof value === "string" ? JSON.parse(value) : value) as { Statement?: PolicyStatement | PolicyStatement[] };
    return list<PolicyStatement>(doc.Statement);
  } catch {
    return "unreadable";
  }
};

const actionsOf = (statement: PolicyStatement) => list<string>(statement.Action);
const resourcesOf = (statement: PolicyStatement) => list<string>(statement.Resource);

const isStarPrincipal = (principal: PolicyStatement["Principal"]): boolean =>
  principal === "*" || (typeof principal === "object" && principal !== null && list(principal.AWS).includes("*"));

/** Identity policies of a stack: inline role policies, managed policies, inline_policy blocks. */
const identityPolicies = (context: RuleContext): Array<{ address: string; statements: PolicyStatement[] | "unreadable" }> => [
  ...context.resources("aws_iam_role_policy").map((r) => ({ address: r.address, statements: parsePolicy(r.body.policy) ?? [] })),
  ...context.resources("aws_iam_policy").map((r) => ({ address: r.address, statements: parsePolicy(r.body.policy) ?? [] })),
  ...context.resources("aws_iam_role").flatMap((r) =>
    list<Record<string, unknown>>(r.body.inline_policy).map((inline) => ({ address: r.address, statements: parsePolicy(inline.policy) ?? [] })),
  ),
];

const identityRule = (
  check: (statement: PolicyStatement) => string | undefined,
): ((context: RuleContext) => Finding[]) => (context) =>
  identityPolicies(context).flatMap(({ address, statements }) => {
    if (statements === "unreadable") return [{ address, problem: "the policy is not a JSON document the guardrails can read" }];
    return statements.filter((s) => s.Effect === "Allow").flatMap((statement) => {
      const problem = check(statement);
      return problem ? [{ address, problem }] : [];
    });
  });

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const SECRET_VALUE = /^(sk_live_|sk_test_|rk_live_|whsec_|shpat_|shpss_|shpca_|AKIA[0-9A-Z]{16})/;

const isArnReference = (value: string) => value.startsWith("arn:") || /^\$\{[^}]+\}$/.test(value);

export const rulePack: ReadonlyArray<GuardrailRule> = [
  // ---------------------------------------------------------------- S3
  {
    id: "S3_BUCKET_KMS",
    title: "S3 buckets are encrypted by default with a customer-managed KMS key",
    fix: "Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and kms_master_key_id (LakeBucket does this).",
    check: perResource(["aws_s3_bucket"], (bucket, context) => {
      const ok = companions(context, bucket, "aws_s3_bucket_server_side_encryption_configuration").some((sse) =>
        list<Record<string, unknown>>(sse.body.rule).some((rule) => {
          const defaults = block(rule.apply_server_side_encryption_by_default);
          return String(defaults?.sse_algorithm).startsWith("aws:kms") && typeof defaults?.kms_master_key_id === "string";
        }),
      );
      return ok ? undefined : "bucket has no default SSE-KMS encryption with a CMK";
    }),
  },
  {
    id: "S3_BUCKET_VERSIONING",
    title: "S3 buckets are versioned",
    fix: "Add aws_s3_bucket_versioning with versioning_configuration.status = Enabled.",
    check: perResource(["aws_s3_bucket"], (bucket, context) =>
      companions(context, bucket, "aws_s3_bucket_versioning").some((v) => block(v.body.versioning_configuration)?.status === "Enabled")
        ? undefined
        : "bucket versioning is not enabled",
    ),
  },
  {
    id: "S3_PUBLIC_ACCESS_BLOCK",
    title: "S3 buckets block all public access",
    fix: "Add aws_s3_bucket_public_access_block with all four settings true.",
    check: perResource(["aws_s3_bucket"], (bucket, context) =>
      companions(context, bucket, "aws_s3_bucket_public_access_block").some(
        (pab) => pab.body.block_public_acls === true && pab.body.block_public_policy === true && pab.body.ignore_public_acls === true && pab.body.restrict_public_buckets === true,
      )
        ? undefined
        : "bucket does not block all public access",
    ),
  },
  {
    id: "S3_OWNERSHIP_ENFORCED",
    title: "S3 buckets disable ACLs (BucketOwnerEnforced)",
    fix: "Add aws_s3_bucket_ownership_controls with object_ownership = BucketOwnerEnforced.",
    check: perResource(["aws_s3_bucket"], (bucket, context) =>
      companions(context, bucket, "aws_s3_bucket_ownership_controls").some((oc) => block(oc.body.rule)?.object_ownership === "BucketOwnerEnforced")
        ? undefined
        : "bucket ACLs are not disabled",
    ),
  },
  {
    id: "S3_TLS_ONLY",
    title: "S3 bucket policies deny requests without TLS",
    fix: "Add a bucket policy statement: Deny s3:* when aws:SecureTransport is false (LakeBucket does this).",
    check: perResource(["aws_s3_bucket"], (bucket, context) => {
      const ok = companions(context, bucket, "aws_s3_bucket_policy").some((policy) => {
        const statements = parsePolicy(policy.body.policy);
        return (
          Array.isArray(statements) &&
          statements.some((s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'))
        );
      });
      return ok ? undefined : "bucket policy does not deny insecure transport";
    }),
  },
  {
    id: "S3_ACCESS_LOGGING",
    title: "S3 buckets have server access logging",
    fix: "Add aws_s3_bucket_logging targeting the access-log bucket.",
    check: perResource(["aws_s3_bucket"], (bucket, context) =>
      companions(context, bucket, "aws_s3_bucket_logging").some((l) => typeof l.body.target_bucket === "string") ? undefined : "bucket has no access logging",
    ),
  },
  {
    id: "S3_LIFECYCLE",
    title: "S3 buckets have lifecycle rules, including expiry of noncurrent versions",
    fix: "Add aws_s3_bucket_lifecycle_configuration with an enabled rule that sets noncurrent_version_expiration.",
    check: perResource(["aws_s3_bucket"], (bucket, context) => {
      const rules = companions(context, bucket, "aws_s3_bucket_lifecycle_configuration").flatMap((lc) => list<Record<string, unknown>>(lc.body.rule));
      const enabled = rules.filter((rule) => rule.status === "Enabled");
      if (enabled.length === 0) return "bucket has no enabled lifecycle rule";
      return enabled.some((rule) => block(rule.noncurrent_version_expiration)) ? undefined : "no lifecycle rule expires noncurrent versions";
    }),
  },
  // ---------------------------------------------------------------- DynamoDB
  {
    id: "DDB_PITR",
    title: "DynamoDB tables have point-in-time recovery",
    fix: "Set point_in_time_recovery { enabled = true } (HotTable does this).",
    check: perResource(["aws_dynamodb_table"], (table) => (block(table.body.point_in_time_recovery)?.enabled === true ? undefined : "point-in-time recovery is off")),
  },
  {
    id: "DDB_CMK",
    title: "DynamoDB tables are encrypted with a customer-managed KMS key",
    fix: "Set server_side_encryption { enabled = true, kms_key_arn = <tables key> }.",
    check: perResource(["aws_dynamodb_table"], (table) => {
      const sse = block(table.body.server_side_encryption);
      return sse?.enabled === true && typeof sse.kms_key_arn === "string" ? undefined : "table is not encrypted with a CMK";
    }),
  },
  {
    id: "DDB_DELETION_PROTECTION",
    title: "DynamoDB tables outside dev have deletion protection",
    fix: "Set deletion_protection_enabled = true (HotTable does this outside dev).",
    check: perResource(["aws_dynamodb_table"], (table, context) =>
      context.environment !== "dev" && table.body.deletion_protection_enabled !== true ? `deletion protection is off in ${context.environment ?? "an unknown environment"}` : undefined,
    ),
  },
  // ---------------------------------------------------------------- Lambda
  {
    id: "LAMBDA_DLQ",
    title: "Lambda functions have a dead-letter queue or an on-failure destination",
    fix: "Set dead_letter_config.target_arn or add aws_lambda_function_event_invoke_config with destination_config.on_failure (EffectFunction does this).",
    check: perResource(["aws_lambda_function"], (fn, context) => {
      if (typeof block(fn.body.dead_letter_config)?.target_arn === "string") return undefined;
      const destinations = context
        .referencing("aws_lambda_function_event_invoke_config", fn, "function_name")
        .some((config) => block(block(config.body.destination_config)?.on_failure)?.destination);
      return destinations ? undefined : "function has neither a DLQ nor an on-failure destination";
    }),
  },
  {
    id: "LAMBDA_TRACING",
    title: "Lambda functions have active X-Ray tracing",
    fix: "Set tracing_config { mode = Active }.",
    check: perResource(["aws_lambda_function"], (fn) => (block(fn.body.tracing_config)?.mode === "Active" ? undefined : "tracing is not Active")),
  },
  {
    id: "LAMBDA_CONCURRENCY",
    title: "Lambda functions reserve their concurrency",
    fix: "Set reserved_concurrent_executions (a function must not starve the account or flood a table).",
    check: perResource(["aws_lambda_function"], (fn) => {
      const reserved = fn.body.reserved_concurrent_executions;
      return typeof reserved === "number" && reserved >= 0 ? undefined : "reserved concurrency is not set";
    }),
  },
  {
    id: "LAMBDA_NO_SECRETS_IN_ENV",
    title: "Lambda environment variables carry secret ARNs, never secret values",
    fix: "Store the value in Secrets Manager and pass its ARN (grantSecretRead does this); the function reads it at run time.",
    check: perResource(["aws_lambda_function"], (fn) => {
      const variables = (block(fn.body.environment)?.variables ?? {}) as Record<string, unknown>;
      const bad = Object.entries(variables).filter(([name, value]) => {
        const text = String(value);
        if (SECRET_VALUE.test(text)) return true;
        return SECRET_NAME.test(name) && !(name.endsWith("_ARN") && isArnReference(text));
      });
      return bad.length > 0 ? `environment variables look like secrets: ${bad.map(([name]) => name).join(", ")}` : undefined;
    }),
  },
  {
    id: "LAMBDA_SUPPORTED_RUNTIME",
    title: "Lambda functions use a supported Node.js runtime",
    fix: `Use one of ${supportedLambdaRuntimes.join(", ")}.`,
    check: perResource(["aws_lambda_function"], (fn) =>
      supportedLambdaRuntimes.includes(String(fn.body.runtime)) ? undefined : `runtime ${String(fn.body.runtime)} is not supported`,
    ),
  },
  // ---------------------------------------------------------------- SQS / SNS
  {
    id: "SQS_CMK",
    title: "SQS queues are encrypted with a customer-managed KMS key",
    fix: "Set kms_master_key_id to the messaging key (QueueWithDlq does this).",
    check: perResource(["aws_sqs_queue"], (queue) => (typeof queue.body.kms_master_key_id === "string" ? undefined : "queue is not encrypted with a CMK")),
  },
  {
    id: "SQS_HAS_DLQ",
    title: "SQS queues that feed consumers have a dead-letter queue",
    fix: "Set redrive_policy to a dead-letter queue (QueueWithDlq does this), or name the queue *-dlq if it is one.",
    check: perResource(["aws_sqs_queue"], (queue, context) => {
      if (queue.body.redrive_policy !== undefined) return undefined;
      if (String(queue.body.name ?? "").endsWith("-dlq")) return undefined;
      const usedAsDlq =
        context.referencing("aws_sqs_queue", queue, "redrive_policy").length > 0 ||
        context.resources("aws_lambda_function").some((fn) => refersToBlock(fn.body.dead_letter_config, queue));
      return usedAsDlq ? undefined : "queue has no dead-letter queue";
    }),
  },
  {
    id: "SNS_CMK",
    title: "SNS topics are encrypted with a customer-managed KMS key",
    fix: "Set kms_master_key_id to the messaging key.",
    check: perResource(["aws_sns_topic"], (topic) => {
      const key = topic.body.kms_master_key_id;
      return typeof key === "string" && key !== "alias/aws/sns" ? undefined : "topic is not encrypted with a CMK";
    }),
  },
  // ---------------------------------------------------------------- KMS
  {
    id: "KMS_ROTATION",
    title: "KMS keys rotate",
    fix: "Set enable_key_rotation = true.",
    check: perResource(["aws_kms_key"], (key) => (key.body.enable_key_rotation === true ? undefined : "key rotation is off")),
  },
  {
    id: "KMS_NO_STAR_PRINCIPAL",
    title: "KMS key policies name their principals",
    fix: "Grant the account root ARN or a service principal with a SourceAccount/ViaService condition, never Principal \"*\".",
    check: perResource(["aws_kms_key"], (key) => {
      const statements = parsePolicy(key.body.policy);
      if (statements === undefined) return "key has no explicit key policy";
      if (statements === "unreadable") return "key policy is not readable JSON";
      return statements.some((s) => s.Effect === "Allow" && isStarPrincipal(s.Principal)) ? "key policy allows Principal *" : undefined;
    }),
  },
  // ---------------------------------------------------------------- IAM
  {
    id: "IAM_NO_ADMIN",
    title: "No role gets administrator access",
    fix: "Grant the specific actions on the specific resources the role needs (policies/iam.ts builders).",
    check: (context) => [
      ...context.resources("aws_iam_role_policy_attachment").flatMap((a) =>
        String(a.body.policy_arn).endsWith("/AdministratorAccess") ? [{ address: a.address, problem: "AdministratorAccess is attached" }] : [],
      ),
      ...context.resources("aws_iam_role").flatMap((r) =>
        list<string>(r.body.managed_policy_arns).some((arn) => arn.endsWith("/AdministratorAccess")) ? [{ address: r.address, problem: "AdministratorAccess is attached" }] : [],
      ),
      ...identityRule((s) => (actionsOf(s).includes("*") && resourcesOf(s).includes("*") ? "a statement allows * on *" : undefined))(context),
    ],
  },
  {
    id: "IAM_NO_STAR_ACTION",
    title: "IAM statements name their actions (no * or service:*)",
    fix: "List the actions the role calls, e.g. dynamodb:GetItem, instead of a wildcard.",
    check: identityRule((s) => {
      const wild = actionsOf(s).filter((action) => action === "*" || action.endsWith(":*"));
      return wild.length > 0 ? `wildcard actions: ${wild.join(", ")}` : undefined;
    }),
  },
  {
    id: "IAM_ROLE_BOUNDARY",
    title: "Every role carries the environment's workload permissions boundary",
    fix: "PlatformStack sets permissions_boundary on every aws_iam_role of a CI-applied stack; a role created another way must set it to the <brand>-<env>-workload-boundary policy ARN.",
    check: perResource(["aws_iam_role"], (role, context) => {
      const boundary = role.body.permissions_boundary;
      if (typeof boundary !== "string" || boundary.length === 0) return "role has no permissions boundary";
      const tags = (block(block(context.stack.provider?.aws)?.default_tags)?.tags ?? {}) as Record<string, string>;
      const expected = `:policy/${tags.brand}-${tags.environment}-workload-boundary`;
      return boundary.endsWith(expected) ? undefined : `permissions boundary ${boundary} is not the environment's workload boundary (*${expected})`;
    }),
  },
  {
    id: "IAM_TRUST_SCOPED",
    title: "Role trust policies name who may assume them; web-identity trust is pinned to a subject",
    fix: "Trust a service principal or an account, and for OIDC require an exact `sub` (repo:<owner>/<repo>:environment:<env>) and `aud`.",
    check: perResource(["aws_iam_role"], (role) => {
      const statements = parsePolicy(role.body.assume_role_policy);
      if (statements === undefined) return "role has no trust policy";
      if (statements === "unreadable") return "trust policy is not readable JSON";
      for (const s of statements.filter((st) => st.Effect === "Allow")) {
        if (isStarPrincipal(s.Principal)) return "trust policy allows Principal *";
        if (actionsOf(s).includes("sts:AssumeRoleWithWebIdentity")) {
          const conditions = JSON.stringify(s.Condition ?? {});
          const sub = Object.values(s.Condition ?? {}).flatMap((c) => Object.entries(c)).find(([key]) => key.endsWith(":sub"));
          if (!sub) return "web-identity trust has no sub condition";
          if (list<string>(sub[1] as string | string[]).some((value) => value.includes("*"))) return "web-identity sub condition contains a wildcard";
          if (!conditions.includes(":aud")) return "web-identity trust has no aud condition";
        }
      }
      return undefined;
    }),
  },
  {
    id: "RESOURCE_POLICY_NOT_PUBLIC",
    title: "Bucket, queue and topic policies never allow everyone",
    fix: "Allow a service principal with an aws:SourceArn/SourceAccount condition, or an account ARN.",
    check: perResource(["aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy"], (policy) => {
      const statements = parsePolicy(policy.body.policy);
      if (statements === "unreadable") return "policy is not readable JSON";
      return (statements ?? []).some((s) => s.Effect === "Allow" && isStarPrincipal(s.Principal) && s.Condition === undefined)
        ? "policy allows Principal * without a condition"
        : undefined;
    }),
  },
  // ---------------------------------------------------------------- Logs
  {
    id: "LOG_GROUP_RETENTION",
    title: "Log groups expire their logs",
    fix: "Set retention_in_days from the environment's logRetentionDays.",
    check: perResource(["aws_cloudwatch_log_group"], (group) => {
      const days = group.body.retention_in_days;
      return typeof days === "number" && days > 0 ? undefined : "log group keeps logs forever";
    }),
  },
  {
    id: "LOG_GROUP_KMS",
    title: "Log groups are encrypted with the logs KMS key",
    fix: "Set kms_key_id to the logs key.",
    check: perResource(["aws_cloudwatch_log_group"], (group) => (typeof group.body.kms_key_id === "string" ? undefined : "log group is not KMS-encrypted")),
  },
  // ---------------------------------------------------------------- Step Functions
  {
    id: "SFN_LOGGING",
    title: "State machines log ALL events with execution data",
    fix: "Set logging_configuration { level = ALL, include_execution_data = true, log_destination = <log group arn>:* } (StateMachine does this).",
    check: perResource(["aws_sfn_state_machine"], (sm) => {
      const logging = block(sm.body.logging_configuration);
      return logging?.level === "ALL" && logging.include_execution_data === true && typeof logging.log_destination === "string"
        ? undefined
        : "state machine does not log ALL events with execution data";
    }),
  },
  {
    id: "SFN_TRACING",
    title: "State machines have X-Ray tracing",
    fix: "Set tracing_configuration { enabled = true }.",
    check: perResource(["aws_sfn_state_machine"], (sm) => (block(sm.body.tracing_configuration)?.enabled === true ? undefined : "tracing is off")),
  },
  // ---------------------------------------------------------------- API Gateway
  {
    id: "APIGW_ROUTE_AUTH",
    title: "API routes require authorization, except signature-verified webhooks on the allow-list",
    fix: "Add an authorizer, or, for a webhook that verifies a signature, add its route key with the reason to policies/public-routes.ts.",
    check: perResource(["aws_apigatewayv2_route"], (route) => {
      const auth = String(route.body.authorization_type ?? "NONE");
      if (auth !== "NONE") return undefined;
      const key = String(route.body.route_key);
      return signatureVerifiedRoutes[key] ? undefined : `route "${key}" has no authorization and is not a signature-verified webhook`;
    }),
  },
  {
    id: "APIGW_ACCESS_LOGS",
    title: "API stages write access logs",
    fix: "Set access_log_settings { destination_arn, format } on the stage (HttpApi does this).",
    check: perResource(["aws_apigatewayv2_stage"], (stage) => (typeof block(stage.body.access_log_settings)?.destination_arn === "string" ? undefined : "stage has no access logs")),
  },
  {
    id: "APIGW_THROTTLING",
    title: "API stages throttle requests",
    fix: "Set default_route_settings { throttling_burst_limit, throttling_rate_limit }.",
    check: perResource(["aws_apigatewayv2_stage"], (stage) => {
      const settings = block(stage.body.default_route_settings);
      return typeof settings?.throttling_burst_limit === "number" && typeof settings.throttling_rate_limit === "number" ? undefined : "stage has no default throttling";
    }),
  },
  // ---------------------------------------------------------------- Secrets, Athena, tags, backend
  {
    id: "SECRETS_CMK",
    title: "Secrets are encrypted with a customer-managed KMS key",
    fix: "Set kms_key_id to the secrets key.",
    check: perResource(["aws_secretsmanager_secret"], (secret) => (typeof secret.body.kms_key_id === "string" ? undefined : "secret uses the AWS-managed key")),
  },
  {
    id: "SECRETS_OWNER_TAG",
    title: "Secrets name an owner",
    fix: "Add an owner tag, so someone is asked when it must rotate.",
    check: perResource(["aws_secretsmanager_secret"], (secret) => {
      const tags = (secret.body.tags ?? {}) as Record<string, unknown>;
      return typeof tags.owner === "string" && tags.owner.length > 0 ? undefined : "secret has no owner tag";
    }),
  },
  {
    id: "ATHENA_WORKGROUP_ENFORCED",
    title: "Athena workgroups enforce encrypted results and a bytes-scanned cutoff",
    fix: "Set configuration { enforce_workgroup_configuration = true, bytes_scanned_cutoff_per_query, result_configuration.encryption_configuration SSE_KMS }.",
    check: perResource(["aws_athena_workgroup"], (wg) => {
      const config = block(wg.body.configuration);
      const encryption = block(block(config?.result_configuration)?.encryption_configuration);
      if (config?.enforce_workgroup_configuration !== true) return "workgroup configuration is not enforced";
      if (typeof config.bytes_scanned_cutoff_per_query !== "number") return "workgroup has no bytes-scanned cutoff";
      return ["SSE_KMS", "CSE_KMS"].includes(String(encryption?.encryption_option)) ? undefined : "query results are not KMS-encrypted";
    }),
  },
  {
    id: "REQUIRED_TAGS",
    title: "Every resource carries the required tags (provider default_tags)",
    fix: `Set default_tags on the aws provider with ${requiredTags.join(", ")} (PlatformStack does this).`,
    check: (context) => {
      const providers = list<Record<string, unknown>>(context.stack.provider?.aws);
      if (providers.length === 0) return [{ address: "provider.aws", problem: "stack has no aws provider" }];
      return providers.flatMap((provider, index) => {
        const tags = (block(provider.default_tags)?.tags ?? {}) as Record<string, unknown>;
        const missing = requiredTags.filter((tag) => typeof tags[tag] !== "string" || (tags[tag] as string).length === 0);
        return missing.length > 0 ? [{ address: `provider.aws[${index}]`, problem: `default_tags lack ${missing.join(", ")}` }] : [];
      });
    },
  },
  {
    id: "BACKEND_S3_LOCKED",
    title: "State lives in an encrypted S3 backend with locking",
    fix: "Use S3Backend with encrypt = true and dynamodb_table (PlatformStack does this).",
    check: (context) => {
      const s3 = context.stack.terraform?.backend?.s3;
      if (!s3) return [{ address: "terraform.backend", problem: "stack has no s3 backend" }];
      if (s3.encrypt !== true) return [{ address: "terraform.backend.s3", problem: "state is not encrypted" }];
      return typeof s3.dynamodb_table === "string" || s3.use_lockfile === true ? [] : [{ address: "terraform.backend.s3", problem: "state has no lock" }];
    },
  },
  {
    id: "SUPPRESSION_JUSTIFIED",
    title: "Every guardrail suppression carries a written justification",
    fix: `Write why the rule does not apply (at least ${MIN_JUSTIFICATION_LENGTH} characters) in suppress(resource, ruleId, justification).`,
    check: (context) =>
      Object.entries(context.stack.resource ?? {}).flatMap(([type, byName]) =>
        Object.entries(byName).flatMap(([name, body]) => {
          const entries = list<{ rule?: unknown; justification?: unknown }>((body["//"] as { guardrails?: { suppress?: unknown } } | undefined)?.guardrails?.suppress);
          return entries
            .filter((entry) => typeof entry.justification !== "string" || entry.justification.trim().length < MIN_JUSTIFICATION_LENGTH)
            .map((entry) => ({ address: `${type}.${name}`, problem: `suppression of ${String(entry.rule)} has no justification` }));
        }),
      ),
  },
];

function refersToBlock(value: unknown, target: ResourceRef): boolean {
  return JSON.stringify(value ?? null).includes(`${target.type}.${target.name}.`);
}
