/**
 * `sdp secrets generate` fills the GDPR subject index key (no provider issues it), and `sdp secrets
 * check` refuses a short one. Secrets Manager is a stateful stand-in behind the real SDK client
 * (aws-sdk-client-mock at the SDK boundary): DescribeSecret / GetSecretValue / PutSecretValue over
 * one map of versions, so a second run sees what the first stored.
 */
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createSecretsCommand } from "../../cli/commands/secrets";
import { secretNames } from "../../contracts/env-vars";
import { awsError, mockedAws, runCommand } from "../delivery/support";

const names = secretNames("acme", "staging");
const providerValue = "whsec_provider_value_that_is_never_printed_0001";

/** name -> current value (undefined: the secret exists without a value); absent: no such secret. */
const secretsManagerStandIn = (initial: Record<string, string | undefined>) => {
  const aws = mockedAws();
  const store = new Map<string, string | undefined>(Object.entries(initial));
  aws.sts.on(GetCallerIdentityCommand).resolves({ Account: "222222222222" });
  aws.secretsManager.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
    if (!store.has(input.SecretId)) throw awsError("ResourceNotFoundException", 400);
    return { VersionIdsToStages: store.get(input.SecretId) === undefined ? {} : { current: ["AWSCURRENT"] } };
  });
  aws.secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const value = store.get(input.SecretId);
    if (value === undefined) throw awsError("ResourceNotFoundException", 400);
    return { SecretString: value };
  });
  aws.secretsManager.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string }) => {
    if (!store.has(input.SecretId)) throw awsError("ResourceNotFoundException", 400);
    store.set(input.SecretId, input.SecretString);
    return { VersionId: `v${aws.secretsManager.commandCalls(PutSecretValueCommand).length}` };
  });
  return { aws, store };
};

const everyProviderSecret = (subjectIndexKey: string | undefined) => ({
  ...Object.fromEntries(Object.values(names).map((name) => [name, providerValue])),
  [names.subjectIndexKey]: subjectIndexKey,
});

describe("sdp secrets generate: the subject index key", () => {
  it("generates a 32-byte key for a secret without a value, never prints it, and keeps it on a second run", async () => {
    const { aws, store } = secretsManagerStandIn(everyProviderSecret(undefined));
    const command = createSecretsCommand({ awsClients: aws.factory });

    const before = await runCommand(command, ["check", "--env", "staging", "--json"]);
    expect(before.code).toBe(1);
    const beforeReport = JSON.parse(before.stdout) as { secrets: Array<{ key: string; state: string; detail: string }> };
    const missing = beforeReport.secrets.find((secret) => secret.key === "subjectIndexKey");
    expect(missing).toMatchObject({ state: "no-value" });
    expect(missing?.detail).toContain("npx sdp secrets generate --env staging");

    const dry = await runCommand(command, ["generate", "--env", "staging", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/gdpr\/subject-index-key\s+would-generate/);
    expect(store.get(names.subjectIndexKey)).toBeUndefined();
    expect(aws.secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);

    const first = await runCommand(command, ["generate", "--env", "staging", "--json"]);
    expect(first.code).toBe(0);
    const key = store.get(names.subjectIndexKey);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(first.stdout).not.toContain(key);
    expect(JSON.parse(first.stdout)).toMatchObject({ env: "staging", ok: true, dryRun: false, secrets: [{ key: "subjectIndexKey", outcome: "generated" }] });
    // Only the generated secret is written: provider secrets are never touched.
    expect(aws.secretsManager.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([names.subjectIndexKey]);

    const second = await runCommand(command, ["generate", "--env", "staging"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/gdpr\/subject-index-key\s+kept/);
    expect(store.get(names.subjectIndexKey)).toBe(key);
    expect(aws.secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(1);

    const after = await runCommand(command, ["check", "--env", "staging"]);
    expect(after.code).toBe(0);
    expect(after.stdout + after.stderr).not.toContain(key);
  });

  it("replaces a placeholder, two keys generated in two environments differ", async () => {
    const one = secretsManagerStandIn(everyProviderSecret("REPLACE_ME"));
    const two = secretsManagerStandIn(everyProviderSecret(""));
    expect((await runCommand(createSecretsCommand({ awsClients: one.aws.factory }), ["generate", "--env", "staging"])).code).toBe(0);
    expect((await runCommand(createSecretsCommand({ awsClients: two.aws.factory }), ["generate", "--env", "staging"])).code).toBe(0);
    expect(one.store.get(names.subjectIndexKey)).toMatch(/^[0-9a-f]{64}$/);
    expect(two.store.get(names.subjectIndexKey)).toMatch(/^[0-9a-f]{64}$/);
    expect(one.store.get(names.subjectIndexKey)).not.toBe(two.store.get(names.subjectIndexKey));
  });

  it("check fails a short key as invalid; generate reports it and does not replace it (it may already key the index)", async () => {
    const { aws, store } = secretsManagerStandIn(everyProviderSecret("short-key-1234"));
    const command = createSecretsCommand({ awsClients: aws.factory });
    const check = await runCommand(command, ["check", "--env", "staging"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/FAIL .*gdpr\/subject-index-key\s+invalid: is shorter than 32 characters/);
    expect(check.stdout).not.toContain("short-key-1234");
    const generate = await runCommand(command, ["generate", "--env", "staging"]);
    expect(generate.code).toBe(1);
    expect(generate.stdout).toMatch(/FAIL .*subject-index-key\s+failed: .*rotate it by hand/);
    expect(store.get(names.subjectIndexKey)).toBe("short-key-1234");
  });

  it("a secret the foundation stack has not created fails with what to deploy; access denied names the action", async () => {
    const absent = secretsManagerStandIn(
      Object.fromEntries(
        Object.values(names)
          .filter((name) => name !== names.subjectIndexKey)
          .map((name) => [name, providerValue]),
      ),
    );
    const missing = await runCommand(createSecretsCommand({ awsClients: absent.aws.factory }), ["generate", "--env", "staging", "--json"]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).secrets[0]).toMatchObject({ outcome: "failed", detail: expect.stringContaining("sdp deploy --env staging --stacks foundation") });

    const denied = secretsManagerStandIn(everyProviderSecret(undefined));
    denied.aws.secretsManager.on(PutSecretValueCommand).rejects(awsError("AccessDeniedException", 400));
    const result = await runCommand(createSecretsCommand({ awsClients: denied.aws.factory }), ["generate", "--env", "staging"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`secretsmanager:PutSecretValue on ${names.subjectIndexKey}`);
  });

  it.each([[["generate"]], [["generate", "--env", "local"]], [["check", "--env", "staging", "--dry-run"]], [["rotate", "--env", "staging"]]])(
    "usage error (exit 2) for %j",
    async (argv) => {
      const { aws } = secretsManagerStandIn(everyProviderSecret(undefined));
      const result = await runCommand(createSecretsCommand({ awsClients: aws.factory }), argv);
      expect(result.code).toBe(2);
      expect(aws.secretsManager.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    },
  );
});
