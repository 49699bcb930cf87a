/**
 * Prints what a GitHub Actions deploy job needs for one environment, as `key=value` lines for
 * $GITHUB_OUTPUT: the OIDC deploy role (contracts/naming.ts) and the region (config/).
 *
 *   npx tsx delivery/github-target.ts --env dev >> "$GITHUB_OUTPUT"
 */
import { parseArgs } from "node:util";
import { deployedEnvironments, loadEnvironment } from "../config/environments";
import { githubDeployRoleArn } from "../contracts/naming";
import { isDeployedEnvironment } from "./stacks";

export const githubTarget = (env: (typeof deployedEnvironments)[number]) => {
  const config = loadEnvironment(env);
  return { role_arn: githubDeployRoleArn(config.accountId, config.brand, env), region: config.region, account_id: config.accountId };
};

if (require.main === module) {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { env: { type: "string" } }, strict: true });
  if (!values.env || !isDeployedEnvironment(values.env)) {
    process.stderr.write(`usage: github-target --env <${deployedEnvironments.join("|")}>\n`);
    process.exitCode = 2;
  } else {
    for (const [key, value] of Object.entries(githubTarget(values.env))) process.stdout.write(`${key}=${value}\n`);
  }
}
