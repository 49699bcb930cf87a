import { App, TerraformStack } from "cdktn";
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironment } from "../../config/environments";
import { evaluateGuardrails, suppress, type TfJson } from "../../policies/guardrails";
import { policyDocument } from "../../policies/iam";
import { rulePack } from "../../policies/rules";
import { PlatformStack } from "../../stacks/platform-stack";

type Mutable = { [key: string]: any };

const ref = (type: string, name: string, attr = "id") => `\${${type}.${name}.${attr}}`;
const bucketRef = ref("aws_s3_bucket", "b");
const bucketArn = ref("aws_s3_bucket", "b", "arn");
const keyArn = "arn:aws:kms:eu-west-1:333333333333:key/abc";

/** A stack with one compliant resource of every kind the rules inspect. */
const goodStack = (): Mutable => ({
  terraform: { backend: { s3: { bucket: "state", key: "prod/lake.tfstate", encrypt: true, dynamodb_table: "locks", region: "eu-west-1" } } },
  provider: {
    aws: [
      { region: "eu-west-1", default_tags: [{ tags: { brand: "acme", environment: "prod", owner: "data", "cost-center": "analytics", "data-classification": "confidential" } }] },
    ],
  },
  resource: {
    aws_s3_bucket: { b: { bucket: "acme-data-lake-333333333333-prod" } },
    aws_s3_bucket_versioning: { v: { bucket: bucketRef, versioning_configuration: { status: "Enabled" } } },
    aws_s3_bucket_server_side_encryption_configuration: {
      e: { bucket: bucketRef, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: keyArn } }] },
    },
    aws_s3_bucket_public_access_block: { p: { bucket: bucketRef, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true } },
    aws_s3_bucket_ownership_controls: { o: { bucket: bucketRef, rule: { object_ownership: "BucketOwnerEnforced" } } },
    aws_s3_bucket_policy: {
      tls: {
        bucket: bucketRef,
        policy: policyDocument([
          { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ]),
      },
    },
    aws_s3_bucket_logging: { l: { bucket: bucketRef, target_bucket: "acme-access-logs", target_prefix: "lake/" } },
    aws_s3_bucket_lifecycle_configuration: {
      lc: { bucket: bucketRef, rule: [{ id: "all", status: "Enabled", filter: [{ prefix: "" }], noncurrent_version_expiration: [{ noncurrent_days: 30 }] }] },
    },
    aws_dynamodb_table: {
      t: { name: "orders", point_in_time_recovery: { enabled: true }, server_side_encryption: { enabled: true, kms_key_arn: keyArn }, deletion_protection_enabled: true },
    },
    aws_sqs_queue: {
      dlq: { name: "orders-dlq", kms_master_key_id: keyArn },
      q: { name: "orders", kms_master_key_id: keyArn, redrive_policy: JSON.stringify({ deadLetterTargetArn: ref("aws_sqs_queue", "dlq", "arn"), maxReceiveCount: 5 }) },
      fndlq: { name: "fn-dead-letters", kms_master_key_id: keyArn },
    },
    aws_lambda_function: {
      f: {
        function_name: "fn",
        runtime: "nodejs22.x",
        tracing_config: { mode: "Active" },
        reserved_concurrent_executions: 10,
        dead_letter_config: { target_arn: ref("aws_sqs_queue", "fndlq", "arn") },
        environment: { variables: { SDP_TABLE_ORDERS: "orders", SDP_SECRET_SHOPIFY_WEBHOOK_ARN: "arn:aws:secretsmanager:eu-west-1:333333333333:secret:x" } },
      },
    },
    aws_sns_topic: { alerts: { name: "alerts", kms_master_key_id: keyArn } },
    aws_kms_key: {
      k: {
        enable_key_rotation: true,
        policy: policyDocument([{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: "kms:*", Resource: "*" }]),
      },
    },
    aws_iam_role: {
      r: {
        name: "fn",
        permissions_boundary: "arn:aws:iam::333333333333:policy/acme-prod-workload-boundary",
        assume_role_policy: policyDocument([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]),
      },
      gh: {
        name: "deploy",
        permissions_boundary: "arn:aws:iam::333333333333:policy/acme-prod-workload-boundary",
        assume_role_policy: policyDocument([
          {
            Effect: "Allow",
            Principal: { Federated: "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:acme/shopify-data-platform:environment:prod",
              },
            },
          },
        ]),
      },
    },
    aws_iam_role_policy: {
      rp: {
        role: ref("aws_iam_role", "r"),
        policy: policyDocument([
          { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: ["arn:aws:dynamodb:eu-west-1:333333333333:table/orders"] },
          { Effect: "Allow", Action: ["xray:PutTraceSegments"], Resource: ["*"] },
        ]),
      },
    },
    aws_sqs_queue_policy: {
      qp: {
        queue_url: ref("aws_sqs_queue", "q", "url"),
        policy: policyDocument([
          { Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "q", Condition: { ArnEquals: { "aws:SourceArn": "rule" } } },
        ]),
      },
    },
    aws_cloudwatch_log_group: { lg: { name: "/aws/lambda/fn", retention_in_days: 30, kms_key_id: keyArn } },
    aws_sfn_state_machine: {
      sm: {
        name: "backfill",
        logging_configuration: { level: "ALL", include_execution_data: true, log_destination: "arn:aws:logs:eu-west-1:333333333333:log-group:x:*" },
        tracing_configuration: { enabled: true },
      },
    },
    aws_apigatewayv2_route: { route: { route_key: "POST /webhooks/shopify", authorization_type: "NONE" } },
    aws_apigatewayv2_stage: {
      st: {
        name: "$default",
        access_log_settings: { destination_arn: "arn:aws:logs:eu-west-1:333333333333:log-group:api", format: "{}" },
        default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 },
      },
    },
    aws_secretsmanager_secret: { s: { name: "acme/prod/stripe/api", kms_key_id: keyArn, tags: { owner: "data" } } },
    aws_athena_workgroup: {
      wg: {
        name: "analytics",
        configuration: {
          enforce_workgroup_configuration: true,
          bytes_scanned_cutoff_per_query: 10737418240,
          result_configuration: { output_location: "s3://x/athena-results/", encryption_configuration: { encryption_option: "SSE_KMS", kms_key_arn: keyArn } },
        },
      },
    },
  },
});

