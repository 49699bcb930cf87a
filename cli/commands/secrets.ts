/**
 * `sdp secrets check --env <env> [--json]`: each platform secret and whether it holds a value.
 * `sdp secrets generate --env <env> [--dry-run] [--json]`: fills the secrets the platform makes
 * itself (the GDPR subject index key) when they have no value. Values are never printed.
 */
import { defaultAwsClients, type AwsClientFactory } from "../../delivery/aws";
import { requireAccount, requireDeployedEnv, writeJson } from "../delivery-support";
import { checkSecrets, generatedSecrets, generateSecrets } from "../../delivery/secrets";
import { parseOptions, UsageError, type Command } from "../command";

export const createSecretsCommand = (overrides: { awsClients?: AwsClientFactory } = {}): Command => {
  const awsClients = overrides.awsClients ?? defaultAwsClients;
  return {
    summary: "Check that every platform secret in Secrets Manager holds a value, generate the platform's own (never prints values)",
    help: `Usage: sdp secrets check --env <dev|staging|prod> [--json]
       sdp secrets generate --env <dev|staging|prod> [--dry-run] [--json]

Lists each secret of contracts/env-vars.ts secretNames for the environment and whether it
holds a value (missing, no value, empty/placeholder, invalid, populated) and, for the Shopify
Admin secret, which kind it holds: accessToken (a legacy custom app) or clientId + clientSecret
(a Dev Dashboard app); a half-filled one names the missing key. Needs credentials for the
environment's account. Secret values are read only to tell them from placeholders and are
never printed.

generate fills the secrets no provider issues (${generatedSecrets.join(", ")}: the GDPR subject
index's HMAC key, 32 random bytes) when they exist without a value or hold a placeholder. A
secret that holds a value is kept (rotating the subject index key orphans the index), an invalid
one is reported and left for a hand rotation; re-running it changes nothing. --dry-run says what
it would generate. Run it once after the first foundation deploy, before any function indexes.

Exit codes: 0 every secret holds a value (generate: every generated secret holds one), 1 at least
one does not (or AWS failed), 2 bad usage.

Examples:
  AWS_PROFILE=acme-staging npx sdp secrets check --env staging
  AWS_PROFILE=acme-staging npx sdp secrets generate --env staging --dry-run`,
    run: async (argv, io) => {
      const { values, positionals } = parseOptions(
        argv,
        { env: { type: "string" }, json: { type: "boolean", default: false }, "dry-run": { type: "boolean", default: false } },
        true,
      );
      if (positionals.length !== 1 || (positionals[0] !== "check" && positionals[0] !== "generate")) {
        throw new UsageError(`expected the sub-command "check" or "generate", got ${positionals.length === 0 ? "none" : `"${positionals.join(" ")}"`}`);
      }
      if (positionals[0] === "check" && values["dry-run"]) throw new UsageError("--dry-run applies to generate only (check never changes anything)");
      const { config } = requireDeployedEnv(values.env);
      const clients = awsClients(config.region);
      await requireAccount(clients.sts, config);
      if (positionals[0] === "generate") {
        const results = await generateSecrets(clients.secretsManager, config, { dryRun: values["dry-run"] });
        const ok = results.every((result) => result.outcome !== "failed");
        if (values.json) {
          writeJson(io.stdout, { env: config.name, ok, dryRun: values["dry-run"], secrets: results });
        } else {
          const width = Math.max(...results.map((result) => result.name.length));
          io.stdout.write(`Generated secrets for ${config.name} (account ${config.accountId}, ${config.region})${values["dry-run"] ? ", dry run" : ""}:\n`);
          for (const result of results) io.stdout.write(`  ${result.outcome === "failed" ? "FAIL" : "ok  "} ${result.name.padEnd(width)}  ${result.outcome}: ${result.detail}\n`);
        }
        return ok ? 0 : 1;
      }
      const statuses = await checkSecrets(clients.secretsManager, config);
      const ok = statuses.every((status) => status.populated);
      if (values.json) {
        writeJson(io.stdout, { env: config.name, ok, secrets: statuses });
      } else {
        const width = Math.max(...statuses.map((status) => status.name.length));
        io.stdout.write(`Secrets for ${config.name} (account ${config.accountId}, ${config.region}):\n`);
        for (const status of statuses) {
          io.stdout.write(
            `  ${status.populated ? "ok  " : "FAIL"} ${status.name.padEnd(width)}  ${status.state}${status.populated ? (status.kind ? `: ${status.detail}` : "") : `: ${status.detail}`}\n`,
          );
        }
        io.stdout.write(ok ? "Every secret holds a value.\n" : `${statuses.filter((s) => !s.populated).length} secret(s) need a value.\n`);
      }
      return ok ? 0 : 1;
    },
  };
};

export default createSecretsCommand();
