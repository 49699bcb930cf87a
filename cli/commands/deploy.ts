/**
 * `sdp deploy --env <env> [--stacks a,b] [--dry-run] [--auto-approve] [--json]`: preflight
 * checks, then `cdktn deploy` (CDK Terrain) of the stacks in dependency order.
 */
import { defaultAwsClients, type AwsClientFactory } from "../../delivery/aws";
import { requireDeployedEnv, writeJson } from "../../delivery/command-support";
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
}

export const createDeployCommand = (overrides: Partial<DeployCommandDeps> = {}): Command => {
  const deps: DeployCommandDeps = { awsClients: defaultAwsClients, runProcess, root: repoRoot, ...overrides };
  return {
    summary: "Deploy an environment's stacks in dependency order, after preflight checks",
    help: `Usage: sdp deploy --env <dev|staging|prod> [--stacks <a,b>] [--dry-run] [--auto-approve] [--json]

Runs preflight checks (terraform and cdktn present, AWS credentials for the environment's
account, state bucket and lock table reachable, secrets populated), then
\`cdktn deploy <stacks...>\` in dependency order.

Options:
  --env <env>        environment to deploy (dev, staging, prod)
  --stacks <a,b>     only these stacks: layer names (lake) or full names (acme-dev-lake);
                     dependencies not listed must already be deployed
  --dry-run          print the checks, stack order and command; run nothing
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
      const { env, config } = requireDeployedEnv(values.env);
      let selection;
      try {
        selection = selectStacks(env, values.stacks === undefined ? undefined : values.stacks.split(","), config);
      } catch (error) {
        if (error instanceof UnknownStacks) throw new UsageError(error.message);
        throw error;
      }
      const plan = planDeploy(config, selection, { autoApprove: values["auto-approve"] ?? false });

      if (values["dry-run"]) {
        if (values.json) writeJson(io.stdout, { dryRun: true, ...plan });
        else io.stdout.write(`${formatDeployPlan(plan)}\n\nDry run: nothing was checked or deployed.\n`);
        return 0;
      }

      const checks = await runPreflight(config, { clients: deps.awsClients(config.region), env: io.env, binRoot: deps.root }, { needsSecrets: plan.needsSecrets });
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
