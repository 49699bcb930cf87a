import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktn";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import { envVars } from "../../contracts/env-vars";
import { tableSpecs } from "../../contracts/tables";
import { AlarmFactory } from "../../modules/alarms";
import { bundleFunction } from "../../modules/bundle";
import { EffectFunction } from "../../modules/effect-function";
import { fixtureHandler, readZip, resourcesOf } from "./helpers";

const keys = {
  logs: "arn:aws:kms:eu-west-1:111111111111:key/logs",
  messaging: "arn:aws:kms:eu-west-1:111111111111:key/messaging",
  tables: "arn:aws:kms:eu-west-1:111111111111:key/tables",
  lake: "arn:aws:kms:eu-west-1:111111111111:key/lake",
  secrets: "arn:aws:kms:eu-west-1:111111111111:key/secrets",
};
const ordersTable = { arn: "arn:aws:dynamodb:eu-west-1:111111111111:table/acme-dev-orders", name: "acme-dev-orders" };
const lake = { arn: "arn:aws:s3:::acme-data-lake-111111111111-dev", bucket: "acme-data-lake-111111111111-dev" };
const secret = { arn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:acme/dev/shopify/webhook-AbCdEf" };
const topic = { arn: "arn:aws:sns:eu-west-1:111111111111:acme-dev-alerts" };
const bus = { arn: "arn:aws:events:eu-west-1:111111111111:event-bus/acme-dev-platform", name: "acme-dev-platform" };

/** Loads a CommonJS bundle from its source, as the Lambda runtime would. */
const loadBundle = (source: string) => {
  const module = { exports: {} as Record<string, unknown> };
  vm.runInThisContext(`(function (exports, require, module) {${source}\n})`)(module.exports, require, module);
  return module.exports;
};

describe("EffectFunction with a real tiny handler", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-fn-"));
  const cacheDir = path.join(outdir, "bundle-cache");
  let json: any;
  let fn: EffectFunction;

  beforeAll(() => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "fn-test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    fn = new EffectFunction(stack, "tiny", {
      functionName: "acme-dev-tiny",
      description: "test function",
      entry: fixtureHandler,
      logRetentionDays: 14,
      region: "eu-west-1",
      keys,
      alarms: new AlarmFactory("acme-dev", topic.arn),
      environment: { [envVars.environment]: "dev" },
      bundleCacheDir: cacheDir,
      reservedConcurrency: 3,
    });
    fn.grantTableReadWrite("orders", ordersTable).grantLakeWrite("raw/shopify/", lake).grantSecretRead("shopifyWebhook", secret).grantPublishAlerts(topic).grantPutEvents(bus);
    app.synth();
    json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "fn-test", "cdk.tf.json"), "utf8"));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  const lambda = () => resourcesOf(json, "aws_lambda_function")[0];
  const policy = () =>
    JSON.parse(resourcesOf(json, "aws_iam_role_policy")[0].policy) as { Statement: Array<{ Sid: string; Action: string[]; Resource: string[]; Condition?: unknown }> };

  it("produces a zip asset whose index.js runs the handler", async () => {
    const zipPath = path.join(outdir, "stacks", "fn-test", lambda().filename);
    expect(fs.existsSync(zipPath)).toBe(true);
    const entries = readZip(zipPath);
    expect([...entries.keys()]).toEqual(["index.js"]);
    const exported = loadBundle(entries.get("index.js")!.toString("utf8")) as { handler: (event: unknown) => Promise<unknown> };
    await expect(exported.handler({ hello: "world" })).resolves.toEqual({ ok: true, received: { hello: "world" }, table: process.env.SDP_TABLE_ORDERS ?? null });
    expect(lambda().source_code_hash).toBe(fn.bundle.sourceCodeHash);
  });

  it("runs nodejs22.x on arm64 with tracing, reserved concurrency, JSON logs and a DLQ", () => {
    expect(lambda()).toMatchObject({
      function_name: "acme-dev-tiny",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      tracing_config: { mode: "Active" },
      reserved_concurrent_executions: 3,
      logging_config: { log_format: "JSON" },
    });
    const dlq = resourcesOf(json, "aws_sqs_queue")[0];
    expect(dlq).toMatchObject({ name: "acme-dev-tiny-async-dlq", kms_master_key_id: keys.messaging });
    expect(lambda().dead_letter_config.target_arn).toMatch(/^\$\{aws_sqs_queue\..+\.arn\}$/);
  });

  it("has its own role and a log group with retention and the logs CMK", () => {
    const role = resourcesOf(json, "aws_iam_role")[0];
    expect(role.name).toBe("acme-dev-tiny");
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: "lambda.amazonaws.com" });
    expect(resourcesOf(json, "aws_cloudwatch_log_group")).toEqual([expect.objectContaining({ name: "/aws/lambda/acme-dev-tiny", retention_in_days: 14, kms_key_id: keys.logs })]);
  });

  it("adds the IAM statement and the env var in one grant call", () => {
    const variables = lambda().environment.variables;
    expect(variables).toMatchObject({
      [tableSpecs.orders.envVar]: ordersTable.name,
      [envVars.lakeBucket]: lake.bucket,
      [envVars.shopifyWebhookSecretArn]: secret.arn,
      [envVars.alertsTopicArn]: topic.arn,
      [envVars.eventBusName]: bus.name,
      [envVars.environment]: "dev",
    });
    const statements = policy().Statement;
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid("ReadWriteOrdersTable")).toMatchObject({ Resource: [ordersTable.arn, `${ordersTable.arn}/index/*`] });
    expect(bySid("ReadWriteOrdersTable")!.Action).toEqual(expect.arrayContaining(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"]));
    expect(bySid("LakeWriteRawShopifyPut")).toMatchObject({ Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"], Resource: [`${lake.arn}/raw/shopify/*`] });
    expect(bySid("LakeWriteRawShopifyList")).toMatchObject({ Action: ["s3:ListBucket"], Condition: { StringLike: { "s3:prefix": ["raw/shopify/*"] } } });
    expect(bySid("SecretShopifyWebhook")).toMatchObject({ Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [secret.arn] });
    expect(bySid("AlertsTopic")).toMatchObject({ Action: ["sns:Publish"], Resource: [topic.arn] });
    expect(bySid("PlatformBus")).toMatchObject({ Action: ["events:PutEvents"], Resource: [bus.arn] });
    expect(bySid("TablesKey")!.Resource).toEqual([keys.tables]);
    expect(bySid("SecretsKeyDecrypt")).toMatchObject({ Resource: [keys.secrets], Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } });
    for (const statement of statements) for (const action of statement.Action) expect(action).not.toMatch(/(^\*$|:\*$)/);
  });

  it("alarms on errors and throttles", () => {
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name, a.metric_name, a.alarm_actions]);
    expect(alarms).toEqual(
      expect.arrayContaining([
        ["acme-dev-tiny-errors", "Errors", [topic.arn]],
        ["acme-dev-tiny-throttles", "Throttles", [topic.arn]],
      ]),
    );
  });

  it("reuses the cached bundle when nothing changed (same zip, same hash)", () => {
    const again = bundleFunction({ name: "tiny", entry: fixtureHandler, cacheDir });
    expect(again.zipPath).toBe(fn.bundle.zipPath);
    expect(again.sourceCodeHash).toBe(fn.bundle.sourceCodeHash);
  });

  it("rebuilds when a source file changes", () => {
    const dir = fs.mkdtempSync(path.join(outdir, "src-"));
    const entry = path.join(dir, "handler.ts");
    fs.writeFileSync(entry, 'export const handler = async () => "one";\n');
    const first = bundleFunction({ name: "changing", entry, cacheDir });
    fs.writeFileSync(entry, 'export const handler = async () => "two";\n');
    // A new process would not have the in-memory memo; the on-disk meta must notice the change.
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require("../../modules/bundle") as typeof import("../../modules/bundle");
      const second = isolated.bundleFunction({ name: "changing", entry, cacheDir });
      expect(second.sourceCodeHash).not.toBe(first.sourceCodeHash);
      expect(second.cached).toBe(false);
      expect(readZip(second.zipPath).get("index.js")!.toString()).toContain('"two"');
    });
  });

  it("ships native modules in node_modules on x86_64 instead of bundling them", () => {
    const app = new App({ outdir: path.join(outdir, "native") });
    const stack = new TerraformStack(app, "native-test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const dir = fs.mkdtempSync(path.join(outdir, "native-src-"));
    const entry = path.join(dir, "handler.ts");
    // `yaml` stands in for a native addon: pure JS, small, and installed.
    fs.writeFileSync(entry, 'import { stringify } from "yaml";\nexport const handler = async () => stringify({ a: 1 });\n');
    const native = new EffectFunction(stack, "native", {
      functionName: "acme-dev-native",
      description: "native module test",
      entry,
      logRetentionDays: 14,
      region: "eu-west-1",
      keys,
      alarms: new AlarmFactory("acme-dev", topic.arn),
      nativeModules: ["yaml"],
      bundleCacheDir: cacheDir,
    });
    expect(native.architecture).toBe("x86_64");
    const entries = readZip(native.bundle.zipPath);
    expect(entries.has("node_modules/yaml/package.json")).toBe(true);
    expect(entries.get("index.js")!.toString()).toMatch(/require\("yaml"\)/);
  });
});
