/**
 * `sdp deploy --env <env> [--stacks a,b] [--dry-run] [--auto-approve] [--json]`: preflight
 * checks, then `cdktn deploy` (CDK Terrain) of the stacks in dependency order.
 */
import { defaultAwsClients, type AwsClientFactory } from "../../delivery/aws";
import { requireDeployedEnv, writeJson } from "../delivery-support";
import { formatDeployPlan, planDeploy, runProcess, type ProcessRunner } from "../../delivery/deploy";
import { formatPreflight, preflightPassed, runPreflight } from "../../delivery/preflight";
import { selectStacks, UnknownStacks } from "../../delivery/stacks";
import { locateBinary, repoRoot } from "../../delivery/toolchain";
import { parseOptions, UsageError, type Command } from "../command";

export interface DeployCommandDeps {
  readonly awsClients: AwsClientFactory;
  readonly runProcess: ProcessRunner;
  /** Repository root: where cdktn runs and node_modules/.bin is searched. */
  readonly root: string;
  /** The environment catalogue (default: config/environments.ts). */
  readonly catalogue?: Record<string, unknown>;
}

export const createDeployCommand = (overrides: Partial<DeployCommandDeps> = {}): Command => {
  const deps: DeployCommandDeps = { awsClients: defaultAwsClients, runProcess, root: repoRoot, ...overrides };
  return {
    summary: "Deploy an environment's stacks in dependency order, after preflight checks",
    help: `Usage: sdp deploy --env <dev|staging|prod> [--stacks <a,b>] [--dry-run] [--auto-approve] [--json]

Runs preflight checks (no placeholder account id or example e-mail in config/environments.ts,
terraform and cdktn present, AWS credentials for the environment's account, state bucket and
lock table reachable, the Shopify partner event source created, the functions' reserved
concurrency within the account's Lambda quota, secrets populated), then
\`cdktn deploy <stacks...>\` in dependency order.

Options:
  --env <env>        environment to deploy (dev, staging, prod)
  --stacks <a,b>     only these stacks: layer names (lake) or full names (acme-dev-lake);
                     dependencies not listed must already be deployed
  --dry-run          run the (read-only) checks and print them with the stack order and command;
                     deploy nothing (without credentials only the config checks run)
  --auto-approve     pass --auto-approve to cdktn (CI); otherwise cdktn asks per stack
  --json             machine-readable output on stdout

Exit codes: 0 deployed (or dry run), 1 preflight or deploy failed, 2 bad usage.

Examples:
  npx sdp deploy --env dev --dry-run
  npx sdp deploy --env staging --stacks foundation,lake
  npx sdp deploy --env prod --auto-approve`,
    run: async (argv, io) => {
      const { values } = parseOptions(argv, {
        env: { type: "string" },
        stacks: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        "auto-approve": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      });
      const { env, config } = requireDeployedEnv(values.env, deps.catalogue);
      let selection;
      try {
        selection = selectStacks(env, values.stacks === undefined ? undefined : values.stacks.split(","), config);
      } catch (error) {
        if (error instanceof UnknownStacks) throw new UsageError(error.message);
        throw error;
      }
      const plan = planDeploy(config, selection, { autoApprove: values["auto-approve"] ?? false });

      const dryRun = values["dry-run"] ?? false;
      const checks = await runPreflight(
        config,
        { clients: deps.awsClients(config.region), env: io.env, binRoot: deps.root },
        { needsSecrets: plan.needsSecrets, needsPartnerSource: plan.needsPartnerSource, reservedConcurrency: plan.reservedConcurrency, dryRun },
      );
      if (dryRun) {
        const passed = preflightPassed(checks);
        if (values.json) writeJson(io.stdout, { dryRun: true, ...plan, checks, passed });
        else io.stdout.write(`${formatDeployPlan(plan)}\n\nPreflight (dry run):\n${formatPreflight(checks)}\n\nDry run: nothing was deployed.\n`);
        if (!passed) io.stderr.write(`Preflight failed for ${env}: fix the checks marked FAIL before deploying.\n`);
        return passed ? 0 : 1;
      }

      // With --json stdout carries only the JSON document; progress goes to stderr.
      const progress = values.json ? io.stderr : io.stdout;
      if (!preflightPassed(checks)) {
        io.stderr.write(`Preflight failed for ${env}: nothing was deployed.\n${formatPreflight(checks)}\n`);
        if (values.json) writeJson(io.stdout, { dryRun: false, ...plan, checks, deployed: false });
        return 1;
      }
      progress.write(`Preflight passed for ${env}:\n${formatPreflight(checks)}\n\nDeploying ${plan.stacks.map((t) => t.stack).join(", ")}\n`);

      const [binary, ...args] = plan.command;
      const executable = locateBinary(binary!, io.env, deps.root)!;
      const exitCode = await deps.runProcess(executable, args, { cwd: deps.root, env: io.env, stdout: progress, stderr: io.stderr });
      if (values.json) writeJson(io.stdout, { dryRun: false, ...plan, checks, deployed: exitCode === 0, exitCode });
      if (exitCode !== 0) {
        io.stderr.write(
          `cdktn deploy exited with ${exitCode}: stacks before the failing one are deployed, the rest are not.\n` +
            `See docs/runbooks/rolling-back.md; a stale state lock is released with \`terraform force-unlock <id>\` in the stack's cdktf.out directory.\n`,
        );
        return 1;
      }
      progress.write(`Deployed ${plan.stacks.length} stack(s) to ${env}.\n`);
      return 0;
    },
  };
};

export default createDeployCommand();
