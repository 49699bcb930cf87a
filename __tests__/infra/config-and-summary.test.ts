import { Testing } from "cdktn";
import * as fs from "node:fs";
import * as path from "node:path";
import { environmentCatalogue } from "../../config/environments";
import { routes } from "../../contracts/events";
import { tableKeys } from "../../contracts/tables";
import { InvalidEnvironmentConfig } from "../../config/schema";
import { acceptsStarResource } from "../../policies/iam-catalogue";
import { statements } from "../../policies/iam";
import { buildApp } from "../../stacks/app";
import { synthesizeSummary } from "../../stacks/summary";

const withEnv = (name: "dev" | "staging" | "prod", change: (env: Record<string, unknown>) => void) => {
  const env = { ...(environmentCatalogue[name] as Record<string, unknown>) };
  change(env);
  return { ...environmentCatalogue, [name]: env };
};

describe("a bad environment config fails synth with the field named", () => {
  it("prod without a Shopify partner event source", () => {
    const catalogue = withEnv("prod", (env) => delete env.shopifyPartnerEventSource);
    expect(() => buildApp({ catalogue })).toThrow(InvalidEnvironmentConfig);
    expect(() => buildApp({ catalogue })).toThrow(/"prod" environment config:\n.*shopifyPartnerEventSource: is required in prod/);
  });

  it("a bad region", () => {
    const catalogue = withEnv("staging", (env) => (env.region = "europe-west"));
    expect(() => buildApp({ catalogue })).toThrow(/"staging" environment config:\n\s+- region: must be an AWS region such as eu-west-1/);
  });

  it("an account id that is not 12 digits, and a missing e-mail list, together", () => {
    const catalogue = withEnv("dev", (env) => {
      env.accountId = "1234";
      delete env.alertEmails;
    });
    let message = "";
    try {
      buildApp({ catalogue });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/accountId: must be a 12-digit AWS account id/);
    expect(message).toMatch(/alertEmails/);
  });

  it("refuses to build stacks for local (it runs on the embedded platform)", () => {
    expect(() => buildApp({ environments: ["local"] })).toThrow(/local.*embedded platform/);
  });
});

describe("an environment without a partner event source yet (allowed outside prod)", () => {
  it("synthesizes on a Testing.app() with the platform bus and its routes only", () => {
    const catalogue = withEnv("dev", (env) => delete env.shopifyPartnerEventSource);
    const { app, environments } = buildApp({ app: Testing.app(), catalogue, environments: ["dev"], functionEntry: () => undefined });
    app.synth();
    const ingestion = JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", "acme-dev-ingestion", "cdk.tf.json"), "utf8"));
    expect(Object.values(ingestion.resource.aws_cloudwatch_event_bus).map((bus: any) => bus.name)).toEqual(["acme-dev-platform"]);
    expect(Object.keys(ingestion.resource.aws_cloudwatch_event_rule)).toHaveLength(routes.filter((route) => route.bus === "platform").length);
    expect(environments[0]!.ingestion.guardrailReport?.violations).toEqual([]);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });
});

describe("IAM statement builders", () => {
  it("never grant a wildcard action, and use * resources only for actions that require it (AWS's catalogue says which)", async () => {
    const arn = "arn:aws:dynamodb:eu-west-1:1:table/t";
    const all = [
      statements.tableRead("A", arn),
      statements.tableReadWrite("B", arn),
      ...statements.objectsRead("C", "arn:aws:s3:::b", "raw/"),
      ...statements.objectsWrite("D", "arn:aws:s3:::b", "raw/"),
      statements.kmsDecrypt("E", "k"),
      statements.kmsEncryptDecrypt("F", "k"),
      statements.secretRead("G", "s"),
      statements.putEvents("H", "b"),
      statements.snsPublish("I", "t"),
      statements.sqsSend("J", "q"),
      statements.sqsConsume("K", "q"),
      statements.logsWrite("L", "g"),
      statements.xrayWrite(),
      statements.lambdaInvoke("M", "f"),
      statements.startExecution("N", "sm"),
      statements.metricsRead(),
      statements.athenaQuery("O", "arn:aws:athena:eu-west-1:1:workgroup/w"),
      statements.glueCatalog("P", "eu-west-1", "1", "acme_dev_lake", true),
    ];
    for (const statement of all) {
      const actions = [statement.Action].flat();
      for (const action of actions) expect(action).not.toMatch(/(^\*$|:\*$)/);
      if ([statement.Resource].flat().includes("*")) for (const action of actions) expect([action, await acceptsStarResource(action)]).toEqual([action, true]);
    }
  });

  it("scopes lake listing to the prefix", () => {
    const [, list] = statements.objectsRead("Raw", "arn:aws:s3:::b", "raw/shopify/");
    expect(list).toMatchObject({ Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::b"], Condition: { StringLike: { "s3:prefix": ["raw/shopify/*"] } } });
  });
});

describe("synthesizeSummary", () => {
  it("synthesizes every stack and counts its resources", () => {
    const summary = synthesizeSummary({ environments: ["dev"], functionEntry: () => undefined });
    expect(summary.map((s) => s.stack)).toEqual([
      "acme-dev-foundation",
      "acme-dev-lake",
      "acme-dev-hot-stores",
      "acme-dev-ingestion",
      "acme-dev-backfill",
      "acme-dev-analytics",
      "acme-dev-monitoring",
    ]);
    const count = Object.fromEntries(summary.map((s) => [s.stack, s.resources]));
    // Every table of contracts/tables.ts x (table + 2 throttle alarms + system-error alarm)
    expect(count["acme-dev-hot-stores"]).toBe(tableKeys.length * 4);
    expect(tableKeys.length).toBeGreaterThanOrEqual(21);
    for (const stack of summary) expect(stack.resources).toBeGreaterThan(0);
  });
});
