/** `sdp secrets check`: which secrets hold a value, never the value itself. */
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createSecretsCommand } from "../../cli/commands/secrets";
import { secretNames } from "../../contracts/env-vars";
import { holdsRealValue } from "../../delivery/secrets";
import { awsError, mockedAws, runCommand } from "./support";

const names = secretNames("acme", "staging");
const realValue = "whsec_live_value_that_must_never_be_printed";

const stagingAws = () => {
  const aws = mockedAws();
  aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "222222222222" });
  aws.secretsManager.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
  aws.secretsManager.on(GetSecretValueCommand).resolves({ SecretString: realValue });
  return aws;
};

describe("holdsRealValue", () => {
  it.each([
    ["", false],
    ["  ", false],
    ["{}", false],
    ["REPLACE_ME", false],
    ["<set me>", false],
    ['{"token":"","shop":""}', false],
    ['{"token":"changeme"}', false],
    ['{"shop":"acme-store.myshopify.com","token":"","apiVersion":"2026-01"}', false],
    ['{"secrets":["whsec_new","whsec_old"]}', true],
    ['{"token":"shpat_abc","apiVersion":"2026-01"}', true],
    ["sk_live_abcTODOxyz", true],
    [realValue, true],
  ])("%j -> %s", (value, expected) => expect(holdsRealValue(value)).toBe(expected));
});

describe("sdp secrets check", () => {
  it("lists every secret of the environment as populated, exit 0, without values", async () => {
    const aws = stagingAws();
    const result = await runCommand(createSecretsCommand({ awsClients: aws.factory }), ["check", "--env", "staging"]);
    expect(result.code).toBe(0);
    for (const name of Object.values(names)) expect(result.stdout).toMatch(new RegExp(`ok {3}${name.replace(/\//g, "\\/")}\\s+populated`));
    expect(result.stdout).toContain("Every secret holds a value.");
    expect(result.stdout + result.stderr).not.toContain(realValue);
  });

  it("reports missing, valueless, empty and unreadable secrets with exit 1 and --json", async () => {
    const aws = stagingAws();
    aws.secretsManager.on(DescribeSecretCommand, { SecretId: names.shopifyAdmin }).rejects(awsError("ResourceNotFoundException", 400));
    aws.secretsManager.on(DescribeSecretCommand, { SecretId: names.rechargeWebhook }).resolves({ VersionIdsToStages: { v0: ["AWSPREVIOUS"] } });
    aws.secretsManager.on(GetSecretValueCommand, { SecretId: names.stripeApi }).resolves({ SecretString: "{}" });
    aws.secretsManager.on(DescribeSecretCommand, { SecretId: names.stripeWebhook }).rejects(awsError("AccessDeniedException", 400));
    aws.secretsManager.on(DescribeSecretCommand, { SecretId: names.rechargeApi }).resolves({ DeletedDate: new Date(), VersionIdsToStages: { v1: ["AWSCURRENT"] } });
    const command = createSecretsCommand({ awsClients: aws.factory });
    const text = await runCommand(command, ["check", "--env", "staging"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`FAIL ${names.shopifyAdmin}`);
    expect(text.stdout).toContain("5 secret(s) need a value.");
    const json = await runCommand(command, ["check", "--env", "staging", "--json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; secrets: Array<{ key: string; state: string }> };
    expect(report.ok).toBe(false);
    expect(Object.fromEntries(report.secrets.map((s) => [s.key, s.state]))).toEqual({
      shopifyAdmin: "missing",
      shopifyWebhook: "populated",
      rechargeApi: "scheduled-for-deletion",
      rechargeWebhook: "no-value",
      stripeApi: "empty",
      stripeWebhook: "access-denied",
      subjectIndexKey: "populated",
    });
    expect(json.stdout).not.toContain(realValue);
    // Values are only fetched for secrets that have a current version.
    const fetched = aws.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(fetched).not.toContain(names.rechargeWebhook);
    expect(fetched).not.toContain(names.shopifyAdmin);
  });

  it("refuses the wrong account before reading any secret", async () => {
    const aws = stagingAws();
    aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "111111111111" });
    const result = await runCommand(createSecretsCommand({ awsClients: aws.factory }), ["check", "--env", "staging"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("credentials are for account 111111111111, but staging is account 222222222222");
    expect(aws.secretsManager.calls()).toHaveLength(0);
  });

  it("explains missing credentials", async () => {
    const aws = stagingAws();
    aws.sts.on(GetCallerIdentityCommand).rejects(awsError("ExpiredToken", 403, "The security token included in the request is expired"));
    const result = await runCommand(createSecretsCommand({ awsClients: aws.factory }), ["check", "--env", "staging"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no valid AWS credentials (ExpiredToken");
    expect(result.stderr).toContain("aws sso login --profile acme-staging");
  });

  it.each([[[]], [["--env", "dev"]], [["list", "--env", "dev"]], [["check", "--env", "local"]], [["check"]]])("usage error for %j", async (argv) => {
    const result = await runCommand(createSecretsCommand({ awsClients: stagingAws().factory }), argv);
    expect(result.code).toBe(2);
  });
});

describe("sdp secrets check: the Shopify Admin secret's kind", () => {
  const withAdmin = (secretString: string) => {
    const aws = stagingAws();
    aws.secretsManager.on(GetSecretValueCommand, { SecretId: names.shopifyAdmin }).resolves({ SecretString: secretString });
    return aws;
  };

  it("says whether it holds a legacy accessToken or a Dev Dashboard app's client credentials, never the value", async () => {
    const app = await runCommand(
      createSecretsCommand({ awsClients: withAdmin(JSON.stringify({ clientId: "client-id-1", clientSecret: "client-secret-never-printed" })).factory }),
      ["check", "--env", "staging", "--json"],
    );
    expect(app.code).toBe(0);
    const admin = (JSON.parse(app.stdout) as { secrets: Array<{ key: string; kind?: string; state: string }> }).secrets.find((secret) => secret.key === "shopifyAdmin");
    expect(admin).toMatchObject({ state: "populated", kind: "client-credentials" });
    expect(app.stdout).not.toContain("client-secret-never-printed");

    const legacy = await runCommand(createSecretsCommand({ awsClients: withAdmin(JSON.stringify({ accessToken: "shpat_never_printed_123" })).factory }), [
      "check",
      "--env",
      "staging",
    ]);
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toMatch(/shopify\/admin-api\s+populated: holds accessToken \(legacy custom app\)/);
    expect(legacy.stdout).not.toContain("shpat_never_printed_123");
  });

  it("fails a half-filled app secret naming the missing key", async () => {
    const result = await runCommand(createSecretsCommand({ awsClients: withAdmin(JSON.stringify({ clientId: "client-id-1", shop: "acme.myshopify.com" })).factory }), [
      "check",
      "--env",
      "staging",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL .*shopify\/admin-api\s+invalid: has clientId but no "clientSecret"/);
  });
});