interface Case {
  readonly rule: string;
  readonly address: string;
  readonly breakIt: (stack: Mutable) => void;
}

const r = (stack: Mutable) => stack.resource;
const setPolicy = (stack: Mutable, statements: object[]) => {
  r(stack).aws_iam_role_policy.rp.policy = JSON.stringify({ Version: "2012-10-17", Statement: statements });
};

const cases: Case[] = [
  {
    rule: "S3_BUCKET_KMS",
    address: "aws_s3_bucket.b",
    breakIt: (s) => (r(s).aws_s3_bucket_server_side_encryption_configuration.e.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" }),
  },
  { rule: "S3_BUCKET_VERSIONING", address: "aws_s3_bucket.b", breakIt: (s) => (r(s).aws_s3_bucket_versioning.v.versioning_configuration.status = "Suspended") },
  { rule: "S3_PUBLIC_ACCESS_BLOCK", address: "aws_s3_bucket.b", breakIt: (s) => (r(s).aws_s3_bucket_public_access_block.p.restrict_public_buckets = false) },
  { rule: "S3_OWNERSHIP_ENFORCED", address: "aws_s3_bucket.b", breakIt: (s) => delete r(s).aws_s3_bucket_ownership_controls },
  { rule: "S3_TLS_ONLY", address: "aws_s3_bucket.b", breakIt: (s) => delete r(s).aws_s3_bucket_policy },
  { rule: "S3_ACCESS_LOGGING", address: "aws_s3_bucket.b", breakIt: (s) => delete r(s).aws_s3_bucket_logging },
  { rule: "S3_LIFECYCLE", address: "aws_s3_bucket.b", breakIt: (s) => delete r(s).aws_s3_bucket_lifecycle_configuration.lc.rule[0].noncurrent_version_expiration },
  { rule: "DDB_PITR", address: "aws_dynamodb_table.t", breakIt: (s) => (r(s).aws_dynamodb_table.t.point_in_time_recovery.enabled = false) },
  { rule: "DDB_CMK", address: "aws_dynamodb_table.t", breakIt: (s) => delete r(s).aws_dynamodb_table.t.server_side_encryption },
  { rule: "DDB_DELETION_PROTECTION", address: "aws_dynamodb_table.t", breakIt: (s) => (r(s).aws_dynamodb_table.t.deletion_protection_enabled = false) },
  { rule: "LAMBDA_DLQ", address: "aws_lambda_function.f", breakIt: (s) => delete r(s).aws_lambda_function.f.dead_letter_config },
  { rule: "LAMBDA_TRACING", address: "aws_lambda_function.f", breakIt: (s) => (r(s).aws_lambda_function.f.tracing_config.mode = "PassThrough") },
  { rule: "LAMBDA_CONCURRENCY", address: "aws_lambda_function.f", breakIt: (s) => delete r(s).aws_lambda_function.f.reserved_concurrent_executions },
  { rule: "LAMBDA_NO_SECRETS_IN_ENV", address: "aws_lambda_function.f", breakIt: (s) => (r(s).aws_lambda_function.f.environment.variables.STRIPE_API_KEY = "sk_live_123") },
  { rule: "LAMBDA_SUPPORTED_RUNTIME", address: "aws_lambda_function.f", breakIt: (s) => (r(s).aws_lambda_function.f.runtime = "nodejs16.x") },
  { rule: "SQS_CMK", address: "aws_sqs_queue.q", breakIt: (s) => delete r(s).aws_sqs_queue.q.kms_master_key_id },
  { rule: "SQS_HAS_DLQ", address: "aws_sqs_queue.q", breakIt: (s) => delete r(s).aws_sqs_queue.q.redrive_policy },
  { rule: "SNS_CMK", address: "aws_sns_topic.alerts", breakIt: (s) => (r(s).aws_sns_topic.alerts.kms_master_key_id = "alias/aws/sns") },
  { rule: "KMS_ROTATION", address: "aws_kms_key.k", breakIt: (s) => (r(s).aws_kms_key.k.enable_key_rotation = false) },
  {
    rule: "KMS_NO_STAR_PRINCIPAL",
    address: "aws_kms_key.k",
    breakIt: (s) => (r(s).aws_kms_key.k.policy = policyDocument([{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }])),
  },
  {
    rule: "IAM_NO_ADMIN",
    address: "aws_iam_role_policy_attachment.admin",
    breakIt: (s) => (r(s).aws_iam_role_policy_attachment = { admin: { role: "fn", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" } }),
  },
  {
    rule: "IAM_NO_STAR_ACTION",
    address: "aws_iam_role_policy.rp",
    breakIt: (s) => setPolicy(s, [{ Effect: "Allow", Action: ["dynamodb:*"], Resource: ["arn:aws:dynamodb:eu-west-1:1:table/x"] }]),
  },
  { rule: "IAM_ROLE_BOUNDARY", address: "aws_iam_role.r", breakIt: (s) => delete r(s).aws_iam_role.r.permissions_boundary },
  {
    rule: "IAM_TRUST_SCOPED",
    address: "aws_iam_role.gh",
    breakIt: (s) => (r(s).aws_iam_role.gh.assume_role_policy = r(s).aws_iam_role.gh.assume_role_policy.replace("environment:prod", "*")),
  },
  {
    rule: "RESOURCE_POLICY_NOT_PUBLIC",
    address: "aws_sqs_queue_policy.qp",
    breakIt: (s) => (r(s).aws_sqs_queue_policy.qp.policy = policyDocument([{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "q" }])),
  },
  { rule: "LOG_GROUP_RETENTION", address: "aws_cloudwatch_log_group.lg", breakIt: (s) => delete r(s).aws_cloudwatch_log_group.lg.retention_in_days },
  { rule: "LOG_GROUP_KMS", address: "aws_cloudwatch_log_group.lg", breakIt: (s) => delete r(s).aws_cloudwatch_log_group.lg.kms_key_id },
  { rule: "SFN_LOGGING", address: "aws_sfn_state_machine.sm", breakIt: (s) => (r(s).aws_sfn_state_machine.sm.logging_configuration.level = "ERROR") },
  { rule: "SFN_TRACING", address: "aws_sfn_state_machine.sm", breakIt: (s) => delete r(s).aws_sfn_state_machine.sm.tracing_configuration },
  { rule: "APIGW_ROUTE_AUTH", address: "aws_apigatewayv2_route.route", breakIt: (s) => (r(s).aws_apigatewayv2_route.route.route_key = "GET /orders") },
  { rule: "APIGW_ACCESS_LOGS", address: "aws_apigatewayv2_stage.st", breakIt: (s) => delete r(s).aws_apigatewayv2_stage.st.access_log_settings },
  { rule: "APIGW_THROTTLING", address: "aws_apigatewayv2_stage.st", breakIt: (s) => delete r(s).aws_apigatewayv2_stage.st.default_route_settings },
  { rule: "SECRETS_CMK", address: "aws_secretsmanager_secret.s", breakIt: (s) => delete r(s).aws_secretsmanager_secret.s.kms_key_id },
  { rule: "SECRETS_OWNER_TAG", address: "aws_secretsmanager_secret.s", breakIt: (s) => (r(s).aws_secretsmanager_secret.s.tags = {}) },
  {
    rule: "ATHENA_WORKGROUP_ENFORCED",
    address: "aws_athena_workgroup.wg",
    breakIt: (s) => (r(s).aws_athena_workgroup.wg.configuration.enforce_workgroup_configuration = false),
  },
  { rule: "REQUIRED_TAGS", address: "provider.aws[0]", breakIt: (s) => delete s.provider.aws[0].default_tags[0].tags["cost-center"] },
  { rule: "BACKEND_S3_LOCKED", address: "terraform.backend.s3", breakIt: (s) => delete s.terraform.backend.s3.dynamodb_table },
  {
    rule: "SUPPRESSION_JUSTIFIED",
    address: "aws_s3_bucket.b",
    breakIt: (s) => (r(s).aws_s3_bucket.b["//"] = { guardrails: { suppress: [{ rule: "S3_ACCESS_LOGGING", justification: "" }] } }),
  },
];

const evaluate = (stack: Mutable) => evaluateGuardrails("test-stack", stack as TfJson, rulePack);

describe("the guardrail rule pack", () => {
  it("has at least 20 rules with unique ids, a title and a fix hint", () => {
    expect(rulePack.length).toBeGreaterThanOrEqual(20);
    expect(new Set(rulePack.map((rule) => rule.id)).size).toBe(rulePack.length);
    for (const rule of rulePack) expect(rule.fix.length).toBeGreaterThan(10);
  });

  it("is documented rule by rule in docs/infrastructure.md", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "infrastructure.md"), "utf8");
    for (const rule of rulePack) expect(doc).toContain(`| \`${rule.id}\` |`);
  });

  it("has a firing test for every rule", () => {
    expect(cases.map((c) => c.rule).sort()).toEqual(rulePack.map((rule) => rule.id).sort());
  });

  it("stays quiet on a compliant stack", () => {
    expect(evaluate(goodStack()).violations).toEqual([]);
  });

  it.each(cases.map((c) => [c.rule, c] as const))("%s fires on a bad resource, naming the address and the fix", (ruleId, testCase) => {
    const stack = goodStack();
    testCase.breakIt(stack);
    const { violations } = evaluate(stack);
    const fired = violations.filter((v) => v.ruleId === ruleId);
    expect(fired).toEqual([expect.objectContaining({ ruleId, address: testCase.address, stack: "test-stack", fix: rulePack.find((rule) => rule.id === ruleId)!.fix })]);
  });

  it("lets a justified suppression on the resource silence one rule, and reports it", () => {
    const stack = goodStack();
    delete r(stack).aws_s3_bucket_logging;
    r(stack).aws_s3_bucket.b["//"] = { guardrails: { suppress: [{ rule: "S3_ACCESS_LOGGING", justification: "this bucket receives the access logs of the others" }] } };
    const report = evaluate(stack);
    expect(report.violations).toEqual([]);
    expect(report.suppressed).toEqual([{ ruleId: "S3_ACCESS_LOGGING", address: "aws_s3_bucket.b", justification: "this bucket receives the access logs of the others" }]);
  });

  it("ignores a suppression without justification and flags it", () => {
    const stack = goodStack();
    delete r(stack).aws_s3_bucket_logging;
    r(stack).aws_s3_bucket.b["//"] = { guardrails: { suppress: [{ rule: "S3_ACCESS_LOGGING", justification: "ok" }] } };
    expect(
      evaluate(stack)
        .violations.map((v) => v.ruleId)
        .sort(),
    ).toEqual(["S3_ACCESS_LOGGING", "SUPPRESSION_JUSTIFIED"]);
  });

  it("fails synth with the rule id, Terraform address and fix hint", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-guardrail-"));
    try {
      const app = new App({ outdir });
      const stack = new PlatformStack(app, loadEnvironment("prod"), "lake");
      new S3Bucket(stack, "naked", { bucket: "acme-naked-bucket" });
      expect(() => app.synth()).toThrow(/S3_BUCKET_VERSIONING acme-prod-lake aws_s3_bucket\.naked .*\n\s+fix: Add aws_s3_bucket_versioning/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("writes suppressions made in code into the synthesized resource, where reviewers see them", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "sdp-guardrail-")) });
    const stack = new TerraformStack(app, "s");
    const bucket = new S3Bucket(stack, "logs", { bucket: "x" });
    suppress(bucket, "S3_ACCESS_LOGGING", "the access-log bucket cannot log to itself");
    suppress(bucket, "S3_BUCKET_KMS", "S3 log delivery only supports SSE-S3 targets");
    const json = stack.toTerraform() as { resource: { aws_s3_bucket: { logs: { "//": { guardrails: { suppress: unknown[] } } } } } };
    expect(json.resource.aws_s3_bucket.logs["//"].guardrails.suppress).toEqual([
      { rule: "S3_ACCESS_LOGGING", justification: "the access-log bucket cannot log to itself" },
      { rule: "S3_BUCKET_KMS", justification: "S3 log delivery only supports SSE-S3 targets" },
    ]);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });
});
