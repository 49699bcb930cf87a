/**
 * `sdp secrets check --env <env> [--json]`: each platform secret and whether it holds a value.
 * Values are never printed.
 */
import { defaultAwsClients, type AwsClientFactory } from "../../delivery/aws";
import { requireAccount, requireDeployedEnv, writeJson } from "../delivery-support";
import { checkSecrets } from "../../delivery/secrets";
import { parseOptions, UsageError, type Command } from "../command";

export const createSecretsCommand = (overrides: { awsClients?: AwsClientFactory } = {}): Command => {
  const awsClients = overrides.awsClients ?? defaultAwsClients;
  return {
    summary: "Check that every platform secret in Secrets Manager holds a value (never prints values)",
    help: `Usage: sdp secrets check --env <dev|staging|prod> [--json]

Lists each secret of contracts/env-vars.ts secretNames for the environment and whether it
holds a value (missing, no value, empty/placeholder, invalid, populated) and, for the Shopify
Admin secret, which kind it holds: accessToken (a legacy custom app) or clientId + clientSecret
(a Dev Dashboard app); a half-filled one names the missing key. Needs credentials for the
environment's account. Secret values are read only to tell them from placeholders and are
never printed.

Exit codes: 0 every secret holds a value, 1 at least one does not (or AWS failed), 2 bad usage.

Example:
  AWS_PROFILE=acme-staging npx sdp secrets check --env staging`,
    run: async (argv, io) => {
      const { values, positionals } = parseOptions(argv, { env: { type: "string" }, json: { type: "boolean", default: false } }, true);
      if (positionals.length !== 1 || positionals[0] !== "check") {
        throw new UsageError(`expected the sub-command "check", got ${positionals.length === 0 ? "none" : `"${positionals.join(" ")}"`}`);
      }
      const { config } = requireDeployedEnv(values.env);
      const clients = awsClients(config.region);
      await requireAccount(clients.sts, config);
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
